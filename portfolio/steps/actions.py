"""Step 4, actions: decide BUY / SELL / HOLD per symbol, keep the plan within cash, order it.

The per-symbol rules are `portfolio.steps.rules.decide` (the planner's one hot loop),
cash feasibility is `portfolio.steps.cash.limit_to_cash`. This module lays the columns
side by side, runs the rules over them and assembles the plan.

Seams for the broker's order rules (whole-share allocation, increments, open orders):

- (a) a whole-share allocation pass over the rebalancing items goes in `order_rules`,
  after `decide` and before the cash pass; it replaces the per-symbol truncation that
  `shares_for(..., whole=True)` does for symbols in `whole`;
- (b) per-asset quantity increments and minimum notional come from `Asset` in
  `_columns` (today: the `whole` flag per symbol) and are applied in `order_rules`;
- (c) open orders netted into current exposure belong in `exposure`, which the
  current values and the liquidation rule read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, localcontext
from itertools import repeat
from operator import mul

from portfolio.money import CORE_CONTEXT, ZERO
from portfolio.plan import RebalancePlan
from portfolio.plan_item import Reason
from portfolio.steps.cash import limit_to_cash
from portfolio.steps.deltas import Deltas
from portfolio.steps.rules import Decisions, Row, Thresholds, decide
from portfolio.steps.validate import Checked

__all__ = ["WEIGHT_QUANTUM", "actions", "exposure", "order_rules"]

#: Weights in a plan carry ten decimals (fractions of V).
WEIGHT_QUANTUM = Decimal("1E-10")


def actions(deltas: Deltas) -> RebalancePlan:
    """Turn deltas into the plan: SELLs, then BUYs, then HOLDs, each by symbol.

    Cannot fail on checked input. `cash_after = cash_before − Σ trade_amount`, computed
    in the core's context; buys never spend more than cash + sale proceeds − the reserve.
    """
    checked = deltas.targets.checked
    policy, value, cash = checked.policy, checked.total_value, checked.cash
    with localcontext(CORE_CONTEXT):
        limits = Thresholds.of(policy, value)
        rows, whole = _columns(deltas)
        sells, buys, holds = order_rules(decide(rows, limits), checked)
        proceeds = -sum((i.trade_amount for i in sells), ZERO)
        covers = sum((i.trade_amount for i in buys if i.reason is Reason.LIQUIDATE), ZERO)
        available = cash + proceeds - policy.cash_reserve_pct * value - covers
        buys, held_back = limit_to_cash(buys, available=available, limits=limits, whole=whole)
        if held_back:
            holds = sorted([*holds, *held_back], key=lambda item: item.symbol)
        cash_after = cash + proceeds - sum((i.trade_amount for i in buys), ZERO)
    return RebalancePlan(
        plan_id=checked.plan_id,
        correlation_id=checked.correlation_id,
        items=(*sells, *buys, *holds),
        total_value=value,
        cash_before=cash,
        cash_after=cash_after,
        as_of=checked.as_of,
        metadata=checked.metadata,
    )


def exposure(checked: Checked) -> Mapping[str, Decimal]:
    """Shares held per symbol, as the rules see them (seam (c): open orders netted here)."""
    return checked.quantities


def order_rules(decided: Decisions, checked: Checked) -> Decisions:
    """The broker's order rules over the decided items (seams (a) and (b)); today none.

    Items keep their groups (an item whose action changes moves to its new group) and
    the symbol order within each group.
    """
    del checked  # the asset facts the rules will read
    return decided


def _columns(deltas: Deltas) -> tuple[Iterator[Row], frozenset[str]]:
    """One `Row` per symbol, in symbol order, and the symbols traded in whole shares.

    Weights are fractions of V; on an empty account the target weight is w × (1 − reserve).
    """
    targets = deltas.targets
    checked = targets.checked
    policy, value, assets, symbols = (
        checked.policy,
        checked.total_value,
        checked.assets,
        checked.symbols,
    )
    current = tuple(map(deltas.current_values.__getitem__, symbols))
    goals = tuple(map(targets.target_values.__getitem__, symbols))
    if value:
        scale, quantum = repeat(1 / value), repeat(WEIGHT_QUANTUM)
        current_weights = list(map(Decimal.quantize, map(mul, current, scale), quantum))
        target_weights = list(map(Decimal.quantize, map(mul, goals, scale), quantum))
    else:
        invested = 1 - policy.cash_reserve_pct
        current_weights = [ZERO] * len(symbols)
        target_weights = [
            (w * invested).quantize(WEIGHT_QUANTUM)
            for w in map(checked.weights.__getitem__, symbols)
        ]
    if assets:
        facts = [assets.get(s) for s in symbols]
        tradable: Sequence[bool] | repeat[bool] = [a is None or a.tradable for a in facts]
        whole_shares: Sequence[bool] | repeat[bool] = [
            not policy.fractional or (a is not None and not a.fractionable) for a in facts
        ]
        whole = frozenset(s for s, w in zip(symbols, whole_shares, strict=True) if w)
    else:
        tradable, whole_shares = repeat(True), repeat(not policy.fractional)  # noqa: FBT003 - a column of True
        whole = frozenset(symbols) if not policy.fractional else frozenset()
    rows = zip(
        symbols,
        map(checked.prices.__getitem__, symbols),
        map(exposure(checked).__getitem__, symbols),
        current,
        goals,
        map(deltas.trade_amounts.__getitem__, symbols),
        current_weights,
        target_weights,
        tradable,
        whole_shares,
        strict=False,  # the flag columns may repeat without end; `symbols` sets the length
    )
    return rows, whole
