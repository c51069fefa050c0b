"""Whole-share allocation: the final whole lots nearest the targets that the cash pays for.

A pure function over plain columns. Each quantity stays `held + k × increment` with k an
integer, so every order is a whole number of lots (the increment is 1 for whole shares,
the broker's step for crypto). The error minimised (docs/policy.md) is

    Σ |target − quantity × price| + |cash left − what the fractional buys want|

(with no fractional buy, the cash left idle: PyPortfolioOpt's LP objective; where the
fractional symbols also sell, "cash left" counts their sales, so the term is the distance
between what is left of the value and their targets), subject to the buys being paid by
the cash, the sales (a sale is a negative k: lots of one symbol may be sold to buy
another) and what the fractional holdings may still sell (`sellable`). Bounds: a symbol
whose trade toward its target is below its minimum stays as held; any other trade is
none or at least the minimum; no position is sold below zero (below its short target,
where short); `buys_only` sells nothing. How:

1. A greedy over final holdings (`_from_nothing`): each free position counted as cash,
   its whole target as the trade, so the result depends on the account's value and not
   on what it holds. The greedy (`_greedy`): truncation toward zero, buys scaled into the
   cash, the cash left spent on the best improvement per dollar (lots still wholly short
   first, then one more lot where a part of a lot is short, ties by symbol), then a
   bounded exact search at the edge of the cash (`portfolio.steps.whole.knapsack`) trades lots
   for lots. Where that would make a trade below its minimum, the greedy runs from the
   holdings instead.
2. Up to `EXACT_UP_TO` symbols to size: the exact search over every count each may end
   with (`whole.search`), from the greedy's counts. Equal errors go to the
   whole-lot symbols nearer their targets, then to fewer lots traded.
3. A plan that improves on trading nothing by no more than `noise` trades nothing: the
   next plan, made after this one filled, sees targets moved by rounding and must not
   trade again.
4. Where the exact search stopped at its fence, the account the plan leaves is planned
   again (1–3) and the trades added, until a search is complete or a plan trades
   nothing: the next plan then finds nothing this one missed.

With a buy buffer (`fixed_sales`) sales stay truncated toward zero and only the greedy
from the holdings runs: the buffer counts their proceeds before the sizing.

>>> from decimal import Decimal as D
>>> allocate_whole(("A", "B"), (D(30), D(70)), (D(0), D(0)), (D(50), D(50)), (D(1), D(1)),
...                cash=D(100), minimum=D(1))
(Decimal('1'), Decimal('1'))
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Context, Decimal, localcontext
from functools import partial
from itertools import repeat
from operator import mul, sub

from portfolio.records.money import CORE_CONTEXT, ZERO
from portfolio.steps.rules import below_floor, fewest_lots, smallest_trade, trade_allowed
from portfolio.steps.whole.exchanges import LotBook
from portfolio.steps.whole.knapsack import best_exchange
from portfolio.steps.whole.search import LotProblem, best_counts

__all__ = ["allocate_whole", "allocation_error"]

#: Wide enough that every amount, scaled to a whole number of its smallest unit, is exact.
_EXACT = Context(prec=200)


def allocate_whole(  # noqa: PLR0913 - the columns of the problem
    symbols: Sequence[str],
    prices: Sequence[Decimal],
    held: Sequence[Decimal],
    targets: Sequence[Decimal],
    increments: Sequence[Decimal],
    *,
    cash: Decimal,
    minimum: Decimal,
    need: Decimal = ZERO,
    broker_minimums: Sequence[Decimal] | None = None,
    noise: Decimal = ZERO,
    buys_only: bool = False,
    fixed_sales: bool = False,
    sellable: Decimal = ZERO,
    allowance: Decimal = ZERO,
    aside: Decimal = ZERO,
) -> tuple[Decimal, ...]:
    """New quantities (shares, in input order) for whole-lot symbols; cash never goes below 0.

    `prices` per share, `targets` and `cash` (what may be spent beyond the reserve, before
    any of these trades) in account currency, `held` and `increments` in shares
    (increments > 0). `need`: what the fractional symbols' buys want of the cash (0 when
    there are none): the error counts the distance between the cash these trades leave
    and it. `minimum`: no trade smaller than this is made, and a position whose trade
    toward its target is smaller than it is not traded at all; `broker_minimums`
    (account currency, per symbol) raise it where the broker accepts no smaller order.
    `noise` (account currency): how far rounding may move a target between two plans; a
    plan that improves on trading nothing by no more than it trades nothing, so that
    planning again after a fill never flips a lot back and forth. `buys_only`: nothing
    is sold. `fixed_sales`: sales stay truncated toward zero (their proceeds were counted
    before the sizing, as the buy buffer needs). `sellable` (account currency, ≥ 0): what
    the fractional holdings may still raise beyond their sales to target; the lots may
    spend it (the fractional symbols then sell more, `portfolio.steps.lots.funding_sales`),
    and the error's `need` is unchanged (what is left vs the fractional targets); where
    the reserve is short, lots that buy may count it toward raising what is missing.

    `allowance`: what `cash` already leaves aside beyond the policy's reserve (cent rounding,
    the cash the weights keep); a `cash` below 0 by no more than it is no reserve missing.
    `aside` (part of it): the cents kept for lots priced in fractions of a cent, whose
    amounts may each round up to half a cent away from what the fill pays. An exchange
    keeps them even while the weights' cash is short: buys paid by sales alone could
    otherwise spend a cent more than the cash in their amounts (a plan refused).

    Inside, every amount is an exact integer count of the smallest decimal unit any of
    them uses (integer arithmetic is exact, and several times faster than Decimal).

    Stable: where the exact search stopped at its fence (`whole.search.MOST_NODES`), the
    account the plan leaves is planned again, as the next plan would plan it, and its
    trades are added, until a search is complete or a plan trades nothing (at most
    `MOST_PASSES` plans): so planning the account this plan produces trades nothing.
    """
    plan = partial(
        _allocate,
        symbols,
        prices,
        targets,
        increments,
        minimum=minimum,
        need=need,
        broker_minimums=broker_minimums,
        noise=noise,
        buys_only=buys_only,
        fixed_sales=fixed_sales,
        sellable=sellable,
        allowance=allowance,
        aside=aside,
    )
    start = tuple(held)
    floors = [smallest_trade(minimum, b) for b in broker_minimums or [ZERO] * len(start)]

    def allowed(counts: tuple[Decimal, ...]) -> bool:
        """Every trade the passes add up to is none or at least its floor."""
        with localcontext(CORE_CONTEXT):
            moved = [(q - h) * p for q, h, p in zip(counts, start, prices, strict=True)]
        return all(map(trade_allowed, moved, floors))

    quantities, settled = plan(held, cash)
    kept = quantities
    for _ in range(MOST_PASSES - 1):
        if settled or quantities == tuple(held):
            break
        with localcontext(CORE_CONTEXT):  # the account the plan leaves, filled at its prices
            cash -= sum(map(mul, map(sub, quantities, held), prices), ZERO)
        held = quantities
        quantities, settled = plan(held, cash)
        if allowed(quantities):  # a pass selling back what an earlier one bought may not
            kept = quantities  # leave a trade below its floor (the minimum trade, rule 5)
    return kept


#: The most plans `allocate_whole` makes of one account while the exact search is fenced.
MOST_PASSES = 8


def _allocate(  # noqa: PLR0913, PLR0917 - the columns of the problem, and the account
    symbols: Sequence[str],
    prices: Sequence[Decimal],
    targets: Sequence[Decimal],
    increments: Sequence[Decimal],
    held: Sequence[Decimal],
    cash: Decimal,
    *,
    minimum: Decimal,
    need: Decimal,
    broker_minimums: Sequence[Decimal] | None,
    noise: Decimal,
    buys_only: bool,
    fixed_sales: bool,
    sellable: Decimal,
    allowance: Decimal,
    aside: Decimal,
) -> tuple[tuple[Decimal, ...], bool]:
    """`allocate_whole`'s one plan: (the new quantities, whether its exact search was complete)."""
    with localcontext(CORE_CONTEXT):  # the columns have one length (plan_lots' rows)
        lots = list(map(mul, prices, increments))
        trades = list(map(sub, targets, map(mul, held, prices)))
        owned = (
            [int(h // x) if h > 0 else 0 for h, x in zip(held, increments, strict=True)]
            if any(held)
            else [0] * len(held)
        )
    floors = _floors(minimum, broker_minimums)
    with localcontext(_EXACT):  # every conversion to units exact (see `_Units`)
        units = _Units(
            [*lots, *trades, *(floors or [minimum]), cash, allowance, aside, noise, need, sellable]
        )
        book = LotBook(
            symbols,
            units.of(trades),
            units.of(lots),
            [],
            units.one(cash) if fixed_sales else max(units.one(cash + sellable), 0),  # `_sized`
            units.of_few(floors) if floors else [units.one(minimum)] * len(lots),
            need > 0 or sellable > 0,  # the fractional symbols absorb what is left
            list(map(bool, held)),  # held at all (≠ 0)
            units.one(noise),
        )
        aim = units.one(cash - need)  # below 0: the sales are to raise what is missing
        # below 0: the policy's reserve is short (what `allowance` leaves aside is not)
        # even after what the fractional holdings may raise (`funded_lots` raises it)
        missing = units.one(cash + allowance + sellable)
        kept_aside = units.one(aside)  # what an exchange keeps of `allowance` (cents aside)
        fundable = units.one(cash + sellable + allowance - aside)  # below 0: a buy eats it
    shorts = [target < 0 for target in targets]  # only these may sell beyond what is held
    counts, settled = _sized(book, owned, shorts, aim, buys_only=buys_only, fixed_sales=fixed_sales)
    spent = sum(map(mul, counts, book.lots)) if missing < 0 or fundable < 0 else 0  # else unread
    if (missing < 0 and spent > missing) or (  # raises too little, or buys with the cents aside
        fundable < 0 < max(counts, default=0) and spent > fundable
    ):
        counts, settled = _within_reserve(
            book,
            owned,
            shorts,
            counts,
            aim=aim,
            missing=missing,
            buys_only=buys_only,
            fixed_sales=fixed_sales,
            aside=kept_aside,
        )
    with localcontext(CORE_CONTEXT):
        quantities = tuple(
            h + k * step if k else h for h, k, step in zip(held, counts, increments, strict=True)
        )
    return quantities, settled


def _within_reserve(  # noqa: PLR0913 - the book, its bounds, the search's answer, the cash
    book: LotBook,
    owned: list[int],
    shorts: list[bool],
    counts: list[int],
    *,
    aim: int,
    missing: int,
    buys_only: bool,
    fixed_sales: bool = False,
    aside: int = 0,
) -> tuple[list[int], bool]:
    """The best trade that keeps the cash rule while what the plan keeps or reserves is short.

    A plan that buys must then raise what is missing too (buys ≤ cash + sales − reserve,
    the sales the fractional holdings may make to fund lots, `sellable`, among them):
    the exact search runs again with that budget (below 0), from selling every free lot a
    sale may take (`_least_spent`), where that raises enough; a plan without buys may sell
    what comes closer, or nothing: the best such sales are searched exactly too
    (`_best_sales`). The lower error wins; on a tie, the plan without buys. With it:
    whether the exact searches (where they ran) were complete. With `fixed_sales` (a buy
    buffer) no buy is paid by a sale made here: the search counts a sale's proceeds in
    full, where the buffer would count them shrunk (buys × (1 + buffer) ≤ cash + sales −
    reserve); the sales alone raise what is missing, and the next plan buys. A plan that
    buys keeps `aside` too (the cents kept for lots priced in fractions of a cent).
    """
    candidates = [_without_buys(book, counts, aim)]
    settled = True
    free = _free(book)
    if not buys_only:
        sales, settled = _best_sales(book, owned, shorts, free, aim)
        if sales is not None:
            candidates.append(sales)
    if not buys_only and not fixed_sales and 0 < len(free) <= EXACT_UP_TO:
        budget = missing - aside
        problem = _problem(book, owned, shorts, free, budget=budget, aim=aim, buys_only=False)
        start = _least_spent(problem)
        if sum(map(mul, start, problem.lots)) <= budget:  # else no choice raises enough
            search = best_counts(problem, start)
            candidates.append(_spread(len(counts), free, search.counts))
            settled = settled and search.complete
    return max(candidates, key=lambda c: _gain(book, c, aim)), settled


def _best_sales(
    book: LotBook, owned: list[int], shorts: list[bool], free: list[int], aim: int
) -> tuple[list[int] | None, bool]:
    """The sales alone nearest the targets (no buys), searched exactly; and whether complete.

    Only a symbol above its target may sell to come nearer: selling one below it widens
    its gap by what the sale brings the cash closer, at most. None beyond `EXACT_UP_TO`
    such symbols (then `_without_buys` stands alone). Selling nothing is where the
    search starts; a count above the target is never weighed for a symbol above it.
    """
    sellers = [i for i in free if book.trades[i] < 0]
    if not sellers or len(sellers) > EXACT_UP_TO:
        return None, True
    problem = _problem(book, owned, shorts, sellers, budget=0, aim=aim, buys_only=False)
    search = best_counts(problem, [0] * len(sellers))
    if any(k > 0 for k in search.counts):  # the last symbol's closed form may buy back
        return None, search.complete
    return _spread(len(book.trades), sellers, search.counts), search.complete


def _least_spent(problem: LotProblem) -> list[int]:
    """The counts that spend least and may be traded: every lot sold that a sale may take.

    A symbol whose whole lots held come to less than its smallest trade keeps them (a sale
    of them is below the minimum); every other one sells all it may.
    """
    pairs = zip(problem.lows, problem.leasts, strict=True)
    return [low if trade_allowed(low, least) else 0 for low, least in pairs]


def _free(book: LotBook) -> list[int]:
    """The symbols whose trade toward the target is at least their minimum (the others hold)."""
    pairs = zip(book.trades, book.minimums, strict=True)
    return [i for i, (trade, least) in enumerate(pairs) if not below_floor(trade, least)]


def _problem(  # noqa: PLR0913 - the book, its bounds, the symbols searched, budget and aim
    book: LotBook,
    owned: list[int],
    shorts: list[bool],
    free: list[int],
    *,
    budget: int,
    aim: int,
    buys_only: bool,
) -> LotProblem:
    """The exact search's problem over the `free` symbols of the book."""
    trades, lots, minimums = book.trades, book.lots, book.minimums
    return LotProblem(
        symbols=[book.symbols[i] for i in free],
        trades=[trades[i] for i in free],
        lots=[lots[i] for i in free],
        lows=[
            _lowest(trades[i], lots[i], owned[i], short=shorts[i], buys_only=buys_only)
            for i in free
        ],
        leasts=[fewest_lots(minimums[i], lots[i]) for i in free],
        budget=budget,
        aim=aim,
    )


def _spread(n: int, free: list[int], best: list[int]) -> list[int]:
    """Counts for all `n` symbols from the counts of the `free` ones (the others trade none)."""
    counts = [0] * n
    for i, k in zip(free, best, strict=True):
        counts[i] = k
    return counts


def _without_buys(book: LotBook, counts: list[int], aim: int) -> list[int]:
    """The sales of `counts` alone, or no trade at all, whichever leaves the lower error.

    While the cash the plan keeps or reserves is short, a buy must leave it no shorter
    than the sales found it (buys ≤ cash + sales − reserve); where the search's exchange
    raises too little, its buys go. Selling may still come closer, or not.
    """
    sales = [min(k, 0) for k in counts]
    return sales if _gain(book, sales, aim) > 0 else [0] * len(counts)


#: The most symbols sized by the exact search (`whole.search`); more go by the greedy.
EXACT_UP_TO = 8


def _sized(  # noqa: PLR0913 - the book, its bounds and the mode's two flags
    book: LotBook,
    owned: list[int],
    shorts: list[bool],
    aim: int,
    *,
    buys_only: bool,
    fixed_sales: bool,
) -> tuple[list[int], bool]:
    """The lots to trade per symbol, the greedy's made exact on small accounts; whether exact.

    The greedy runs over final holdings (`_from_nothing`) where it may: there the plan
    depends on the account's value, not on what is held. Symbols whose trade toward the
    target is below their minimum are held as they are (bounds); with `buys_only`
    nothing is sold; with `fixed_sales` sales stay as truncation makes them.

    Where the cash is below 0 (what the plan keeps or reserves is missing) the lots may
    still be exchanged, buys paid by sales (the error counts the cash missing), except
    with `fixed_sales`: there the sales' proceeds are spoken for.

    With the counts: False where the exact search stopped at its fence (see `allocate_whole`).
    """
    trades, budget = book.trades, book.budget
    free = _free(book)
    counts = None if buys_only or fixed_sales else _from_nothing(book, owned, shorts, free)
    if counts is None:
        counts = _greedy(book)
    if fixed_sales or not free:
        return counts, True
    settled = True
    if len(free) <= EXACT_UP_TO:
        problem = _problem(book, owned, shorts, free, budget=budget, aim=aim, buys_only=buys_only)
        search = best_counts(problem, [counts[i] for i in free])
        counts, settled = _spread(len(trades), free, search.counts), search.complete
    if book.noise and budget >= 0 and 0 <= _gain(book, counts, aim) <= book.noise:
        return [0] * len(trades), True  # not worth a trade that rounding in the next plan may undo
    return counts, settled


def _gain(book: LotBook, counts: list[int], aim: int) -> int:
    """How much lower the error is after trading `counts` lots than after trading none."""
    trades, lots = book.trades, book.lots
    spent: int = sum(map(mul, counts, lots))
    after: int = sum(map(abs, map(sub, trades, map(mul, counts, lots))))
    return sum(map(abs, trades)) + abs(aim) - after - abs(aim - spent)


def _lowest(trade: int, lot: int, owned: int, *, short: bool, buys_only: bool) -> int:
    """The fewest lots a symbol may trade: none sold (`buys_only`), or every whole lot held.

    Only a short target (allowed by the policy) may sell beyond what is held, to its
    floor: a long one whose trade is below its whole lots' value (a fraction of a lot is
    held too) sells its whole lots and no more, never going short.
    """
    if buys_only:
        return 0
    return min(-owned, trade // lot) if short and trade < -owned * lot else -owned


def _greedy(book: LotBook) -> list[int]:
    """Truncation toward zero, scaled into the cash, filled and exchanged at its edge."""
    book.counts = list(map(_start, book.trades, book.lots, book.minimums))
    budget = book.budget - _cost(book)
    book.budget = budget if budget >= 0 else _scale_buys(book)
    order = _ranked(book)
    _fill(book, order)
    if not book.absorb and best_exchange(book, order):  # else the fill would add nothing
        _fill(book, order)
    return book.counts


def _from_nothing(
    book: LotBook, owned: list[int], shorts: list[bool], free: list[int]
) -> list[int] | None:
    """`_greedy` over final holdings: every free position sold, then bought back; or None.

    Each free symbol's whole lots held count as cash, its trade becomes its whole target,
    so the greedy sizes final holdings and the same account gets the same holdings
    whatever it holds (the trades are what is bought back less what is held). None where
    a trade comes out below its minimum, or a long target below nothing held (the greedy
    from the holdings then decides).
    """
    lots, trades, minimums, n = book.lots, book.trades, book.minimums, len(free)
    if n == len(trades) and not any(owned):  # from cash, every symbol free: the columns
        symbols, targets, prices, extra = book.symbols, trades, lots, 0
    else:
        symbols = [book.symbols[i] for i in free]
        targets = [trades[i] + owned[i] * lots[i] for i in free]
        prices = [lots[i] for i in free]
        extra = sum(owned[i] * lots[i] for i in free)
    virtual = LotBook(
        symbols, targets, prices, [], book.budget + extra, [0] * n, book.absorb, [False] * n, 0
    )
    final = _greedy(virtual)
    counts = [0] * len(trades)
    for i, q in zip(free, final, strict=True):
        k = q - owned[i]
        if not trade_allowed(k * lots[i], minimums[i]) or (q < 0 and not shorts[i]):
            return None
        counts[i] = k
    return counts


def _floors(minimum: Decimal, broker_minimums: Sequence[Decimal] | None) -> list[Decimal] | None:
    """Each symbol's `smallest_trade`, or None where every one is `minimum`."""
    if broker_minimums is None:
        return None
    floors = list(map(smallest_trade, repeat(minimum), broker_minimums))
    return floors if floors.count(minimum) < len(floors) else None


class _Units:
    """Decimal amounts as integers: counts of the smallest decimal place any of them uses.

    Use it inside the `_EXACT` context, where every sum and product here is exact.
    """

    def __init__(self, amounts: Sequence[Decimal]) -> None:
        # An exact sum keeps the smallest exponent of its terms (even where they cancel):
        # one look at one number.
        exponent = sum(amounts, ZERO).as_tuple().exponent
        self.places = max(0, -exponent) if isinstance(exponent, int) else 0
        self.scale = Decimal(10) ** self.places

    def one(self, amount: Decimal) -> int:
        return int(amount * self.scale)

    def of_few(self, amounts: Sequence[Decimal]) -> list[int]:
        """`of` for a column of few distinct amounts (each converted once)."""
        distinct = dict(zip(set(amounts), self.of(list(set(amounts))), strict=True))
        return [distinct[a] for a in amounts]

    def of(self, amounts: Sequence[Decimal]) -> list[int]:
        return list(map(int, map(mul, amounts, repeat(self.scale))))


def _cost(book: LotBook) -> int:
    return sum(map(mul, book.counts, book.lots))


def _start(trade: int, lot: int, minimum: int) -> int:
    """Lots to trade first: the trade truncated toward zero (none below the minimum)."""
    if below_floor(trade, minimum):
        return 0
    lots = abs(trade) // lot
    if below_floor(lots * lot, minimum):
        return 0
    return lots if trade > 0 else -lots


def _scale_buys(book: LotBook) -> int:
    """Every buy scaled by available ÷ wanted, rounded down to whole lots; the budget left.

    Sales are unchanged; `book.budget` is still the cash before any trade.
    """
    counts, lots = book.counts, book.lots
    wanted = sum(k * lot for k, lot in zip(counts, lots, strict=True) if k > 0)
    available = book.budget - _cost(book) + wanted  # the cash plus the sales' proceeds
    if wanted == 0 or available <= 0:
        for i, k in enumerate(counts):  # no buy at all: nothing to spend
            if k > 0:
                counts[i] = 0
        return book.budget - _cost(book)
    for i, k in enumerate(counts):
        if k > 0:
            scaled = k * available // wanted
            counts[i] = scaled if book.allowed(i, scaled) else 0
    return book.budget - _cost(book)


def _ranked(book: LotBook) -> list[tuple[int, bool]]:
    """(index, whole lots?) worth buying, best gain per dollar first, ties by symbol.

    Each symbol short of its target may appear twice: for the lots it lacks wholly
    (gain per dollar 2, or 1 when absorbing), and for the one lot that covers the rest
    (gain per dollar 2 × rest ÷ lot < 2, or (2 × rest − lot) ÷ lot < 1: always less).
    """
    wholly: list[tuple[str, int]] = []  # all gain the most per dollar: by symbol
    partly: list[tuple[float, str, int]] = []
    counts, minimums, absorb, symbols = book.counts, book.minimums, book.absorb, book.symbols
    extra = 0 if absorb else 1  # the lot's cost counts as gain too (cash left is error)
    columns = zip(book.lots, book.trades, counts, minimums, symbols, strict=True)
    for i, (lot, trade, k, least, symbol) in enumerate(columns):
        short = trade - k * lot
        if k < 0 or short <= 0 or below_floor(trade, least):
            continue  # a sale (never topped up), on target, or not traded at all
        whole, rest = divmod(short, lot)
        if whole:
            wholly.append((symbol, i))
        gain = 2 * rest - lot + extra * lot  # rest < lot: |rest − lot| = lot − rest
        if rest > 0 and gain > 0 and (k or book.worth_a_trade(i, gain)):
            partly.append((-gain / lot, symbol, i))  # below a whole lot's gain per dollar
    wholly.sort()
    partly.sort()
    return [*((i, True) for _, i in wholly), *((i, False) for _, _, i in partly)]


def _fill(book: LotBook, order: list[tuple[int, bool]]) -> None:
    """Buy, in order, the lots each symbol still lacks (whole) or its last lot, while they fit."""
    lots, trades, counts, minimums = book.lots, book.trades, book.counts, book.minimums
    budget, holding, noise = book.budget, book.holding, book.noise
    for i, whole in order:
        lot = lots[i]
        if lot > budget:
            continue
        short = trades[i] - counts[i] * lot
        if short <= 0:
            continue
        if whole:
            wanted = short // lot
        else:  # a part of a lot short: worth one more when the error falls
            wanted = 1 if short < lot and (not book.absorb or book.gain(i) > 0) else 0
        # A held position's first lot must fit with the noise to spare: the budget of the
        # next plan may differ by that much, and must not buy what this one could not.
        spare = noise if holding[i] and not counts[i] else 0
        n = min(wanted, (budget - spare) // lot)
        if n and not below_floor((counts[i] + n) * lot, minimums[i]):
            counts[i] += n
            budget -= n * lot
    book.budget = budget


def allocation_error(
    prices: Sequence[Decimal],
    quantities: Sequence[Decimal],
    targets: Sequence[Decimal],
    leftover: Decimal,
) -> Decimal:
    """Σ |target − quantity × price| + leftover cash: the error `allocate_whole` minimises.

    >>> allocation_error((Decimal(30),), (Decimal(1),), (Decimal(50),), Decimal(20))
    Decimal('40')
    """
    with localcontext(CORE_CONTEXT):
        return leftover + sum(
            (abs(t - q * p) for p, q, t in zip(prices, quantities, targets, strict=True)), ZERO
        )
