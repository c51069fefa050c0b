"""Cash feasibility: buys never spend more than cash + sale proceeds − the reserve.

When the plan's rebalancing buys would, they are cut in three passes, all marked
CASH_LIMITED:

1. every whole-share buy gets its amount × (available / wanted), rounded down to cents,
   in whole shares (truncated);
2. the fractional buys share what the whole-share buys left, pro rata (at most what
   they wanted), rounded down to cents;
3. what is still left (truncated whole shares leave it) buys more whole shares, the
   largest shortfall first, each within what it wanted.

A buy that falls below the minimum trade (or to no shares) becomes a HOLD. Without
passes 2 and 3 the cash that truncating whole shares frees would stay idle beside
buys that could use it, and the next plan would trade it.
Liquidations (buying back a short) are never cut: leaving part of a position behind
is what the liquidation rule forbids.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal
from operator import attrgetter

from portfolio.records.money import CENT, ZERO
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.steps.rules import Row, Thresholds, item, shares_for, too_small

__all__ = ["limit_to_cash"]

_Sized = tuple[Decimal, Decimal]  # (shares, amount)
_AMOUNT = attrgetter("trade_amount")


def limit_to_cash(
    buys: Sequence[PlanItem], *, available: Decimal, limits: Thresholds, whole: frozenset[str]
) -> tuple[list[PlanItem], list[PlanItem]]:
    """Cut rebalancing buys to `available` (account currency) when they exceed it.

    `available` = cash + Σ sale proceeds − reserve − Σ liquidation buys; `whole` names
    the symbols traded in whole shares. Returns (the buys, in their order; the buys that
    became HOLDs). Liquidation buys pass through unchanged.
    """
    wanted = [i for i in buys if i.reason is Reason.REBALANCE]
    total = sum(map(_AMOUNT, wanted), ZERO)
    if total <= available:
        return list(buys), []
    factor = available / total if available > 0 else ZERO
    rounding = limits.rounding
    sized: dict[str, _Sized] = {}
    for buy in wanted:  # pass 1: whole shares, scaled
        if buy.symbol in whole:
            budget = _cents_down(buy.trade_amount * factor)
            sized[buy.symbol] = shares_for(budget, buy.price, whole=True, rounding=rounding)
    left = available - sum((amount for _, amount in sized.values()), ZERO)
    fractional = [i for i in wanted if i.symbol not in whole]
    room = sum((i.trade_amount for i in fractional), ZERO)
    share = min(left / room, Decimal(1)) if room and left > 0 else ZERO
    for buy in fractional:  # pass 2: fractional, pro rata on what is left
        budget = _cents_down(buy.trade_amount * share)
        sized[buy.symbol] = shares_for(budget, buy.price, whole=False, rounding=rounding)
    left = available - sum((amount for _, amount in sized.values()), ZERO)
    if left > 0 and whole:
        _top_up([i for i in wanted if i.symbol in whole], sized, left, rounding)
    kept: list[PlanItem] = []
    held: list[PlanItem] = []
    for buy in buys:
        limited = _limited(buy, sized[buy.symbol], limits) if buy.symbol in sized else buy
        (held if limited.action is Action.HOLD else kept).append(limited)
    return kept, held


def _top_up(buys: list[PlanItem], sized: dict[str, _Sized], left: Decimal, rounding: str) -> None:
    """Pass 3: more whole shares with the cash left, the largest shortfall first.

    Each buy takes as many more shares as the cash left and its own shortfall (what it
    wanted − what it got) allow; `sized` is updated in place.
    """

    def shortfall(buy: PlanItem) -> Decimal:
        return buy.trade_amount - sized[buy.symbol][1]

    for buy in sorted(buys, key=lambda b: (-shortfall(b), b.symbol)):
        if left < buy.price:
            continue
        quantity, amount = sized[buy.symbol]
        extra = min(left, shortfall(buy)) // buy.price
        bigger = ((quantity + extra) * buy.price).quantize(CENT, rounding=rounding)
        if extra > 0 and bigger - amount <= left:
            sized[buy.symbol] = (quantity + extra, bigger)
            left -= bigger - amount


def _cents_down(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_DOWN)


def _limited(buy: PlanItem, sized: _Sized, limits: Thresholds) -> PlanItem:
    quantity, amount = sized
    row = Row(
        symbol=buy.symbol,
        price=buy.price,
        held=ZERO,
        current=buy.current_value,
        target=buy.target_value,
        trade=buy.trade_amount,
        current_weight=buy.current_weight,
        target_weight=buy.target_weight,
        tradable=True,
        whole=True,
    )
    if quantity <= 0 or amount <= 0 or too_small(amount, limits):
        return item(row, Action.HOLD, ZERO, ZERO, Reason.CASH_LIMITED)
    return item(row, Action.BUY, amount, quantity, Reason.CASH_LIMITED)
