"""A slow reference of the tax rules: the tax modules as they were before their speed-up.

`reference_plan` plans as `Planner.plan` with a tax policy did then (the same planner
steps, the same hook), so that tests/test_tax_reference.py can check that the faster
modules decide, report and identify every plan EXACTLY as before. Only the modules
under portfolio/tax/ are copied (relief, choice, budget, the lot checks, step); the
records and everything outside portfolio/tax/ are the library's own. Kept as it was:
do not optimise it. Its own doctests and docstrings are trimmed to the code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, localcontext
from functools import partial
from operator import attrgetter, itemgetter
from typing import NamedTuple

import attrs
from returns.result import Failure, Result, Success

from portfolio.asset_facts import quantity_step
from portfolio.errors import ErrorKind, PortfolioError
from portfolio.money import (
    CENT,
    CORE_CONTEXT,
    MAX_AMOUNT,
    SHARE_QUANTUM,
    ZERO,
    all_within,
    is_bounded,
)
from portfolio.plan import RebalancePlan
from portfolio.plan_item import Action, PlanItem, Reason
from portfolio.planner import Planner, _plan
from portfolio.snapshot import Snapshot, held_quantities
from portfolio.steps.plan_id import canonical_text
from portfolio.steps.rules import Decisions, Thresholds
from portfolio.steps.validate import Columns, columns
from portfolio.symbol_keys import key_problem, upper_keys
from portfolio.tax.policy import LotMethod, TaxPolicy
from portfolio.tax.records import PastTrade, TaxLot
from portfolio.tax.report import LotSale, TaxReport, Term

# ---- portfolio/tax/relief.py ----
#: One lot and the shares a sale takes from it (0 < shares ≤ lot.quantity).
Piece = tuple[TaxLot, Decimal]
_ACQUIRED, _COST = attrgetter("acquired"), attrgetter("cost")
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


def in_order(lots: Iterable[TaxLot], policy: TaxPolicy, price: Decimal, on: date) -> list[TaxLot]:
    """The lots in the order `policy.method` relieves them (ties keep the given order).

    FIFO oldest first; LIFO newest first; HIFO highest cost first; MIN_TAX the least
    estimated tax per share first (at the policy's rates), then the least gain per
    share (so losses come before gains even at rates of 0), then the oldest.
    """
    match policy.method:
        case LotMethod.FIFO:
            return sorted(lots, key=_ACQUIRED)
        case LotMethod.LIFO:
            return sorted(lots, key=_ACQUIRED, reverse=True)
        case LotMethod.HIFO:
            return sorted(lots, key=_COST, reverse=True)
        case LotMethod.MIN_TAX:

            def tax_per_share(lot: TaxLot) -> tuple[Decimal, Decimal, date]:
                gain = price - lot.cost
                long = term(lot.acquired, on) is Term.LONG
                rate = policy.long_term_rate if long else policy.short_term_rate
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
        taken = min(lot.quantity, left)
        pieces.append((lot, taken))
        left -= taken
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
    sales = []
    for lot, shares in pieces:
        proceeds, cost = _amounts(lot, shares, price)
        sales.append(
            LotSale(
                symbol=symbol,
                lot_id=lot.lot_id,
                acquired=lot.acquired,
                quantity=shares,
                proceeds=proceeds,
                cost=cost,
                gain=proceeds - cost,
                term=term(lot.acquired, on),
            )
        )
    return sales


def _amounts(lot: TaxLot, shares: Decimal, price: Decimal) -> tuple[Decimal, Decimal]:
    """(proceeds, cost) of selling `shares` of `lot` at `price`, each in cents."""
    return (shares * price).quantize(CENT), (shares * lot.cost).quantize(CENT)


def realized(pieces: Iterable[Piece], price: Decimal) -> Decimal:
    """The net gain these pieces realize at `price`: Σ of their `LotSale.gain` (cents)."""
    total = ZERO
    for lot, shares in pieces:
        proceeds, cost = _amounts(lot, shares, price)
        total += proceeds - cost
    return total


def estimated_tax(sales: Sequence[LotSale], policy: TaxPolicy) -> tuple[Decimal, Decimal, Decimal]:
    """(net short-term gain, net long-term gain, estimated tax), in cents.

    The tax is short × short_term_rate + long × long_term_rate, rounded to cents: a net
    loss gives a negative figure (what it would save against other gains).
    """
    short = sum((s.gain for s in sales if s.term is Term.SHORT), _CENTS)
    long = sum((s.gain for s in sales if s.term is Term.LONG), _CENTS)
    tax = (short * policy.short_term_rate + long * policy.long_term_rate).quantize(CENT)
    return short, long, tax


# ---- portfolio/tax/choice.py ----
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


# ---- portfolio/tax/budget.py ----
#: How often a cut is tightened when rounding to cents or another choice of lots
#: makes it realize more than estimated (each pass lowers the limit by the excess).
_TRIES = 3


class Candidate(NamedTuple):
    """A sale the budget may cut: its symbol, price, pieces (in relief order) and shares.

    `step` is the share quantum a cut keeps to (1 for whole shares); `minimum` the
    smallest sale worth making (account currency); `gain` what the pieces realize.
    """

    symbol: str
    price: Decimal
    pieces: list[Piece]
    quantity: Decimal
    step: Decimal
    minimum: Decimal
    gain: Decimal


class Kept(NamedTuple):
    """What the budget keeps of a sale: shares, and the pieces they relieve ([] = held)."""

    quantity: Decimal
    pieces: list[Piece]


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

    for candidate in sorted(candidates, key=ratio):
        gain = candidate.gain
        if gain <= left:
            left -= gain
            continue
        kept = _cut(candidate, left, rechoose)
        cut[candidate.symbol] = kept
        left -= realized(kept.pieces, candidate.price)
    return cut


def _cut(candidate: Candidate, left: Decimal, rechoose: Rechoose) -> Kept:
    """The most shares of `candidate` whose gain is ≤ `left` (≤ 0 when `left` is negative)."""
    ceiling = left if left >= 0 else ZERO
    limit = left
    for _ in range(_TRIES):
        shares = largest_within(candidate.pieces, candidate.price, limit)
        shares = down_to_step(shares, candidate.step)
        if shares * candidate.price < candidate.minimum or shares <= 0:
            return Kept(ZERO, [])
        pieces = rechoose(candidate, shares)
        if pieces is None:
            return Kept(ZERO, [])
        gain = realized(pieces, candidate.price)
        if gain <= ceiling:
            return Kept(shares, pieces)
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


# ---- portfolio/tax/records.py ----


def _is_text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_date(value: object) -> bool:
    """A calendar date (a `datetime` is refused: a lot is acquired on a day)."""
    return isinstance(value, date) and not isinstance(value, datetime)


def _lot_problem(lot: object, on: date) -> str | None:  # noqa: PLR0911 - one return per rule
    """What is wrong with one lot held on `on`, or None."""
    if not isinstance(lot, TaxLot):
        return "each lot must be a TaxLot"
    if not (is_bounded(lot.quantity) and lot.quantity > 0):
        return "a lot's quantity must be a finite Decimal > 0"
    if not (is_bounded(lot.cost) and lot.cost >= 0):
        return "a lot's cost must be a finite Decimal ≥ 0"
    if not _is_date(lot.acquired):
        return "a lot's acquired must be a date"
    if lot.acquired > on:
        return "a lot cannot be acquired after the snapshot's as_of"
    if type(lot.lot_id) is not str:
        return "a lot's lot_id must be a str"
    return None


def lots_problem(
    lots: object, positions: Mapping[str, Decimal], as_of: object
) -> PortfolioError | None:
    """The first problem with a snapshot's lots, as INVALID_SNAPSHOT naming the symbol; or None.

    `positions` are the snapshot's held quantities with upper-case keys (checked).
    Lots need an `as_of` (their terms are counted from it); each symbol's lots are a
    tuple of valid `TaxLot`s of a symbol held long, summing exactly to its position.

    >>> from datetime import date, datetime
    >>> lot = TaxLot(quantity=Decimal(3), cost=Decimal(10), acquired=date(2024, 1, 2))
    >>> str(lots_problem({"SPY": (lot,)}, {"SPY": Decimal(5)}, datetime(2024, 6, 1)))
    'INVALID_SNAPSHOT: the lots must sum exactly to the position [lots=3 position=5 symbol=SPY]'
    """
    if not isinstance(lots, Mapping):
        return PortfolioError.invalid_snapshot("lots must map symbols to tuples of TaxLot")
    if not lots:
        return None
    if not isinstance(as_of, datetime):
        return PortfolioError.invalid_snapshot("lots need the snapshot's as_of (a datetime)")
    on = as_of.date()
    if _plain_lots(lots, positions, on):
        return None
    for key in sorted(lots, key=str):
        symbol = str(key).upper()
        held = positions.get(symbol, Decimal(0))
        problem = _symbol_lots_problem(lots[key], held, on)
        if problem is not None:
            message, context = problem
            return PortfolioError.invalid_snapshot(message, symbol=symbol, **context)
    return None


_QUANTITY, _COST = attrgetter("quantity"), attrgetter("cost")
_ACQUIRED, _LOT_ID = attrgetter("acquired"), attrgetter("lot_id")


def _plain_lots(lots: Mapping[str, object], positions: Mapping[str, Decimal], on: date) -> bool:
    """True for lots that pass every rule of `lots_problem`, checked mostly in C.

    Each symbol's lots a tuple of `TaxLot`s of a long position; quantities finite
    Decimals > 0 summing exactly to it, costs finite Decimals ≥ 0, dates on or before
    `on`, ids strings. Anything else goes through the rules, which name the problem.
    """
    columns = lots.values()
    if set(map(type, columns)) != {tuple} or not all(columns):
        return False
    every: list[TaxLot] = [lot for held in columns for lot in held]  # type: ignore[attr-defined]
    if set(map(type, every)) != {TaxLot}:
        return False
    quantities = tuple(map(_QUANTITY, every))
    dates = tuple(map(_ACQUIRED, every))
    if not (
        all_within((*quantities, *map(_COST, every)), ZERO, MAX_AMOUNT)  # one pass for both
        and all(quantities)  # Decimal truth: ≠ 0
        and set(map(type, dates)) == {date}
        and max(dates) <= on
        and set(map(type, map(_LOT_ID, every))) == {str}
    ):
        return False
    for symbol, held in lots.items():
        position = positions.get(symbol)
        if position is None or sum(map(_QUANTITY, held), ZERO) != position:  # type: ignore[call-overload]
            return False
    return True


def _symbol_lots_problem(
    lots: object, held: Decimal, on: date
) -> tuple[str, dict[str, object]] | None:
    if not isinstance(lots, tuple):
        return "a symbol's lots must be a tuple of TaxLot", {}
    if held < 0:
        return "lots on a short position", {"position": held}
    if not held:
        return "lots of a symbol not held", {}
    for n, lot in enumerate(lots):
        problem = _lot_problem(lot, on)
        if problem is not None:
            return problem, {"lot": n}
    total = sum((lot.quantity for lot in lots), Decimal(0))  # bounded: ≤ count × 1E+15
    if total != held:
        return "the lots must sum exactly to the position", {"lots": total, "position": held}
    return None


def trades_problem(trades: object) -> PortfolioError | None:
    """The first bad `PastTrade`, as INVALID_SNAPSHOT naming its symbol and field; or None.

    >>> from datetime import date
    >>> bad = PastTrade(symbol="SPY", action=Action.SELL, quantity=Decimal(-1),
    ...     price=Decimal(10), on=date(2024, 1, 2))
    >>> str(trades_problem((bad,)))
    'INVALID_SNAPSHOT: a past trade has a bad field [field=quantity symbol=SPY trade=0]'
    """
    if not isinstance(trades, tuple):
        return PortfolioError.invalid_snapshot("recent_trades must be a tuple of PastTrade")
    for n, trade in enumerate(trades):
        if not isinstance(trade, PastTrade):
            return PortfolioError.invalid_snapshot("each recent trade must be a PastTrade", trade=n)
        field = _trade_field_problem(trade)
        if field is not None:
            return PortfolioError.invalid_snapshot(
                "a past trade has a bad field", symbol=str(trade.symbol), trade=n, field=field
            )
    return None


def _trade_field_problem(trade: PastTrade) -> str | None:
    """The name of the first bad field of a past trade, or None."""
    checks = (
        ("symbol", _is_text(trade.symbol)),
        ("action", trade.action is Action.BUY or trade.action is Action.SELL),
        ("quantity", is_bounded(trade.quantity) and trade.quantity > 0),
        ("price", is_bounded(trade.price) and trade.price > 0),
        ("on", _is_date(trade.on)),
        ("realized_gain", trade.realized_gain is None or is_bounded(trade.realized_gain)),
    )
    return next((name for name, ok in checks if not ok), None)


# ---- portfolio/tax/step.py ----
_SYMBOL = attrgetter("symbol")
_QUANTITY, _GAIN = attrgetter("quantity"), attrgetter("gain")
_ITEM_QUANTITY = itemgetter(3)  # `PlanItem.quantity`: an item is a tuple row
_HOLD, _SELL = Action.HOLD, Action.SELL
_SHARES = itemgetter(1)
CENTS = Decimal("0.00")


class TaxInputs(NamedTuple):
    """A snapshot's tax data, checked, for one plan.

    The sale terms, the lots (upper-case keys), the symbols recently sold at a loss.
    `chosen` holds the pieces `adjusted` chose for each sale, by symbol, for
    `with_report` (made afresh for each plan, so the plan stays a pure function).
    """

    terms: SaleTerms
    lots: Mapping[str, tuple[TaxLot, ...]]
    loss_sold: frozenset[str]
    chosen: dict[str, list[Piece]]


def tax_inputs(snapshot: Snapshot, tax: TaxPolicy) -> Result[TaxInputs, PortfolioError]:
    """The snapshot's lots and recent trades, checked (rule 5).

    Call after the snapshot's own rules passed. A Failure(INVALID_SNAPSHOT) names the
    symbol at fault.
    """
    lots, trades = snapshot.lots, snapshot.recent_trades
    problem = key_problem(lots, "lots", ErrorKind.INVALID_SNAPSHOT)
    if problem is None:
        lots = upper_keys(lots)  # type: ignore[assignment] # keys checked just above
        problem = lots_problem(lots, held_quantities(snapshot), snapshot.as_of)
    problem = problem or trades_problem(trades)
    if problem is None and trades and snapshot.as_of is None:
        problem = PortfolioError.invalid_snapshot("recent_trades need the snapshot's as_of")
    if problem is not None:
        return Failure(problem)
    on = date.max if snapshot.as_of is None else snapshot.as_of.date()
    terms = SaleTerms.of(tax, on) if snapshot.as_of is not None else SaleTerms(tax, on, on)
    return Success(TaxInputs(terms, lots, loss_sold(trades, terms), {}))


def adjusted(decided: Decisions, columns: Columns, inputs: TaxInputs) -> Decisions:
    """The decisions under rules 2-4: sales cut or held, buys held (see the module)."""
    sells, buys, holds = decided
    minimum = Thresholds.of(columns.policy, columns.total_value).minimum
    steps = _steps(columns)
    kept_sells: list[PlanItem] = []
    moved: list[PlanItem] = []
    candidates: dict[str, tuple[PlanItem, Candidate, list[TaxLot]]] = {}
    fixed = ZERO  # what the liquidations (never cut) realize
    for item in sells:
        lots = inputs.lots.get(item.symbol)
        if not lots:  # unknown basis: nothing to decide by
            kept_sells.append(item)
            continue
        wanted = min(-item.quantity, sum(map(_QUANTITY, lots), ZERO))
        if item.reason is Reason.LIQUIDATE:
            pieces = inputs.chosen[item.symbol] = _liquidation(lots, wanted, item.price, inputs)
            fixed += realized(pieces, item.price)
            kept_sells.append(item)
            continue
        step = steps.get(item.symbol, SHARE_QUANTUM)
        sale, pool, pieces = _sale(item, lots, wanted, step, inputs)
        if sale.action is _HOLD or (sale is not item and -sale.trade_amount < minimum):
            moved.append(_held(item, sale.reason))
            continue
        shares, gain = -sale.quantity, realized(pieces, item.price)
        candidate = Candidate(item.symbol, item.price, pieces, shares, step, minimum, gain)
        candidates[item.symbol] = (sale, candidate, pool)
        inputs.chosen[item.symbol] = pieces
        kept_sells.append(sale)
    budget = inputs.terms.policy.max_realized_gain
    if budget is not None and candidates:
        kept_sells = _budgeted(kept_sells, candidates, budget - fixed, inputs, moved)
    if inputs.loss_sold:
        washed = [i for i in buys if _wash_buy(i, inputs.loss_sold)]
        buys = [i for i in buys if not _wash_buy(i, inputs.loss_sold)]
        moved += [_held(i, Reason.WASH_SALE) for i in washed]
    if not moved:
        return Decisions(kept_sells, buys, holds)
    return Decisions(kept_sells, buys, sorted([*holds, *moved], key=_SYMBOL))


def _wash_buy(item: PlanItem, loss_sold: frozenset[str]) -> bool:
    """A rebalancing buy of a symbol sold at a loss within the window (rule 4)."""
    return item.symbol in loss_sold and item.reason is not Reason.LIQUIDATE


def _sale(
    item: PlanItem, lots: tuple[TaxLot, ...], wanted: Decimal, step: Decimal, inputs: TaxInputs
) -> tuple[PlanItem, list[TaxLot], list[Piece]]:
    """One rebalancing sale under rules 3 and 4: (the item, the lots it may relieve, the pieces).

    The item is a HOLD when rule 3 leaves nothing or rule 4 cannot be avoided.
    """
    terms = inputs.terms
    pool = deferrable(lots, item.price, terms)
    reason = item.reason
    if len(pool) < len(lots):
        available = sum((lot.quantity for lot in pool), ZERO)
        if available < wanted:
            wanted, reason = down_to_step(available, step), Reason.SHORT_TERM_GAIN
    if wanted <= 0:
        return _held(item, reason), pool, []
    pieces = choose(lots, pool, wanted, item.price, terms)
    if pieces is None:
        return _held(item, Reason.WASH_SALE), pool, []
    if reason is item.reason:
        return item, pool, pieces
    return _sold(item, wanted, reason), pool, pieces


def _budgeted(
    sells: list[PlanItem],
    candidates: dict[str, tuple[PlanItem, Candidate, list[TaxLot]]],
    room: Decimal,
    inputs: TaxInputs,
    moved: list[PlanItem],
) -> list[PlanItem]:
    """The sales within the gain budget (rule 2); sales cut to nothing join `moved`."""

    def rechoose(candidate: Candidate, shares: Decimal) -> list[Piece] | None:
        symbol = candidate.symbol
        pool = candidates[symbol][2]
        return choose(inputs.lots[symbol], pool, shares, candidate.price, inputs.terms)

    cuts = within_budget([c for _, c, _ in candidates.values()], room, rechoose)
    if not cuts:
        return sells
    kept: list[PlanItem] = []
    for item in sells:
        cut: Kept | None = cuts.get(item.symbol)
        if cut is None:
            kept.append(item)
        elif cut.quantity > 0:
            kept.append(_sold(item, cut.quantity, Reason.GAIN_BUDGET))
            inputs.chosen[item.symbol] = cut.pieces
        else:
            moved.append(_held(item, Reason.GAIN_BUDGET))
    return kept


def with_report(plan: RebalancePlan, inputs: TaxInputs) -> RebalancePlan:
    """The plan with its `TaxReport`, and an id that covers the tax policy and data."""
    sales: list[LotSale] = []
    unknown: list[str] = []
    for item in plan.items:
        if item.action is not _SELL:
            continue
        lots = inputs.lots.get(item.symbol)
        if not lots:
            unknown.append(item.symbol)
            continue
        shares = min(-item.quantity, sum(map(_QUANTITY, lots), ZERO))
        pieces = inputs.chosen.get(item.symbol)
        if pieces is None or sum(map(_SHARES, pieces), ZERO) != shares:
            pieces = _pieces(item, lots, shares, inputs)
        sales += sales_of(item.symbol, pieces, item.price, inputs.terms.on)
    policy = inputs.terms.policy
    short, long, tax = estimated_tax(sales, policy)
    over = CENTS
    if policy.max_realized_gain is not None:
        over = max(short + long - policy.max_realized_gain, CENTS)
    report = TaxReport(
        sales=tuple(sales),
        short_term_gain=short,
        long_term_gain=long,
        estimated_tax=tax,
        unknown_basis=tuple(unknown),
        over_budget=over,
    )
    return attrs.evolve(plan, tax=report, plan_id=_plan_id(plan, report, policy))


def _pieces(
    item: PlanItem, lots: tuple[TaxLot, ...], shares: Decimal, inputs: TaxInputs
) -> list[Piece]:
    """The lots a sale in the plan relieves: the choice `adjusted` made for it.

    A sale `adjusted` did not decide (a whole-lot sale sized apart) relieves the lots
    its rules allow, or else the method's order.
    """
    terms = inputs.terms
    if item.reason is Reason.LIQUIDATE:
        return _liquidation(lots, shares, item.price, inputs)
    pool = deferrable(lots, item.price, terms)
    if sum((lot.quantity for lot in pool), ZERO) >= shares:
        pieces = choose(lots, pool, shares, item.price, terms)
        if pieces is not None:
            return pieces
    return relieve(in_order(lots, terms.policy, item.price, terms.on), shares)


def _liquidation(
    lots: Sequence[TaxLot], shares: Decimal, price: Decimal, inputs: TaxInputs
) -> list[Piece]:
    terms = inputs.terms
    return relieve(in_order(lots, terms.policy, price, terms.on), shares)


def _steps(columns: Columns) -> dict[str, Decimal]:
    """The share step of each symbol traded in whole lots (the rest: nine decimals)."""
    fractional = columns.policy.fractional
    if not columns.assets:
        return {} if fractional else dict.fromkeys(columns.symbols, Decimal(1))
    steps = {}
    for symbol in columns.symbols:
        step = quantity_step(columns.assets.get(symbol), fractional=fractional)
        if step is not None:
            steps[symbol] = step
    return steps


def _sold(item: PlanItem, shares: Decimal, reason: Reason) -> PlanItem:
    """The sale cut to `shares` (> 0): proceeds rounded down to cents."""
    amount = (shares * item.price).quantize(CENT, rounding=ROUND_DOWN)
    return item._replace(trade_amount=-amount, quantity=-shares, reason=reason)


def _held(item: PlanItem, reason: Reason) -> PlanItem:
    return item._replace(action=_HOLD, trade_amount=ZERO, quantity=ZERO, reason=reason)


def _plan_id(plan: RebalancePlan, report: TaxReport, tax: TaxPolicy) -> str:
    """The plan's id, extended to name the tax policy and what the tax rules decided.

    The planner's id covers the account and the rest of the policy; the lots and recent
    trades act through the decisions (the items' quantities and reasons) and the lots
    relieved, which this adds. Orders take their ids from the plan's (docs/execution.md),
    so two plans that differ must not share one.
    """
    sales = report.sales
    numbers = canonical_text(
        (*map(_ITEM_QUANTITY, plan.items), *map(_QUANTITY, sales), *map(_GAIN, sales))
    )
    parts = (
        plan.plan_id,
        repr(tax),
        "\x00".join(item.reason.value for item in plan.items),
        "\x00".join(f"{s.symbol}:{s.lot_id}:{s.acquired.isoformat()}" for s in sales),
        numbers,
    )
    text = "\x01".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()[:32]


# ---- the hook, as portfolio/planner.py's `Planner._taxed` ----
def reference_plan(planner: Planner, snapshot: Snapshot) -> Result[RebalancePlan, PortfolioError]:
    """What `planner.plan(snapshot)` gave before the speed-up (its policy has a tax policy)."""
    tax = planner.policy.tax
    assert tax is not None
    try:
        with localcontext(CORE_CONTEXT):
            return columns(planner.prepared, snapshot).bind(
                lambda checked: tax_inputs(snapshot, tax).bind(
                    lambda inputs: _plan(checked, partial(adjusted, inputs=inputs)).map(
                        partial(with_report, inputs=inputs)
                    )
                )
            )
    except ArithmeticError as exc:
        return Failure(
            PortfolioError.invalid_snapshot("arithmetic failed while planning", error=repr(exc))
        )
