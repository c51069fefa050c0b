"""When a backtest rebalances: on a calendar, or when the portfolio drifts out of its bands.

Every schedule invests on the first bar; trades execute at the scheduled bar's close.
"""

from __future__ import annotations

import enum
import itertools
import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from returns.result import Failure, Result, Success

from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import ZERO
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Snapshot
from portfolio.steps.rules import Thresholds, within_band

__all__ = [
    "DRIFT_BAND",
    "DRIFT_RELATIVE_BAND",
    "Schedule",
    "drift_limits",
    "drifted",
    "due_bars",
    "is_due",
    "parse_schedule",
]

#: The bands `drift` uses when the policy sets neither `band` nor `relative_band` (5/25 rule).
DRIFT_BAND = Decimal("0.05")
DRIFT_RELATIVE_BAND = Decimal("0.25")


class Schedule(enum.Enum):
    """How often to rebalance.

    `once`: the first bar only (buy and hold). `daily`: every bar. `weekly` / `monthly`
    / `quarterly` / `annually`: the first bar of each ISO calendar week / calendar month /
    calendar quarter / calendar year. `drift`: the first bar, then whenever some
    symbol's weight leaves its band (see `drifted`).
    """

    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUALLY = "annually"
    DRIFT = "drift"


def parse_schedule(value: Schedule | str) -> Result[Schedule, PortfolioError]:
    """A `Schedule`, or its name in any case; anything else is INVALID_SCHEDULE.

    >>> parse_schedule("Monthly").unwrap()
    <Schedule.MONTHLY: 'monthly'>
    >>> parse_schedule("hourly").failure().kind
    <ErrorKind.INVALID_SCHEDULE: 'invalid_schedule'>
    """
    given: object = value
    if isinstance(given, Schedule):
        return Success(given)
    names = {schedule.value: schedule for schedule in Schedule}
    if isinstance(given, str) and given.strip().lower() in names:
        return Success(names[given.strip().lower()])
    return Failure(
        PortfolioError.of(
            ErrorKind.INVALID_SCHEDULE,
            f"unknown schedule {given!r}; expected one of {', '.join(names)}",
            schedule=given,
        )
    )


def is_due(schedule: Schedule, previous: date | None, today: date) -> bool:
    """Whether the calendar calls for a rebalance on `today` (`previous` is the prior bar).

    For `drift` this is only the first bar; `drifted` decides the rest.
    """
    return previous is None or 1 in due_bars(schedule, (previous, today))


def due_bars(schedule: Schedule, dates: Sequence[date]) -> frozenset[int]:
    """The index of every bar the calendar calls for: the first, then each new period's first.

    `daily` calls for every bar. Read once per run, the periods in C where they can be
    (`attrgetter`): 1.5 million instructions for 780 monthly bars, where `is_due` on each
    bar (two calendar periods, each found by `match`) cost 7.0 million.

    >>> days = [date(2024, 1, 30), date(2024, 1, 31), date(2024, 2, 1)]
    >>> sorted(due_bars(Schedule.MONTHLY, days))
    [0, 2]
    """
    if schedule is Schedule.DAILY:
        return frozenset(range(len(dates)))
    periods = list(map(_PERIOD[schedule], dates))
    changed = map(operator.ne, periods[1:], periods[:-1])
    return frozenset(itertools.compress(range(1, len(periods)), changed)).union(
        (0,) if dates else ()
    )


def _iso_week(day: date) -> object:
    return day.isocalendar()[:2]


def _quarter(day: date) -> object:
    return day.year, (day.month - 1) // 3


def _whole_run(_: date) -> object:
    return None


#: The calendar period a day falls in, per schedule; one period for `once` and `drift`.
_PERIOD: Mapping[Schedule, Callable[[date], object]] = {
    Schedule.ONCE: _whole_run,
    Schedule.WEEKLY: _iso_week,
    Schedule.MONTHLY: operator.attrgetter("year", "month"),
    Schedule.QUARTERLY: _quarter,
    Schedule.ANNUALLY: operator.attrgetter("year"),
    Schedule.DRIFT: _whole_run,
}


def drifted(snapshot: Snapshot, weights: Mapping[str, Decimal], policy: SizingPolicy) -> bool:
    """True when some symbol's value is outside its band around its target (rule 4's bands).

    The target is `weight × (1 − cash_reserve_pct) × equity`; the band is the policy's
    (`steps.rules.within_band`: the smaller of `band` × equity and `relative_band` ×
    target when both are on), or the 5/25 rule when the policy sets none. A held,
    untargeted symbol has target 0 and so always counts as drifted. Needs a price for
    every held symbol.
    """
    equity = snapshot.equity
    if equity <= 0:
        return False
    limits = drift_limits(policy, equity)
    invested = (1 - policy.cash_reserve_pct) * equity
    prices, held = snapshot.prices, snapshot.positions
    for symbol in weights.keys() | held.keys():
        target = weights.get(symbol, ZERO) * invested
        current = held[symbol] * prices[symbol] if symbol in held else ZERO
        if not within_band(limits, current, target):
            return True
    return False


def drift_limits(policy: SizingPolicy, equity: Decimal) -> Thresholds:
    """The policy's bands as amounts of `equity`, or the 5/25 rule where it sets none.

    >>> limits = drift_limits(SizingPolicy(), Decimal(1000))
    >>> limits.band_value, limits.relative_band
    (Decimal('50.00'), Decimal('0.25'))
    """
    limits = Thresholds.of(policy, equity)
    if limits.banded:
        return limits
    return limits._replace(
        band_value=DRIFT_BAND * equity, relative_band=DRIFT_RELATIVE_BAND, banded=True
    )
