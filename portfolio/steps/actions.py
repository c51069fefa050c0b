"""Step 4, actions: decide BUY / SELL / HOLD per symbol, keep the plan within cash, order it.

The per-symbol rules are `portfolio.steps.rules.decide` (the planner's one hot loop),
cash feasibility is `portfolio.steps.cash.limit_to_cash`. `plan_from_columns` lays the
columns side by side, runs the rules over them and assembles the plan; `actions` is the
same for a `Deltas` record.

Seams for the broker's order rules (whole-share allocation, increments, open orders):

- (a) a whole-share allocation pass over the rebalancing items goes in `order_rules`,
  after `decide` and before the cash pass; it replaces the per-symbol truncation that
  `shares_for(..., whole=True)` does for the symbols in `whole`;
- (b) per-asset quantity increments and minimum notional come from `Asset` in `_rows`
  (today: the `whole` flag per symbol) and are applied in `order_rules`;
- (c) open orders netted into current exposure belong in `exposure`, whose column the
  current values (`deltas.current_column`) and the liquidation rule read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import ROUND_UP, Decimal, localcontext
from itertools import repeat
from operator import attrgetter, mul

from portfolio.money import CENT, CORE_CONTEXT, ZERO
from portfolio.plan import RebalancePlan
from portfolio.plan_item import PlanItem, Reason
from portfolio.policy import BandTrigger, Mode, SizingPolicy
from portfolio.steps.cash import limit_to_cash
from portfolio.steps.deltas import Deltas
from portfolio.steps.modes import buy_only, portfolio_trigger, sell_only
from portfolio.steps.rules import Decisions, Row, Thresholds, decide
from portfolio.steps.validate import Columns

__all__ = ["WEIGHT_QUANTUM", "actions", "exposure", "order_rules", "plan_from_columns"]

#: Weights in a plan carry ten decimals (fractions of V).
WEIGHT_QUANTUM = Decimal("1E-10")
_AMOUNT = attrgetter("trade_amount")


def actions(deltas: Deltas) -> RebalancePlan:
    """Turn deltas into the plan: SELLs, then BUYs, then HOLDs, each by symbol.

    Cannot fail on checked input. `cash_after = cash_before − Σ trade_amount`, computed
    in the core's context; buys never spend more than cash + sale proceeds − the reserve.
    """
    targets = deltas.targets
    columns = Columns.of(targets.checked)
    symbols = columns.symbols
    with localcontext(CORE_CONTEXT):
        return plan_from_columns(
            columns,
            tuple(map(targets.target_values.__getitem__, symbols)),
            tuple(map(deltas.current_values.__getitem__, symbols)),
            tuple(map(deltas.trade_amounts.__getitem__, symbols)),
        )


def plan_from_columns(
    columns: Columns,
    goals: Sequence[Decimal],
    current: Sequence[Decimal],
    trades: Sequence[Decimal],
) -> RebalancePlan:
    """The plan from validated columns and the target, current and trade columns (cents).

    Call inside the core context (`actions` and the planner do).
    """
    policy, value, cash = columns.policy, columns.total_value, columns.cash
    limits = Thresholds.of(policy, value)
    rows, whole = _rows(columns, goals, current, trades)
    reserve = policy.reserve(value)
    if policy.mode == Mode.REBALANCE and policy.band_trigger == BandTrigger.ASSET:
        decided = order_rules(decide(rows, limits), columns)
    else:
        decided = _with_modes(list(rows), limits, columns, reserve - cash)
    if policy.mode == Mode.BUY_ONLY:  # no sale proceeds: the cash above the reserve
        budget = _available(policy, cash - reserve, decided.buys)
        decided = buy_only(decided, budget, limits, whole)
    sells, buys, holds = decided
    proceeds = -sum(map(_AMOUNT, sells), ZERO)
    available = _available(policy, cash + proceeds - reserve, buys)
    buys, held_back = limit_to_cash(buys, available=available, limits=limits, whole=whole)
    if held_back:
        holds = sorted([*holds, *held_back], key=lambda item: item.symbol)
    cash_after = cash + proceeds - sum(map(_AMOUNT, buys), ZERO)
    return RebalancePlan(
        plan_id=columns.plan_id,
        correlation_id=columns.correlation_id,
        items=(*sells, *buys, *holds),
        total_value=value,
        cash_before=cash,
        cash_after=cash_after,
        as_of=columns.as_of,
        metadata=columns.metadata,
    )


def _available(policy: SizingPolicy, cash: Decimal, buys: Sequence[PlanItem]) -> Decimal:
    """What rebalancing buys may spend (account currency).

    `cash` (after sales and the reserve) less the liquidation buys, shrunk so that it
    still suffices after prices rise by `buy_price_buffer`.
    """
    covers = sum((i.trade_amount for i in buys if i.reason is Reason.LIQUIDATE), ZERO)
    return (cash - covers) / (1 + policy.buy_price_buffer)


def _with_modes(rows: list[Row], limits: Thresholds, columns: Columns, need: Decimal) -> Decisions:
    """The rules under the policy's band trigger and, for `sell_only`, the withdrawal.

    `need` is the cash the reserve lacks (account currency; ≤ 0 when none).
    """
    policy = columns.policy
    if policy.band_trigger == BandTrigger.PORTFOLIO and limits.banded:
        limits = portfolio_trigger(rows, limits)
    decided = order_rules(decide(rows, limits), columns)
    if policy.mode == Mode.SELL_ONLY:
        return sell_only(decided, rows, need.quantize(CENT, rounding=ROUND_UP), limits)
    return decided


def exposure(columns: Columns) -> Sequence[Decimal]:
    """Shares held per symbol, as the rules see them (seam (c): open orders netted here)."""
    return columns.quantities


def order_rules(decided: Decisions, columns: Columns) -> Decisions:
    """The broker's order rules over the decided items (seams (a) and (b)); today none.

    Items keep their groups (an item whose action changes moves to its new group) and
    the symbol order within each group.
    """
    del columns  # the asset facts the rules will read
    return decided


def _rows(
    columns: Columns,
    goals: Sequence[Decimal],
    current: Sequence[Decimal],
    trades: Sequence[Decimal],
) -> tuple[Iterator[Row], frozenset[str]]:
    """One `Row` per symbol, in symbol order, and the symbols traded in whole shares.

    Weights are fractions of V; on an empty account the target weight is w × (1 − reserve).
    """
    policy, value, assets, symbols = (
        columns.policy,
        columns.total_value,
        columns.assets,
        columns.symbols,
    )
    if value:
        scale, quantum = repeat(1 / value), repeat(WEIGHT_QUANTUM)
        current_weights = list(map(Decimal.quantize, map(mul, current, scale), quantum))
        target_weights = list(map(Decimal.quantize, map(mul, goals, scale), quantum))
    else:
        invested = 1 - policy.cash_reserve_pct
        current_weights = [ZERO] * len(symbols)
        target_weights = [(w * invested).quantize(WEIGHT_QUANTUM) for w in columns.weights]
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
        columns.prices,
        exposure(columns),
        current,
        goals,
        trades,
        current_weights,
        target_weights,
        tradable,
        whole_shares,
        strict=False,  # the flag columns may repeat without end; `symbols` sets the length
    )
    return rows, whole
