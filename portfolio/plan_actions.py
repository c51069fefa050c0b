"""Step 4: decide BUY / SELL / HOLD per symbol, keep the plan within cash, order it."""

from __future__ import annotations

from decimal import Decimal, localcontext

from portfolio.cash import limit_to_cash
from portfolio.decide import Thresholds, decide
from portfolio.money import CORE_CONTEXT, ZERO
from portfolio.plan import Action, PlanItem, Reason, RebalancePlan
from portfolio.trade_deltas import Deltas

__all__ = ["WEIGHT_QUANTUM", "actions"]

#: Weights in a plan carry ten decimals (fractions of V).
WEIGHT_QUANTUM = Decimal("1E-10")


def actions(deltas: Deltas) -> RebalancePlan:
    """Turn deltas into the plan: SELLs, then BUYs, then HOLDs, each by symbol.

    Cannot fail on checked input. `cash_after = cash_before − Σ trade_amount`; buys
    never spend more than cash + sale proceeds − the reserve (see `portfolio.cash`).
    """
    targets = deltas.targets
    checked = targets.checked
    policy = checked.policy
    value, assets, weights = checked.total_value, checked.assets, checked.weights
    current, trades = deltas.current_values, deltas.trade_amounts
    target_values, quantities, prices = targets.target_values, checked.quantities, checked.prices
    sells: list[PlanItem] = []
    buys: list[PlanItem] = []
    holds: list[PlanItem] = []
    whole: set[str] = set()
    with localcontext(CORE_CONTEXT):
        limits = Thresholds(
            minimum=max(policy.min_trade_amount, policy.min_trade_pct * value),
            band_value=policy.band * value if policy.band else None,
            relative_band=policy.relative_band,
            rounding=policy.rounding,
        )
        scale = 1 / value if value else ZERO
        invested = 1 - policy.cash_reserve_pct
        fractional = policy.fractional
        symbols = checked.symbols
        columns = zip(
            symbols,
            map(prices.__getitem__, symbols),
            map(quantities.__getitem__, symbols),
            map(current.__getitem__, symbols),
            map(target_values.__getitem__, symbols),
            map(trades.__getitem__, symbols),
            strict=True,
        )
        for s, price, held, now, goal, trade in columns:
            asset = assets.get(s) if assets else None
            is_whole = not fractional or (asset is not None and not asset.fractionable)
            if is_whole:
                whole.add(s)
            pair = (
                ((now * scale).quantize(WEIGHT_QUANTUM), (goal * scale).quantize(WEIGHT_QUANTUM))
                if value
                else (ZERO, (weights[s] * invested).quantize(WEIGHT_QUANTUM))
            )
            item = decide(
                s,
                price,
                held,
                now,
                goal,
                trade,
                pair,
                asset is None or asset.tradable,
                is_whole,
                limits,
            )
            if item.action is Action.HOLD:
                holds.append(item)
            elif item.action is Action.BUY:
                buys.append(item)
            else:
                sells.append(item)
        proceeds = -sum((i.trade_amount for i in sells), ZERO)
        covers = sum((i.trade_amount for i in buys if i.reason is Reason.LIQUIDATE), ZERO)
        available = checked.cash + proceeds - policy.cash_reserve_pct * value - covers
        buys, held_back = limit_to_cash(
            buys, available=available, limits=limits, whole=frozenset(whole)
        )
        if held_back:
            holds = sorted([*holds, *held_back], key=lambda item: item.symbol)
        spent = sum((i.trade_amount for i in buys), ZERO)
    return RebalancePlan(
        plan_id=checked.plan_id,
        correlation_id=checked.correlation_id,
        items=(*sells, *buys, *holds),
        total_value=value,
        cash_before=checked.cash,
        cash_after=checked.cash + proceeds - spent,
        as_of=checked.as_of,
        metadata=checked.metadata,
    )
