"""The backtest's input and its curve: close prices per date, equity per date."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

import attrs

from portfolio.records.frozen import FrozenDict

__all__ = ["Bar", "EquityPoint"]


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
