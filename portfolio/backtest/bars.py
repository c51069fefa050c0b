"""The backtest's input and its curve: close prices per date, equity per date."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

import attrs

from portfolio.records.frozen import FrozenDict

__all__ = ["Bar", "EquityPoint", "within"]


def _freeze_prices(prices: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    """Upper-case the symbols into a `FrozenDict`; a non-mapping is kept for checks to report."""
    given: object = prices
    if not isinstance(given, Mapping):
        return prices
    return FrozenDict({str(symbol).upper(): price for symbol, price in given.items()})


def _day(value: date) -> date:
    """A datetime becomes its date, so that every bar's date compares with every other."""
    given: object = value
    return given.date() if isinstance(given, datetime) else value


@attrs.frozen(kw_only=True)
class Bar:
    """One date's close prices, per share in account currency, by upper-case symbol.

    A symbol without a price that day is simply absent (never a zero). A `datetime`
    given as the date is reduced to its date.

    >>> Bar(date=date(2024, 1, 2), prices={"spy": Decimal("470.5")}).prices
    FrozenDict({'SPY': Decimal('470.5')})
    """

    date: date = attrs.field(converter=_day)
    prices: Mapping[str, Decimal] = attrs.field(converter=_freeze_prices)


class EquityPoint(NamedTuple):
    """The account's equity (cash + positions at the close, account currency) on a date."""

    date: date
    equity: Decimal


def within(bars: Iterable[Bar], start: date | None, end: date | None) -> tuple[Bar, ...]:
    """The bars dated from `start` to `end`, both included; None leaves that side open.

    The one date-range rule of the backtests (`run_backtest`'s `start` and `end`, and a
    sweep's). A `datetime` bound counts by its date, as a bar's date does.

    >>> bars = [Bar(date=date(2024, 1, d), prices={}) for d in (2, 3, 4)]
    >>> [bar.date.day for bar in within(bars, datetime(2024, 1, 3, 16), None)]
    [3, 4]
    """
    first, last = _bound(start), _bound(end)
    return tuple(
        bar
        for bar in bars
        if (first is None or first <= bar.date) and (last is None or bar.date <= last)
    )


def _bound(value: date | None) -> date | None:
    return None if value is None else _day(value)
