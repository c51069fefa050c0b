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

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from portfolio.money import ZERO
from portfolio.plan_item import Action
from portfolio.tax.policy import TaxPolicy
from portfolio.tax.records import PastTrade, TaxLot
from portfolio.tax.relief import Piece, in_order, relieve, term
from portfolio.tax.report import Term

__all__ = ["SaleTerms", "choose", "deferrable", "loss_sold", "wash_sale"]


class SaleTerms(NamedTuple):
    """What one plan's sales share: the policy, the sale date and the wash-sale window's start."""

    policy: TaxPolicy
    on: date
    window_start: date

    @classmethod
    def of(cls, policy: TaxPolicy, on: date) -> SaleTerms:
        """The terms of sales on `on` under `policy`."""
        return cls(policy, on, on - timedelta(days=policy.wash_sale_days))

    def recent(self, lot: TaxLot) -> bool:
        """Bought within the wash-sale window before the sale."""
        return lot.acquired >= self.window_start


def deferrable(lots: Sequence[TaxLot], price: Decimal, terms: SaleTerms) -> list[TaxLot]:
    """The lots a sale at `price` may relieve under rule 3.

    Every lot, or (when deferring) those that realize no short-term gain.
    """
    if not terms.policy.defer_short_term_gains:
        return list(lots)
    return [lot for lot in lots if lot.cost >= price or term(lot.acquired, terms.on) is Term.LONG]


def wash_sale(
    lots: Sequence[TaxLot], pieces: Sequence[Piece], price: Decimal, terms: SaleTerms
) -> bool:
    """Whether selling these pieces realizes a loss while recent shares stay held."""
    if not any(lot.cost > price for lot, _ in pieces):  # no loss: no wash sale
        return False
    start = terms.window_start
    if max(lot.acquired for lot in lots) < start:  # nothing bought recently
        return False
    taken = {id(lot): shares for lot, shares in pieces}
    return any(lot.acquired >= start and taken.get(id(lot), ZERO) < lot.quantity for lot in lots)


def choose(
    lots: Sequence[TaxLot],
    pool: Sequence[TaxLot],
    quantity: Decimal,
    price: Decimal,
    terms: SaleTerms,
) -> list[Piece] | None:
    """The pieces `quantity` shares take from `pool`, avoiding a wash sale; None if none can.

    `pool` is a subset of the symbol's `lots` with at least `quantity` shares. The
    method's order first, then the recent lots first, then the lots at a gain first.
    """
    ordered = in_order(pool, terms.policy, price, terms.on)
    pieces = relieve(ordered, quantity)
    if not wash_sale(lots, pieces, price, terms):
        return pieces
    recent_first = [lot for lot in ordered if terms.recent(lot)]
    recent_first += [lot for lot in ordered if not terms.recent(lot)]
    gain_first = [lot for lot in ordered if lot.cost <= price]
    gain_first += [lot for lot in ordered if lot.cost > price]
    for order in (recent_first, gain_first):
        pieces = relieve(order, quantity)
        if not wash_sale(lots, pieces, price, terms):
            return pieces
    return None


def loss_sold(trades: Sequence[PastTrade], terms: SaleTerms) -> frozenset[str]:
    """The symbols (upper-case) sold at a loss within the window before the plan (rule 4).

    A sale whose `realized_gain` is unknown (None) does not count.
    """
    return frozenset(
        trade.symbol.upper()
        for trade in trades
        if trade.realized_gain is not None
        and trade.realized_gain < ZERO
        and terms.window_start <= trade.on <= terms.on
        and trade.action is Action.SELL
    )
