"""Backtests with contributions and withdrawals, the calendar schedules, and the counting."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio import Allocation, CostModel, ErrorKind, SizingPolicy
from portfolio.backtest import Bar, CashFlows, cagr, money_weighted_return, run_backtest
from portfolio.backtest.schedule import Schedule, due_bars, is_due

D = Decimal
EXACT = SizingPolicy(min_trade_amount=D(0))
ALL_A = Allocation(target_weights={"A": D(1)}, correlation_id="a")


def on(*days_and_prices: tuple[date, int]) -> list[Bar]:
    return [Bar(date=day, prices={"A": D(price)}) for day, price in days_and_prices]


THREE = on((date(2024, 1, 2), 10), (date(2024, 1, 3), 10), (date(2024, 2, 1), 20))


def test_a_monthly_contribution_is_invested_on_the_first_bar_of_each_month() -> None:
    flows = CashFlows(monthly=D(100))
    result = run_backtest(
        THREE, ALL_A, policy=EXACT, initial_cash=D(1000), schedule="once", cash_flows=flows
    ).unwrap()
    # 100 A; February: 2000 + 100 contributed → 5 more A at 20 → 105 × 20
    assert [p.equity for p in result.equity_curve] == [D(1000), D(1000), D(2100)]
    assert result.cash_flows == ((date(2024, 2, 1), D(100)),)
    assert result.final_snapshot.positions == {"A": D(105)}
    # the strategy doubled the money: (2100 − 100) ÷ 1000 − 1; the total return says 110 %
    assert result.time_weighted_return == D(1)
    assert result.total_return == D("1.1")


def test_a_withdrawal_on_a_date_sells_what_it_needs() -> None:
    flows = CashFlows(on_dates={date(2024, 1, 20): D(-500)})  # lands on the next bar
    result = run_backtest(
        THREE, ALL_A, policy=EXACT, initial_cash=D(1000), schedule="once", cash_flows=flows
    ).unwrap()
    # 100 A at 20 = 2000, minus 500 → sell 25 A
    assert [p.equity for p in result.equity_curve] == [D(1000), D(1000), D(1500)]
    assert result.final_snapshot.positions == {"A": D(75)}
    assert result.final_snapshot.cash == 0
    assert result.time_weighted_return == D(1)


def test_a_withdrawal_larger_than_the_equity_is_a_failure() -> None:
    flows = CashFlows(on_dates={date(2024, 2, 1): D(-2000)})
    error = run_backtest(THREE, ALL_A, initial_cash=D(1000), cash_flows=flows).failure()
    assert (error.kind, error.context["date"]) == (ErrorKind.INVALID_SNAPSHOT, "2024-02-01")


class _SubDecimal(D):
    """A `Decimal` subclass: refused as an amount, as cash and prices refuse one."""


@pytest.mark.parametrize(
    "flows",
    [
        CashFlows(monthly=D("NaN")),
        CashFlows(on_dates={date(2023, 12, 31): D(1)}),
        CashFlows(on_dates={date(2024, 2, 2): D(1)}),
        CashFlows(on_dates={date(2024, 1, 5): D("1E+16")}),
        CashFlows(on_dates={"2024-01-05": D(1)}),  # type: ignore[dict-item]
        CashFlows(monthly=_SubDecimal(100)),
        CashFlows(on_dates={date(2024, 1, 5): _SubDecimal(100)}),
    ],
)
def test_bad_cash_flows_are_failures(flows: CashFlows) -> None:
    error = run_backtest(THREE, ALL_A, cash_flows=flows).failure()
    assert error.kind is ErrorKind.INVALID_SNAPSHOT


def test_initial_cash_of_a_decimal_subclass_is_refused_as_cash_is() -> None:
    error = run_backtest(THREE, ALL_A, initial_cash=_SubDecimal(1000)).failure()
    assert (error.kind, error.message) == (
        ErrorKind.INVALID_SNAPSHOT,
        "initial_cash must be a positive Decimal, at most 1E+15",
    )


def test_the_money_weighted_return_balances_the_flows() -> None:
    days = [date(2021, 1, 4), date(2022, 1, 3), date(2023, 1, 2)]
    bars = on((days[0], 10), (days[1], 11), (days[2], 13))
    flows = CashFlows(on_dates={days[1]: D(1000)})
    result = run_backtest(
        bars, ALL_A, policy=EXACT, initial_cash=D(1000), schedule="once", cash_flows=flows
    ).unwrap()
    rate = float(result.money_weighted_return)
    years = [(day - days[0]).days / 365.25 for day in days]
    value = 1000 * (1 + rate) ** -years[0] + 1000 * (1 + rate) ** -years[1]
    assert math.isclose(value, float(result.final_equity) * (1 + rate) ** -years[2], rel_tol=1e-9)
    # 100 A → 1100; +1000 → 1000/11 more A; × 13: final 2481.82, a bit over 13 % a year
    assert result.final_equity.quantize(D("0.01")) == D("2481.82")


def test_without_flows_the_returns_are_the_total_return_and_cagr() -> None:
    bars = on((date(2021, 1, 4), 10), (date(2022, 1, 3), 12), (date(2023, 1, 2), 9))
    result = run_backtest(bars, ALL_A, policy=EXACT, initial_cash=D(1000)).unwrap()
    assert result.time_weighted_return == result.total_return == D("-0.1")
    assert result.money_weighted_return == result.cagr


DAYS = [date(2024, 1, 2) + timedelta(days=n) for n in range(0, 400, 15)]  # to 2025-01-26


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (
            "quarterly",
            [
                date(2024, 1, 2),
                date(2024, 4, 1),
                date(2024, 7, 15),
                date(2024, 10, 13),
                date(2025, 1, 11),
            ],
        ),
        ("annually", [date(2024, 1, 2), date(2025, 1, 11)]),
    ],
)
def test_calendar_schedules_plan_on_the_first_bar_of_each_period(
    schedule: str, expected: list[date]
) -> None:
    bars = on(*((day, 10 + n) for n, day in enumerate(DAYS)))
    half = Allocation(target_weights={"A": D("0.5")}, correlation_id="q")
    result = run_backtest(bars, half, policy=EXACT, schedule=schedule).unwrap()
    assert list(result.plan_dates) == expected
    assert result.rebalance_dates == result.plan_dates  # the price moved: each one traded


_PERIODS: dict[Schedule, Callable[[date], object]] = {
    Schedule.ONCE: lambda _: 0,
    Schedule.DAILY: lambda day: day,
    Schedule.WEEKLY: lambda day: tuple(day.isocalendar())[:2],
    Schedule.MONTHLY: lambda day: (day.year, day.month),
    Schedule.QUARTERLY: lambda day: (day.year, (day.month - 1) // 3),
    Schedule.ANNUALLY: lambda day: day.year,
    Schedule.DRIFT: lambda _: 0,
}


@given(
    gaps=st.lists(st.integers(min_value=1, max_value=120), max_size=40),
    schedule=st.sampled_from(Schedule),
)
def test_the_calendar_read_once_is_the_first_bar_of_each_period(
    gaps: list[int], schedule: Schedule
) -> None:
    """`due_bars` (read once per run) must call for the first bar and each period's first."""
    days = [date(2023, 12, 25)]
    for gap in gaps:
        days.append(days[-1] + timedelta(days=gap))
    period = _PERIODS[schedule]
    expected = {n for n, day in enumerate(days) if n == 0 or period(day) != period(days[n - 1])}
    assert due_bars(schedule, days) == expected
    assert [is_due(schedule, days[n - 1] if n else None, day) for n, day in enumerate(days)] == [
        n in expected for n in range(len(days))
    ]


def test_checks_that_trade_nothing_are_counted_apart() -> None:
    bars = on(*((date(2024, 1, 1 + n), 10) for n in range(5)))
    result = run_backtest(bars, ALL_A, policy=EXACT, schedule="daily").unwrap()
    assert (result.rebalances, result.idle_checks, len(result.plans)) == (1, 4, 5)
    assert result.rebalance_dates == (date(2024, 1, 1),)


@settings(max_examples=25)
@given(
    moves=st.lists(st.integers(min_value=-60, max_value=60), min_size=2, max_size=30),
    bps=st.integers(min_value=0, max_value=100),
    min_fee=st.integers(min_value=0, max_value=20),
    contribution=st.integers(min_value=-300, max_value=300),
)
def test_the_fold_trades_exactly_as_fill_plan(
    moves: list[int], bps: int, min_fee: int, contribution: int
) -> None:
    """The fold moves cash and shares itself; replaying `fill_plan` must give the same account."""
    level, bars = D(50), []
    for n, move in enumerate(moves):
        level = max(D(1), (level * (1 + D(move) / 1000)).quantize(D("0.01")))
        day = date(2024, 1, 1) + timedelta(days=7 * n)
        bars.append(Bar(date=day, prices={"A": level, "B": D(100) - level / 2}))
    allocation = Allocation(target_weights={"A": D("0.6"), "B": D("0.4")}, correlation_id="f")
    result = run_backtest(
        bars,
        allocation,
        initial_cash=D(10_000),
        schedule="daily",
        costs=CostModel(bps=D(bps), min_fee=D(min_fee)),
        cash_flows=CashFlows(monthly=D(contribution)),
    ).unwrap()
    fills = result.fills
    assert sum((fill.fees for fill in fills), D(0)) == result.total_fees
    assert sum((fill.traded_value for fill in fills), D(0)) == result.traded_value
    flows = dict(result.cash_flows)
    for fill, account in zip(fills, result.accounts[1:], strict=False):
        assert fill.snapshot.positions == account.positions
        assert fill.snapshot.cash + flows.get(account.as_of.date(), D(0)) == account.cash  # type: ignore[union-attr]
    last = fills[-1].snapshot
    assert (last.cash, last.positions) == (
        result.final_snapshot.cash,
        result.final_snapshot.positions,
    )


def test_a_withdrawal_is_no_drawdown() -> None:
    bars = on((date(2024, 1, 2), 10), (date(2024, 2, 1), 10), (date(2024, 2, 2), 10))
    flows = CashFlows(on_dates={date(2024, 2, 1): D(-500)})
    result = run_backtest(
        bars, ALL_A, policy=EXACT, initial_cash=D(1000), schedule="once", cash_flows=flows
    ).unwrap()
    # the equity halves (1000 → 500) but the money in the strategy lost nothing
    assert [p.equity for p in result.equity_curve] == [D(1000), D(500), D(500)]
    assert (result.max_drawdown, result.volatility, result.time_weighted_return) == (D(0),) * 3
    assert result.total_return == D("-0.5")


HALF_AND_HALF = Allocation(target_weights={"A": D("0.5"), "B": D("0.5")}, correlation_id="ab")
DRIFTED = [
    Bar(date=date(2024, 1, 2), prices={"A": D(10), "B": D(10)}),
    Bar(date=date(2024, 2, 1), prices={"A": D(20), "B": D(10)}),
]


def test_a_contribution_buys_the_shortfalls_and_sells_nothing() -> None:
    flows = CashFlows(monthly=D(300))
    result = run_backtest(
        DRIFTED, HALF_AND_HALF, policy=EXACT, initial_cash=D(1000), schedule="once",
        cash_flows=flows,
    ).unwrap()  # fmt: skip
    # 50 A + 50 B; February: A 1000, B 500, +300 cash: targets 900 each; A is not sold,
    # B's shortfall of 400 gets the 300 → 30 B (a rebalance would sell 5 A, buy 40 B)
    assert result.final_snapshot.positions == {"A": D(50), "B": D(80)}
    assert result.final_snapshot.cash == 0
    assert result.final_equity == D(1800)


def test_a_withdrawal_sells_the_most_overweight_and_buys_nothing() -> None:
    flows = CashFlows(monthly=D(-300))
    result = run_backtest(
        DRIFTED, HALF_AND_HALF, policy=EXACT, initial_cash=D(1000), schedule="once",
        cash_flows=flows,
    ).unwrap()  # fmt: skip
    # February: 1500 − 300; A (1000 against a 600 target) is sold for the 300: 15 A
    assert result.final_snapshot.positions == {"A": D(35), "B": D(50)}
    assert result.final_snapshot.cash == 0
    assert result.final_equity == D(1200)


def test_a_flow_on_a_scheduled_bar_rebalances() -> None:
    flows = CashFlows(monthly=D(300))
    result = run_backtest(
        DRIFTED, HALF_AND_HALF, policy=EXACT, initial_cash=D(1000), schedule="monthly",
        cash_flows=flows,
    ).unwrap()  # fmt: skip
    assert result.final_snapshot.positions == {"A": D(45), "B": D(90)}


def test_a_withdrawal_larger_than_the_equity_names_both_amounts_in_cents() -> None:
    # 1000 buys 30.303030303 A at 33 (0.000000001 left); at 33.3333: 1010.0999999999899
    bars = [
        Bar(date=date(2024, 1, 2), prices={"A": D(33)}),
        Bar(date=date(2024, 2, 1), prices={"A": D("33.3333")}),
    ]
    flows = CashFlows(on_dates={date(2024, 2, 1): D("-2000.5")})
    policy = SizingPolicy(min_trade_amount=D(0), fractional=True)
    error = run_backtest(bars, ALL_A, policy=policy, initial_cash=D(1000), cash_flows=flows)
    assert error.failure().message == (
        "on 2024-02-01: a withdrawal of 2000.50 is more than the equity of 1010.10"
    )
    assert error.failure().context["equity"] == "1010.0999999999899"  # exact in the context


def test_the_money_weighted_return_of_no_curve_is_cagrs_zero() -> None:
    """No bars to weigh the flows against: 0, as `cagr` says, not an IndexError."""
    flows = [(date(2024, 1, 2), Decimal(500))]
    assert money_weighted_return(Decimal(1000), [], flows) == cagr(Decimal(1000), []) == 0
