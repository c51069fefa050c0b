"""Hostile input to the backtest and the price parser: always a Result, never an exception."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from portfolio import Allocation, CostModel, ErrorKind, SizingPolicy
from portfolio.backtest import Bar, CashFlows, MissingData, Schedule, parse_prices_csv, run_backtest

D = Decimal

#: Decimals of every shape: tiny, huge, exponents past any context's limits, NaN, ±inf.
hostile_decimals = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1E+9999999999999", "1E-9999999999999", "-0", "1E+15", "1E-9"]).map(D),
    st.decimals(min_value=D("0.01"), max_value=D(10_000), places=2),
)
cells = st.one_of(
    hostile_decimals.map(str),
    st.sampled_from(["", "NaN", "n/a", "null", "abc", "1e", "١٢", "\x00", '"1,5"']),
    st.text(max_size=6),
)


@settings(max_examples=60)
@given(text=st.text(max_size=200))
def test_any_text_parses_to_a_result(text: str) -> None:
    """Whatever a price file contains, parsing it is a Success or a Failure."""
    assert isinstance(parse_prices_csv(text), Result)


@settings(max_examples=60)
@given(rows=st.lists(st.tuples(st.dates(), cells, cells), max_size=6))
def test_any_wide_csv_parses_to_a_result(rows: list[tuple[date, str, str]]) -> None:
    """Well-shaped files with hostile cells: every problem is a Failure naming a line."""
    text = "date,A,B\n" + "".join(f"{day},{a},{b}\n" for day, a, b in rows)
    result = parse_prices_csv(text)
    match result:
        case Success(bars):
            assert bars
        case Failure(error):
            assert "line" in error.context
        case _:
            pytest.fail(f"not a Result: {result!r}")


def test_a_price_with_an_enormous_exponent_is_a_failure_naming_its_cell() -> None:
    error = parse_prices_csv("date,SPY\n2024-01-02,1E+9999999999999").failure()
    assert (error.kind, error.context["line"], error.context["column"]) == (
        ErrorKind.INVALID_BARS,
        "2",
        "SPY",
    )


@pytest.mark.parametrize("text", [1, None, b"date,A\n2024-01-02,1\n"])
def test_text_that_is_not_a_str_is_a_type_error(text: Any) -> None:
    with pytest.raises(TypeError, match="expects the CSV text as a str"):
        parse_prices_csv(text)


def test_a_steep_one_day_curve_has_a_cagr_instead_of_an_error() -> None:
    bars = [
        Bar(date=date(2024, 1, 2), prices={"A": D(100)}),
        Bar(date=date(2024, 1, 3), prices={"A": D(130)}),
    ]
    allocation = Allocation(target_weights={"A": D(1)}, correlation_id="steep")
    result = run_backtest(bars, allocation, policy=SizingPolicy(min_trade_amount=D(0)))
    assert result.unwrap().cagr > D("1E+41")  # 1.3 ** 365.25


@st.composite
def hostile_runs(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(min_value=0, max_value=6))
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)))
    bars = [
        Bar(
            date=start + timedelta(days=draw(st.integers(min_value=-1, max_value=40)) + 3 * n),
            prices=draw(st.dictionaries(st.sampled_from("ABC"), hostile_decimals, max_size=3)),
        )
        for n in range(count)
    ]
    weights = draw(st.dictionaries(st.sampled_from("ABCD"), hostile_decimals, max_size=3))
    return {
        "bars": bars,
        "allocation": Allocation(target_weights=weights, correlation_id="fuzz"),
        "initial_cash": draw(hostile_decimals),
        "schedule": draw(st.sampled_from([*Schedule, "hourly"])),
        "costs": CostModel(bps=draw(hostile_decimals), min_fee=draw(hostile_decimals)),
        "policy": SizingPolicy(min_trade_amount=D(0), fractional=draw(st.booleans())),
        "missing": MissingData(delist_after=draw(st.integers(min_value=-1, max_value=3))),
        "cash_flows": CashFlows(monthly=draw(hostile_decimals)),
    }


@settings(max_examples=80)
@given(run=hostile_runs())
def test_any_backtest_is_a_result(run: dict[str, Any]) -> None:
    """Bad bars, weights, cash, costs, gaps or flows give a Failure; nothing raises."""
    assert isinstance(run_backtest(run.pop("bars"), run.pop("allocation"), **run), Result)


amounts = st.decimals(min_value=0, max_value=D("1E+15"), places=2)


@st.composite
def plausible_runs(draw: st.DrawFn) -> dict[str, Any]:
    """Valid bars (with gaps and steep moves); hostile weights, cash, costs and flows."""
    count = draw(st.integers(min_value=1, max_value=8))
    steps = draw(st.lists(st.integers(min_value=1, max_value=200), min_size=count, max_size=count))
    closes = st.decimals(min_value=D("1E-9"), max_value=D("1E+15"), places=9)
    days = [date(2020, 1, 1) + timedelta(days=sum(steps[: n + 1])) for n in range(count)]
    bars = [
        Bar(date=day, prices=draw(st.dictionaries(st.sampled_from("ABC"), closes, max_size=3)))
        for day in days
    ]
    return {
        **draw(hostile_runs()),
        "bars": bars,
        "allocation": Allocation(
            target_weights=draw(
                st.dictionaries(
                    st.sampled_from("ABC"),
                    st.decimals(min_value=0, max_value=D("0.33"), places=4),
                    max_size=3,
                )
            ),
            correlation_id="fuzz",
        ),
        "initial_cash": draw(st.one_of(amounts, amounts, hostile_decimals)),
        "costs": CostModel(bps=draw(st.one_of(amounts, hostile_decimals))),
        "cash_flows": CashFlows(monthly=draw(st.one_of(amounts.map(lambda a: -a), amounts))),
        "schedule": draw(st.sampled_from(list(Schedule))),
        "missing": MissingData(delist_after=draw(st.integers(min_value=1, max_value=3))),
    }


@settings(max_examples=80)
@given(run=plausible_runs())
def test_any_plausible_backtest_is_a_result(run: dict[str, Any]) -> None:
    """Extreme but valid prices, cash and flows reach the metrics; they must not raise there."""
    assert isinstance(run_backtest(run.pop("bars"), run.pop("allocation"), **run), Result)
