"""The working state of a whole-lot allocation, and the lots at the edge of its cash.

`LotBook` holds, per symbol, the trade toward its target, the price of one lot and the
lots bought; `losses` lists what giving up a bought lot would cost, `waiting` the best
lots that did not fit the cash. `portfolio.lot_knapsack` weighs the two. See
`portfolio.whole_shares`.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = ["LotBook", "Order", "losses", "waiting"]

#: (symbol index, whether the entry buys the lots wholly lacking) in the order of gain.
Order = list[tuple[int, bool]]


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
    minimums: list[int]  # the smallest trade per symbol
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
        """A trade of `count` lots is either none at all or at least the minimum trade."""
        return count == 0 or abs(count) * self.lots[i] >= self.minimums[i]


def losses(book: LotBook) -> list[tuple[int, int]]:
    """(symbol, what giving up one of its bought lots costs) for every lot that may go."""
    absorb, minimums = book.absorb, book.minimums
    out: list[tuple[int, int]] = []
    for i, (k, lot, trade) in enumerate(zip(book.counts, book.lots, book.trades, strict=True)):
        if k > 0 and (k == 1 or (k - 1) * lot >= minimums[i]):
            short = trade - k * lot
            out.append((i, abs(short + lot) - abs(short) + (0 if absorb else lot)))
    return out


def waiting(book: LotBook, order: Order, most: int) -> list[int]:
    """The first `most` symbols in `order` still short whose next lot does not fit the cash."""
    trades, lots, counts, minimums, budget = (
        book.trades,
        book.lots,
        book.counts,
        book.minimums,
        book.budget,
    )
    seen: set[int] = set()
    waiting: list[int] = []
    for j, _ in order:
        lot = lots[j]
        if lot <= budget or j in seen:
            continue  # it fits (the fill takes it) or is listed already
        seen.add(j)
        k = counts[j] + 1
        if trades[j] > (k - 1) * lot and k * lot >= minimums[j]:
            waiting.append(j)
            if len(waiting) == most:
                break
    return waiting
