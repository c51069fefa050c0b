"""The plan items of whole-lot symbols, once `allocate_whole` has sized them.

One item per row: a buy or a sale of a whole number of lots, or a HOLD saying why not
(on target, too small, less than a lot, below the broker's minimum, or no cash). A buy
is CASH_LIMITED when truncation alone would have bought another lot. See
`portfolio.steps.whole.lots`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_DOWN, Decimal
from itertools import compress, count, repeat
from operator import add, le, mul

from portfolio.records.asset_facts import under_broker_minimum
from portfolio.records.money import CENT, ZERO
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.steps.rules import Row, Thresholds, item, too_small

__all__ = ["lot_items"]

_LIMITED, _REBALANCE = Reason.CASH_LIMITED, Reason.REBALANCE
_BUY, _SELL, _HOLD = Action.BUY, Action.SELL, Action.HOLD
#: Builds a `PlanItem` from a tuple of its fields (as `portfolio.steps.rules.item` does).
_new: Callable[[type[PlanItem], tuple[object, ...]], PlanItem] = tuple.__new__


def lot_items(
    rows: Sequence[Row],
    quantities: Sequence[Decimal],
    steps: Sequence[Decimal],
    broker_minimums: Sequence[Decimal],
    limits: Thresholds,
) -> list[PlanItem]:
    """`_item` for each row: the buys (most rows) column by column, the rest one by one."""
    symbols, prices, _, currents, goals, trades, weights, target_weights, _, _ = zip(
        *rows, strict=True
    )
    values = list(map(mul, quantities, prices))
    amounts = map(Decimal.quantize, values, repeat(CENT), repeat(limits.rounding))
    # CASH_LIMITED where one more lot would still not pass the target (as in `_item`).
    limited = map(le, map(add, values, map(mul, prices, steps)), trades)
    reasons = map(_REASONS.__getitem__, limited)
    fields = zip(
        symbols, repeat(_BUY), amounts, quantities, prices, currents, goals, weights,
        target_weights, reasons,
    )  # fmt: skip
    items = list(map(_new, repeat(PlanItem), fields))  # as `item` builds each
    for i in compress(count(), map(ZERO.__ge__, quantities)):  # the sales and the holds
        items[i] = _item(rows[i], quantities[i], steps[i], broker_minimums[i], limits)
    return items


#: A buy's reason, by whether it is CASH_LIMITED.
_REASONS = (_REBALANCE, _LIMITED)


def _item(
    row: Row, quantity: Decimal, step: Decimal, broker_minimum: Decimal, limits: Thresholds
) -> PlanItem:
    """The plan item for `quantity` more shares (negative: fewer).

    A buy is CASH_LIMITED when truncation alone would have bought another lot.
    """
    price, trade = row[1], row[5]
    if not quantity:
        lot = price * step
        truncated = (trade / lot).to_integral_value(rounding=ROUND_DOWN) * lot
        reason = _why_not(trade, truncated, broker_minimum, limits)
        return item(row, _HOLD, ZERO, ZERO, reason)
    value = quantity * price
    amount = value.quantize(CENT, rounding=limits.rounding)
    if quantity < 0:
        return item(row, _SELL, amount, quantity, _REBALANCE)
    limited = value + price * step <= trade
    return item(row, _BUY, amount, quantity, _LIMITED if limited else _REBALANCE)


def _why_not(
    trade: Decimal, truncated: Decimal, broker_minimum: Decimal, limits: Thresholds
) -> Reason:
    """Why a symbol trades nothing: on target, too small, less than a lot, or no cash.

    `trade` is the raw trade amount, `truncated` the value of the whole lots in it.
    """
    if trade == ZERO:
        return Reason.AT_TARGET
    if too_small(trade, limits) or (truncated and too_small(truncated, limits)):
        return Reason.BELOW_MIN_TRADE
    if truncated and under_broker_minimum(truncated, broker_minimum):
        return Reason.BELOW_BROKER_MINIMUM
    if truncated == ZERO:
        return Reason.ROUNDED_TO_ZERO
    return Reason.CASH_LIMITED
