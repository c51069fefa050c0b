"""The working state of a whole-lot allocation, and the lots at the edge of its cash.

`LotBook` holds, per symbol, the trade toward its target, the price of one lot and the
lots bought; `losses` lists what giving up a bought lot would cost, `waiting` the best
lots that did not fit the cash, `changes` the changes to the plan they make (and
`more_lots` further lots of the cheapest). `portfolio.steps.whole.knapsack` weighs them. See
`portfolio.steps.whole.sizing`.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Collection, Sequence
from operator import itemgetter
from typing import TypeVar

import attrs

from portfolio.steps.rules import below_floor, fewest_lots, trade_allowed

__all__ = [
    "CHANGE",
    "Item",
    "LotBook",
    "Order",
    "changes",
    "in_symbol_order",
    "losses",
    "more_lots",
    "waiting",
]

#: (symbol index, whether the entry buys the lots wholly lacking) in the order of gain.
Order = list[tuple[int, bool]]
#: A change to the plan: (value, cost, symbol index, lots: +1 to take one, −m to give m up)
Item = tuple[int, int, int, int]
#: (what giving up a lot costs, in total or per unit of its price; symbol; symbol index)
_Entry = TypeVar("_Entry", tuple[int, str, int], tuple[float, str, int])
#: How many lots beyond the first each of the cheapest symbols may give up (small change).
CHANGE = 7


@attrs.define
class LotBook:
    """The working state of one allocation: lots bought per symbol and the cash left.

    Amounts are integers: counts of one small decimal unit (see `allocate_whole`).
    """

    symbols: Sequence[str]  # ties between equal options break by symbol
    trades: list[int]  # target − held value
    lots: list[int]  # price of one lot
    counts: list[int]  # lots bought (negative: sold)
    budget: int  # the cash left
    minimums: list[int]  # the smallest trade per symbol (`portfolio.steps.rules.smallest_trade`)
    absorb: bool
    holding: list[bool]  # whether the symbol is held before the plan
    noise: int  # a held position is not topped up for an improvement this small

    def short(self, i: int) -> int:
        """What symbol i still lacks of its target after the lots bought (negative: over)."""
        return self.trades[i] - self.counts[i] * self.lots[i]

    def gain(self, i: int, lots: int = 1) -> int:
        """How much the error falls if `lots` more lots of symbol i are bought (may be < 0)."""
        short, cost = self.short(i), lots * self.lots[i]
        return abs(short) - abs(short - cost) + (0 if self.absorb else cost)

    def worth_a_trade(self, i: int, gain: int) -> bool:
        """A lot that is symbol i's only trade must gain the minimum (and, held, the noise)."""
        return gain >= self.minimums[i] and (not self.holding[i] or gain > self.noise)

    def allowed(self, i: int, count: int) -> bool:
        """A trade of `count` lots is either none at all or at least the smallest trade."""
        return trade_allowed(count * self.lots[i], self.minimums[i])


def losses(book: LotBook, skip: Collection[int] = ()) -> list[tuple[int, str, int]]:
    """(what giving up a bought lot costs, symbol, index) for each symbol whose lot may go.

    In index order; the symbols in `skip` are left out.
    """
    extra = 0 if book.absorb else 1  # the lot's price comes back as cash left (error)
    columns = zip(book.counts, book.lots, book.trades, book.minimums, book.symbols, strict=True)
    return [
        (abs(trade - (k - 1) * lot) - abs(trade - k * lot) + extra * lot, symbol, i)
        for i, (k, lot, trade, least, symbol) in enumerate(columns)
        if k > 0 and trade_allowed((k - 1) * lot, least) and i not in skip
    ]


def waiting(book: LotBook, order: Order, most: int) -> list[tuple[int, int]]:
    """The first `most` symbols in `order` still short whose next lot does not fit the cash.

    Each with what buying that lot gains (how much the error falls; may be ≤ 0).
    """
    trades, lots, counts, minimums, budget = (
        book.trades,
        book.lots,
        book.counts,
        book.minimums,
        book.budget,
    )
    extra = 0 if book.absorb else 1
    seen: set[int] = set()
    waiting: list[tuple[int, int]] = []
    for j, _ in order:
        lot = lots[j]
        if lot <= budget or j in seen:
            continue  # it fits (the fill takes it) or is listed already
        seen.add(j)
        short = trades[j] - counts[j] * lot
        if short > 0 and not below_floor((counts[j] + 1) * lot, minimums[j]):
            waiting.append((j, short - abs(short - lot) + extra * lot))
            if len(waiting) == most:
                break
    return waiting


def changes(book: LotBook, order: Order, width: int) -> tuple[list[Item], list[int]]:
    """The changes weighed, and the symbols whose further lots may go (`_with_more_lots`).

    The changes: the `width` best lots waiting, the lots cheapest to give up; at most
    one per symbol, so their ratios |v| ÷ |c| never tie on a symbol and `_multiplier`
    finds the same λ in any order of them.
    """
    symbols, lots, counts, holding = book.symbols, book.lots, book.counts, book.holding
    pool: list[Item] = []
    for j, gain in waiting(book, order, 4 * width):
        if gain <= 0 or (not counts[j] and not book.worth_a_trade(j, gain)):
            continue
        # A held position's first lot must fit with the noise to spare (see `_fill`).
        spare = book.noise if holding[j] and not counts[j] else 0
        pool.append((gain, lots[j] + spare, j, 1))
    # The best lots per dollar, and the lots that gain most (large lots that use the cash).
    best = pool[:width]
    largest = [it for _, _, it in sorted((-it[0], symbols[it[2]], it) for it in pool)]
    takes = [*best, *(it for it in largest[: width // 2] if it not in best)]
    taking = {j for _, _, j, _ in takes}
    losing = losses(book, taking)
    # Lots cheapest to lose per dollar, and lots cheapest to lose at all (small lots that
    # make the cash add up exactly).
    per_dollar = _least([(loss / lots[i], s, i) for loss, s, i in losing], width)
    least = _least(losing, width)
    picked = {i for _, _, i in (*per_dollar, *least)}
    gives = [(-loss, -lots[i], i, -1) for loss, _, i in losing if i in picked]
    return [*takes, *gives], [i for _, _, i in least]


def in_symbol_order(book: LotBook, items: list[Item]) -> list[Item]:
    """`items` by symbol, so that the same account always gets the same search."""
    symbols = book.symbols
    return list(map(_LAST, sorted([(symbols[it[2]], -it[3], -it[0], it[1], it) for it in items])))


def _least(entries: list[_Entry], most: int) -> list[_Entry]:
    """`sorted(entries)[:most]` (entries are distinct), in O(n log most) for many entries."""
    if len(entries) <= 4 * most:
        return sorted(entries)[:most]
    kept = sorted(entries[:most])
    for entry in entries[most:]:
        if entry < kept[-1]:
            insort(kept, entry)
            kept.pop()
    return kept


def more_lots(book: LotBook, i: int) -> list[Item]:
    """Giving up 1, 2, 4, … more lots of symbol i (up to `CHANGE`), after its first.

    Beyond the first (the extra lot, if any) every lot given up costs the same, so these
    items, taken in any combination, give up any count up to the most (binary split).
    """
    lot, count, least = book.lots[i], book.counts[i], book.minimums[i]
    most = min(count - 1, CHANGE)
    if lot < least and count > 2:  # the lots kept stay a trade ≥ the smallest trade
        most = min(most, max(0, count - 1 - fewest_lots(least, lot)))
    if most <= 0 or book.trades[i] - (count - 1) * lot < 0:
        return []
    each = 2 * lot if not book.absorb else lot  # |short| grows by a lot; the cash too
    return [(-take * each, -take * lot, i, -take) for take in _SPLITS[most]]


def _split(most: int) -> tuple[int, ...]:
    """1, 2, 4, … summing to `most` (the last part what is left): any count up to it is a sum."""
    parts: list[int] = []
    chunk = 1
    while most > 0:
        parts.append(min(chunk, most))
        most -= parts[-1]
        chunk *= 2
    return tuple(parts)


#: The binary split of every count of lots `_more_lots` may give up.
_SPLITS = tuple(_split(most) for most in range(CHANGE + 1))


_LAST = itemgetter(-1)
