"""The planning pipeline, one module per step, in the order they run.

    validate → Checked       (steps/validate.py; the plan id step, steps/plan_id.py, names it)
    targets  → Targets       (steps/targets.py)
    deltas   → Deltas        (steps/deltas.py)
    actions  → RebalancePlan (steps/actions.py; per-symbol rules in steps/rules.py,
                              cash feasibility in steps/cash.py)

`portfolio.steps.planner` composes them; each is exported from `portfolio` for pipelines of
your own (docs/recipes.md).
"""
