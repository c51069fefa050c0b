"""Rule 2: a gain budget. The cuts that keep a plan's net realized gain within it.

Liquidations are never cut: their gain is spent first. The other sales are taken in
order of gain per dollar sold (the drift each dollar fixes), least first, so that a
sale realizing a loss or little gain is kept before one realizing much; each keeps
the most shares whose gain fits what is left of the budget. A later sale cut to lots
at a loss (its gain below 0) leaves room, which the sales cut before it are offered
again, in the same order. When the liquidations alone exceed it, the other sales are
kept only as far as they realize a net loss (which lowers the excess), and the plan
reports the excess (`TaxReport.over_budget`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import NamedTuple

from portfolio.records.money import ZERO
from portfolio.steps.rules import Thresholds, too_small
from portfolio.tax.relief import Piece, Priced, priced, priced_gain

__all__ = ["Candidate", "Kept", "down_to_step", "largest_within", "within_budget"]

#: How often a cut is tightened when rounding to cents or another choice of lots
#: makes it realize more than estimated (each pass lowers the limit by the excess).
_TRIES = 3


class Candidate(NamedTuple):
    """A sale the budget may cut: its symbol, price, pieces (in relief order) and shares.

    `step` is the share quantum a cut keeps to (1 for whole shares); `limits` the plan's
    thresholds (a cut below the minimum trade, `too_small`, is held); `gain` what the
    pieces realize.
    """

    symbol: str
    price: Decimal
    pieces: list[Piece]
    quantity: Decimal
    step: Decimal
    limits: Thresholds
    gain: Decimal


class Kept(NamedTuple):
    """What the budget keeps of a sale: shares, the pieces they relieve ([] = held), their gain.

    `sold`: the pieces `priced` at the sale's price, as the gain was counted from them
    (the plan keeps them, `TaxInputs.chosen`, rather than pricing the pieces again).
    """

    quantity: Decimal
    pieces: list[Piece]
    gain: Decimal = ZERO
    sold: list[Priced] | None = None


#: Re-chooses the lots for a smaller sale (`choice.choose`): None when it must be held.
Rechoose = Callable[[Candidate, Decimal], list[Piece] | None]


def within_budget(
    candidates: Sequence[Candidate], room: Decimal, rechoose: Rechoose
) -> dict[str, Kept]:
    """The sales to cut, by symbol: what each keeps so that Σ gains ≤ `room`.

    `room` is the budget less what the liquidations realize (may be negative). Sales
    missing from the answer stand as they are.
    """
    left = room
    cut: dict[str, Kept] = {}

    def ratio(candidate: Candidate) -> tuple[Decimal, str]:
        return candidate.gain / (candidate.quantity * candidate.price), candidate.symbol

    ordered = sorted(candidates, key=ratio)
    for candidate in ordered:
        gain = candidate.gain
        if gain <= left:
            left -= gain
            continue
        kept = _cut(candidate, left, rechoose)
        left -= kept.gain
        if kept.quantity != candidate.quantity:  # a loss kept whole is no cut
            cut[candidate.symbol] = kept
    if cut and left > 0:
        _cuts_grown(ordered, cut, left, rechoose)
    return cut


def _cuts_grown(
    ordered: Sequence[Candidate], cut: dict[str, Kept], left: Decimal, rechoose: Rechoose
) -> None:
    """The cut sales offered the room `left` (> 0) again, in the same order: `cut` updated.

    A sale cut to its lots at a loss (its gain below 0) leaves room that the sales cut
    before it could not count on. Each cut sale may take more, up to what is left; a
    pass that grows one may leave more room (its added lots at a loss), so the passes go
    on while one grows, as many at most as there are sales.
    """
    for _ in ordered:
        grown = False
        for candidate in ordered:
            kept = cut.get(candidate.symbol)
            if kept is None or left <= 0:
                continue
            more = _cut(candidate, left + kept.gain, rechoose)
            if more.quantity <= kept.quantity or more.gain - kept.gain > left:
                continue
            grown = True
            left += kept.gain - more.gain
            if more.quantity == candidate.quantity:  # sold whole after all: no cut
                del cut[candidate.symbol]
            else:
                cut[candidate.symbol] = more
        if not grown:
            return


def _cut(candidate: Candidate, left: Decimal, rechoose: Rechoose) -> Kept:
    """The most shares of `candidate` whose gain is ≤ `left` (≤ 0 when `left` is negative)."""
    ceiling = left if left >= 0 else ZERO
    limit = left
    for _ in range(_TRIES):
        shares = largest_within(candidate.pieces, candidate.price, limit)
        shares = down_to_step(shares, candidate.step)
        if shares <= 0 or too_small(-shares * candidate.price, candidate.limits):
            return Kept(ZERO, [])
        pieces = rechoose(candidate, shares)
        if pieces is None:
            return Kept(ZERO, [])
        sold = priced(pieces, candidate.price)
        gain = priced_gain(sold)  # what `realized` counts
        if gain <= ceiling:
            return Kept(shares, pieces, gain, sold)
        limit -= gain - ceiling
    return Kept(ZERO, [])


def down_to_step(shares: Decimal, step: Decimal) -> Decimal:
    """`shares` rounded down to a whole number of `step`s, written with the step's digits.

    >>> down_to_step(Decimal("2.5"), Decimal("1E-9")), down_to_step(Decimal("7.9"), Decimal(2))
    (Decimal('2.500000000'), Decimal('6'))
    """
    return ((shares / step).to_integral_value(ROUND_DOWN) * step).quantize(step)


def largest_within(pieces: Sequence[Piece], price: Decimal, limit: Decimal) -> Decimal:
    """The most shares x of the pieces, in order, whose gain G(x) ≤ `limit`.

    G is piecewise linear (each piece's slope is price − its cost). When no x > 0 has
    G(x) ≤ `limit` (a negative limit), the x where G is least.

    >>> from datetime import date
    >>> from portfolio.tax.records import TaxLot
    >>> loss = TaxLot(quantity=Decimal(2), cost=Decimal(15), acquired=date(2024, 1, 2))
    >>> gain = TaxLot(quantity=Decimal(10), cost=Decimal(6), acquired=date(2024, 1, 3))
    >>> largest_within([(loss, Decimal(2)), (gain, Decimal(10))], Decimal(10), Decimal(6))
    Decimal('6')
    """
    best: Decimal | None = ZERO if limit >= 0 else None
    at = gained = lowest = lowest_at = ZERO
    for lot, shares in pieces:
        slope = price - lot.cost
        end = gained + slope * shares
        if end <= limit:
            best = at + shares
        elif gained <= limit and slope > 0:
            best = at + (limit - gained) / slope
        if end <= lowest:
            lowest, lowest_at = end, at + shares
        at += shares
        gained = end
    return lowest_at if best is None else best
