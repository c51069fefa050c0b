"""Bad input is a Failure with a kind, a clear message and context; never an exception."""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result

from portfolio import (
    Action,
    Allocation,
    Asset,
    ErrorKind,
    PastTrade,
    SizingPolicy,
    Snapshot,
    TaxPolicy,
    combine_allocations,
    plan_rebalance,
)
from portfolio.records.money import all_within

D = Decimal
PRICES = {"SPY": D(500), "QQQ": D(400)}
THOUSAND = D(1000)


def failure(
    weights: dict[Any, Any],
    *,
    cash: Any = THOUSAND,
    positions: Any = None,
    prices: Any = None,
    policy: SizingPolicy | None = None,
    portfolio_value: Any = None,
) -> Any:
    result = plan_rebalance(
        Allocation(target_weights=weights, correlation_id="bad", portfolio_value=portfolio_value),
        Snapshot(cash=cash, positions=positions or {}, prices=PRICES if prices is None else prices),
        policy or SizingPolicy(),
    )
    assert isinstance(result, Failure), result
    return result.failure()


@pytest.mark.parametrize(
    "weight",
    [D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity"), 0.5, 1, "0.5", None],
    ids=["nan", "snan", "inf", "-inf", "float", "int", "str", "none"],
)
def test_weights_that_are_not_finite_decimals(weight: Any) -> None:
    error = failure({"SPY": D("0.5"), "QQQ": weight})
    assert error.kind is ErrorKind.INVALID_WEIGHTS
    assert error.context["symbols"] == "QQQ"
    assert "finite Decimals" in error.message


class _SubDecimal(Decimal):
    """A `Decimal` subclass: its arithmetic may differ, so weights must be exact Decimals."""


def test_a_weight_of_a_decimal_subclass_is_refused_like_any_other_type() -> None:
    """The fast path (`all_within`) refuses what the rules refuse: exactly `Decimal`."""
    error = failure({"SPY": D("0.5"), "QQQ": _SubDecimal("0.25")})
    assert error.kind is ErrorKind.INVALID_WEIGHTS
    assert error.context["symbols"] == "QQQ"


def test_a_price_or_a_quantity_of_a_decimal_subclass_is_named() -> None:
    """Refused as a weight is, and the Failure names the symbol (it named none before)."""
    weights = {"SPY": D("0.5"), "QQQ": D("0.25")}
    price = failure(weights, prices={"SPY": D(500), "QQQ": _SubDecimal(400)})
    assert (price.kind, price.context["symbols"]) == (ErrorKind.INVALID_PRICE, "QQQ")
    held = failure({"SPY": D("0.5")}, positions={"SPY": D(1), "QQQ": _SubDecimal(2)})
    assert (held.kind, held.context["symbols"]) == (ErrorKind.INVALID_SNAPSHOT, "QQQ")


def test_cash_of_a_decimal_subclass_is_refused_as_a_price_is() -> None:
    error = plan_rebalance(
        Allocation(target_weights={"SPY": D("0.5")}, correlation_id="c"),
        Snapshot(cash=_SubDecimal(1000), prices=PRICES),
    ).failure()
    assert error.kind is ErrorKind.INVALID_SNAPSHOT
    assert error.message == "cash must be a finite Decimal with magnitude at most 1E+15"


def test_negative_weight_without_shorting_names_the_symbols() -> None:
    error = failure({"SPY": D("-0.1"), "QQQ": D("-0.2")})
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_WEIGHTS, "QQQ,SPY")
    assert "allow_short" in error.message


def test_negative_weight_with_shorting_plans_a_short_sale() -> None:
    plan = plan_rebalance(
        Allocation(target_weights={"SPY": D("-0.5")}, correlation_id="short"),
        Snapshot(cash=D(1000), prices=PRICES),
        SizingPolicy(allow_short=True),
    ).unwrap()
    assert [(i.symbol, i.trade_amount, i.quantity) for i in plan.items] == [
        ("SPY", D("-500.00"), D("-1.000000000"))
    ]


def test_short_target_on_an_asset_the_broker_cannot_short() -> None:
    result = plan_rebalance(
        Allocation(target_weights={"SPY": D("-0.5")}, correlation_id="short"),
        Snapshot(cash=D(1000), prices=PRICES, assets={"SPY": Asset(symbol="SPY")}),
        SizingPolicy(allow_short=True),
    )
    assert result.failure().kind is ErrorKind.INVALID_WEIGHTS


def test_weights_summing_above_gross_exposure() -> None:
    error = failure({"SPY": D("0.6"), "QQQ": D("0.5")})
    assert error.kind is ErrorKind.INVALID_WEIGHTS
    assert error.context["gross_exposure"] == "1.1"
    assert error.context["symbols"] == "QQQ,SPY"


def test_leverage_is_accepted_up_to_max_gross_exposure() -> None:
    plan = plan_rebalance(
        Allocation(target_weights={"SPY": D("0.6"), "QQQ": D("0.5")}, correlation_id="lev"),
        Snapshot(cash=D(1000), prices=PRICES),
        SizingPolicy(max_gross_exposure=D("1.5")),
    )
    # 1100 of buys with 1000 of cash: scaled, never financed on margin.
    assert plan.unwrap().total_buys <= D(1000)


def test_every_missing_price_is_listed() -> None:
    error = failure(
        {"SPY": D("0.3"), "IWM": D("0.3")}, positions={"TLT": D(2)}, prices={"SPY": D(1)}
    )
    assert (error.kind, error.context["symbols"]) == (ErrorKind.MISSING_PRICE, "IWM,TLT")


@pytest.mark.parametrize(
    "price", [D(0), D(-1), D("NaN"), D("Infinity"), D("1E-10"), D("1E+16"), 500.0, "500"]
)
def test_invalid_prices(price: Any) -> None:
    error = failure({"SPY": D("0.5")}, prices={"SPY": price})
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_PRICE, "SPY")


@pytest.mark.parametrize("cash", [D("NaN"), D("Infinity"), D("1E+30"), 1000.0, None])
def test_invalid_cash(cash: Any) -> None:
    assert failure({"SPY": D("0.5")}, cash=cash).kind is ErrorKind.INVALID_SNAPSHOT


def test_huge_cash_is_refused_where_quantize_would_raise() -> None:
    with pytest.raises(decimal.InvalidOperation):
        D("1E+30").quantize(D("0.01"))  # what a naive planner would hit
    error = failure({"SPY": D("0.5")}, cash=D("1E+30"))
    assert error.kind is ErrorKind.INVALID_SNAPSHOT
    assert error.context["cash"] == "1E+30"


@pytest.mark.parametrize("quantity", [D("NaN"), D("-Infinity"), D("1E+16"), 3.0])
def test_invalid_quantities(quantity: Any) -> None:
    error = failure({"SPY": D("0.5")}, positions={"QQQ": quantity})
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_SNAPSHOT, "QQQ")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_trade_amount", D(-1)),
        ("min_trade_amount", D("NaN")),
        ("min_trade_pct", D(1)),
        ("cash_reserve_pct", D("-0.1")),
        ("cash_reserve_pct", 0.1),
        ("band", D(2)),
        ("relative_band", D("-0.01")),
        ("fractional", "yes"),
        ("allow_short", 1),
        ("max_gross_exposure", D(0)),
        ("max_gross_exposure", D(11)),
        ("rounding", "ROUND_SIDEWAYS"),
    ],
)
def test_invalid_policy_values(field: str, value: Any) -> None:
    error = failure({"SPY": D("0.5")}, policy=SizingPolicy(**{field: value}))
    assert (error.kind, error.context["field"]) == (ErrorKind.INVALID_POLICY, field)


@pytest.mark.parametrize("field", ["min_trade_amount", "cash_reserve_amount"])
def test_a_policy_amount_above_the_bound_is_told_the_bound(field: str) -> None:
    """2E+15 is a finite Decimal ≥ 0: the message must name the bound it breaks (1E+15)."""
    too_large: dict[str, Any] = {field: D("2E+15")}
    error = failure({"SPY": D("0.5")}, policy=SizingPolicy(**too_large))
    assert error.message == f"SizingPolicy.{field} must be a finite Decimal in [0, 1E+15]"


@pytest.mark.parametrize("value", [D(-1), D("NaN"), 100.0])
def test_invalid_portfolio_value(value: Any) -> None:
    assert failure({"SPY": D("0.5")}, portfolio_value=value).kind is ErrorKind.INVALID_ALLOCATION


@pytest.mark.parametrize(
    "key",
    [
        "",
        " SPY",
        "S P Y",
        7,
        None,
        "SPY\t",
        "\x1b[2J",  # a terminal escape: clears the screen of whoever reads the plan
        "SPY\u202eYPS",  # a right-to-left override: shows another symbol than it is
        "SP\u200bY",  # a zero-width space: looks like SPY, is not
        "S\u00a0PY",  # a no-break space
        "SPY\x00",
    ],
)
def test_keys_that_are_not_symbols(key: Any) -> None:
    error = failure({key: D("0.1")})
    assert error.kind is ErrorKind.INVALID_WEIGHTS
    assert error.context["keys"] == repr(key)


def test_a_symbol_is_one_rule_for_keys_past_trades_and_tax_policies() -> None:
    # The same key refused everywhere a symbol is named (one rule, `is_symbol`).
    bad = "SP\u200bY"
    allocation = Allocation(target_weights={"SPY": D("0.5")}, correlation_id="c")
    as_of = datetime(2024, 6, 3, tzinfo=UTC)
    trade = PastTrade(
        symbol=bad, action=Action.SELL, quantity=D(1), price=D(1), on=date(2024, 6, 3)
    )
    snapshot = Snapshot(cash=D(10), prices={"SPY": D(1)}, as_of=as_of, recent_trades=(trade,))
    error = plan_rebalance(allocation, snapshot, SizingPolicy(tax=TaxPolicy())).failure()
    assert (error.kind, error.context["field"]) == (ErrorKind.INVALID_SNAPSHOT, "symbol")
    substitutes = TaxPolicy(substitutes={"SPY": (bad,)})
    plain = Snapshot(cash=D(10), prices={"SPY": D(1)}, as_of=as_of)
    error = plan_rebalance(allocation, plain, SizingPolicy(tax=substitutes)).failure()
    assert (error.kind, error.context["field"]) == (ErrorKind.INVALID_POLICY, "tax.substitutes")
    # A symbol of any script and punctuation brokers use is one.
    weights = {"BTC/USD": D("0.5"), "BRK.B": D("0.25"), "ÄBC": D("0.25")}
    priced = Snapshot(cash=D(10), prices=dict.fromkeys(weights, D(1)))
    made = plan_rebalance(Allocation(target_weights=weights, correlation_id="c"), priced)
    assert {item.symbol for item in made.unwrap().items} == set(weights)


def test_arguments_that_are_not_records() -> None:
    allocation = Allocation(target_weights={}, correlation_id="c")
    snapshot = Snapshot(cash=D(0))
    for args in [(None, snapshot), (allocation, None), (allocation, snapshot, "policy")]:
        result = plan_rebalance(*args)  # type: ignore[arg-type]
        assert isinstance(result, Failure)


def test_bad_input_loses_nothing() -> None:
    weights: dict[str, Any] = {"SPY": D("0.5"), "QQQ": 0.25}
    allocation = Allocation(target_weights=weights, correlation_id="c")
    snapshot = Snapshot(cash=D(1), positions={"spy": D(1)}, prices=PRICES)
    error = plan_rebalance(allocation, snapshot).failure()
    assert error.context["symbols"] == "QQQ"
    assert allocation.target_weights == {"SPY": D("0.5"), "QQQ": 0.25}
    assert snapshot.positions == {"spy": D(1)}
    assert str(error) == (
        "INVALID_WEIGHTS: weights must be finite Decimals (not float, NaN or infinity) "
        "[symbols=QQQ]"
    )


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([D("sNaN"), D("1E+999999"), D("-1E-999999"), D("1E+30")]),
)
junk_mappings = st.one_of(
    junk,
    st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), junk, max_size=4),
    st.dictionaries(
        st.sampled_from(["SPY", "spy", "QQQ"]),
        st.decimals(allow_nan=True, allow_infinity=True),
        max_size=3,
    ),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    weights=junk_mappings,
    cid=junk,
    value=junk,
    cash=junk,
    positions=junk_mappings,
    prices=junk_mappings,
    assets=st.one_of(junk_mappings, st.just({"SPY": Asset(symbol="SPY", tradable=None)})),  # type: ignore[arg-type]
    policy_value=junk,
    policy_field=st.sampled_from(
        [
            "min_trade_amount",
            "min_trade_pct",
            "cash_reserve_pct",
            "band",
            "relative_band",
            "fractional",
            "allow_short",
            "max_gross_exposure",
            "rounding",
        ]
    ),
    as_of=junk,
)
def test_garbage_in_always_gives_a_result(
    weights: Any,
    cid: Any,
    value: Any,
    cash: Any,
    positions: Any,
    prices: Any,
    assets: Any,
    policy_value: Any,
    policy_field: str,
    as_of: Any,
) -> None:
    """Whatever the input, the planner returns a Result: it never raises."""
    allocation = Allocation(target_weights=weights, correlation_id=cid, portfolio_value=value)
    snapshot = Snapshot(cash=cash, positions=positions, prices=prices, assets=assets, as_of=as_of)
    policy = SizingPolicy(**{policy_field: policy_value})
    for chosen in (policy, SizingPolicy()):
        assert isinstance(plan_rebalance(allocation, snapshot, chosen), Result)
    combined = combine_allocations({"a": allocation, "b": allocation}, cid)
    assert isinstance(combined, Result)
    combined = combine_allocations({"a": allocation, 7: weights}, "c")  # type: ignore[dict-item]
    assert isinstance(combined, Result)


@pytest.mark.parametrize("traps", [[decimal.InvalidOperation], []])
def test_a_nan_or_an_infinity_is_out_of_bounds_whatever_the_context_traps(
    traps: list[type[decimal.DecimalException]],
) -> None:
    """`all_within` lets a trapped NaN raise in its comparisons (and keeps the flag as it was).

    Under a context that traps InvalidOperation (the core's, the default) it compares at
    once; under one that does not, it reads each value's finiteness first. Same answers.
    """
    with decimal.localcontext(decimal.Context(traps=traps)) as context:
        for bad in ("NaN", "sNaN", "Infinity", "-Infinity"):
            assert not all_within([D(1), D(bad)], D(0), D(2))
            assert not all_within([D(bad)], D(0), D(2))
        assert all_within([D(1), D(2)], D(0), D(2))
        assert not context.flags[decimal.InvalidOperation]
