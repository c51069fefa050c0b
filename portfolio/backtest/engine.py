"""The backtest: a fold over bars that plans with the core and fills with `fill_plan`.

Pure: no clock, no I/O (the optional `progress` callback is the caller's). The account
starts as cash; each bar marks it to that bar's close prices; on a rebalance bar the
allocation is planned against the marked account and the plan filled at the close.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal

import attrs
from returns.result import Failure, Result, Success

from portfolio.allocation import Allocation, CombinedAllocation
from portfolio.backtest.bars import Bar, EquityPoint
from portfolio.backtest.result import BacktestResult, summarise
from portfolio.backtest.schedule import Schedule, drifted, is_due, parse_schedule
from portfolio.errors import ErrorKind, PortfolioError
from portfolio.fill import CostModel, Fill, fill_plan
from portfolio.money import CORE_CONTEXT, is_bounded
from portfolio.plan import RebalancePlan
from portfolio.planner import plan_rebalance
from portfolio.policy import SizingPolicy
from portfolio.snapshot import Snapshot

__all__ = ["AllocationRule", "run_backtest"]

#: Either fixed weights, or a rule that picks the weights on each rebalance date.
AllocationRule = (
    Allocation | CombinedAllocation | Callable[[date, Snapshot], Allocation | CombinedAllocation]
)


@attrs.frozen(kw_only=True)
class _Setup:
    bars: tuple[Bar, ...]
    rule: AllocationRule
    policy: SizingPolicy
    costs: CostModel | None
    schedule: Schedule
    initial_cash: Decimal


def run_backtest(  # noqa: PLR0913 - the documented signature
    bars: Iterable[Bar],
    allocation: AllocationRule,
    *,
    policy: SizingPolicy = SizingPolicy(),  # noqa: B008 - a frozen record is a safe default
    initial_cash: Decimal = Decimal(1_000_000),
    schedule: Schedule | str = "monthly",
    costs: CostModel | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result[BacktestResult, PortfolioError]:
    """Simulate rebalancing `allocation` over `bars` (oldest first), starting from cash.

    `allocation` is fixed weights or a callable `(date, snapshot) -> Allocation` asked
    on each rebalance date (on every bar for `drift`), with the account marked at that
    close. `progress(done, total)` is called after each bar. A callable that raises is
    the caller's bug and is not caught.

    Failures: an unknown schedule (INVALID_SCHEDULE); no bars, or dates not increasing
    (INVALID_BARS); initial cash not a positive finite Decimal (INVALID_SNAPSHOT); a
    held symbol without a valid price on any bar, or a targeted one on a rebalance bar
    (MISSING_PRICE / INVALID_PRICE); any planning failure. Failures on a bar name its
    date in the message and as `context["date"]`.
    """
    given: object = bars
    series = tuple(given) if isinstance(given, Iterable) else ()
    return (
        parse_schedule(schedule)
        .bind(lambda chosen: _check(series, initial_cash).map(lambda _: chosen))
        .bind(
            lambda chosen: _simulate(
                _Setup(
                    bars=series,
                    rule=allocation,
                    policy=policy,
                    costs=costs,
                    schedule=chosen,
                    initial_cash=initial_cash,
                ),
                progress,
            )
        )
    )


def _check(bars: tuple[Bar, ...], initial_cash: Decimal) -> Result[None, PortfolioError]:
    if not (is_bounded(initial_cash) and initial_cash > 0):
        message = "initial_cash must be a positive finite Decimal"
        return Failure(PortfolioError.invalid_snapshot(message, initial_cash=initial_cash))
    if not bars:
        return Failure(PortfolioError.of(ErrorKind.INVALID_BARS, "the price series is empty"))
    for index, bar in enumerate(bars):
        if not _well_formed(bar):
            message = f"bar {index} is not a Bar(date, prices)"
            return Failure(PortfolioError.of(ErrorKind.INVALID_BARS, message, index=index))
        if index and not bars[index - 1].date < bar.date:
            message = f"dates must increase: {bar.date} after {bars[index - 1].date}"
            return Failure(PortfolioError.of(ErrorKind.INVALID_BARS, message, date=bar.date))
    return Success(None)


def _well_formed(bar: object) -> bool:
    """A Bar with a date and a mapping of prices (its records do not check their fields)."""
    fields: tuple[object, object] = (bar.date, bar.prices) if isinstance(bar, Bar) else (None, None)
    return isinstance(fields[0], date) and isinstance(fields[1], Mapping)


def _simulate(
    setup: _Setup, progress: Callable[[int, int], None] | None
) -> Result[BacktestResult, PortfolioError]:
    account = Snapshot(cash=setup.initial_cash)
    curve: list[EquityPoint] = []
    plans: list[RebalancePlan] = []
    fills: list[Fill] = []
    dates: list[date] = []
    previous: date | None = None
    total = len(setup.bars)
    with decimal.localcontext(CORE_CONTEXT):
        for done, bar in enumerate(setup.bars, 1):
            account = Snapshot(
                cash=account.cash,
                positions=account.positions,
                prices=bar.prices,
                as_of=datetime.combine(bar.date, time()),
            )
            if (unmarked := _unpriced(bar, account.positions)) is not None:
                return Failure(unmarked)
            if (allocation := _due(setup, previous, bar.date, account)) is not None:
                match _rebalance(setup, bar, allocation, account):
                    case Success((plan, fill)):
                        plans.append(plan)
                        fills.append(fill)
                        dates.append(bar.date)
                        account = fill.snapshot
                    case Failure(error):
                        return Failure(error)
            curve.append(EquityPoint(bar.date, account.equity))
            previous = bar.date
            if progress is not None:
                progress(done, total)
        return Success(
            summarise(
                schedule=setup.schedule,
                initial_cash=setup.initial_cash,
                final=account,
                curve=curve,
                plans=plans,
                fills=fills,
                rebalance_dates=dates,
            )
        )


def _due(
    setup: _Setup, previous: date | None, today: date, account: Snapshot
) -> Allocation | CombinedAllocation | None:
    """Today's allocation when today is a rebalance bar, else None."""
    due = is_due(setup.schedule, previous, today)
    if not (due or setup.schedule is Schedule.DRIFT):
        return None
    rule = setup.rule
    allocation = rule(today, account) if callable(rule) else rule
    if due or drifted(account, _weights(allocation), setup.policy):
        return allocation
    return None


def _weights(allocation: Allocation | CombinedAllocation) -> Mapping[str, Decimal]:
    """Upper-cased finite weights; bad ones are left for the planner to report."""
    given: object = allocation
    inner = given.allocation if isinstance(given, CombinedAllocation) else given
    weights: object = inner.target_weights if isinstance(inner, Allocation) else {}
    if not isinstance(weights, Mapping):
        return {}
    return {
        str(symbol).upper(): weight
        for symbol, weight in weights.items()
        if isinstance(weight, Decimal) and weight.is_finite()
    }


def _rebalance(
    setup: _Setup, bar: Bar, allocation: Allocation | CombinedAllocation, account: Snapshot
) -> Result[tuple[RebalancePlan, Fill], PortfolioError]:
    missing = sorted(set(_weights(allocation)) - set(bar.prices) - set(account.positions))
    if missing:
        return Failure(_dated(PortfolioError.missing_price(missing), bar.date))
    return (
        plan_rebalance(allocation, account, setup.policy)
        .bind(
            lambda plan: fill_plan(account, plan, costs=setup.costs).map(lambda fill: (plan, fill))
        )
        .alt(lambda error: _dated(error, bar.date))
    )


def _unpriced(bar: Bar, held: Mapping[str, Decimal]) -> PortfolioError | None:
    """A held symbol must have a valid close on every bar: the account is marked with it."""
    prices = bar.prices
    missing = [symbol for symbol in held if symbol not in prices]
    if missing:
        return _dated(PortfolioError.missing_price(missing), bar.date)
    invalid = [s for s in held if not (is_bounded(prices[s]) and prices[s] > 0)]
    if invalid:
        return _dated(PortfolioError.invalid_price(invalid), bar.date)
    return None


def _dated(error: PortfolioError, day: date) -> PortfolioError:
    return attrs.evolve(
        error,
        message=f"on {day.isoformat()}: {error.message}",
        context={**error.context, "date": day.isoformat()},
    )
