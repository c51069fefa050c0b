"""When a backtest rebalances: on a calendar, or when the portfolio drifts out of its bands.

Every schedule invests on the first bar; trades execute at the scheduled bar's close.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
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
    if previous is None or schedule is Schedule.DAILY:
        return True
    return _period(schedule, today) != _period(schedule, previous)


def due_bars(schedule: Schedule, dates: Sequence[date]) -> frozenset[int]:
    """The index of every bar the calendar calls for (`is_due` on each bar, once per run).

    >>> days = [date(2024, 1, 30), date(2024, 1, 31), date(2024, 2, 1)]
    >>> sorted(due_bars(Schedule.MONTHLY, days))
    [0, 2]
    """
    return frozenset(
        index
        for index, day in enumerate(dates)
        if is_due(schedule, dates[index - 1] if index else None, day)
    )


def _period(schedule: Schedule, day: date) -> tuple[int, int]:
    """The calendar period a day falls in; one period for `once` and `drift`."""
    match schedule:
        case Schedule.WEEKLY:
            return day.isocalendar()[:2]
        case Schedule.MONTHLY:
            return day.year, day.month
        case Schedule.QUARTERLY:
            return day.year, (day.month - 1) // 3
        case Schedule.ANNUALLY:
            return day.year, 0
        case _:
            return 0, 0


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
