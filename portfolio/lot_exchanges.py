"""The working state of a whole-lot allocation, and the exchanges that improve it.

`LotBook` holds, per symbol, the trade toward its target, the price of one lot and the
lots bought; `swap_in` and `exchange` are the allocation's second chance for a lot that
did not fit the cash: give up one lot bought elsewhere (the cheapest to lose among those
that free enough cash), or up to six (the cheapest per dollar), when that loses less
than the lot gains. Both run in O(n log n). See `portfolio.whole_shares`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

import attrs

__all__ = ["SECOND_CHANCES", "LotBook", "exchange", "swap_in"]

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

    def allowed(self, i: int, count: int) -> bool:
        """A trade of `count` lots is either none at all or at least the minimum trade."""
        return count == 0 or abs(count) * self.lots[i] >= self.minimums[i]


def swap_in(book: LotBook, order: Order) -> None:
    """A second chance for a lot that did not fit: give up one lot elsewhere when that pays.

    The lots that could be given up are sorted by the cash they free, with suffix minima
    of what giving each up costs: O(n log n) in all.
    """
    options = sorted((book.lots[i], loss, book.symbols[i], i) for i, loss in _losses(book))
    freed = [option[0] for option in options]
    cheapest = list(range(len(options)))
    for pos in reversed(range(len(options) - 1)):
        later = cheapest[pos + 1]
        if options[later][1] < options[pos][1]:
            cheapest[pos] = later
    touched: set[int] = set()
    lots = book.lots
    for j in _waiting(book, order):
        if j in touched or lots[j] <= book.budget:
            continue
        pos = bisect_left(freed, lots[j] - book.budget)
        if pos == len(options):
            continue
        _, loss, _, i = options[cheapest[pos]]
        if i == j or i in touched or loss >= book.gain(j):
            continue  # the best lot to give up is spoken for: this one keeps waiting
        book.counts[i] -= 1
        book.counts[j] += 1
        book.budget += lots[i] - lots[j]
        touched.update((i, j))


def exchange(book: LotBook, order: Order, most: int = 6) -> None:
    """Give up to `most` lots, cheapest loss per dollar first, for a lot that did not fit.

    A lot is skipped at once when even the cheapest loss per dollar cannot pay for it
    (a lot gains at most twice its price).
    """
    options = sorted((loss / book.lots[i], loss, book.symbols[i], i) for i, loss in _losses(book))
    used: set[int] = set()
    start = 0
    lots = book.lots
    for j in _waiting(book, order):
        while start < len(options) and options[start][3] in used:
            start += 1
        if start == len(options):
            return
        need = lots[j] - book.budget
        if j in used or need <= 0 or options[start][0] * need >= 2 * lots[j]:
            continue
        gain = book.gain(j)
        if options[start][0] * need >= gain:
            continue
        window = [(cost, i) for _, cost, _, i in options[start : start + 2 * most] if i not in used]
        chosen = _enough(book, window, j, need, most)
        if not chosen or sum(cost for cost, _ in chosen) >= gain:
            continue
        for _, i in chosen:
            book.counts[i] -= 1
            book.budget += lots[i]
        book.counts[j] += 1
        book.budget -= lots[j]
        used.update((*(i for _, i in chosen), j))


def _losses(book: LotBook) -> list[tuple[int, int]]:
    """(symbol, what giving up one of its bought lots costs) for every lot that may go."""
    absorb, minimums = book.absorb, book.minimums
    out: list[tuple[int, int]] = []
    for i, (k, lot, trade) in enumerate(zip(book.counts, book.lots, book.trades, strict=True)):
        if k > 0 and (k == 1 or (k - 1) * lot >= minimums[i]):
            short = trade - k * lot
            out.append((i, abs(short + lot) - abs(short) + (0 if absorb else lot)))
    return out


#: How many of the best lots that did not fit get a second chance (bounds the work).
SECOND_CHANCES = 64


def _waiting(book: LotBook, order: Order) -> list[int]:
    """The first `SECOND_CHANCES` symbols in `order` still short that may take one more lot."""
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
            if len(waiting) == SECOND_CHANCES:
                break
    return waiting


def _enough(
    book: LotBook, window: list[tuple[int, int]], j: int, need: int, most: int
) -> list[tuple[int, int]]:
    """The first lots of `window` (not j's own) that free `need`, at most `most`; else none."""
    chosen: list[tuple[int, int]] = []
    for cost, i in window:
        if i == j:
            continue
        chosen.append((cost, i))
        need -= book.lots[i]
        if need <= 0:
            return chosen
        if len(chosen) == most:
            break
    return []
