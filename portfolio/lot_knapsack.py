"""The allocation's second chance: an exact search over the lots at the edge of the cash.

After the greedy fill (best gain per dollar first) the cash left is less than any lot
still worth buying. What is best near that edge is a small knapsack over changes: take
one of the `WIDTH` best lots that did not fit (and of the `WIDTH / 2` that gain most),
give up one of the bought lots cheapest to lose (per dollar, or at all), or up to
`CHANGE` more lots of the cheapest (in chunks of 1, 2, 4: small change that makes the
cash add up). It is solved by branch and bound over Pareto lists (every (cost, value)
state not beaten by a cheaper, better one), in exact integers. A Lagrangian bound
(value + λ × (cash − cost) + Σ max(0, v − λc)) decides at once every change whose
reversal would leave no room for an improvement worth having; of the rest, only the
`CORE` least decided stay open, taken largest lot first, and a state is dropped as soon
as Dantzig's LP bound on what it can still reach is no better than the best found. So
the work is bounded: O(n log n) to pick the changes, at most `CORE` × `MOST_STATES`
states (on the benchmark accounts a few hundred at most). The plan changes only for an
improvement above 1 / `GAP` of its error. See `portfolio.whole_shares`.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from itertools import accumulate
from operator import itemgetter, mul, sub
from typing import TypeVar

from portfolio.lot_exchanges import LotBook, Order, losses, waiting

__all__ = ["GAP", "MOST_STATES", "WIDTH", "best_exchange"]

#: How many lots to give up and how many to take are weighed (each side).
WIDTH = 12
#: How many lots beyond the first each of the cheapest symbols may give up (small change).
CHANGE = 7
#: How many of the least decided changes the search branches on.
CORE = 24
#: The most (cost, value) states kept at once (the fence on the work).
MOST_STATES = 1024
#: Improvements below 1 / GAP of the error are not searched for (0.05 %).
GAP = 2000

#: (value, cost, symbol index, lots: +1 to take one, −m to give m up)
_Item = tuple[int, int, int, int]
#: (what giving up a lot costs, in total or per unit of its price; symbol; symbol index)
_Entry = TypeVar("_Entry", tuple[int, str, int], tuple[float, str, int])


def best_exchange(book: LotBook, order: Order, width: int = 0) -> bool:
    """Give up and take lots at the edge of the cash as the exact search says; whether any.

    Each item is a change to the plan: taking a lot (cost its price, value what the
    error falls by) or giving one up (cost minus its price, value minus what the error
    rises by); both exact integers. Improvements smaller than 1 / `GAP` of the error are
    not searched for.
    """
    items = _items(book, order, width or WIDTH)
    if not items:
        return False
    error = sum(map(abs, map(sub, book.trades, map(mul, book.counts, book.lots))))
    slack = (error + (0 if book.absorb else book.budget)) // GAP
    chosen = _solve(items, book.budget, slack)
    for bit, (_, _, i, lots) in enumerate(items):
        if chosen >> bit & 1:
            book.counts[i] += lots
            book.budget -= lots * book.lots[i]
    return chosen != 0


def _items(book: LotBook, order: Order, width: int) -> list[_Item]:
    """The changes weighed: the `width` best lots waiting, the lots cheapest to give up."""
    symbols, lots, counts = book.symbols, book.lots, book.counts
    pool: list[_Item] = []
    for j in waiting(book, order, 4 * width):
        gain = book.gain(j)
        if gain <= 0 or (not counts[j] and not book.worth_a_trade(j, gain)):
            continue
        # A held position's first lot must fit with the noise to spare (see `_fill`).
        spare = book.noise if book.holding[j] and not counts[j] else 0
        pool.append((gain, lots[j] + spare, j, 1))
    # The best lots per dollar, and the lots that gain most (large lots that use the cash).
    largest = sorted(pool, key=lambda it: (-it[0], symbols[it[2]]))[: width // 2]
    takes = [*pool[:width], *(it for it in largest if it not in pool[:width])]
    taking = {j for _, _, j, _ in takes}
    losing = [(loss, symbols[i], i) for i, loss in losses(book) if i not in taking]
    # Lots cheapest to lose per dollar, and lots cheapest to lose at all (small lots that
    # make the cash add up exactly).
    per_dollar = _least([(loss / lots[i], s, i) for loss, s, i in losing], width)
    least = _least(losing, width)
    picked = {i for _, _, i in (*per_dollar, *least)}
    gives = [(-loss, -lots[i], i, -1) for loss, _, i in losing if i in picked]
    for _, _, i in least:  # more lots of the cheapest: the cash may add up exactly
        gives.extend(_more_lots(book, i))
    # In symbol order, so that the same account always gets the same search.
    return sorted([*takes, *gives], key=lambda it: (symbols[it[2]], -it[3], -it[0], it[1]))


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


def _more_lots(book: LotBook, i: int) -> list[_Item]:
    """Giving up 1, 2, 4, … more lots of symbol i (up to `CHANGE`), after its first.

    Beyond the first (the extra lot, if any) every lot given up costs the same, so these
    items, taken in any combination, give up any count up to the most (binary split).
    """
    lot, short, count = book.lots[i], book.short(i), book.counts[i]
    most = min(count - 1, CHANGE)
    if lot < book.minimums[i] and count > 2:  # the lots kept stay a trade ≥ the minimum
        most = min(most, max(0, count - 1 + book.minimums[i] // -lot))
    if most <= 0 or short + lot < 0:
        return []
    each = 2 * lot if not book.absorb else lot  # |short| grows by a lot; the cash too
    items: list[_Item] = []
    chunk = 1
    while most > 0:
        take = min(chunk, most)
        items.append((-take * each, -take * lot, i, -take))
        most -= take
        chunk *= 2
    return items


def _solve(items: list[_Item], budget: int, slack: int) -> int:
    """The bit mask of the changes that improve the plan most within `budget`, or 0.

    Branch and bound over Pareto lists: states are (cost, value, mask), sorted by cost
    with values rising (more cost for no more value is beaten). λ is the item ratio
    that makes the first Lagrangian bound lowest; each state is then checked against
    Dantzig's bound (`_within_reach`).
    """
    num, den = _multiplier(items, budget)
    reduced = [v * den - num * c for v, c, _, _ in items]
    root = num * budget + sum(r for r in reduced if r > 0)
    # Going against an item's sign of v − λc lowers the bound by |v − λc|: where that
    # leaves no room for an improvement above `slack`, the item is decided already.
    open_ = [n for n, r in enumerate(reduced) if root - abs(r) > slack * den]
    # The fence: only the `CORE` least decided items stay open, the rest follow their sign.
    free = sorted(open_, key=lambda n: (abs(reduced[n]) / abs(items[n][1]), n))[:CORE]
    fenced = set(free)
    forced = [n for n, r in enumerate(reduced) if r > 0 and n not in fenced]
    ranked = sorted(free, key=lambda n: (-abs(items[n][1]), n))  # the largest lots first
    # The items still to come as values and costs > 0 (giving a lot up is written as
    # keeping it, from a base where every give still to come is made), best per dollar first.
    plain = sorted(
        ((abs(items[n][0]), abs(items[n][1]), n) for n in free), key=lambda p: (-p[0] / p[1], p[2])
    )
    room = budget - sum(items[n][1] for n in free if items[n][1] < 0)
    base = sum(items[n][0] for n in free if items[n][1] < 0)
    start = (
        sum(items[n][1] for n in forced),
        sum(items[n][0] for n in forced),
        sum(1 << n for n in forced),
    )
    states: list[tuple[int, int, int]] = [start]
    best, best_mask = 0, 0
    if start[0] <= budget and start[1] > 0:
        best, best_mask = start[1], start[2]
    for n in ranked:
        value, cost = items[n][0], items[n][1]
        plain.remove((abs(value), abs(cost), n))
        if cost < 0:
            room, base = room + cost, base - value
        grown = [(c + cost, v + value, m | 1 << n) for c, v, m in states]
        states = _frontier(states, grown)
        for c, v, m in grown:  # the states kept before were weighed already
            if c <= budget and v > best:
                best, best_mask = v, m
        states = _within_reach(states, plain, room, base - best - slack)[-MOST_STATES:]
        if not states:
            break
    return best_mask


def _within_reach(
    states: list[tuple[int, int, int]], plain: list[tuple[int, int, int]], room: int, base: int
) -> list[tuple[int, int, int]]:
    """The states whose LP bound is above 0: Dantzig's bound, a bisection per state.

    `plain` are the items still to come (value, cost > 0, index), best per dollar first;
    a state may keep them, in that order, while `room` − its cost lasts, and a part of
    the next; `base` is what the bound starts from (the gives still to come, made, less
    the value to beat).
    """
    costs = [0, *accumulate(map(_COST, plain))]
    values = [0, *accumulate(map(_VALUE, plain))]
    parts = [*plain, (0, 1, -1)]
    kept: list[tuple[int, int, int]] = []
    for state in states:
        left = room - state[0]
        if left < 0:
            break  # states come by cost: the rest are beyond the room too
        k = bisect_right(costs, left) - 1
        value, cost, _ = parts[k]
        if (state[1] + base + values[k]) * cost + (left - costs[k]) * value > 0:
            kept.append(state)
    return kept


_VALUE, _COST = itemgetter(0), itemgetter(1)
_FIRST = _VALUE  # a state's cost


def _multiplier(items: list[_Item], budget: int) -> tuple[int, int]:
    """λ = num ÷ den ≥ 0: the item ratio |v| ÷ |c| where the Lagrangian bound is lowest.

    The bound is convex in λ, its slope budget − Σ takes' costs at 0, rising by |c| at
    each item's ratio: the lowest point is the first ratio where the slope reaches 0.
    """
    slope = budget - sum(c for _, c, _, _ in items if c > 0)
    for v, c, _, _ in sorted(items, key=lambda it: (abs(it[0]) / abs(it[1]), it[2])):
        slope += abs(c)
        if slope >= 0:
            return abs(v), abs(c)
    return 0, 1


def _frontier(
    old: list[tuple[int, int, int]], new: list[tuple[int, int, int]]
) -> list[tuple[int, int, int]]:
    """The states of both lists (each sorted by cost, values rising) that nothing beats.

    On equal cost and value the old state (fewer lots traded) stays.
    """
    out: list[tuple[int, int, int]] = []
    top = -(1 << 62)
    for state in sorted(old + new, key=_FIRST):  # a stable merge: old first on equal cost
        if state[1] > top:
            if out and out[-1][0] == state[0]:
                out.pop()  # the same cost for less value
            out.append(state)
            top = state[1]
    return out
