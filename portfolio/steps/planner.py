"""The whole pipeline: validate → targets → deltas → actions, as one Result.

`Planner.prepare(allocation, policy)` validates what stays fixed across snapshots once;
`planner.plan(snapshot)` validates the snapshot and runs the same steps.
`plan_rebalance(allocation, snapshot, policy)` is exactly
`Planner.prepare(allocation, policy).bind(lambda planner: planner.plan(snapshot))`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, localcontext
from functools import partial
from operator import add, attrgetter, mul

import attrs
from returns.result import Failure, Result, Success

from portfolio.records.allocation import Allocation, CombinedAllocation
from portfolio.records.errors import PortfolioError
from portfolio.records.money import CORE_CONTEXT, MAX_AMOUNT, ZERO, bounds_problem
from portfolio.records.plan import Action, Reason, RebalancePlan
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Snapshot
from portfolio.steps.actions import AdjustLots, plan_from_columns
from portfolio.steps.deltas import current_column, trade_column
from portfolio.steps.prepare import Prepared, prepare, rebased
from portfolio.steps.rules import Decisions
from portfolio.steps.targets import investable_value, target_column
from portfolio.steps.validate import (
    Columns,
    as_result,
    columns,
    columns_or_error,
    trusted_columns,
)
from portfolio.tax.harvest import harvested, harvested_from, moves_holdings
from portfolio.tax.policy import TaxPolicy
from portfolio.tax.step import (
    TaxInputs,
    adjusted,
    lots_adjusted,
    tax_inputs,
    with_report,
)

__all__ = ["Planner", "plan_prepared", "plan_rebalance"]

_HALF = MAX_AMOUNT / 2
_MINUS_HALF = -_HALF
#: Below 1E+14 in magnitude: a `Decimal.adjusted()` (the exponent of its first digit) of
#: at most 13. An int per number, where `min` and `max` compared each Decimal twice: 11
#: thousand instructions fewer of the 825 a 20-symbol account on a shared model cost.
_SMALL_EXPONENT = 13
#: The `PlanItem` fields the bounds rule reads (by name: 58 ns an item against 50 by index).
_SYMBOL, _QUANTITY, _PRICE = attrgetter("symbol"), attrgetter("quantity"), attrgetter("price")


@attrs.frozen
class Planner:
    """An allocation and a policy, validated once, ready to plan any number of snapshots.

    >>> from decimal import Decimal as D
    >>> planner = Planner.prepare(
    ...     Allocation(target_weights={"SPY": D("0.5")}, correlation_id="doc")
    ... ).unwrap()
    >>> plans = [planner.plan(Snapshot(cash=c, prices={"SPY": D(100)})) for c in (D(1000), D(3000))]
    >>> [plan.unwrap().items[0].trade_amount for plan in plans]
    [Decimal('500.00'), Decimal('1500.00')]
    """

    prepared: Prepared

    @classmethod
    def prepare(
        cls,
        allocation: Allocation | CombinedAllocation,
        policy: SizingPolicy = SizingPolicy(),  # noqa: B008 - a frozen record is a safe default
    ) -> Result[Planner, PortfolioError]:
        """Validate the allocation and the policy once; a Failure names what is wrong."""
        return prepare(allocation, policy).map(cls)

    @property
    def policy(self) -> SizingPolicy:
        """The policy this planner applies."""
        return self.prepared.policy

    def plan(self, snapshot: Snapshot) -> Result[RebalancePlan, PortfolioError]:
        """Plan a rebalance of `snapshot`: pure, deterministic, and never raising."""
        return plan_prepared(self.prepared, snapshot)

    def plan_trusted(
        self,
        account: tuple[Mapping[str, Decimal], Decimal],
        prices: Mapping[str, Decimal],
        as_of: datetime | None = None,
        tax_inputs: TaxInputs | None = None,
    ) -> Result[RebalancePlan, PortfolioError]:
        """`plan`'s decisions for an account checked already (`steps.validate.trusted_columns`).

        `account` = (held, cash). The plan has no id (the backtest's fold trades it and
        builds its plans only when they are read). Under tax rules, which read the whole
        snapshot, it is `plan` on that snapshot, unless `tax_inputs` holds lots and
        recent trades valid by construction (`trusted_tax_inputs`: a backtest's own,
        with `as_of`): then those are read as they are, and the plan has no `TaxReport`
        either: `sold_lots(plan, tax_inputs)` gives the lots its sales relieve. With
        harvesting or substitutes, the account after a harvest is planned as a snapshot,
        and the plan has its report. Call inside the core context.
        """
        tax = self.prepared.policy.tax
        if tax is None:
            return _planned(trusted_columns(self.prepared, account, prices, as_of))
        held, cash = account
        if tax_inputs is None or as_of is None:
            return self.plan(Snapshot(cash=cash, positions=held, prices=prices, as_of=as_of))
        trusted = as_result(trusted_columns(self.prepared, account, prices, as_of))
        if not moves_holdings(tax):
            return trusted.bind(partial(_tax_ruled, inputs=tax_inputs))
        snapshot = Snapshot(
            cash=cash,
            positions=held,
            prices=prices,
            as_of=as_of,
            lots=tax_inputs.lots,
            recent_trades=tax_inputs.trades,
        )
        return trusted.bind(
            lambda checked: harvested_from(
                self.prepared,
                snapshot,
                (checked, tax_inputs),
                _taxed_plan,
            )
        )


def plan_prepared(
    prepared: Prepared, snapshot: Snapshot, correlation_id: str | None = None
) -> Result[RebalancePlan, PortfolioError]:
    """`Planner(prepared).plan(snapshot)`; with `correlation_id`, as prepared under that id.

    A shared model's account (`steps.shared_models`) is planned under its own correlation
    id without a copy of the model: only the plan id's seed is rebased. With the seed
    digested once (`IdSeed.rebased`), that took a 20-symbol account on a shared model
    from 850 to 825 thousand instructions. Under tax rules, which read the model's own
    id, the model is copied under the account's (`steps.prepare.rebased`).
    """
    try:
        with localcontext(CORE_CONTEXT):  # one context for every step
            tax = prepared.policy.tax
            if tax is not None:  # the tax rules' one hook; they read the model's own id
                if correlation_id is not None and correlation_id != prepared.correlation_id:
                    prepared = rebased(prepared, correlation_id)
                return _taxed_any(prepared, snapshot, tax)
            return _planned(columns_or_error(prepared, snapshot, correlation_id))
    except ArithmeticError as exc:  # a last guard: the steps are bounded
        return Failure(
            PortfolioError.invalid_snapshot("arithmetic failed while planning", error=repr(exc))
        )


def _planned(checked: Columns | PortfolioError) -> Result[RebalancePlan, PortfolioError]:
    """`_plan` on the checked columns, or the problem that stopped them, as a `Failure`."""
    if isinstance(checked, PortfolioError):
        return Failure(checked)
    return _plan(checked)


def _taxed_any(
    prepared: Prepared, snapshot: Snapshot, tax: TaxPolicy
) -> Result[RebalancePlan, PortfolioError]:
    """The plan under the tax rules (docs/tax.md), the one hook into the steps.

    With harvesting or substitutes, `portfolio.tax.harvest.harvested` moves what
    they move first, then plans the account after it the same way.
    """
    if moves_holdings(tax):
        return harvested(prepared, snapshot, tax, partial(_taxed, tax=tax), _taxed_plan)
    return _taxed(prepared, snapshot, tax)


def _taxed(
    prepared: Prepared, snapshot: Snapshot, tax: TaxPolicy
) -> Result[RebalancePlan, PortfolioError]:
    """The plan under the tax rules, without harvesting or substitutes.

    The snapshot's tax data checked, the decisions adjusted before the cash rule, the
    plan's `TaxReport` added.
    """
    return columns(prepared, snapshot).bind(
        lambda checked: tax_inputs(snapshot, tax).bind(partial(_taxed_plan, checked))
    )


def _taxed_plan(checked: Columns, inputs: TaxInputs) -> Result[RebalancePlan, PortfolioError]:
    """The steps with the tax rules' hooks, and the plan's `TaxReport`."""
    return _tax_ruled(checked, inputs).map(partial(with_report, inputs=inputs))


def _tax_ruled(checked: Columns, inputs: TaxInputs) -> Result[RebalancePlan, PortfolioError]:
    """The steps with the tax rules' hooks (the plan without its `TaxReport`)."""
    return _plan(
        checked,
        partial(adjusted, inputs=inputs),
        partial(lots_adjusted, inputs=inputs),
        unfunded=frozenset(symbol for symbol, lots in inputs.lots.items() if lots),
    )


def _plan(
    checked: Columns,
    adjust: Callable[[Decisions, Columns], Decisions] | None = None,
    adjust_lots: AdjustLots | None = None,
    *,
    unfunded: frozenset[str] = frozenset(),
) -> Result[RebalancePlan, PortfolioError]:
    """Targets → deltas → actions on the columns, then the bounds every input is held to.

    The same functions as the `targets`, `deltas` and `actions` steps, without building
    their mapping records: on 10,000 symbols that is a tenth of the time (see
    docs/performance.md). Runs inside the core context (`Planner.plan` enters it once).
    """
    policy = checked.policy
    investable = investable_value(checked.total_value, policy)
    goals = target_column(checked.weights, investable, policy.rounding, checked.headroom)
    current = current_column(checked.quantities, checked.prices, policy.rounding)
    trades = trade_column(goals, current)
    plan = plan_from_columns(
        checked, goals, current, trades, adjust, adjust_lots=adjust_lots, unfunded=unfunded
    )
    return _within_bounds(checked, plan)


def _within_bounds(checked: Columns, plan: RebalancePlan) -> Result[RebalancePlan, PortfolioError]:
    """The plan, unless filling it (at its own prices) would leave an account out of bounds.

    The planner refuses what it would not accept as its next input, so that every plan
    it makes can be filled by `fill_plan` and the account after it planned again.
    Accounts within half the bounds pass at once (checked in C: cash within half, every
    quantity held or traded below 1E+14); the rest exactly.
    """
    held = checked.quantities
    # a sign bit in C (no item read unless short; -0 reads the items to no effect)
    if _uncovered(plan, short=any(map(Decimal.is_signed, held))):
        return Failure(_uncovered_error(plan))
    quantities = tuple(map(_QUANTITY, plan.items))
    moved = quantities + held  # finite Decimals the planner computed, or checked
    if (
        _MINUS_HALF <= plan.cash_after <= _HALF
        and max(map(Decimal.adjusted, moved), default=0) <= _SMALL_EXPONENT
    ):
        return Success(plan)
    before = dict(zip(checked.symbols, held, strict=True))
    with localcontext(CORE_CONTEXT):
        after = map(add, map(before.__getitem__, map(_SYMBOL, plan.items)), quantities)
        spent = sum(map(mul, quantities, map(_PRICE, plan.items)), ZERO)
        problem = bounds_problem(plan.cash_after, after) or bounds_problem(checked.cash - spent, ())
    if problem is None:
        return Success(plan)
    return Failure(PortfolioError.invalid_snapshot(f"the plan is refused: {problem}"))


def _uncovered(plan: RebalancePlan, *, short: bool) -> bool:
    """True when buying back the plan's short positions costs more than there is cash.

    Every other buy is cut to the cash; a liquidation is bought back in full or not at
    all. So a plan is refused when it would leave cash below zero (or lower, if below
    already), or when its buy-backs at their exact cost (quantity × price, not rounded to
    cents) exceed the cash plus the sales' exact proceeds: filling it would leave a short.
    Only an account that holds a `short` position buys one back.
    """
    if plan.cash_after < min(plan.cash_before, ZERO):
        return True
    if not short:
        return False
    covers = [i for i in plan.items if i.reason is Reason.LIQUIDATE and i.action is Action.BUY]
    if not covers:
        return False
    with localcontext(CORE_CONTEXT):
        cost = sum(map(mul, map(_QUANTITY, covers), map(_PRICE, covers)), ZERO)
        sells = [i for i in plan.items if i.action is Action.SELL]
        proceeds = -sum(map(mul, map(_QUANTITY, sells), map(_PRICE, sells)), ZERO)
        return cost > max(plan.cash_before, ZERO) + proceeds


def _uncovered_error(plan: RebalancePlan) -> PortfolioError:
    """Why `_uncovered` refused the plan: its buy-backs, or (a safeguard) its buys at all.

    Without a short position to buy back, a plan is refused only when its buys would
    spend more than the cash and the sales bring, which the planner's cash rule never
    lets happen: the message says so rather than name shorts that are not there.
    """
    covers = [
        i.symbol for i in plan.items if i.reason is Reason.LIQUIDATE and i.action is Action.BUY
    ]
    what = "buying back the short positions needs" if covers else "its buys need"
    message = (
        f"the plan is refused: {what} {plan.total_buys}, "
        f"more than the cash and the sales bring ({plan.cash_before + plan.total_sells})"
    )
    if not covers:
        return PortfolioError.invalid_snapshot(message)
    return PortfolioError.invalid_snapshot(message, symbols=",".join(covers))


def plan_rebalance(
    allocation: Allocation | CombinedAllocation,
    snapshot: Snapshot,
    policy: SizingPolicy = SizingPolicy(),  # noqa: B008 - a frozen record is a safe default
) -> Result[RebalancePlan, PortfolioError]:
    """Plan a rebalance: pure, deterministic, and never raising.

    A `CombinedAllocation` carries its attribution into `metadata["strategy_attribution"]`.

    >>> from decimal import Decimal as D
    >>> plan = plan_rebalance(
    ...     Allocation(target_weights={"SPY": D("0.6"), "QQQ": D("0.4")}, correlation_id="doc"),
    ...     Snapshot(cash=D(10000), positions={"SPY": D(20)},
    ...              prices={"SPY": D(500), "QQQ": D(400)}),
    ... ).unwrap()
    >>> [(i.symbol, i.action.value, str(i.trade_amount), str(i.quantity)) for i in plan.items]
    [('QQQ', 'BUY', '8000.00', '20.000000000'), ('SPY', 'BUY', '2000.00', '4.000000000')]
    """
    return prepare(allocation, policy).bind(lambda prepared: Planner(prepared).plan(snapshot))
