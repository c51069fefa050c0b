"""Which lots a sale may relieve: rule 3 (deferring short-term gains) and rule 4 (wash sales).

Rule 3: with `defer_short_term_gains`, a sale may relieve only lots that realize no
short-term gain (`deferrable`); the planner cuts it to them.

Rule 4: a sale that realizes a loss on some lot while shares bought within
`wash_sale_days` before it are still held after it is a wash sale. `choose` tries the
method's order, then the recent lots first, then the lots at a gain first, and takes
the first order that is no wash sale; when none is, the sale must be held. That search
is complete: after any sale of fewer shares than the recent lots hold some of them
stay, so only a sale without a loss avoids the rule, and the gain-first order finds
one whenever one exists. A buy of a symbol sold at a loss within the window is held
(`wash_buy`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from itertools import chain, islice
from operator import attrgetter
from typing import NamedTuple

from portfolio.records.money import ZERO
from portfolio.records.plan_item import Action
from portfolio.tax.policy import TaxPolicy
from portfolio.tax.records import PastTrade, TaxLot
from portfolio.tax.relief import Piece, relieve, short_from

__all__ = [
    "SaleTerms",
    "choose",
    "deferrable",
    "loss_sold",
    "recent_lots",
    "wash_sale",
    "window_index",
]

_ACQUIRED = attrgetter("acquired")


class SaleTerms(NamedTuple):
    """What one plan's sales share: the policy, the sale date and the wash-sale window's start."""

    policy: TaxPolicy
    on: date
    window_start: date
    #: The first acquisition date of a lot still short-term when sold on `on` (`short_from`).
    first_short: date

    @classmethod
    def of(cls, policy: TaxPolicy, on: date) -> SaleTerms:
        """The terms of sales on `on` under `policy`."""
        return cls(policy, on, on - timedelta(days=policy.wash_sale_days), short_from(on))


def deferrable(lots: Sequence[TaxLot], price: Decimal, terms: SaleTerms) -> Sequence[TaxLot]:
    """The lots a sale at `price` may relieve under rule 3, in their given order.

    Every lot (`lots` itself), or (when deferring) those that realize no short-term gain.
    """
    if not terms.policy.defer_short_term_gains:
        return lots
    first_short = terms.first_short
    return [lot for lot in lots if lot.cost >= price or lot.acquired < first_short]


def recent_lots(
    lots: Sequence[TaxLot], terms: SaleTerms, *, oldest_first: bool = False
) -> list[TaxLot]:
    """The lots bought within the wash-sale window before the sale (often none).

    `oldest_first`: the lots are given oldest first (acquired never decreasing, as a
    backtest keeps them), so the window's lots are the last ones, found by bisection.
    """
    if oldest_first:
        return list(lots[window_index(lots, terms) :])
    start = terms.window_start
    return [lot for lot in lots if lot.acquired >= start]


def window_index(lots: Sequence[TaxLot], terms: SaleTerms) -> int:
    """The index of the first lot bought within the wash-sale window, of lots oldest first.

    The lots before it are older than the window, those from it on are `recent_lots`.
    """
    return bisect_left(lots, terms.window_start, key=_ACQUIRED)


def wash_sale(recent: Sequence[TaxLot], pieces: Sequence[Piece], price: Decimal) -> bool:
    """Whether selling these pieces realizes a loss while some `recent` lot stays held.

    `recent` are the symbol's `recent_lots`.
    """
    if not recent:
        return False
    for lot, _ in pieces:  # a loop, not `any`: a sale has a piece or two, on every plan
        if lot.cost > price:
            break
    else:
        return False  # no loss
    taken = {id(lot): shares for lot, shares in pieces}
    return any(taken.get(id(lot), ZERO) < lot.quantity for lot in recent)


def choose(  # noqa: PLR0913 - the sale, and where its window starts when known
    ordered: Sequence[TaxLot],
    recent: Sequence[TaxLot],
    quantity: Decimal,
    price: Decimal,
    terms: SaleTerms,
    *,
    window_at: int | None = None,
) -> list[Piece] | None:
    """The pieces `quantity` shares take from `ordered`, avoiding a wash sale; None if none can.

    `ordered` are the lots the sale may relieve (rule 3) in the method's order
    (`in_order`), with at least `quantity` shares; `recent` the symbol's `recent_lots`.
    The method's order first, then the recent lots first, then the lots at a gain first.
    `window_at`: when `ordered` is oldest first (FIFO on a backtest's lots), the index
    of its first lot within the wash-sale window (`window_start`), so that the recent
    lots first are its last lots first, without reading the others.
    """
    pieces = relieve(ordered, quantity)
    if not wash_sale(recent, pieces, price):
        return pieces
    start = terms.window_start
    # Each order is read only as far as the sale goes (`relieve` stops there).
    recent_first: Iterable[TaxLot]
    if window_at is None:
        recent_first = chain(
            (lot for lot in ordered if lot.acquired >= start),
            (lot for lot in ordered if lot.acquired < start),
        )
    else:
        recent_first = chain(ordered[window_at:], islice(ordered, window_at))  # no skipping
    gain_first = chain(
        (lot for lot in ordered if lot.cost <= price),
        (lot for lot in ordered if lot.cost > price),
    )
    for order in (recent_first, gain_first):
        pieces = relieve(order, quantity)
        if not wash_sale(recent, pieces, price):
            return pieces
    return None


def loss_sold(trades: Sequence[PastTrade], terms: SaleTerms) -> frozenset[str]:
    """The symbols (upper-case) sold at a loss within the window before the plan (rule 4).

    A sale whose `realized_gain` is unknown (None) does not count.
    """
    start, on, sell = terms.window_start, terms.on, Action.SELL
    symbols = {
        trade.symbol
        for trade in trades
        if (gain := trade.realized_gain) is not None
        and gain < ZERO
        and start <= trade.on <= on
        and trade.action is sell
    }
    return frozenset(map(str.upper, symbols))  # each symbol once (a window holds many sales)
