"""Records are frozen, deeply immutable, hashable; plans round-trip through JSON exactly."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest
from core_strategies import accounts, policies
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result

from portfolio import (
    Allocation,
    Asset,
    ErrorKind,
    PlanItem,
    PortfolioError,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    TaxPolicy,
    actions,
    combine_allocations,
    deltas,
    plan_rebalance,
    same_security,
    targets,
    validate,
)
from portfolio.records.money import MAX_AMOUNT, core_cash

D = Decimal


def test_mutating_a_dict_after_passing_it_changes_nothing() -> None:
    weights = {"SPY": D("0.6")}
    positions = {"SPY": D(1)}
    allocation = Allocation(target_weights=weights, correlation_id="c")
    snapshot = Snapshot(cash=D(0), positions=positions, prices={"SPY": D(1)})
    weights["QQQ"] = D("0.4")
    positions["SPY"] = D(99)
    assert allocation.target_weights == {"SPY": D("0.6")}
    assert snapshot.positions == {"SPY": D(1)}


@pytest.mark.parametrize(
    "record",
    [
        Allocation(target_weights={"SPY": D(1)}, correlation_id="c"),
        Snapshot(cash=D(1), prices={"SPY": D(1)}, assets={"SPY": Asset(symbol="SPY")}),
        SizingPolicy(),
        PortfolioError.missing_price(["SPY"]),
    ],
)
def test_records_are_frozen_and_hash(record: attrs.AttrsInstance) -> None:
    assert hash(record) == hash(attrs.evolve(record))  # type: ignore[misc]
    first = attrs.fields(type(record))[0].name
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(record, first, None)


def test_mapping_fields_refuse_mutation() -> None:
    allocation = Allocation(target_weights={"SPY": D(1)}, correlation_id="c")
    with pytest.raises(TypeError):
        allocation.target_weights["X"] = D(1)  # type: ignore[index]
    with pytest.raises(TypeError):
        allocation.target_weights.update({"X": D(1)})  # type: ignore[attr-defined]


def test_records_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        Allocation({"SPY": D(1)}, "c")  # type: ignore[call-arg]


def test_with_metadata_returns_a_new_plan_and_keeps_the_old_one() -> None:
    plan = plan_rebalance(
        Allocation(target_weights={"AAPL": D("0.5")}, correlation_id="corr-123"),
        Snapshot(cash=D(1000), prices={"AAPL": D(100)}),
    ).unwrap()
    tagged = plan.with_metadata(
        {"strategy_attribution": {"AAPL": {"momentum_strategy": 0.6, "mean_reversion": 0.4}}}
    )
    assert plan.metadata == {}
    assert tagged.metadata["strategy_attribution"] == {
        "AAPL": {"momentum_strategy": D("0.6"), "mean_reversion": D("0.4")}
    }
    assert (tagged.items, tagged.plan_id) == (plan.items, plan.plan_id)
    assert hash(tagged)


def test_plan_from_combined_allocation_carries_the_attribution() -> None:
    combined = combine_allocations(
        {
            "momentum": Allocation(target_weights={"AAPL": D("0.30")}, correlation_id="m"),
            "mean_reversion": Allocation(
                target_weights={"AAPL": D("0.20"), "TLT": D("0.1")}, correlation_id="r"
            ),
        },
        "corr-123",
    ).unwrap()
    assert combined.allocation.target_weights == {"AAPL": D("0.5"), "TLT": D("0.1")}
    plan = plan_rebalance(
        combined, Snapshot(cash=D(10000), prices={"AAPL": D(200), "TLT": D(100)})
    ).unwrap()
    assert plan.correlation_id == "corr-123"
    assert plan.metadata["strategy_attribution"] == {
        "AAPL": {"momentum": D("0.6"), "mean_reversion": D("0.4")},
        "TLT": {"mean_reversion": D(1)},
    }


def test_netting_sleeves_to_zero_keeps_the_symbol_for_liquidation() -> None:
    combined = combine_allocations(
        {
            "long": Allocation(target_weights={"SPY": D("0.2")}, correlation_id="l"),
            "short": Allocation(target_weights={"SPY": D("-0.2")}, correlation_id="s"),
        },
        "net",
    ).unwrap()
    assert combined.allocation.target_weights == {"SPY": D(0)}
    assert combined.attribution == {}


def test_combine_rejects_bad_sleeves() -> None:
    assert combine_allocations({}, "c").failure().kind is ErrorKind.INVALID_ALLOCATION
    nan = Allocation(target_weights={"SPY": D("NaN")}, correlation_id="x")
    error = combine_allocations({"a": nan}, "c").failure()
    assert (error.kind, error.context["strategy"]) == (ErrorKind.INVALID_WEIGHTS, "a")


def test_plan_json_is_exact_and_round_trips() -> None:
    stamp = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    plan = (
        plan_rebalance(
            Allocation(target_weights={"SPY": D("0.6"), "QQQ": D("0.4")}, correlation_id="j"),
            Snapshot(
                cash=D(10000),
                positions={"SPY": D(20)},
                prices={"SPY": D(500), "QQQ": D(400)},
                as_of=stamp,
            ),
        )
        .unwrap()
        .with_metadata(note="first", weights=[D("0.1"), 2, None, True])
    )
    text = plan.to_json()
    assert '"trade_amount": "8000.00"' in text
    assert '"weights": [\n      0.1,\n      2,\n      null,\n      true\n    ]' in text
    assert RebalancePlan.from_json(text).unwrap() == plan


@given(accounts(), policies)
def test_every_plan_round_trips_through_json(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy
) -> None:
    """JSON is a faithful transport: nothing a plan holds is lost or rounded on the way."""
    plan = plan_rebalance(*account, policy).unwrap()
    assert RebalancePlan.from_json(plan.to_json()).unwrap() == plan


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("not json", None),
        ("[]", "$"),
        ('{"plan_id": 1}', "plan_id"),
        (
            '{"plan_id": "p", "correlation_id": "c", "items": [{"symbol": "A"}]}',
            "items[0].trade_amount",
        ),
    ],
)
def test_bad_plan_json_is_a_failure_naming_the_field(text: str, field: str | None) -> None:
    error = RebalancePlan.from_json(text).failure()
    assert error.kind is ErrorKind.INVALID_PLAN
    if field is not None:
        assert error.context["field"] == field


def test_unknown_action_in_json_is_named() -> None:
    plan = plan_rebalance(
        Allocation(target_weights={"A": D(1)}, correlation_id="c"),
        Snapshot(cash=D(10), prices={"A": D(1)}),
    ).unwrap()
    error = RebalancePlan.from_json(plan.to_json().replace('"BUY"', '"YOLO"')).failure()
    assert error.context["field"] == "items[0].action"


@given(st.text() | st.binary())
def test_from_json_never_raises(text: str | bytes) -> None:
    """Whatever bytes arrive, parsing a plan returns a Result."""
    assert isinstance(RebalancePlan.from_json(text), Result)


def test_plan_item_fields_are_the_contract() -> None:
    # PlanItem is a typed NamedTuple row (docs/architecture.md says why), not an attrs class
    assert list(PlanItem._fields) == [
        "symbol",
        "action",
        "trade_amount",
        "quantity",
        "price",
        "current_value",
        "target_value",
        "current_weight",
        "target_weight",
        "reason",
    ]
    assert isinstance(Failure(PortfolioError.missing_price(["X"])), Result)


def test_equity_is_exact_whatever_the_callers_context() -> None:
    snapshot = Snapshot(
        cash=D("1000.01"),
        positions={"A": D("3.123456789"), "B": D(-2), "C": D(5)},
        prices={"A": D("101.37"), "B": D("12.5")},
    )
    with decimal.localcontext(decimal.Context(prec=4)):
        # 1000.01 + 316.62481470093 (3.123456789 × 101.37) − 25; C has no price: 0
        assert snapshot.equity == D("1291.63481470093")


def test_equity_of_garbage_is_nan_not_an_exception() -> None:
    snapshot = Snapshot(cash=D(1), positions={"A": 2.5}, prices={"A": D(1)})  # type: ignore[dict-item]
    assert snapshot.equity.is_nan()


def test_pipeline_records_stay_immutable_when_a_user_evolves_them() -> None:
    checked = validate(
        Allocation(target_weights={"SPY": D(1)}, correlation_id="c"),
        Snapshot(cash=D(100), prices={"SPY": D(10)}),
    ).unwrap()
    step = targets(checked).unwrap()
    mine = {"SPY": D(50)}
    capped = attrs.evolve(step, target_values=mine)
    mine["SPY"] = D(0)
    assert capped.target_values == {"SPY": D(50)}
    assert hash(capped.target_values)
    assert deltas(capped).trade_amounts == {"SPY": D("50.00")}


def test_a_pipeline_step_given_another_steps_record_says_which_it_takes() -> None:
    """validate → targets → deltas → actions: one out of turn is a clear TypeError, not an
    AttributeError deep inside the step."""
    checked = validate(
        Allocation(target_weights={"SPY": D(1)}, correlation_id="c"),
        Snapshot(cash=D(100), prices={"SPY": D(10)}),
    ).unwrap()
    with pytest.raises(TypeError, match=r"^deltas\(targets\) takes the Targets that `targets`"):
        deltas(checked)  # type: ignore[arg-type]  # a step skipped
    with pytest.raises(TypeError, match=r"^actions\(deltas\) takes the Deltas that `deltas`"):
        actions(targets(checked).unwrap())  # type: ignore[arg-type]  # a step skipped
    with pytest.raises(TypeError, match=r"^targets\(checked\) takes the Checked that `validate`"):
        targets(None)  # type: ignore[arg-type]
    assert actions(deltas(targets(checked).unwrap())).items[0].quantity == D(10)


@pytest.mark.parametrize(
    ("a", "b", "policy", "got"),
    [
        (1, "A", TaxPolicy(), "int, str, TaxPolicy"),
        ("A", None, TaxPolicy(), "str, NoneType, TaxPolicy"),
        ("A", "B", None, "str, str, NoneType"),
    ],
)
def test_same_security_given_wrong_types_says_what_it_takes(
    a: object, b: object, policy: object, got: str
) -> None:
    """Not an AttributeError on `.upper` or `.identical`, deep inside."""
    message = rf"^same_security\(a, b, policy\) takes two str symbols and a TaxPolicy, got {got}$"
    with pytest.raises(TypeError, match=message):
        same_security(a, b, policy)  # type: ignore[arg-type]


#: Wide enough for every drawn cash, exactly.
_WIDE = decimal.Context(prec=60)


@given(
    st.integers(min_value=-(10**49), max_value=10**49),
    st.integers(min_value=-60, max_value=5),
)
def test_cash_keeps_34_decimals_and_is_rounded_half_even_beyond(
    coefficient: int, exponent: int
) -> None:
    """`core_cash` against its definition, read off the number's own exponent."""
    cash = Decimal(coefficient).scaleb(exponent, _WIDE)
    if cash.copy_abs() > MAX_AMOUNT:
        return
    kept = core_cash(cash)
    if exponent >= -34:  # as it is: digits and exponent alike
        assert kept.as_tuple() == cash.as_tuple()
    else:
        one = Decimal("1E-34")
        assert kept.as_tuple() == cash.quantize(one, decimal.ROUND_HALF_EVEN, _WIDE).as_tuple()


def test_cash_written_past_34_decimals_is_written_with_34() -> None:
    assert core_cash(Decimal("1." + "0" * 36)).as_tuple() == Decimal("1." + "0" * 34).as_tuple()
    assert core_cash(Decimal("-5E-35")).as_tuple() == Decimal("-0E-34").as_tuple()  # half even
    assert core_cash(Decimal("1.5E-7")).as_tuple() == Decimal("1.5E-7").as_tuple()  # kept
