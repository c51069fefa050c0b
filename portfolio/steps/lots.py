"""The actions step for symbols that trade in whole lots: whole shares and crypto increments.

These symbols are sized together by `portfolio.whole_shares.allocate_whole`, before the
fractional buys. They get the cash first, less a cent per symbol whose lot is not priced
in whole cents (so that rounding amounts to cents can never overdraw), and the fractional
buys take what they leave, scaled down pro rata when whole lots overshoot (see
`portfolio.steps.cash`). When the plan has a tradable fractional symbol with a positive
target, fractional symbols absorb the overshoot, so each whole-lot symbol goes to the
nearer of its two whole-lot neighbours (cash they leave stays in cash: moving it into
fractional symbols would only move the error there). Otherwise cash left idle is error
too, and whole lots are bought while the cash lasts. The cash a plan means to keep
(weights summing below 1) is not spent on whole lots.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from portfolio.money import CENT, ZERO
from portfolio.plan_item import Action, PlanItem, Reason
from portfolio.steps.rules import Row, Thresholds, hold, item
from portfolio.whole_shares import allocate_whole

__all__ = ["plan_lots"]


def plan_lots(  # noqa: PLR0913 - the rows and their two columns of asset facts
    rows: Sequence[Row],
    steps: Sequence[Decimal],
    broker_minimums: Sequence[Decimal],
    *,
    cash: Decimal,
    limits: Thresholds,
    absorb: bool,
    noise: Decimal,
) -> list[PlanItem]:
    """One item per row (in row order): a whole number of lots, or a HOLD saying why not.

    `steps` are the lots in shares, `broker_minimums` the smallest orders in account
    currency; `cash` is what these symbols may spend beyond the reserve, before their
    own sales; `noise` how far cent rounding may move a target between two plans.
    """
    if not rows:
        return []
    prices = [row[1] for row in rows]
    held = [row[2] for row in rows]
    rounding_allowance = CENT * sum(1 for p, x in zip(prices, steps, strict=True) if (p * x) % CENT)
    quantities = allocate_whole(
        [row[0] for row in rows],
        prices,
        held,
        [row[4] for row in rows],
        steps,
        cash=cash - rounding_allowance,
        minimum=limits.minimum,
        absorb=absorb,
        broker_minimums=broker_minimums,
        noise=noise,
    )
    return [
        _item(row, new - h, step, least, limits)
        for row, new, h, step, least in zip(
            rows, quantities, held, steps, broker_minimums, strict=True
        )
    ]


def _item(
    row: Row, quantity: Decimal, step: Decimal, broker_minimum: Decimal, limits: Thresholds
) -> PlanItem:
    """The plan item for `quantity` more shares (negative: fewer)."""
    price, trade = row[1], row[5]
    truncated = (trade / (price * step)).to_integral_value(rounding=ROUND_DOWN)
    if quantity == ZERO:
        return hold(row, _why_not(trade, truncated * step * price, broker_minimum, limits))
    amount = (quantity * price).quantize(CENT, rounding=limits.rounding)
    limited = ZERO < quantity < truncated * step
    action = Action.BUY if quantity > 0 else Action.SELL
    return item(row, action, amount, quantity, Reason.CASH_LIMITED if limited else Reason.REBALANCE)


def _why_not(
    trade: Decimal, truncated: Decimal, broker_minimum: Decimal, limits: Thresholds
) -> Reason:
    """Why a symbol trades nothing: on target, too small, less than a lot, or no cash.

    `trade` is the raw trade amount, `truncated` the value of the whole lots in it.
    """
    if trade == ZERO:
        return Reason.AT_TARGET
    if abs(trade) < limits.minimum or (truncated and abs(truncated) < limits.minimum):
        return Reason.BELOW_MIN_TRADE
    if truncated and abs(truncated) < broker_minimum:
        return Reason.BELOW_BROKER_MINIMUM
    if truncated == ZERO:
        return Reason.ROUNDED_TO_ZERO
    return Reason.CASH_LIMITED
