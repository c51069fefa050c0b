"""Cash feasibility: buys never spend more than cash + sale proceeds − the reserve.

When the plan's buys would, every rebalancing buy is scaled down by the same factor
(rounded down to cents, never up), re-sized to shares, and marked CASH_LIMITED; a
buy that falls below the minimum trade becomes a HOLD. Liquidations (buying back a
short) are never scaled: leaving part of a position behind is what rule 4 forbids.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from portfolio.decide import Thresholds, hold, shares_for
from portfolio.money import CENT, ZERO
from portfolio.plan import Action, PlanItem, Reason

__all__ = ["limit_to_cash"]


def limit_to_cash(
    buys: Sequence[PlanItem],
    *,
    available: Decimal,
    limits: Thresholds,
    whole: frozenset[str],
) -> tuple[list[PlanItem], list[PlanItem]]:
    """Scale rebalancing buys down pro rata when they exceed `available` (account currency).

    `available` = cash + Σ sale proceeds − reserve − Σ liquidation buys; `whole` names
    the symbols traded in whole shares. Returns (the buys, in their order, the buys
    that became HOLDs). Liquidation buys pass through unchanged.
    """
    wanted = sum((i.trade_amount for i in buys if i.reason is Reason.REBALANCE), ZERO)
    if wanted <= available:
        return list(buys), []
    factor = available / wanted if available > 0 else ZERO
    kept: list[PlanItem] = []
    held: list[PlanItem] = []
    for item in buys:
        limited = (
            _scaled(item, factor, limits, whole=item.symbol in whole)
            if item.reason is Reason.REBALANCE
            else item
        )
        (held if limited.action is Action.HOLD else kept).append(limited)
    return kept, held


def _scaled(item: PlanItem, factor: Decimal, limits: Thresholds, *, whole: bool) -> PlanItem:
    budget = (item.trade_amount * factor).quantize(CENT, rounding=ROUND_DOWN)
    quantity, amount = shares_for(budget, item.price, whole=whole, rounding=limits.rounding)
    weights = (item.current_weight, item.target_weight)
    if quantity <= 0 or amount < limits.minimum or amount <= 0:
        return hold(
            item.symbol,
            item.price,
            item.current_value,
            item.target_value,
            weights,
            Reason.CASH_LIMITED,
        )
    return PlanItem(
        symbol=item.symbol,
        action=Action.BUY,
        trade_amount=amount,
        quantity=quantity,
        price=item.price,
        current_value=item.current_value,
        target_value=item.target_value,
        current_weight=item.current_weight,
        target_weight=item.target_weight,
        reason=Reason.CASH_LIMITED,
    )
