"""Filling plans and running backtests answer garbage with a Failure, never an exception."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.result import Result

from adapters.prices_csv import load_prices_csv
from portfolio import Allocation, CostModel, SizingPolicy, Snapshot, fill_plan, plan_rebalance
from portfolio.backtest import Bar, run_backtest

D = Decimal
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=3),
    st.decimals(allow_nan=True, allow_infinity=True),
)
junk_mappings = st.one_of(
    junk, st.dictionaries(st.one_of(st.text(max_size=3), st.integers()), junk, max_size=3)
)
PLAN = plan_rebalance(
    Allocation(target_weights={"A": D("0.5"), "B": D("0.2")}, correlation_id="g"),
    Snapshot(cash=D(100), positions={"C": D(1)}, prices={"A": D(3), "B": D(7), "C": D(2)}),
).unwrap()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(cash=junk, positions=junk_mappings, prices=junk_mappings, bps=junk, fee=junk)
def test_fill_plan_on_garbage_returns_a_result(
    cash: Any, positions: Any, prices: Any, bps: Any, fee: Any
) -> None:
    """A fill checks what it is given before doing arithmetic with it."""
    snapshot = Snapshot(cash=cash, positions=positions, prices=prices)
    costs = CostModel(bps=bps, min_fee=fee)
    assert isinstance(fill_plan(snapshot, PLAN, prices=prices, costs=costs), Result)
    assert isinstance(fill_plan(snapshot, None, costs=None), Result)  # type: ignore[arg-type]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    weights=junk_mappings,
    bars=st.lists(st.tuples(st.dates(min_value=date(2000, 1, 1)), junk_mappings), max_size=4),
    schedule=junk,
    cash=junk,
    bps=junk,
    minimum=junk,
)
def test_run_backtest_on_garbage_returns_a_result(
    weights: Any, bars: Any, schedule: Any, cash: Any, bps: Any, minimum: Any
) -> None:
    """Bad bars, schedules, cash, costs or policies are Failures with context."""
    result = run_backtest(
        [Bar(date=day, prices=prices) for day, prices in bars],
        Allocation(target_weights=weights, correlation_id="g"),
        initial_cash=cash,
        schedule=schedule,
        costs=CostModel(bps=bps, min_fee=D(0)),
        policy=SizingPolicy(min_trade_amount=minimum),
    )
    assert isinstance(result, Result)


@given(path=st.one_of(junk, st.binary(max_size=5), st.just("a\x00b"), st.just("")))
def test_load_prices_csv_on_a_bad_path_returns_a_result(path: Any) -> None:
    """Whatever names the price file, reading it is a Result."""
    assert isinstance(load_prices_csv(path), Result)
