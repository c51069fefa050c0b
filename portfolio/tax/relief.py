"""Rule 1: a sale relieves lots in the method's order, the last lot touched split.

`proceeds = q × price`, `cost = q × lot.cost`, `gain = proceeds − cost`, each rounded to
cents (half even). A lot sold more than one year after it was acquired is long-term;
one sold on the first anniversary is still short-term (docs/tax.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from operator import attrgetter

import attrs

from portfolio.records.money import CENT, ZERO
from portfolio.tax.policy import LotMethod, TaxPolicy
from portfolio.tax.records import TaxLot
from portfolio.tax.report import LotSale, Priced, Term, lot_sales

__all__ = [
    "Piece",
    "Priced",
    "anniversary",
    "estimated_tax",
    "in_order",
    "lot_sales",
    "names",
    "priced",
    "priced_estimated_tax",
    "priced_gain",
    "realized",
    "relieve",
    "remaining",
    "sales_of",
    "short_from",
    "term",
]

#: One lot and the shares a sale takes from it (0 < shares ≤ lot.quantity).
Piece = tuple[TaxLot, Decimal]
_ACQUIRED, _COST = attrgetter("acquired"), attrgetter("cost")
_LONG, _SHORT = Term.LONG, Term.SHORT
_FIFO, _LIFO, _HIFO = LotMethod.FIFO, LotMethod.LIFO, LotMethod.HIFO
_CENTS = Decimal("0.00")


def anniversary(acquired: date) -> date:
    """The first anniversary of a purchase; February 29 has it on February 28.

    >>> anniversary(date(2024, 2, 29)), anniversary(date(2023, 3, 15))
    (datetime.date(2025, 2, 28), datetime.date(2024, 3, 15))
    """
    if acquired.month == 2 and acquired.day == 29:
        return date(acquired.year + 1, 2, 28)
    return acquired.replace(year=acquired.year + 1)


def term(acquired: date, on: date) -> Term:
    """LONG when `on` is after the first anniversary of `acquired`, else SHORT.

    >>> term(date(2023, 3, 15), date(2024, 3, 15)), term(date(2023, 3, 15), date(2024, 3, 16))
    (<Term.SHORT: 'SHORT'>, <Term.LONG: 'LONG'>)
    """
    return Term.LONG if on > anniversary(acquired) else Term.SHORT


def short_from(on: date) -> date:
    """The first acquisition date whose lots are still short-term when sold on `on`.

    A lot is long-term exactly when it was acquired before this date (`anniversary` never
    decreases, so one date per sale date stands for `term`): the same day a year
    before, or March 1 for a sale on February 29 (whose day has no anniversary).

    >>> short_from(date(2024, 3, 16)), short_from(date(2025, 3, 1)), short_from(date(2024, 2, 29))
    (datetime.date(2023, 3, 16), datetime.date(2024, 3, 1), datetime.date(2023, 3, 1))
    """
    if on.year == 1:  # every lot was bought less than a year before
        return date.min
    if on.month == 2 and on.day == 29:
        return date(on.year - 1, 3, 1)
    return on.replace(year=on.year - 1)


def in_order(
    lots: Sequence[TaxLot],
    policy: TaxPolicy,
    price: Decimal,
    on: date,
    *,
    oldest_first: bool = False,
) -> Sequence[TaxLot]:
    """The lots in the order `policy.method` relieves them (ties keep the given order).

    FIFO oldest first; LIFO newest first; HIFO highest cost first; MIN_TAX the least
    estimated tax per share first (at the policy's rates), then the least gain per
    share (so losses come before gains even at rates of 0), then the oldest.
    `oldest_first`: the lots are given oldest first already (acquired never
    decreasing, as a backtest keeps them), so FIFO's order is theirs (`lots` itself).
    """
    method = policy.method  # identity compares, not a `match`: 2.5 -> 1.1 µs on 10 lots (HIFO)
    if method is _HIFO:
        return sorted(lots, key=_COST, reverse=True)
    if method is _FIFO:
        return lots if oldest_first else sorted(lots, key=_ACQUIRED)
    if method is _LIFO:
        return sorted(lots, key=_ACQUIRED, reverse=True)
    first_short = short_from(on)  # MIN_TAX
    long_rate, short_rate = policy.long_term_rate, policy.short_term_rate

    def tax_per_share(lot: TaxLot) -> tuple[Decimal, Decimal, date]:
        gain = price - lot.cost
        rate = long_rate if lot.acquired < first_short else short_rate
        return gain * rate, gain, lot.acquired

    return sorted(lots, key=tax_per_share)


def relieve(ordered: Iterable[TaxLot], quantity: Decimal) -> list[Piece]:
    """The pieces that `quantity` shares take from the lots in this order; the last one split.

    >>> lots = [TaxLot(quantity=Decimal(3), cost=Decimal(1), acquired=date(2024, 1, 2)),
    ...         TaxLot(quantity=Decimal(5), cost=Decimal(2), acquired=date(2024, 2, 1))]
    >>> [(str(lot.cost), str(q)) for lot, q in relieve(lots, Decimal(4))]
    [('1', '3'), ('2', '1')]
    """
    pieces: list[Piece] = []
    left = quantity
    for lot in ordered:
        if left <= 0:
            break
        held = lot.quantity
        if left < held:  # the last lot, split: `min` without the call (8 sales, 11.8 -> 8.0 µs)
            pieces.append((lot, left))
            break
        pieces.append((lot, held))
        left -= held
    return pieces


def remaining(lots: Sequence[TaxLot], pieces: Sequence[Piece]) -> list[TaxLot]:
    """The lots after the sale, in their given order: untouched, or what is left of a split.

    Lots are matched by identity, so two equal lots are kept apart.
    """
    taken = {id(lot): shares for lot, shares in pieces}
    left: list[TaxLot] = []
    for lot in lots:
        shares = taken.get(id(lot), ZERO)
        if shares < lot.quantity:
            left.append(attrs.evolve(lot, quantity=lot.quantity - shares) if shares else lot)
    return left


def sales_of(symbol: str, pieces: Iterable[Piece], price: Decimal, on: date) -> list[LotSale]:
    """The `LotSale` of each piece sold at `price` on `on` (amounts in cents)."""
    return lot_sales(symbol, priced(pieces, price), short_from(on))


def priced(pieces: Iterable[Piece], price: Decimal) -> list[Priced]:
    """Each piece with its proceeds at `price` and its cost, each rounded to cents once."""
    return [
        (lot, shares, (shares * price).quantize(CENT), (shares * lot.cost).quantize(CENT))
        for lot, shares in pieces
    ]


def names(sale: LotSale, lot: TaxLot) -> bool:
    """Whether `sale` relieves `lot`: the lot's id, its date and its cost.

    The cost is what `priced` gives the sale's shares of that lot: lots without an id
    bought on one day differ by their cost alone.
    """
    same_lot = (sale.lot_id, sale.acquired) == (lot.lot_id, lot.acquired)
    return same_lot and sale.cost == (sale.quantity * lot.cost).quantize(CENT)


def priced_gain(pieces: Iterable[Priced]) -> Decimal:
    """The net gain of priced pieces: Σ (proceeds − cost), as `realized` adds it."""
    total = ZERO
    for _, _, proceeds, cost in pieces:
        total += proceeds - cost
    return total


def realized(pieces: Iterable[Piece], price: Decimal) -> Decimal:
    """The net gain these pieces realize at `price`: Σ of their `LotSale.gain` (cents)."""
    return priced_gain(priced(pieces, price))


def estimated_tax(sales: Sequence[LotSale], policy: TaxPolicy) -> tuple[Decimal, Decimal, Decimal]:
    """(net short-term gain, net long-term gain, estimated tax), in cents.

    The tax is short × short_term_rate + long × long_term_rate, rounded to cents: a net
    loss gives a negative figure (what it would save against other gains).
    """
    short = long = _CENTS
    for sale in sales:  # one pass, not a sum per term: 5.0 -> 1.4 µs on 20 sales (timeit)
        if sale.term is _SHORT:
            short += sale.gain
        elif sale.term is _LONG:
            long += sale.gain
    return short, long, _tax(short, long, policy)


def priced_estimated_tax(
    sold: Iterable[Iterable[Priced]], first_short: date, policy: TaxPolicy
) -> tuple[Decimal, Decimal, Decimal, list[Decimal]]:
    """(`estimated_tax` of the `LotSale`s these pieces make, unbuilt; each `LotSale.gain`).

    The gains in order, for the plan id, which names them: each is subtracted once (21
    lots sold: 3.72 -> 3.70 million instructions a 20-symbol plan, cachegrind).
    """
    short = long = _CENTS
    gains: list[Decimal] = []
    for pieces in sold:
        for lot, _, proceeds, cost in pieces:
            gain = proceeds - cost
            gains.append(gain)
            if lot.acquired < first_short:
                long += gain
            else:
                short += gain
    return short, long, _tax(short, long, policy), gains


def _tax(short: Decimal, long: Decimal, policy: TaxPolicy) -> Decimal:
    """The estimated tax on these net gains by term, in cents."""
    return (short * policy.short_term_rate + long * policy.long_term_rate).quantize(CENT)
