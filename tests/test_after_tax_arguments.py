"""`compare_after_tax` takes `run_backtest`'s arguments: one signature, read from one home."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portfolio import Allocation, SizingPolicy
from portfolio.backtest import Bar, compare_after_tax, run_backtest
from portfolio.tax import TaxPolicy

D = Decimal
TAXED = SizingPolicy(min_trade_amount=D(0), tax=TaxPolicy())
ALL_A = Allocation(target_weights={"A": D(1)}, correlation_id="a")
BARS = [
    Bar(date=date(2024, 1, 2), prices={"A": D(10)}),
    Bar(date=date(2024, 1, 3), prices={"A": D(12)}),
]
#: The comparison with its types unread: these calls pass what mypy refuses, on purpose.
untyped: Any = compare_after_tax


def test_the_defaults_are_run_backtests() -> None:
    """Nothing but bars, allocation and policy given: run_backtest's own defaults apply."""
    compared = compare_after_tax(BARS, ALL_A, policy=TAXED).unwrap()
    alone = run_backtest(BARS, ALL_A, policy=TAXED).unwrap()
    assert compared.taxed == alone  # the taxed run is run_backtest's, keeping its lots
    assert (compared.untaxed.initial_cash, compared.untaxed.schedule) == (
        alone.initial_cash,
        alone.schedule,
    )


def test_every_argument_reaches_both_runs() -> None:
    """Only 01-02 is in range (`start` = `end`): in both runs 1000 buys 100 A at 10."""
    compared = compare_after_tax(
        BARS,
        ALL_A,
        policy=TAXED,
        initial_cash=D(1000),
        schedule="daily",
        start=date(2024, 1, 2),
        end=date(2024, 1, 2),
    ).unwrap()
    for result in (compared.taxed, compared.untaxed):
        assert [point.date for point in result.equity_curve] == [date(2024, 1, 2)]
        assert result.final_snapshot.positions == {"A": D(100)}  # 1000 ÷ 10
    assert compared.untaxed.plans[-1].tax is None


def test_arguments_given_by_position_are_bound_as_run_backtests() -> None:
    by_name = compare_after_tax(bars=BARS, allocation=ALL_A, policy=TAXED).unwrap()
    assert compare_after_tax(BARS, ALL_A, policy=TAXED).unwrap() == by_name


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: untyped(BARS, ALL_A, policy=TAXED, fee_bps=5), "unexpected keyword.*fee_bps"),
        (lambda: untyped(BARS, policy=TAXED), "missing 1 required positional.*allocation"),
        (lambda: untyped(BARS, ALL_A, None, policy=TAXED), "positional"),
    ],
)
def test_a_call_run_backtest_would_refuse_is_a_type_error(call: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call()


def test_the_default_policy_has_no_tax_rules_so_it_is_invalid_policy() -> None:
    error = compare_after_tax(BARS, ALL_A).failure()
    assert (error.kind.value, error.context["field"]) == ("invalid_policy", "tax")
