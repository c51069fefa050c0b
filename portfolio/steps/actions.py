"""Step 4, actions: decide BUY / SELL / HOLD per symbol, keep the plan within cash, order it.

The per-symbol rules are `portfolio.steps.rules.decide` (the planner's one hot loop),
cash feasibility is `portfolio.steps.cash.limit_to_cash`. This module lays the columns
side by side, runs the rules over them and assembles the plan.

The broker's order rules:

- symbols that trade in whole lots (whole shares, crypto increments; see
  `portfolio.asset_facts.quantity_step`) and are not held back by a fixed rule (not
  tradable, liquidated, within the band) are sized together by `portfolio.steps.lots`,
  with the cash first; the fractional buys take what they leave (`limit_to_cash`);
- a trade below the asset's minimum order is held (`order_rules`; BELOW_BROKER_MINIMUM),
  and so is a fractional buy that the cash pass scales below it;
- open orders are netted into the account by the validate step (`portfolio.open_orders`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, localcontext
from itertools import repeat

from portfolio.asset_facts import broker_minimum, quantity_step
from portfolio.money import CENT, CORE_CONTEXT, ZERO
from portfolio.plan import RebalancePlan
from portfolio.plan_item import Action, PlanItem, Reason
from portfolio.snapshot import Asset
from portfolio.steps.cash import limit_to_cash
from portfolio.steps.deltas import Deltas
from portfolio.steps.lots import plan_lots
from portfolio.steps.rules import Row, Thresholds, decide
from portfolio.steps.validate import Checked

__all__ = ["WEIGHT_QUANTUM", "actions", "exposure", "order_rules"]

#: Weights in a plan carry ten decimals (fractions of V).
WEIGHT_QUANTUM = Decimal("1E-10")
_BUY, _SELL, _HOLD = Action.BUY, Action.SELL, Action.HOLD
_ONE = Decimal(1)
_NONE: frozenset[str] = frozenset()
#: Decisions that stand for whole-lot symbols too: `plan_lots` does not size them.
_FIXED = frozenset({Reason.NOT_TRADABLE, Reason.LIQUIDATE, Reason.WITHIN_BAND})
#: Decisions whose amount the broker's minimum order applies to.
_SIZED = frozenset({Reason.REBALANCE, Reason.CASH_LIMITED})


def actions(deltas: Deltas) -> RebalancePlan:
    """Turn deltas into the plan: SELLs, then BUYs, then HOLDs, each by symbol.

    Cannot fail on checked input. `cash_after = cash_before − Σ trade_amount`, computed
    in the core's context; buys never spend more than cash + sale proceeds − the reserve.
    """
    checked = deltas.targets.checked
    policy, value, cash = checked.policy, checked.total_value, checked.cash
    with localcontext(CORE_CONTEXT):
        limits = Thresholds.of(policy, value)
        columns, steps = _columns(deltas)
        lot_rows: list[Row] = []
        if steps:  # some symbols trade in whole lots: keep their rows for `plan_lots`
            rows = list(columns)
            decided, lot_rows = _split([decide(row, limits) for row in rows], rows, steps)
        else:
            decided = [decide(row, limits) for row in columns]
        decided = order_rules(decided, checked)
        sells = [i for i in decided if i.action is _SELL]
        buys = [i for i in decided if i.action is _BUY]
        holds = [i for i in decided if i.action is _HOLD]
        proceeds = -sum((i.trade_amount for i in sells), ZERO)
        covers = sum((i.trade_amount for i in buys if i.reason is Reason.LIQUIDATE), ZERO)
        available = cash + proceeds - policy.cash_reserve_pct * value - covers
        lots = _lots(lot_rows, steps, deltas, available, limits)
        available -= sum((i.trade_amount for i in lots), ZERO)
        buys, held_back = limit_to_cash(buys, available=available, limits=limits, whole=_NONE)
        if lots or held_back or checked.assets:
            sells, buys, holds = _merged(sells, buys, holds, [*lots, *held_back], checked)
        proceeds = -sum((i.trade_amount for i in sells), ZERO)
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


def order_rules(items: list[PlanItem], checked: Checked) -> list[PlanItem]:
    """The decided items, a rebalancing trade below its asset's minimum order held."""
    assets = checked.assets
    if not assets:
        return items
    return [_above_minimum(i, assets.get(i.symbol)) for i in items]


def _above_minimum(decided: PlanItem, asset: Asset | None) -> PlanItem:
    """The item, or a HOLD (BELOW_BROKER_MINIMUM) for a trade the broker would refuse."""
    if (
        asset is None
        or decided.reason not in _SIZED
        or abs(decided.trade_amount) >= (asset.min_order_notional)
    ):
        return decided
    return decided._replace(
        action=_HOLD, trade_amount=ZERO, quantity=ZERO, reason=Reason.BELOW_BROKER_MINIMUM
    )


def _split(
    decided: list[PlanItem], rows: list[Row], steps: Mapping[str, Decimal]
) -> tuple[list[PlanItem], list[Row]]:
    """(items that stand, rows of whole-lot symbols for `portfolio.steps.lots`)."""
    kept: list[PlanItem] = []
    lot_rows: list[Row] = []
    for done, row in zip(decided, rows, strict=True):
        if row[0] in steps and done.reason not in _FIXED:
            lot_rows.append(row)
        else:
            kept.append(done)
    return kept, lot_rows


def _lots(
    rows: list[Row],
    steps: Mapping[str, Decimal],
    deltas: Deltas,
    available: Decimal,
    limits: Thresholds,
) -> list[PlanItem]:
    """Size the whole-lot symbols with the cash available, less the cash the plan keeps.

    Fractional symbols absorb what whole lots overshoot when a tradable one has a
    positive target (see `portfolio.steps.lots`).
    """
    if not rows:
        return []
    targets = deltas.targets
    assets = targets.checked.assets
    goals = targets.target_values
    weights = targets.checked.weights.values()
    kept = targets.investable * (1 - sum((max(w, ZERO) for w in weights), ZERO))
    absorb = any(
        t > 0 and s not in steps and (s not in assets or assets[s].tradable)
        for s, t in goals.items()
    )
    symbols = [row[0] for row in rows]
    return plan_lots(
        rows,
        [steps[s] for s in symbols],
        [broker_minimum(assets.get(s)) for s in symbols],
        cash=available - max(kept, ZERO),
        limits=limits,
        absorb=absorb,
        noise=2 * CENT * (len(goals) + 1),  # V and each target round to cents
    )


def _merged(
    sells: list[PlanItem],
    buys: list[PlanItem],
    holds: list[PlanItem],
    more: list[PlanItem],
    checked: Checked,
) -> tuple[list[PlanItem], list[PlanItem], list[PlanItem]]:
    """Sells, buys and holds with `more` items added, each group in symbol order.

    A buy the cash pass scaled below its broker minimum becomes a HOLD (that frees cash).
    """
    assets = checked.assets
    groups: dict[Action, list[PlanItem]] = {_SELL: sells, _BUY: [], _HOLD: holds}
    for each in [*buys, *more]:
        if each.reason is Reason.CASH_LIMITED and each.action is _BUY:
            each = _above_minimum(each, assets.get(each.symbol))  # noqa: PLW2901
        groups[each.action].append(each)
    return (
        sorted(sells, key=_by_symbol),
        sorted(groups[_BUY], key=_by_symbol),
        sorted(holds, key=_by_symbol),
    )


def _by_symbol(each: PlanItem) -> str:
    return each.symbol


def _columns(deltas: Deltas) -> tuple[Iterator[Row], Mapping[str, Decimal]]:
    """One `Row` per symbol, in symbol order, and the lot of each symbol traded in whole lots.

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
    current = list(map(deltas.current_values.__getitem__, symbols))
    goals = list(map(targets.target_values.__getitem__, symbols))
    if value:
        scale = 1 / value
        current_weights = [(c * scale).quantize(WEIGHT_QUANTUM) for c in current]
        target_weights = [(g * scale).quantize(WEIGHT_QUANTUM) for g in goals]
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
        lots = [quantity_step(a, fractional=policy.fractional) for a in facts]
        steps = {s: lot for s, lot in zip(symbols, lots, strict=True) if lot is not None}
        whole_shares: Sequence[bool] | repeat[bool] = [lot is not None for lot in lots]
    else:
        tradable, whole_shares = repeat(True), repeat(not policy.fractional)  # noqa: FBT003 - a column of True
        steps = {} if policy.fractional else dict.fromkeys(symbols, _ONE)
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
    return rows, steps
