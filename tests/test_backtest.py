"""run_backtest: matches an independent reference, trades like the fake broker, fails clearly."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio import (
    Allocation,
    CostModel,
    ErrorKind,
    Reason,
    SizingPolicy,
    Snapshot,
    combine_allocations,
)
from portfolio.backtest import Bar, Schedule, drifted, run_backtest

D = Decimal
EXACT = SizingPolicy(min_trade_amount=D(0))
CASH = D(1_000_000)
WEIGHTS = {"AAA": D("0.3"), "BBB": D("0.25"), "CCC": D("0.2"), "DDD": D("0.15"), "EEE": D("0.1")}


def business_days(start: date, count: int) -> list[date]:
    days: list[date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def walk(count: int, symbols: Sequence[str] = tuple(WEIGHTS)) -> list[Bar]:
    """Deterministic, wiggly prices in cents: a few sines per symbol around 100."""
    bars = []
    for n, day in enumerate(business_days(date(2021, 1, 4), count)):
        prices = {
            s: D(f"{100 + 20 * math.sin(n / (7 + k)) + 0.05 * n * (k - 2):.2f}")
            for k, s in enumerate(symbols)
        }
        bars.append(Bar(date=day, prices=prices))
    return bars


def reference_final_equity(
    bars: Sequence[Bar],
    weights: dict[str, Decimal],
    initial_cash: Decimal,
    due: Callable[[date | None, date], bool],
) -> Fraction:
    """The rule in exact fractions: at each rebalance close, shares = w × equity / price."""
    cash, shares = Fraction(initial_cash), dict.fromkeys(weights, Fraction(0))
    previous: date | None = None
    for bar in bars:
        price = {s: Fraction(bar.prices[s]) for s in weights}
        equity = cash + sum(shares[s] * price[s] for s in weights)
        if due(previous, bar.date):
            shares = {s: Fraction(w) * equity / price[s] for s, w in weights.items()}
            cash = equity - sum(shares[s] * price[s] for s in weights)
        previous = bar.date
    return cash + sum(shares[s] * Fraction(bars[-1].prices[s]) for s in weights)


REFERENCE_RULES: dict[str, Callable[[date | None, date], bool]] = {
    "once": lambda previous, _today: previous is None,
    "daily": lambda _previous, _today: True,
    "monthly": lambda previous, today: (
        previous is None or (previous.year, previous.month) != (today.year, today.month)
    ),
}


def final_equity(bars: Sequence[Bar], schedule: str) -> Decimal:
    allocation = Allocation(target_weights=WEIGHTS, correlation_id="bt")
    result = run_backtest(bars, allocation, policy=EXACT, initial_cash=CASH, schedule=schedule)
    return result.unwrap().final_equity


@pytest.mark.parametrize("schedule", ["once", "daily", "monthly"])
def test_matches_the_reference_computation(schedule: str) -> None:
    bars = walk(300)
    ours = final_equity(bars, schedule)
    reference = reference_final_equity(bars, WEIGHTS, CASH, REFERENCE_RULES[schedule])
    assert abs(Fraction(ours) / reference - 1) < Fraction(1, 10**6)


@settings(max_examples=25, deadline=None)
@given(
    moves=st.lists(
        st.tuples(*[st.integers(min_value=-80, max_value=80)] * 3), min_size=1, max_size=60
    ),
    schedule=st.sampled_from(sorted(REFERENCE_RULES)),
    cash=st.decimals(min_value=D(100_000), max_value=D(10**9), places=2),
)
def test_matches_the_reference_on_any_price_path(
    moves: list[tuple[int, int, int]], schedule: str, cash: Decimal
) -> None:
    """Zero costs, fractional shares and no minimum: only cent rounding separates the two.

    Targets and trades are rounded to cents, so an account's weights can be off by about
    half a cent per symbol; from 100,000 up that stays far below one part in a million.
    """
    weights = {"X": D("0.5"), "Y": D("0.3"), "Z": D("0.2")}
    level = [D(50), D(20), D(300)]
    bars = []
    for day, move in zip(business_days(date(2022, 1, 3), len(moves)), moves, strict=True):
        level = [
            max(D("0.5"), p * (1 + D(m) / 1000)).quantize(D("0.01"))
            for p, m in zip(level, move, strict=True)
        ]
        bars.append(Bar(date=day, prices=dict(zip(weights, level, strict=True))))
    allocation = Allocation(target_weights=weights, correlation_id="prop")
    ours = run_backtest(
        bars, allocation, policy=EXACT, initial_cash=cash, schedule=schedule
    ).unwrap()
    reference = reference_final_equity(bars, weights, cash, REFERENCE_RULES[schedule])
    assert abs(Fraction(ours.final_equity) / reference - 1) < Fraction(1, 10**6)


def test_costs_hand_computed() -> None:
    bars = [
        Bar(date=date(2024, 1, 2), prices={"A": D(100)}),
        Bar(date=date(2024, 1, 3), prices={"A": D(110)}),
    ]
    allocation = Allocation(target_weights={"A": D("0.5")}, correlation_id="fees")
    result = run_backtest(
        bars,
        allocation,
        policy=EXACT,
        initial_cash=D(1000),
        schedule="once",
        costs=CostModel(bps=D(100)),
    ).unwrap()
    # buy 500 (5 shares) with a 1 % fee of 5: cash 495; then 5 × 110 = 550
    assert [point.equity for point in result.equity_curve] == [D(995), D(1045)]
    assert result.final_equity == D(1045)
    assert result.total_fees == D(5)
    assert result.traded_value == D(500)
    assert result.turnover == (D(500) / D(1020)).quantize(D("1E-10"))
    assert result.rebalances == 1
    assert result.max_drawdown == 0  # the curve starts at the first close: 995 → 1045
    assert result.final_snapshot.positions == {"A": D(5)}


def test_the_curve_and_rebalance_dates() -> None:
    bars = walk(45)
    allocation = Allocation(target_weights=WEIGHTS, correlation_id="bt")
    result = run_backtest(bars, allocation, policy=EXACT, schedule=Schedule.MONTHLY).unwrap()
    assert [point.date for point in result.equity_curve] == [bar.date for bar in bars]
    # 2021-01-04 .. 2021-03-05: first bar, then the first bars of February and March
    assert result.rebalance_dates == (date(2021, 1, 4), date(2021, 2, 1), date(2021, 3, 1))
    assert len(result.plans) == len(result.fills) == result.rebalances == 3


def test_weekly_rebalances_on_the_first_bar_of_each_week() -> None:
    bars = walk(10)  # Mon 2021-01-04 .. Fri 2021-01-15
    allocation = Allocation(target_weights=WEIGHTS, correlation_id="bt")
    result = run_backtest(bars, allocation, policy=EXACT, schedule="weekly").unwrap()
    assert result.rebalance_dates == (date(2021, 1, 4), date(2021, 1, 11))


def test_drift_rebalances_only_outside_the_band() -> None:
    days = business_days(date(2024, 1, 1), 4)
    moves = [(100, 100), (104, 100), (140, 100), (141, 100)]
    bars = [
        Bar(date=d, prices={"A": D(a), "B": D(b)}) for d, (a, b) in zip(days, moves, strict=True)
    ]
    allocation = Allocation(target_weights={"A": D("0.5"), "B": D("0.5")}, correlation_id="d")
    result = run_backtest(bars, allocation, policy=EXACT, schedule="drift").unwrap()
    # day 2: A at 0.51 (inside 5 points); day 3: A at 0.583 → rebalance; day 4: 0.502
    assert result.rebalance_dates == (days[0], days[2])


def test_drift_uses_the_policy_band_when_set() -> None:
    days = business_days(date(2024, 1, 1), 2)
    bars = [
        Bar(date=days[0], prices={"A": D(100), "B": D(100)}),
        Bar(date=days[1], prices={"A": D(104), "B": D(100)}),
    ]
    allocation = Allocation(target_weights={"A": D("0.5"), "B": D("0.5")}, correlation_id="d")
    policy = SizingPolicy(min_trade_amount=D(0), band=D("0.005"))
    result = run_backtest(bars, allocation, policy=policy, schedule="drift").unwrap()
    assert result.rebalance_dates == tuple(days)


def test_drift_asks_the_planners_band_rule_at_its_edge() -> None:
    # 1 A at 550 and 45 B at 10: equity 1,000, each target 500. The 5/25 rule: the
    # smaller of 5 % × 1,000 = 50 and 25 % × 500 = 125, so 50. Both are 50 from their
    # targets: on the band, within it (the planner's `within_band`: |gap| ≤ band). At
    # 550.01 A is 50.005 from 500.005, beyond 50.0005.
    weights = {"A": D("0.5"), "B": D("0.5")}
    positions = {"A": D(1), "B": D(45)}
    on_edge = Snapshot(cash=D(0), positions=positions, prices={"A": D(550), "B": D(10)})
    beyond = Snapshot(cash=D(0), positions=positions, prices={"A": D("550.01"), "B": D(10)})
    assert not drifted(on_edge, weights, SizingPolicy())
    assert drifted(beyond, weights, SizingPolicy())


def test_a_callable_allocation_is_asked_on_rebalance_dates() -> None:
    bars = walk(30, symbols=("AAA", "BBB"))
    by_date = {bar.date: bar.prices for bar in bars}
    asked: list[date] = []

    def rule(day: date, account: Snapshot) -> Allocation:
        assert account.prices == by_date[day]  # the account is marked at that close
        asked.append(day)
        symbol = "AAA" if day.month == 1 else "BBB"
        return Allocation(target_weights={symbol: D(1)}, correlation_id=f"rule-{day}")

    result = run_backtest(bars, rule, policy=EXACT, schedule="monthly").unwrap()
    assert asked == [date(2021, 1, 4), date(2021, 2, 1)]
    switch = result.plans[1].item("AAA")
    assert switch is not None
    assert switch.reason is Reason.LIQUIDATE
    assert set(result.final_snapshot.positions) == {"BBB"}


def test_a_combined_allocation_is_accepted() -> None:
    sleeves = {
        "a": Allocation(target_weights={"AAA": D("0.3")}, correlation_id="a"),
        "b": Allocation(target_weights={"AAA": D("0.2"), "BBB": D("0.5")}, correlation_id="b"),
    }
    combined = combine_allocations(sleeves, "c").unwrap()
    result = run_backtest(walk(5), combined, policy=EXACT, schedule="once").unwrap()
    assert "strategy_attribution" in result.plans[0].metadata


def test_progress_is_reported_after_every_bar() -> None:
    seen: list[tuple[int, int]] = []
    allocation = Allocation(target_weights=WEIGHTS, correlation_id="p")
    run_backtest(walk(4), allocation, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_a_targeted_symbol_never_priced_is_a_failure_naming_it() -> None:
    bars = walk(3, symbols=("AAA", "BBB"))
    allocation = Allocation(target_weights={"AAA": D("0.5"), "ZZZ": D("0.5")}, correlation_id="x")
    error = run_backtest(bars, allocation, schedule="daily").failure()
    assert (error.kind, error.context["symbols"], error.context["date"]) == (
        ErrorKind.MISSING_PRICE,
        "ZZZ",
        "2021-01-04",
    )


def test_an_unheld_untargeted_symbol_may_lack_prices() -> None:
    bars = [
        Bar(date=date(2024, 1, 2), prices={"A": D(10)}),
        Bar(date=date(2024, 1, 3), prices={"A": D(11), "B": D(5)}),
        Bar(date=date(2024, 1, 4), prices={"A": D(12)}),
    ]
    allocation = Allocation(target_weights={"A": D(1)}, correlation_id="x")
    result = run_backtest(bars, allocation, policy=EXACT, schedule="daily").unwrap()
    # all in A from the first bar: the later checks trade nothing; B is nobody's concern
    assert (len(result.plans), result.rebalances, result.idle_checks) == (3, 1, 2)
    assert result.warnings == ()
    assert result.final_equity == D(1_200_000)


def test_a_bad_price_on_any_bar_is_a_failure() -> None:
    bars = [Bar(date=date(2024, 1, 2), prices={"A": D(0)})]
    allocation = Allocation(target_weights={"A": D(1)}, correlation_id="x")
    error = run_backtest(bars, allocation).failure()
    assert (error.kind, error.context["date"]) == (ErrorKind.INVALID_PRICE, "2024-01-02")


def test_an_empty_series_is_a_failure() -> None:
    allocation = Allocation(target_weights=WEIGHTS, correlation_id="x")
    assert run_backtest([], allocation).failure().kind is ErrorKind.INVALID_BARS


def test_an_unknown_schedule_is_a_failure() -> None:
    allocation = Allocation(target_weights=WEIGHTS, correlation_id="x")
    error = run_backtest(walk(2), allocation, schedule="hourly").failure()
    assert error.kind is ErrorKind.INVALID_SCHEDULE
    assert "hourly" in error.message


@pytest.mark.parametrize("cash", [D(-1), D(0), D("NaN")])
def test_cash_that_is_not_positive_is_a_failure(cash: Decimal) -> None:
    allocation = Allocation(target_weights=WEIGHTS, correlation_id="x")
    error = run_backtest(walk(2), allocation, initial_cash=cash).failure()
    assert error.kind is ErrorKind.INVALID_SNAPSHOT


def test_dates_must_increase() -> None:
    bars = walk(2)
    allocation = Allocation(target_weights=WEIGHTS, correlation_id="x")
    error = run_backtest([bars[1], bars[0]], allocation).failure()
    assert error.kind is ErrorKind.INVALID_BARS


@pytest.mark.parametrize(
    "bar",
    [
        "2024-01-02,1",
        Bar(date="2024-01-02", prices={"A": D(1)}),  # type: ignore[arg-type]
        Bar(date=date(2024, 1, 2), prices=[("A", D(1))]),  # type: ignore[arg-type]
    ],
)
def test_something_that_is_not_a_bar_is_a_failure(bar: object) -> None:
    allocation = Allocation(target_weights={"A": D(1)}, correlation_id="x")
    error = run_backtest([bar], allocation).failure()  # type: ignore[list-item]
    assert error.kind is ErrorKind.INVALID_BARS


def test_datetimes_and_dates_mix() -> None:
    bars = [
        Bar(date=datetime(2024, 1, 2, 21, 0, tzinfo=UTC), prices={"A": D(10)}),
        Bar(date=date(2024, 1, 3), prices={"A": D(11)}),
    ]
    allocation = Allocation(target_weights={"A": D(1)}, correlation_id="x")
    result = run_backtest(bars, allocation, policy=EXACT, initial_cash=D(100)).unwrap()
    assert [point.date for point in result.equity_curve] == [date(2024, 1, 2), date(2024, 1, 3)]
    assert result.final_equity == D(110)


@pytest.mark.parametrize(
    ("argument", "kind", "message"),
    [
        ({"policy": None}, ErrorKind.INVALID_POLICY, "policy must be a SizingPolicy"),
        ({"missing": "x"}, ErrorKind.INVALID_BARS, "missing must be a MissingData"),
        ({"cash_flows": 500}, ErrorKind.INVALID_SNAPSHOT, "cash_flows must be a CashFlows or None"),
        ({"start": "2021-01-04"}, ErrorKind.INVALID_BARS, "start must be a date or None"),
        ({"end": 20210104}, ErrorKind.INVALID_BARS, "end must be a date or None"),
    ],
)
def test_an_argument_of_the_wrong_type_is_a_failure_not_an_exception(
    argument: dict[str, object], kind: ErrorKind, message: str
) -> None:
    allocation = Allocation(target_weights=WEIGHTS, correlation_id="x")
    error = run_backtest(walk(3), allocation, **argument).failure()  # type: ignore[arg-type]
    assert (error.kind, error.message) == (kind, message)


def test_a_datetime_bound_counts_by_its_date() -> None:
    """2021-01-05 at 15:00 as `start` keeps the bar of 2021-01-05, as a date would."""
    allocation = Allocation(target_weights=WEIGHTS, correlation_id="x")
    bars = walk(3)
    noon = datetime.combine(bars[1].date, datetime.min.time()).replace(hour=15)
    by_datetime = run_backtest(bars, allocation, start=noon, end=noon).unwrap()
    by_date = run_backtest(bars, allocation, start=bars[1].date, end=bars[1].date).unwrap()
    assert [p.date for p in by_datetime.equity_curve] == [bars[1].date]
    assert by_datetime.final_equity == by_date.final_equity


def test_bad_weights_fail_on_the_first_bar_with_its_date() -> None:
    allocation = Allocation(target_weights={"AAA": D("1.5")}, correlation_id="x")
    error = run_backtest(walk(2), allocation).failure()
    assert (error.kind, error.context["date"]) == (ErrorKind.INVALID_WEIGHTS, "2021-01-04")


def test_a_one_bar_run_and_a_one_lot_sale_are_counted_in_the_singular() -> None:
    """The one home of a counted noun (`formats.display.counted`): "1 bar", "1 lot"."""
    from portfolio import Allocation, SizingPolicy, Snapshot, TaxLot, TaxPolicy, plan_rebalance  # noqa: PLC0415

    one = run_backtest(
        [Bar(date=date(2024, 1, 2), prices={"A": D(10)})],
        Allocation(target_weights={"A": D(1)}, correlation_id="one"),
    ).unwrap()
    assert "(1 bar)," in one.to_text()
    lot = TaxLot(quantity=D(2), cost=D(5), acquired=date(2023, 1, 2), lot_id="a")
    account = Snapshot(
        cash=D(0),
        positions={"A": D(2)},
        prices={"A": D(10), "B": D(10)},
        as_of=datetime(2024, 6, 3, tzinfo=UTC),
        lots={"A": (lot,)},
    )
    weights = Allocation(target_weights={"A": D("0.5"), "B": D("0.5")}, correlation_id="t")
    plan = plan_rebalance(weights, account, SizingPolicy(tax=TaxPolicy())).unwrap()
    assert plan.summary()[-1].endswith("(1 lot relieved)")
