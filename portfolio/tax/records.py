"""The tax data a snapshot carries: `TaxLot` and `PastTrade`, and what makes them valid.

A lot is shares bought together at one cost; a past trade is a buy or a sale already
done (the wash-sale rule looks back at them). Amounts are `Decimal` in account
currency, quantities in shares, dates `datetime.date`. Constructors do not validate:
`lots_problem` and `trades_problem` do, and name the symbol at fault.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain

import attrs

from portfolio.records.errors import PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.money import MAX_AMOUNT, ZERO, is_bounded
from portfolio.records.plan_item import Action
from portfolio.records.symbol_keys import is_symbol

__all__ = [
    "PastTrade",
    "TaxLot",
    "freeze_lots",
    "freeze_trades",
    "lots_problem",
    "trades_problem",
]


@attrs.frozen(kw_only=True)
class TaxLot:
    """Shares bought together.

    `quantity` shares (> 0) at `cost` per share (≥ 0, account currency), acquired on
    `acquired`; `lot_id` names it for the broker (may be empty).
    """

    quantity: Decimal
    cost: Decimal
    acquired: date
    lot_id: str = ""


@attrs.frozen(kw_only=True)
class PastTrade:
    """A buy or a sale already done: `quantity` shares (> 0) at `price` on `on`.

    `action` is `Action.BUY` or `Action.SELL`; `realized_gain` is what a sale realized
    (account currency, negative for a loss), None when unknown or for a buy.
    """

    symbol: str
    action: Action
    quantity: Decimal
    price: Decimal
    on: date
    realized_gain: Decimal | None = None


def freeze_lots(lots: Mapping[str, tuple[TaxLot, ...]]) -> Mapping[str, tuple[TaxLot, ...]]:
    """Copy the lots into a `FrozenDict` of tuples; anything else is kept for validation."""
    given: object = lots
    if not isinstance(given, Mapping) or (isinstance(given, FrozenDict) and not given):
        return lots
    entries: dict[str, object] = {}
    for key, value in given.items():
        entries[key] = tuple(value) if isinstance(value, list) else value
    return FrozenDict(entries)  # type: ignore[arg-type] # bad entries are kept for lots_problem


def freeze_trades(trades: tuple[PastTrade, ...]) -> tuple[PastTrade, ...]:
    """Copy a list of past trades into a tuple; anything else is kept for validation."""
    given: object = trades
    return tuple(given) if isinstance(given, list) else trades


def _is_date(value: object) -> bool:
    """A calendar date (a `datetime` is refused: a lot is acquired on a day)."""
    return isinstance(value, date) and not isinstance(value, datetime)


def _lot_problem(lot: object, on: date) -> str | None:  # noqa: PLR0911 - one return per rule
    """What is wrong with one lot held on `on`, or None."""
    if not isinstance(lot, TaxLot):
        return "each lot must be a TaxLot"
    if not (is_bounded(lot.quantity) and lot.quantity > 0):
        return "a lot's quantity must be a finite Decimal in (0, 1E+15]"
    if not (is_bounded(lot.cost) and lot.cost >= 0):
        return "a lot's cost must be a finite Decimal in [0, 1E+15]"
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


_IS_FINITE, _IS_SIGNED = Decimal.is_finite, Decimal.is_signed


def _plain_lots(lots: Mapping[str, object], positions: Mapping[str, Decimal], on: date) -> bool:
    """True for lots that pass every rule of `lots_problem`, checked in one pass, mostly in C.

    Each symbol's lots a tuple of `TaxLot`s of a long position; quantities finite
    Decimals > 0 summing exactly to it, costs finite Decimals ≥ 0, dates on or before
    `on`, ids strings. Anything else goes through the rules, which name the problem.

    Every lot's fields are read once, into columns (comprehensions: a field read there
    costs about half of `map(attrgetter(...))`), and each column is read by as few
    passes as the rules allow: the amounts' types are counted (exactly `Decimal`),
    then `Decimal.is_finite` read; once the quantities are finite, > 0 and sum to a bounded
    position, each is bounded, so only the costs need a largest value. 200 lots (20
    symbols): 1.08 -> 0.78 million instructions (cachegrind); signs for the lower
    bounds and counted types, 0.78 -> 0.70 million.
    """
    held = list(lots.values())
    if not (_all_of_type(held, tuple) and all(held)):
        return False
    every: list[TaxLot] = list(chain.from_iterable(held))  # type: ignore[arg-type]
    if not _all_of_type(every, TaxLot):
        return False
    quantities = [lot.quantity for lot in every]
    costs = [lot.cost for lot in every]
    dates = [lot.acquired for lot in every]
    if not (
        _all_of_type(dates, date)
        and max(dates) <= on
        and _all_of_type([lot.lot_id for lot in every], str)
    ):
        return False
    # Signs, not `min`: a finite quantity is > 0 when unsigned and not 0, a cost >= 0
    # when unsigned (or -0: `min` decides when one is signed). 200 lots, with the counted
    # types below: 776 -> 701 thousand instructions (cachegrind).
    if not (
        _finite_decimals(quantities, costs)
        and not any(map(_IS_SIGNED, quantities))
        and all(quantities)
        and (not any(map(_IS_SIGNED, costs)) or min(costs) >= 0)
        and max(costs) <= MAX_AMOUNT
    ):
        return False
    at = 0
    for symbol, lots_of in lots.items():
        end = at + len(lots_of)  # type: ignore[arg-type]
        position = positions.get(symbol)
        if position is None or sum(quantities[at:end], ZERO) != position:
            return False
        at = end
    return True


def _all_of_type(column: Sequence[object], kind: type) -> bool:
    """Whether every value is exactly a `kind`.

    The list of their types counted: about 170 instructions a value, against 235 for a
    set of them and more for a comprehension that keeps none (cachegrind).
    """
    return list(map(type, column)).count(kind) == len(column)


def _finite_decimals(*columns: list[Decimal]) -> bool:
    """Whether every value is exactly a finite `Decimal`, as `money.is_bounded` asks.

    `is_finite` accepts a subclass, which the rules refuse: the types are counted first,
    the price of refusing a subclass here as everywhere else (200 lots with ids: 725 ->
    788 thousand instructions, cachegrind).
    """
    return all(_all_of_type(column, Decimal) and all(map(_IS_FINITE, column)) for column in columns)


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


def trades_problem(trades: object, as_of: datetime | None = None) -> PortfolioError | None:
    """The first bad `PastTrade`, as INVALID_SNAPSHOT naming its symbol and field; or None.

    A trade dated after `as_of`'s date (the snapshot's) is refused, as a lot acquired
    after it is: the account cannot have made it yet (a wrong year, a time zone).

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
        if as_of is not None and trade.on > as_of.date():
            return PortfolioError.invalid_snapshot(
                "a past trade cannot be on a date after the snapshot's as_of",
                symbol=trade.symbol,
                trade=n,
                on=trade.on.isoformat(),
            )
    return None


def _trade_field_problem(trade: PastTrade) -> str | None:
    """The name of the first bad field of a past trade, or None."""
    checks = (
        ("symbol", is_symbol(trade.symbol)),
        ("action", trade.action is Action.BUY or trade.action is Action.SELL),
        ("quantity", is_bounded(trade.quantity) and trade.quantity > 0),
        ("price", is_bounded(trade.price) and trade.price > 0),
        ("on", _is_date(trade.on)),
        ("realized_gain", trade.realized_gain is None or is_bounded(trade.realized_gain)),
    )
    return next((name for name, ok in checks if not ok), None)
