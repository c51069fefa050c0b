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
states (on the benchmark accounts a few hundred at most). The more lots the bound
decides against are not even listed (`_with_more_lots`). The plan changes only for an
improvement above 1 / `GAP` of its error. See `portfolio.steps.whole.sizing`.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, count
from operator import itemgetter, mul, sub

from portfolio.steps.whole.exchanges import (
    Item,
    LotBook,
    Order,
    changes,
    in_symbol_order,
    more_lots,
)

__all__ = ["GAP", "MOST_STATES", "WIDTH", "best_exchange"]

#: How many lots to give up and how many to take are weighed (each side).
WIDTH = 12
#: How many of the least decided changes the search branches on.
CORE = 24
#: The most (cost, value) states kept at once (the fence on the work).
MOST_STATES = 1024
#: Improvements below 1 / GAP of the error are not searched for (0.05 %).
GAP = 2000


def best_exchange(book: LotBook, order: Order, width: int = 0) -> bool:
    """Give up and take lots at the edge of the cash as the exact search says; whether any.

    Each item is a change to the plan: taking a lot (cost its price, value what the
    error falls by) or giving one up (cost minus its price, value minus what the error
    rises by); both exact integers. Improvements smaller than 1 / `GAP` of the error are
    not searched for.
    """
    items, cheapest = changes(book, order, width or WIDTH)
    if not items:
        return False
    error = sum(map(abs, map(sub, book.trades, map(mul, book.counts, book.lots))))
    slack = (error + (0 if book.absorb else book.budget)) // GAP
    items, multiplier = _with_more_lots(book, items, cheapest, slack)
    chosen = _solve(items, book.budget, slack, multiplier)
    for bit, (_, _, i, lots) in enumerate(items):
        if chosen >> bit & 1:
            book.counts[i] += lots
            book.budget -= lots * book.lots[i]
    return chosen != 0


def _with_more_lots(
    book: LotBook, items: list[Item], cheapest: list[int], slack: int
) -> tuple[list[Item], tuple[int, int] | None]:
    """(`items` and the more lots of the `cheapest` to give up, in symbol order; λ or None).

    Where cash left is error, each more lot given up loses 2 per unit of cash it frees
    (v = 2c). With λ < 2 (λ from `items`, which these do not move: their ratio comes
    after it) such an item is one the search leaves out unless |c| × (2 − λ) is below
    the Lagrangian bound less `slack` (see `_solve`): only those are added, and the
    search finds what it would with all of them. λ (`_multiplier`) comes back with them
    where they do not move it.
    """
    num, den = _multiplier(items, book.budget)
    if book.absorb or num >= 2 * den:  # another ratio, or λ ≥ 2: every item counts
        every = [*items, *(it for i in cheapest for it in more_lots(book, i))]
        return in_symbol_order(book, every), None
    reduced = [v * den - num * c for v, c, _, _ in items]
    root = num * book.budget + sum(filter(_POSITIVE, reduced))
    limit, per_unit = root - slack * den, 2 * den - num  # open: |c| × per_unit < limit
    more = [it for i in cheapest if book.lots[i] * per_unit < limit for it in more_lots(book, i)]
    listed = [*items, *(it for it in more if -it[1] * per_unit < limit)]
    return in_symbol_order(book, listed), (num, den)


def _solve(
    items: list[Item], budget: int, slack: int, multiplier: tuple[int, int] | None = None
) -> int:
    """The bit mask of the changes that improve the plan most within `budget`, or 0.

    Branch and bound over Pareto lists: states are (cost, value, mask), sorted by cost
    with values rising (more cost for no more value is beaten). λ is the item ratio
    that makes the first Lagrangian bound lowest; each state is then checked against
    Dantzig's bound (`_step`). `multiplier`: λ if known already.
    """
    num, den = multiplier or _multiplier(items, budget)
    reduced = [v * den - num * c for v, c, _, _ in items]
    root = num * budget + sum(filter(_POSITIVE, reduced))
    # Going against an item's sign of v − λc lowers the bound by |v − λc|: where that
    # leaves no room for an improvement above `slack`, the item is decided already.
    room_left = root - slack * den  # open: |r| below it
    # The fence: only the `CORE` least decided items stay open, the rest follow their sign.
    open_ = [
        (abs(r) / abs(items[n][1]), n) for n, r in enumerate(reduced) if -room_left < r < room_left
    ]
    free = [n for _, n in sorted(open_)[:CORE]]
    fenced = set(free)
    forced = [n for n, r in enumerate(reduced) if r > 0 and n not in fenced]
    # The items still to come as values and costs > 0 (giving a lot up is written as
    # keeping it, from a base where every give still to come is made), best per dollar first.
    parts = {n: (abs(items[n][0]), abs(items[n][1]), n) for n in free}
    plain = [part for _, _, part in sorted([(-v / c, n, (v, c, n)) for v, c, n in parts.values()])]
    ranked = [n for _, n in sorted([(-c, n) for _, c, n in parts.values()])]  # largest lots first
    gives = [items[n] for n in free if items[n][1] < 0]
    room, base = budget - sum(map(_COST, gives)), sum(map(_VALUE, gives))
    made = [items[n] for n in forced]
    start = (sum(map(_COST, made)), sum(map(_VALUE, made)), sum(1 << n for n in forced))
    states: list[_State] = [start]
    best, best_mask = 0, 0
    if start[0] <= budget and start[1] > 0:
        best, best_mask = start[1], start[2]
    for n in ranked:
        value, cost = items[n][0], items[n][1]
        plain.remove(parts[n])
        if cost < 0:
            room, base = room + cost, base - value
        grown = [(c + cost, v + value, m | 1 << n) for c, v, m in states]
        # Costs and values rise together: the best new state within the budget is the last.
        # (The states kept before were weighed already, and none beats `best`.)
        fits = bisect_right(grown, budget, key=_FIRST)
        if fits and grown[fits - 1][1] > best:
            best, best_mask = grown[fits - 1][1], grown[fits - 1][2]
        states = _step(states, grown, plain, room, base - best - slack)
        if len(states) > MOST_STATES:
            del states[:-MOST_STATES]
        elif not states:
            break
    return best_mask


#: (cost, value, bit mask of the changes made)
_State = tuple[int, int, int]


def _step(
    old: list[_State], new: list[_State], plain: list[tuple[int, int, int]], room: int, base: int
) -> list[_State]:
    """The states of both lists that nothing beats and whose LP bound is above 0.

    Both lists are sorted by cost, values rising; so is the result. On equal cost and
    value the old state (fewer lots traded) stays. The bound is Dantzig's: `plain` are
    the items still to come (value, cost > 0, index), best per dollar first; a state may
    keep them, in that order, while `room` − its cost lasts, and a part of the next;
    `base` is what the bound starts from (the gives still to come, made, less the value
    to beat). States beyond the room are dropped.
    """
    costs = list(accumulate(map(_COST, plain), initial=0))
    values = list(accumulate(map(_VALUE, plain), initial=0))
    parts = [*plain, (0, 1, -1)]  # beyond the last item: nothing more to keep
    kept: list[_State] = []
    top = -(1 << 62)
    for state in sorted(old + new, key=_FIRST):  # a stable merge: old first on equal cost
        cost, value = state[0], state[1]
        if value <= top:
            continue  # beaten by a cheaper state
        top = value
        left = room - cost
        if left < 0:
            break  # states come by cost: the rest are beyond the room too
        if kept and kept[-1][0] == cost:
            kept.pop()  # the same cost for less value
        k = bisect_right(costs, left) - 1
        part_value, part_cost, _ = parts[k]
        if (value + base + values[k]) * part_cost + (left - costs[k]) * part_value > 0:
            kept.append(state)
    return kept


_VALUE, _COST = itemgetter(0), itemgetter(1)
_FIRST = _VALUE  # a state's cost
_POSITIVE = (0).__lt__
_SYMBOL = itemgetter(2)  # an item's symbol index


def _multiplier(items: list[Item], budget: int) -> tuple[int, int]:
    """λ = num ÷ den ≥ 0: the item ratio |v| ÷ |c| where the Lagrangian bound is lowest.

    The bound is convex in λ, its slope budget − Σ takes' costs at 0, rising by |c| at
    each item's ratio: the lowest point is the first ratio where the slope reaches 0.
    Items of equal ratio go by symbol, then by place in `items`.
    """
    slope = budget - sum(c for _, c, _, _ in items if c > 0)
    ratios = [abs(v) / abs(c) for v, c, _, _ in items]
    keys = map(_SYMBOL, items)
    for *_, (v, c, _, _) in sorted(zip(ratios, keys, count(), items)):
        slope += abs(c)
        if slope >= 0:
            return abs(v), abs(c)
    return 0, 1
