"""The actions step for symbols that trade in whole lots: whole shares and crypto increments.

These symbols are sized together by `allocate_whole`, before the fractional buys. They
get the cash first, less a cent per symbol whose lot is not priced in whole cents (so
that rounding amounts to cents can never overdraw), and the fractional buys take what
they leave, scaled down pro rata when whole lots overshoot (see `portfolio.cash`). When
the plan has a tradable fractional symbol with a positive target, fractional symbols
absorb the overshoot, so each whole-lot symbol goes to the nearer of its two whole-lot
neighbours (cash they leave stays in cash: moving it into fractional symbols would only
move the error there). Otherwise cash left idle is error too, and whole lots are bought
while the cash lasts. The cash a plan means to keep (weights summing below 1) is not
spent on whole lots.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

import attrs

from portfolio.decide import Thresholds, hold
from portfolio.money import CENT, ZERO
from portfolio.plan import Action, PlanItem, Reason
from portfolio.whole_shares import allocate_whole

__all__ = ["LotRow", "plan_lots"]


@attrs.frozen(kw_only=True)
class LotRow:
    """One whole-lot symbol to size: amounts in cents, `held` and `step` in shares."""

    symbol: str
    price: Decimal
    held: Decimal
    current: Decimal
    target: Decimal
    weights: tuple[Decimal, Decimal]
    step: Decimal
    broker_minimum: Decimal


def plan_lots(
    rows: Sequence[LotRow], *, cash: Decimal, limits: Thresholds, absorb: bool
) -> list[PlanItem]:
    """One item per row (in row order): a whole number of lots, or a HOLD saying why not.

    `cash` is what these symbols may spend beyond the reserve, before their own sales.
    """
    if not rows:
        return []
    quantities = allocate_whole(
        [r.symbol for r in rows],
        [r.price for r in rows],
        [r.held for r in rows],
        [r.target for r in rows],
        [r.step for r in rows],
        cash=cash - CENT * sum(1 for r in rows if (r.price * r.step) % CENT),
        minimum=limits.minimum,
        absorb=absorb,
        broker_minimums=[r.broker_minimum for r in rows],
    )
    return [_item(row, new - row.held, limits) for row, new in zip(rows, quantities, strict=True)]


def _item(row: LotRow, quantity: Decimal, limits: Thresholds) -> PlanItem:
    """The plan item for `quantity` more shares (negative: fewer)."""
    trade = row.target - row.current
    truncated = (trade / (row.price * row.step)).to_integral_value(rounding=ROUND_DOWN)
    if quantity == ZERO:
        return hold(
            row.symbol,
            row.price,
            row.current,
            row.target,
            row.weights,
            _why_not(row, truncated, limits),
        )
    amount = (quantity * row.price).quantize(CENT, rounding=limits.rounding)
    limited = ZERO < quantity < truncated * row.step
    return PlanItem(
        symbol=row.symbol,
        action=Action.BUY if quantity > 0 else Action.SELL,
        trade_amount=amount,
        quantity=quantity,
        price=row.price,
        current_value=row.current,
        target_value=row.target,
        current_weight=row.weights[0],
        target_weight=row.weights[1],
        reason=Reason.CASH_LIMITED if limited else Reason.REBALANCE,
    )


def _why_not(row: LotRow, truncated: Decimal, limits: Thresholds) -> Reason:
    """Why a symbol trades nothing: on target, too small, less than a lot, or no cash."""
    trade = row.target - row.current
    value = abs(truncated * row.step * row.price)
    if trade == ZERO:
        return Reason.AT_TARGET
    if abs(trade) < limits.minimum or (truncated and value < limits.minimum):
        return Reason.BELOW_MIN_TRADE
    if truncated and value < row.broker_minimum:
        return Reason.BELOW_BROKER_MINIMUM
    if truncated == ZERO:
        return Reason.ROUNDED_TO_ZERO
    return Reason.CASH_LIMITED
