"""Step 4: decide BUY / SELL / HOLD per symbol, keep the plan within cash, order it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext

from portfolio.asset_facts import broker_minimum, quantity_step
from portfolio.cash import limit_to_cash
from portfolio.decide import Thresholds, decide, hold
from portfolio.lots import LotRow, plan_lots
from portfolio.money import CORE_CONTEXT, ZERO
from portfolio.plan import Action, PlanItem, Reason, RebalancePlan
from portfolio.policy import SizingPolicy
from portfolio.snapshot import Asset
from portfolio.target_values import Targets
from portfolio.trade_deltas import Deltas

__all__ = ["WEIGHT_QUANTUM", "actions"]

#: Weights in a plan carry ten decimals (fractions of V).
WEIGHT_QUANTUM = Decimal("1E-10")


def actions(deltas: Deltas) -> RebalancePlan:
    """Turn deltas into the plan: SELLs, then BUYs, then HOLDs, each by symbol.

    Cannot fail on checked input. `cash_after = cash_before − Σ trade_amount`; buys
    never spend more than cash + sale proceeds − the reserve (see `portfolio.cash`).
    """
    checked = deltas.targets.checked
    policy, value, cash = checked.policy, checked.total_value, checked.cash
    with localcontext(CORE_CONTEXT):
        limits = _thresholds(policy, value)
        sells, buys, holds, rows, absorb = _decide_each(deltas, limits)
        proceeds = -sum((i.trade_amount for i in sells), ZERO)
        covers = sum((i.trade_amount for i in buys if i.reason is Reason.LIQUIDATE), ZERO)
        available = cash + proceeds - policy.cash_reserve_pct * value - covers
        lots = _lots(rows, deltas.targets, available, limits, absorb=absorb)
        available -= sum((i.trade_amount for i in lots), ZERO)
        buys, held_back = limit_to_cash(buys, available=available, limits=limits, whole=frozenset())
        if lots or held_back or checked.assets:
            sells, buys, holds = _merged(sells, buys, holds, [*lots, *held_back], checked.assets)
        proceeds = -sum((i.trade_amount for i in sells), ZERO)
        spent = sum((i.trade_amount for i in buys), ZERO)
    return RebalancePlan(
        plan_id=checked.plan_id,
        correlation_id=checked.correlation_id,
        items=(*sells, *buys, *holds),
        total_value=value,
        cash_before=cash,
        cash_after=cash + proceeds - spent,
        as_of=checked.as_of,
        metadata=checked.metadata,
    )


def _thresholds(policy: SizingPolicy, value: Decimal) -> Thresholds:
    """The policy's minimum trade and absolute band as amounts of V (account currency)."""
    return Thresholds(
        minimum=max(policy.min_trade_amount, policy.min_trade_pct * value),
        band_value=policy.band * value if policy.band else None,
        relative_band=policy.relative_band,
        rounding=policy.rounding,
    )


def _decide_each(
    deltas: Deltas, limits: Thresholds
) -> tuple[list[PlanItem], list[PlanItem], list[PlanItem], list[LotRow], bool]:
    """Every symbol's decision, grouped (sells, buys, holds) in symbol order.

    Last, whether some tradable fractional symbol has a positive target (it absorbs what
    whole lots leave or overshoot).
    Symbols that trade in whole lots (`portfolio.asset_facts.quantity_step`) and are not
    held back by a fixed rule (not tradable, liquidated, within the band) are returned as
    rows for `portfolio.lots`, in symbol order, instead.
    Weights are fractions of V; on an empty account the target weight is w × (1 − reserve).
    """
    targets = deltas.targets
    checked = targets.checked
    policy, value, assets = checked.policy, checked.total_value, checked.assets
    scale = 1 / value if value else ZERO
    invested = 1 - policy.cash_reserve_pct
    symbols = checked.symbols
    columns = zip(
        symbols,
        map(checked.prices.__getitem__, symbols),
        map(checked.quantities.__getitem__, symbols),
        map(deltas.current_values.__getitem__, symbols),
        map(targets.target_values.__getitem__, symbols),
        map(deltas.trade_amounts.__getitem__, symbols),
        strict=True,
    )
    sells: list[PlanItem] = []
    buys: list[PlanItem] = []
    holds: list[PlanItem] = []
    rows: list[LotRow] = []
    absorb = False
    for s, price, held, now, goal, trade in columns:
        asset = assets.get(s) if assets else None
        step = quantity_step(asset, fractional=policy.fractional)
        weights = (
            ((now * scale).quantize(WEIGHT_QUANTUM), (goal * scale).quantize(WEIGHT_QUANTUM))
            if value
            else (ZERO, (checked.weights[s] * invested).quantize(WEIGHT_QUANTUM))
        )
        tradable = asset is None or asset.tradable
        absorb = absorb or (step is None and goal > 0 and tradable)
        item = decide(s, price, held, now, goal, trade, weights, tradable, step is not None, limits)
        if step is not None and item.reason not in _FIXED:
            minimum = broker_minimum(asset)
            rows.append(
                LotRow(
                    symbol=s,
                    price=price,
                    held=held,
                    current=now,
                    target=goal,
                    weights=weights,
                    step=step,
                    broker_minimum=minimum,
                )
            )
            continue
        if asset is not None and item.reason is Reason.REBALANCE:
            item = _within_broker_minimum(item, asset)
        if item.action is Action.HOLD:  # an if-chain: enum hashing is slow on CPython 3.11
            holds.append(item)
        elif item.action is Action.BUY:
            buys.append(item)
        else:
            sells.append(item)
    return sells, buys, holds, rows, absorb


#: Decisions that stand for whole-lot symbols too: they are not sized by `portfolio.lots`.
_FIXED = frozenset({Reason.NOT_TRADABLE, Reason.LIQUIDATE, Reason.WITHIN_BAND})


def _within_broker_minimum(item: PlanItem, asset: Asset) -> PlanItem:
    """The item, or a HOLD (BELOW_BROKER_MINIMUM) when its amount is below the broker's minimum."""
    if abs(item.trade_amount) >= asset.min_order_notional:
        return item
    weights = (item.current_weight, item.target_weight)
    return hold(
        item.symbol,
        item.price,
        item.current_value,
        item.target_value,
        weights,
        Reason.BELOW_BROKER_MINIMUM,
    )


def _lots(
    rows: list[LotRow], targets: Targets, available: Decimal, limits: Thresholds, *, absorb: bool
) -> list[PlanItem]:
    """Size the whole-lot symbols with the cash available, less the cash the plan keeps."""
    if not rows:
        return []
    kept = targets.investable - sum((max(t, ZERO) for t in targets.target_values.values()), ZERO)
    return plan_lots(rows, cash=available - max(kept, ZERO), limits=limits, absorb=absorb)


def _merged(
    sells: list[PlanItem],
    buys: list[PlanItem],
    holds: list[PlanItem],
    more: list[PlanItem],
    assets: Mapping[str, Asset],
) -> tuple[list[PlanItem], list[PlanItem], list[PlanItem]]:
    """Sells, buys and holds with `more` items added, each group in symbol order.

    A buy scaled down below the broker's minimum becomes a HOLD (that only frees cash).
    """
    groups: dict[Action, list[PlanItem]] = {Action.SELL: sells, Action.BUY: [], Action.HOLD: holds}
    for item in [*buys, *more]:
        asset = assets.get(item.symbol) if item.reason is Reason.CASH_LIMITED else None
        checked = _within_broker_minimum(item, asset) if asset is not None else item
        groups[checked.action].append(checked)
    return (
        sorted(sells, key=_by_symbol),
        sorted(groups[Action.BUY], key=_by_symbol),
        sorted(holds, key=_by_symbol),
    )


def _by_symbol(item: PlanItem) -> str:
    return item.symbol
