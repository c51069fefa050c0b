"""The exact whole-lot sizing of a small account: branch and bound over every lot count.

The problem, in exact integers (counts of one small decimal unit, see
`portfolio.steps.whole.sizing`): per symbol a trade toward its target `t`, the price `p` of
one lot, the fewest lots it may trade `low` (≤ 0: minus the whole lots held, or 0 where
nothing may be sold) and the smallest trade it may make `least`; the lots `k` traded
minimise

    Σ |t − k × p|  +  |aim − X|,   X = Σ k × p ≤ budget,

where `aim` is the cash that would leave the fractional symbols exactly at their
targets (the budget itself when there are none: then |aim − X| is the cash left idle).
A sale is just a negative `k`: the search may sell lots of one symbol to buy another.

The search fixes the symbols one at a time, the dearest lot first, each from its two
whole-lot neighbours of the target outwards, and solves the last (cheapest) symbol in
closed form: its part of the error is convex in its count, so the best count is at a
neighbour of one of the two kinks (t ÷ p and what is left of `aim` ÷ p), clamped to
what it may trade. A partial choice is dropped as soon as

    the error so far + max(Σ of the rest's least errors, |aim − X so far − Σ rest's t|)

is above the best error found (the second term: the rest's gaps and the idle cash
together cannot be smaller than what is left over). Equal errors go to the choice
whose whole-lot symbols are nearer their targets, then trading fewer lots, then to
the first found; the order is by price and symbol, so the
same account always gets the same plan. The work is fenced by `MOST_NODES`: past it
the best found so far stands (`Search.complete` says whether it did).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from portfolio.steps.rules import trade_allowed

__all__ = ["MOST_NODES", "LotProblem", "Search", "best_counts", "better", "error_of", "gaps_of"]

#: The most partial choices the search weighs before it settles for the best found.
MOST_NODES = 20_000


@attrs.frozen(kw_only=True)
class LotProblem:
    """The columns of one whole-lot sizing in integer units (see the module docstring)."""

    symbols: Sequence[str]
    trades: Sequence[int]
    lots: Sequence[int]
    lows: Sequence[int]
    leasts: Sequence[int]  # the smallest lot count of a trade other than none (≥ 1)
    budget: int
    aim: int


@attrs.define
class Search:
    """The best counts found, their error, gaps and lots traded, and the nodes weighed."""

    counts: list[int]
    error: int
    gaps: int
    traded: int
    nodes: int = 0
    complete: bool = True

    def offer(self, counts: list[int], error: int, gaps: int) -> None:
        """Keep `counts` if they are better: see `better`."""
        traded = sum(map(abs, counts))
        if better((error, gaps, traded), (self.error, self.gaps, self.traded)):
            self.counts, self.error, self.gaps, self.traded = list(counts), error, gaps, traded


def better(one: tuple[int, int, int], other: tuple[int, int, int]) -> bool:
    """Whether (error, whole-lot gaps, lots traded) `one` beats `other`.

    The lower error first; on equal errors the whole-lot symbols nearer their targets
    (the fractional symbols absorb the rest, and can be traded to their targets at any
    time); then fewer lots traded (so that the plan the account holds already stands).
    """
    return one < other


def error_of(problem: LotProblem, counts: Sequence[int]) -> int:
    """Σ |t − k × p| + |aim − X|: the error the search minimises."""
    spent = sum(k * p for k, p in zip(counts, problem.lots, strict=True))
    return gaps_of(problem, counts) + abs(problem.aim - spent)


def gaps_of(problem: LotProblem, counts: Sequence[int]) -> int:
    """Σ |t − k × p|: how far the whole-lot symbols end from their targets."""
    return sum(abs(t - k * p) for t, k, p in zip(problem.trades, counts, problem.lots, strict=True))


def best_counts(problem: LotProblem, start: list[int], most: int = MOST_NODES) -> Search:
    """The counts with the least error within the budget, searched from `start` (feasible)."""
    search = Search(start, error_of(problem, start), gaps_of(problem, start), sum(map(abs, start)))
    if problem.lots:
        _Tree(problem, search, most).branch(0, 0, 0)
    return search


class _Tree:
    """The columns in the order of the search (dearest lot first) and what the rest can do."""

    def __init__(self, problem: LotProblem, search: Search, most: int) -> None:
        n = len(problem.lots)
        self.order = sorted(range(n), key=lambda i: (-problem.lots[i], problem.symbols[i]))
        self.columns = [
            (problem.trades[i], problem.lots[i], problem.lows[i], problem.leasts[i])
            for i in self.order
        ]
        # Each symbol's nearest counts above and below its target that it may trade.
        self.above = [_allowed(max(t // p + 1, lo), lo, a, 1) or 0 for t, p, lo, a in self.columns]
        self.below = [_allowed(t // p, lo, a, -1) for t, p, lo, a in self.columns]
        # What the symbols from each place on add up to: targets, least gaps, least spent,
        # most spent (none is ever above the count above its target: see `branch`).
        self.rest_trades = _suffix([t for t, _, _, _ in self.columns])
        self.rest_gaps = _suffix([_least_gap(*column) for column in self.columns])
        self.rest_low = _suffix([lo * p for _, p, lo, _ in self.columns])
        highs = [k * p for k, (_, p, _, _) in zip(self.above, self.columns, strict=True)]
        self.rest_high = _suffix(highs)
        self.budget, self.aim, self.last = problem.budget, problem.aim, n - 1
        self.chosen = [0] * n
        self.search, self.most = search, most

    def branch(self, depth: int, spent: int, gaps: int) -> None:
        """The counts of the symbol at `depth` that may still beat the best, outwards.

        Two cuts keep it small, both exact. A count beyond the nearest one above the
        target loses to that one: its gap is larger by what it spends more, and the cash
        term falls by no more than that. A count below the nearest one below the target
        loses to that one where the cash could pay for it whatever the rest buy: there
        too the gap falls by what it spends more. So below it only while the cash is short.
        """
        if depth == self.last:
            self.leaf(spent, gaps)
            return
        _, p, lo, least = self.columns[depth]
        most = (self.budget - spent - self.rest_low[depth + 1]) // p  # what the cash allows
        above, below = self.above[depth], self.below[depth]
        if above <= most and not self.weigh(depth, above, spent, gaps) and not self.search.complete:
            return
        k = below if below is None or below <= most else _allowed(most, lo, least, -1)
        if k is None or not self.weigh(depth, k, spent, gaps):
            return
        if spent + k * p + self.rest_high[depth + 1] <= self.budget:
            return  # the cash pays for the count below the target: nothing lower is better
        k = _allowed(k - 1, lo, least, -1)
        while k is not None and self.weigh(depth, k, spent, gaps):
            k = _allowed(k - 1, lo, least, -1)

    def weigh(self, depth: int, k: int, spent: int, gaps: int) -> bool:
        """Search on from `k` lots of the symbol at `depth` (within the cash); whether to go on.

        Away from the target both bounds (error, gaps) only grow (the gap grows by a lot
        a step, the cash term falls by a lot at most): once they lose, the rest lose.
        """
        t, p, _, _ = self.columns[depth]
        search = self.search
        gaps += abs(t - k * p)
        now = spent + k * p
        least = gaps + self.rest_gaps[depth + 1]
        bound = max(least, gaps + abs(self.aim - now - self.rest_trades[depth + 1]))
        if bound > search.error or (bound == search.error and least > search.gaps):
            return False
        search.nodes += 1
        if search.nodes > self.most:
            search.complete = False
            return False
        self.chosen[depth] = k
        self.branch(depth + 1, now, gaps)
        return search.complete

    def leaf(self, spent: int, gaps: int) -> None:
        """The best count of the last (cheapest) symbol, in closed form; offered."""
        t, p, lo, least = self.columns[self.last]
        left = self.aim - spent
        best: tuple[int, int, int] | None = None  # (error, gaps, count)
        for k in _last_candidates(t, p, lo, least, left, (self.budget - spent) // p):
            gap = gaps + abs(t - k * p)
            if best is None or (gap + abs(left - k * p), gap, abs(k)) < (*best[:2], abs(best[2])):
                best = (gap + abs(left - k * p), gap, k)
        if best is None or best[0] > self.search.error:
            return
        self.chosen[self.last] = best[2]
        counts = [0] * len(self.order)
        for place, i in enumerate(self.order):
            counts[i] = self.chosen[place]
        self.search.offer(counts, best[0], best[1])


def _suffix(values: list[int]) -> list[int]:
    """Sums of `values` from each place to the end (one more place: 0)."""
    sums = [*values, 0]
    for i in range(len(values) - 1, -1, -1):
        sums[i] += sums[i + 1]
    return sums


def _allowed(k: int, low: int, least: int, step: int) -> int | None:
    """The first count from `k` in the direction `step` that a symbol may trade, or None.

    A count may not be below `low`, and a trade other than none is at least `least` lots.
    """
    if not trade_allowed(k, least):  # in lots
        up = step > 0
        k = (least if up else 0) if k > 0 else (0 if up else -least)
    return k if k >= low else None


def _least_gap(trade: int, lot: int, low: int, least: int) -> int:
    """The smallest |trade − k × lot| over the counts the symbol may trade (cash aside)."""
    floor = trade // lot
    counts = [_allowed(floor, low, least, -1), _allowed(max(floor + 1, low), low, least, 1)]
    return min(abs(trade - k * lot) for k in counts if k is not None)


def _last_candidates(  # noqa: PLR0913, PLR0917 - one symbol's columns and what is left
    trade: int, lot: int, low: int, least: int, left: int, most: int
) -> list[int]:
    """The counts where the last symbol's error may be least: the neighbours of its kinks.

    Its error |trade − k × lot| + |left − k × lot| is convex in k; the counts it may trade
    are up to three intervals ([low, −least], {0}, [least, most]): on each the best is a
    neighbour of a kink clamped to the interval.
    """
    kinks = (trade // lot, trade // lot + 1, left // lot, left // lot + 1)
    pieces = (
        [(low, most)]
        if least <= 1
        else [(low, min(-least, most)), (0, min(0, most)), (least, most)]
    )
    return [
        min(max(k, start), end) for start, end in pieces if max(start, low) <= end for k in kinks
    ]
