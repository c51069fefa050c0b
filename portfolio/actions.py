"""Step 4: decide BUY / SELL / HOLD per symbol, keep the plan within cash, order it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, localcontext

from portfolio.cash import limit_to_cash
from portfolio.decide import Thresholds, decide
from portfolio.deltas import Deltas
from portfolio.money import CORE_CONTEXT, ZERO
from portfolio.plan import Action, PlanItem, Reason, RebalancePlan

__all__ = ["WEIGHT_QUANTUM", "actions"]

#: Weights in a plan carry ten decimals (fractions of V).
WEIGHT_QUANTUM = Decimal("1E-10")


def actions(deltas: Deltas) -> RebalancePlan:
    """Turn deltas into the plan: SELLs, then BUYs, then HOLDs, each by symbol.

    Cannot fail on checked input. `cash_after = cash_before − Σ trade_amount`.
    """
    targets = deltas.targets
    checked = targets.checked
    policy = checked.policy
    value, assets = checked.total_value, checked.assets
    current, target_values, trades = (
        deltas.current_values,
        targets.target_values,
        deltas.trade_amounts,
    )
    quantities, prices = checked.quantities, checked.prices
    with localcontext(CORE_CONTEXT):
        limits = Thresholds(
            minimum=max(policy.min_trade_amount, policy.min_trade_pct * value),
            band_value=policy.band * value if policy.band else None,
            relative_band=policy.relative_band,
            rounding=policy.rounding,
        )
        weight_of = _weigher(value, 1 - policy.cash_reserve_pct)
        items: list[PlanItem] = []
        whole: set[str] = set()
        for s in checked.symbols:
            asset = assets.get(s)
            is_whole = not policy.fractional or (asset is not None and not asset.fractionable)
            if is_whole:
                whole.add(s)
            items.append(
                decide(
                    symbol=s,
                    price=prices[s],
                    held=quantities[s],
                    current=current[s],
                    target=target_values[s],
                    trade=trades[s],
                    weights=weight_of(current[s], target_values[s], checked.weights[s]),
                    tradable=asset is None or asset.tradable,
                    whole=is_whole,
                    limits=limits,
                )
            )
        available = (
            checked.cash
            + _total(items, Action.SELL, negate=True)
            - policy.cash_reserve_pct * value
            - _total(items, Action.BUY, reason=Reason.LIQUIDATE)
        )
        items = limit_to_cash(items, available=available, limits=limits, whole=frozenset(whole))
        ordered = _in_plan_order(items)
        cash_after = checked.cash - sum((i.trade_amount for i in ordered), ZERO)
    return RebalancePlan(
        plan_id=checked.plan_id,
        correlation_id=checked.correlation_id,
        items=ordered,
        total_value=value,
        cash_before=checked.cash,
        cash_after=cash_after,
        as_of=checked.as_of,
        metadata=checked.metadata,
    )


def _weigher(
    value: Decimal, invested: Decimal
) -> Callable[[Decimal, Decimal, Decimal], tuple[Decimal, Decimal]]:
    """Weights as fractions of V; if V = 0, the target weight is w × (1 − reserve)."""

    def weigh(current: Decimal, target: Decimal, weight: Decimal) -> tuple[Decimal, Decimal]:
        if value == 0:
            return ZERO, (weight * invested).quantize(WEIGHT_QUANTUM)
        return (current / value).quantize(WEIGHT_QUANTUM), (target / value).quantize(WEIGHT_QUANTUM)

    return weigh


def _total(
    items: list[PlanItem], action: Action, *, negate: bool = False, reason: Reason | None = None
) -> Decimal:
    total = sum(
        (i.trade_amount for i in items if i.action is action and reason in (None, i.reason)), ZERO
    )
    return -total if negate else total


def _in_plan_order(items: list[PlanItem]) -> tuple[PlanItem, ...]:
    """SELLs, then BUYs, then HOLDs; `items` are already sorted by symbol."""
    rank = {Action.SELL: 0, Action.BUY: 1, Action.HOLD: 2}
    return tuple(sorted(items, key=lambda item: rank[item.action]))
