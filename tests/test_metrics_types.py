"""The backtest metric helpers refuse arguments of the wrong Python type with a clear TypeError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.backtest import metrics
from portfolio.backtest.bars import EquityPoint

D = Decimal
#: The helpers with their types unread: these tests pass what mypy refuses, on purpose.
mt: Any = metrics
JAN, DEC = date(2020, 1, 1), date(2021, 12, 31)  # 730 days
CURVE = [EquityPoint(JAN, D(100)), EquityPoint(DEC, D(121))]
PAIRS = [(JAN, D(100)), (DEC, D(121))]  # what a curve looks like before EquityPoint


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mt.cagr(D(100), PAIRS), "cagr: curve must be a sequence of EquityPoint"),
        (lambda: mt.volatility(PAIRS), "volatility: curve must be a sequence of EquityPoint"),
        (lambda: mt.max_drawdown(PAIRS), "drawdowns: curve must be a sequence of EquityPoint"),
        (lambda: mt.drawdowns(None), "drawdowns: curve must be a sequence of EquityPoint"),
        (lambda: mt.cagr(D(100), iter(CURVE)), "got a list_iterator"),
        (lambda: mt.cagr(D(100), "curve"), "got a str"),
        (lambda: mt.cagr(100.0, CURVE), "cagr: start must be a Decimal, got a float"),
        (lambda: mt.cagr(D(100), [EquityPoint(1, D(100))]), "curve must be a sequence"),  # type: ignore[arg-type]
        (lambda: mt.flow_adjusted(D(100), CURVE, [(DEC, D(5))]), "flows must be a mapping"),
        (lambda: mt.money_weighted_return(D(100), CURVE, {DEC: D(5)}), "flows must be a seq"),
        (lambda: mt.money_weighted_return(D(100), CURVE, [(DEC, 5.0)]), "Decimal\\) pairs"),
        (lambda: mt.ten_places(0.5), "ten_places: ratio must be a Decimal, got a float"),
    ],
)
def test_a_wrong_type_is_a_type_error_naming_the_argument(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        call()


def test_the_message_names_the_first_item_of_the_wrong_type() -> None:
    with pytest.raises(TypeError) as refused:
        mt.volatility([*CURVE, (DEC, D(1))])
    assert str(refused.value) == (
        "volatility: curve must be a sequence of EquityPoint(date, equity), "
        "got a list holding a tuple"
    )


def test_the_right_types_still_compute() -> None:
    """(121 ÷ 100)^(365.25 / 730) − 1; a fall from 121 to 110 is 11 ÷ 121; 21 added is no gain."""
    fallen = (*CURVE, EquityPoint(date(2022, 1, 1), D(110)))
    assert metrics.cagr(D(100), CURVE) == D("0.1000718114")
    assert metrics.cagr(D(100), ()) == 0
    assert metrics.max_drawdown(fallen) == D("0.0909090909")
    assert metrics.flow_adjusted(D(100), CURVE, {DEC: D(21)})[-1].equity == D(100)


@given(
    value=st.one_of(
        st.none(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(),
        st.lists(st.tuples(st.dates(), st.integers())),
        st.dictionaries(st.dates(), st.integers()),
    )
)
def test_anything_but_a_curve_is_a_type_error_never_an_attribute_error(value: object) -> None:
    for metric in (mt.volatility, mt.drawdowns, mt.max_drawdown, lambda c: mt.cagr(D(1), c)):
        try:
            metric(value)
        except TypeError:
            continue
        assert value == []  # an empty list is an empty curve
