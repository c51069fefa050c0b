"""Money added to or taken from the account during a backtest, bar by bar."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import attrs
from returns.result import Failure, Result, Success

from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.money import ZERO, is_bounded, to_cents

__all__ = ["CashFlows", "flows_by_bar", "withdrawal_problem"]


def _freeze(amounts: Mapping[date, Decimal]) -> Mapping[date, Decimal]:
    given: object = amounts
    return FrozenDict(amounts) if isinstance(given, Mapping) else amounts


@attrs.frozen(kw_only=True)
class CashFlows:
    """Contributions (> 0) and withdrawals (< 0), in account currency.

    - `monthly`: added on the first bar of every calendar month after the first bar's.
    - `on_dates`: each amount added on the first bar on or after its date (which must
      lie within the bars' dates).

    A bar with a flow plans with `mode="buy_only"` (a contribution) or `"sell_only"` (a
    withdrawal), unless the schedule rebalances on that bar anyway.

    >>> CashFlows(monthly=Decimal(500)).monthly
    Decimal('500')
    """

    monthly: Decimal = Decimal(0)
    on_dates: Mapping[date, Decimal] = attrs.field(factory=FrozenDict, converter=_freeze)


def flows_by_bar(
    flows: CashFlows | None, dates: Sequence[date]
) -> Result[Mapping[int, Decimal], PortfolioError]:
    """Bar index → the net amount added on that bar (zero amounts left out).

    Failures (INVALID_SNAPSHOT, naming the field): an amount that is not a finite
    Decimal within ±1E+15, a date that is not a date or lies outside the bars' dates.
    """
    if flows is None:
        return Success(FrozenDict())
    if not is_bounded(flows.monthly):
        return Failure(_bad("monthly", "must be a finite Decimal within ±1E+15"))
    amounts: dict[int, Decimal] = {}
    if flows.monthly:
        for index in range(1, len(dates)):
            if (dates[index].year, dates[index].month) != (
                dates[index - 1].year,
                dates[index - 1].month,
            ):
                amounts[index] = flows.monthly
    on_dates: object = flows.on_dates
    if not isinstance(on_dates, Mapping):
        return Failure(_bad("on_dates", "must be a mapping of date to Decimal"))
    for day, amount in sorted(on_dates.items(), key=lambda pair: str(pair[0])):
        if not (isinstance(day, date) and dates[0] <= day <= dates[-1]):
            message = f"{day} is not a date between {dates[0]} and {dates[-1]}"
            return Failure(_bad("on_dates", message, date=day))
        if not is_bounded(amount):
            return Failure(_bad("on_dates", "must be a finite Decimal within ±1E+15", date=day))
        index = next(i for i, bar_date in enumerate(dates) if bar_date >= day)
        amounts[index] = amounts.get(index, ZERO) + amount
    return Success(FrozenDict({i: a for i, a in amounts.items() if a}))


def withdrawal_problem(amount: Decimal, equity: Decimal, day: date) -> PortfolioError | None:
    """INVALID_SNAPSHOT when a flow leaves no equity (a withdrawal of all of it or more).

    The message shows both amounts in cents; the context keeps them exact.

    >>> problem = withdrawal_problem(Decimal(-2000), Decimal("1234.5678125"), date(2024, 2, 1))
    >>> problem.message
    'on 2024-02-01: a withdrawal of 2000.00 is more than the equity of 1234.57'
    """
    if equity + amount > 0:
        return None
    more = "more than" if equity + amount < 0 else "all of"
    message = (
        f"on {day.isoformat()}: a withdrawal of {to_cents(-amount)} is {more} "
        f"the equity of {to_cents(equity)}"
    )
    return PortfolioError.of(
        ErrorKind.INVALID_SNAPSHOT, message, date=day.isoformat(), equity=equity, withdrawal=-amount
    )


def _bad(field: str, problem: str, **context: object) -> PortfolioError:
    return PortfolioError.of(
        ErrorKind.INVALID_SNAPSHOT, f"cash flows: {field} {problem}", field=field, **context
    )
