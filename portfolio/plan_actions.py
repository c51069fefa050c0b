"""Step 4: decide BUY / SELL / HOLD per symbol, keep the plan within cash, order it."""

from __future__ import annotations

from decimal import Decimal, localcontext

from portfolio.cash import limit_to_cash
from portfolio.decide import Thresholds, decide
from portfolio.money import CORE_CONTEXT, ZERO
from portfolio.plan import Action, PlanItem, Reason, RebalancePlan
from portfolio.policy import SizingPolicy
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
        sells, buys, holds, whole = _decide_each(deltas, limits)
        proceeds = -sum((i.trade_amount for i in sells), ZERO)
        covers = sum((i.trade_amount for i in buys if i.reason is Reason.LIQUIDATE), ZERO)
        available = cash + proceeds - policy.cash_reserve_pct * value - covers
        buys, held_back = limit_to_cash(buys, available=available, limits=limits, whole=whole)
        if held_back:
            holds = sorted([*holds, *held_back], key=lambda item: item.symbol)
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
) -> tuple[list[PlanItem], list[PlanItem], list[PlanItem], frozenset[str]]:
    """Every symbol's decision, grouped (sells, buys, holds) in symbol order.

    Also returns the symbols traded in whole shares (policy or asset facts).
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
    whole: set[str] = set()
    for s, price, held, now, goal, trade in columns:
        asset = assets.get(s) if assets else None
        is_whole = not policy.fractional or (asset is not None and not asset.fractionable)
        if is_whole:
            whole.add(s)
        weights = (
            ((now * scale).quantize(WEIGHT_QUANTUM), (goal * scale).quantize(WEIGHT_QUANTUM))
            if value
            else (ZERO, (checked.weights[s] * invested).quantize(WEIGHT_QUANTUM))
        )
        tradable = asset is None or asset.tradable
        item = decide(s, price, held, now, goal, trade, weights, tradable, is_whole, limits)
        if item.action is Action.HOLD:  # an if-chain: enum hashing is slow on CPython 3.11
            holds.append(item)
        elif item.action is Action.BUY:
            buys.append(item)
        else:
            sells.append(item)
    return sells, buys, holds, frozenset(whole)
