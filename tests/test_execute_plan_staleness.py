"""The pure staleness check (`orders.staleness`): when does an approved plan no longer fit?"""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from core_strategies import accounts
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.pipeline import is_successful

from portfolio import (
    Action,
    Allocation,
    ErrorKind,
    FrozenDict,
    OpenOrder,
    RebalancePlan,
    Snapshot,
    order_intents,
    plan_rebalance,
)
from portfolio.orders.staleness import Change, check_fresh, plan_drift, recorded_snapshot
from portfolio.records.held import Held

D = Decimal
T0 = datetime(2026, 1, 5, 21, 0, tzinfo=UTC)


def made(snapshot: Snapshot, weights: dict[str, Decimal]) -> RebalancePlan:
    return plan_rebalance(Allocation(target_weights=weights, correlation_id="s"), snapshot).unwrap()


#: 10 SPY at 100 and 1000 cash, V = 2000; half SPY, half QQQ at 50: SPY is at its target
#: (1000), QQQ's 1000 buys 20 shares.
ACCOUNT = Snapshot(
    cash=D(1000), positions={"SPY": D(10)}, prices={"SPY": D(100), "QQQ": D(50)}, as_of=T0
)
WEIGHTS = {"SPY": D("0.5"), "QQQ": D("0.5")}


def test_the_example_plan_is_what_the_comment_says() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    assert [(i.symbol, i.action, i.quantity) for i in plan.trades] == [("QQQ", Action.BUY, D(20))]
    assert dict(plan.held or {}) == {"QQQ": D(0), "SPY": D(10)}


def test_a_plan_checked_against_its_own_snapshot_fits() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    assert check_fresh(plan, ACCOUNT).unwrap() is plan
    assert plan_drift(plan, ACCOUNT).unwrap() == ()


@pytest.mark.parametrize(
    ("qqq", "stale", "detail"),
    [
        (D("51.00"), False, None),  # +2 % exactly: within the tolerance
        (D("49.00"), False, None),  # −2 % exactly
        (D("51.01"), True, "price 51.01, planned at 50 (+2.02%)"),
        (D("48.99"), True, "price 48.99, planned at 50 (-2.02%)"),
    ],
)
def test_a_price_may_move_up_to_the_tolerance_either_way(
    qqq: Decimal, stale: bool, detail: str | None
) -> None:
    plan = made(ACCOUNT, WEIGHTS)
    now = attrs.evolve(ACCOUNT, prices={"SPY": D(100), "QQQ": qqq})
    result = check_fresh(plan, now)
    assert is_successful(result) is not stale
    if stale:
        error = result.failure()
        assert (error.kind, error.context["symbols"], error.context["QQQ"]) == (
            ErrorKind.PLAN_STALE,
            "QQQ",
            detail,
        )


def test_the_tolerance_is_a_parameter() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    now = attrs.evolve(ACCOUNT, prices={"SPY": D(100), "QQQ": D(55)})  # +10 %
    assert not is_successful(check_fresh(plan, now, max_price_move=D("0.0999")))
    assert is_successful(check_fresh(plan, now, max_price_move=D("0.10")))


def test_a_held_symbols_price_counts_too_and_a_missing_price_is_stale() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    now = attrs.evolve(ACCOUNT, prices={"QQQ": D(50)})
    error = check_fresh(plan, now).failure()
    assert error.context["SPY"] == "no valid price now, planned at 100"


def test_a_changed_position_is_named_with_both_quantities() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    now = attrs.evolve(ACCOUNT, positions={"SPY": D(10), "QQQ": D("0.5")})
    error = check_fresh(plan, now).failure()
    assert error.kind is ErrorKind.PLAN_STALE
    assert (error.context["symbols"], error.context["QQQ"]) == (
        "QQQ",
        "position 0.5, planned from 0",
    )
    sold = attrs.evolve(ACCOUNT, positions={})
    assert check_fresh(plan, sold).failure().context["SPY"] == "position 0, planned from 10"


def test_a_position_of_a_symbol_the_plan_placed_orders_for_is_its_own_doing() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    now = attrs.evolve(ACCOUNT, positions={"SPY": D(10), "QQQ": D(20)})
    assert not is_successful(check_fresh(plan, now))
    assert is_successful(check_fresh(plan, now, placed=frozenset({"QQQ"})))


@pytest.mark.parametrize(
    ("later", "stale"),
    [
        (timedelta(days=1), False),
        (timedelta(days=1, seconds=1), True),
        (timedelta(seconds=-5), False),  # a snapshot from before the plan is not old
    ],
)
def test_the_age_is_the_snapshots_as_of_minus_the_plans(later: timedelta, stale: bool) -> None:
    plan = made(ACCOUNT, WEIGHTS)
    result = check_fresh(plan, attrs.evolve(ACCOUNT, as_of=T0 + later))
    assert is_successful(result) is not stale
    if stale:
        error = result.failure()
        assert "symbols" not in error.context  # no symbol changed: no empty `symbols=`
        assert error.context["age"] == (
            "the plan is 1 day 1 s old (as_of 2026-01-05T21:00:00+00:00), the limit is 1 day"
        )


def test_a_plan_stale_by_age_alone_says_so_once_and_names_no_symbols() -> None:
    """Before: `…nothing placed: age: the plan is … [age=the plan is … symbols=]`, the
    detail written twice and an empty list of symbols."""
    plan = made(ACCOUNT, WEIGHTS)
    error = check_fresh(plan, attrs.evolve(ACCOUNT, as_of=T0 + timedelta(days=2))).failure()
    assert str(error) == (
        "PLAN_STALE: the plan no longer fits the account, nothing placed: its age does not fit"
        " [age=the plan is 2 days old (as_of 2026-01-05T21:00:00+00:00), the limit is 1 day]"
    )


def test_an_unknown_or_incomparable_age_is_refused() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    naive = attrs.evolve(ACCOUNT, as_of=datetime(2026, 1, 5, 21, 0))  # noqa: DTZ001 - the point
    assert "time zone" in check_fresh(plan, naive).failure().context["age"]
    unknown = check_fresh(plan, attrs.evolve(ACCOUNT, as_of=None)).failure()
    assert "no as_of" in unknown.context["age"]


def test_an_open_order_on_a_planned_symbol_is_refused_unless_it_is_the_plans_own() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    order = OpenOrder(order_id="o-1", symbol="SPY", side=Action.SELL, quantity=D(1))
    now = attrs.evolve(ACCOUNT, open_orders=(order,))
    error = check_fresh(plan, now).failure()
    assert (error.context["symbols"], error.context["SPY"]) == ("SPY", "an open SELL order (o-1)")
    assert is_successful(check_fresh(plan, now, own_orders=frozenset({"o-1"})))
    elsewhere = attrs.evolve(order, symbol="TLT")
    assert is_successful(check_fresh(plan, attrs.evolve(ACCOUNT, open_orders=(elsewhere,))))


def test_every_difference_is_named_in_one_error() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    now = Snapshot(
        cash=D(1000),
        positions={"SPY": D(11)},
        prices={"SPY": D(100), "QQQ": D(60)},
        as_of=T0 + timedelta(days=3),
        open_orders=(OpenOrder(order_id="x", symbol="QQQ", side=Action.BUY, quantity=D(1)),),
    )
    error = check_fresh(plan, now).failure()
    assert error.context["symbols"] == "QQQ,SPY"
    assert error.context["QQQ"] == "price 60, planned at 50 (+20%); an open BUY order (x)"
    assert error.context["SPY"] == "position 11, planned from 10"
    assert error.context["age"].startswith("the plan is 3 days old")
    assert [d.change for d in plan_drift(plan, now).unwrap()] == [
        Change.PRICE,
        Change.OPEN_ORDER,
        Change.POSITION,
        Change.AGE,
    ]
    assert error.message == (  # what changed is in the context, once
        "the plan no longer fits the account, nothing placed: 2 symbols changed"
        " and its age does not fit"
    )


def test_a_plan_that_does_not_record_what_it_was_made_from_is_refused_clearly() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    document = json.loads(plan.to_json())
    document["schema_version"] = 1
    del document["held"]
    old = RebalancePlan.from_json(json.dumps(document)).unwrap()
    assert old.held is None
    for error in (check_fresh(old, ACCOUNT).failure(), recorded_snapshot(old, ACCOUNT).failure()):
        assert error.kind is ErrorKind.INVALID_PLAN
        assert "schema_version 2" in error.message
        assert "plan again" in error.message


def test_held_is_written_and_read_back_exactly() -> None:
    plan = made(attrs.evolve(ACCOUNT, positions={"SPY": D("10.125")}), WEIGHTS)
    document = json.loads(plan.to_json())
    assert (document["schema_version"], document["held"]) == (4, {"QQQ": "0", "SPY": "10.125"})
    assert RebalancePlan.from_json(plan.to_json()).unwrap().held == {"QQQ": 0, "SPY": D("10.125")}


@pytest.mark.parametrize(
    "held", ['{"SPY": "ten"}', '["SPY"]', '{"SPY": "NaN"}'], ids=["word", "list", "nan"]
)
def test_a_bad_held_record_names_its_field(held: str) -> None:
    document = json.loads(made(ACCOUNT, WEIGHTS).to_json())
    document["held"] = json.loads(held)
    error = RebalancePlan.from_json(json.dumps(document)).failure()
    assert error.kind is ErrorKind.INVALID_PLAN
    assert error.context["field"].startswith("held")


def test_bad_limits_are_a_failure_and_wrong_types_a_type_error() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    for limits in ({"max_price_move": D(-1)}, {"max_price_move": D("NaN")}):
        assert check_fresh(plan, ACCOUNT, **limits).failure().kind is ErrorKind.INVALID_CONFIG  # type: ignore[arg-type]
    negative = check_fresh(plan, ACCOUNT, max_age=timedelta(seconds=-1)).failure()
    assert negative.kind is ErrorKind.INVALID_CONFIG
    with pytest.raises(TypeError, match="max_price_move must be a Decimal"):
        check_fresh(plan, ACCOUNT, max_price_move=0.02)  # type: ignore[arg-type] # the point


# --- properties ----------------------------------------------------------------------------


@st.composite
def planned(draw: st.DrawFn) -> tuple[RebalancePlan, Snapshot]:
    allocation, snapshot = draw(accounts())
    snapshot = attrs.evolve(snapshot, as_of=T0)
    result = plan_rebalance(allocation, snapshot)
    assume(is_successful(result))
    return result.unwrap(), snapshot


@given(planned())
def test_a_plan_checked_against_its_own_snapshot_is_never_stale(
    case: tuple[RebalancePlan, Snapshot],
) -> None:
    plan, snapshot = case
    assert plan_drift(plan, snapshot, max_price_move=D(0), max_age=timedelta(0)).unwrap() == ()


@given(planned())
def test_the_recorded_snapshot_gives_the_plans_orders_exactly(
    case: tuple[RebalancePlan, Snapshot],
) -> None:
    plan, snapshot = case
    recorded = recorded_snapshot(plan, snapshot).unwrap()
    assert order_intents(plan, recorded) == order_intents(plan, snapshot)


@given(planned(), st.data(), st.integers(min_value=-300, max_value=300))
def test_a_moved_price_is_stale_exactly_when_it_moved_more_than_the_tolerance(
    case: tuple[RebalancePlan, Snapshot], data: st.DataObject, basis_points: int
) -> None:
    plan, snapshot = case
    assume(plan.items)
    item = data.draw(st.sampled_from(plan.items))
    now_price = (item.price * (1 + D(basis_points) / 10_000)).quantize(D("0.0001"))
    assume(now_price > 0)
    moved = attrs.evolve(snapshot, prices={**snapshot.prices, item.symbol: now_price})
    drift = plan_drift(plan, moved).unwrap()
    expected = abs(now_price - item.price) / item.price > D("0.02")
    assert bool(drift) is expected
    assert {(d.symbol, d.change) for d in drift} == (
        {(item.symbol, Change.PRICE)} if expected else set()
    )


@given(planned(), st.data(), st.decimals(min_value="-50", max_value="50", places=3))
def test_a_changed_position_of_a_planned_symbol_is_always_named(
    case: tuple[RebalancePlan, Snapshot], data: st.DataObject, change: Decimal
) -> None:
    plan, snapshot = case
    assume(plan.held and change != 0)
    symbol = data.draw(st.sampled_from(sorted(plan.held or {})))
    positions = {**snapshot.positions, symbol: snapshot.positions.get(symbol, D(0)) + change}
    error = check_fresh(plan, attrs.evolve(snapshot, positions=positions)).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.PLAN_STALE, symbol)
    assert error.context[symbol].startswith("position ")


@given(planned(), st.integers(min_value=-(10**6), max_value=10**6))
def test_a_plan_is_too_old_exactly_when_the_ages_differ_by_more_than_the_limit(
    case: tuple[RebalancePlan, Snapshot], seconds: int
) -> None:
    plan, snapshot = case
    limit = timedelta(hours=12)
    later = attrs.evolve(snapshot, as_of=T0 + timedelta(seconds=seconds))
    drift = plan_drift(plan, later, max_age=limit).unwrap()
    # either way: a plan dated after the account by more than the limit is no fresher
    too_far = abs(seconds) > limit.total_seconds()
    assert [d.change for d in drift] == ([Change.AGE] if too_far else [])


def test_the_planners_held_record_is_a_read_only_mapping_that_pickles() -> None:
    plan = made(ACCOUNT, WEIGHTS)
    held = plan.held
    assert isinstance(held, Held)
    assert (dict(held), len(held), sorted(held)) == ({"QQQ": D(0), "SPY": D(10)}, 2, ["QQQ", "SPY"])
    assert held == FrozenDict({"QQQ": D(0), "SPY": D(10)})
    assert hash(held) == hash(FrozenDict({"QQQ": D(0), "SPY": D(10)}))
    assert pickle.loads(pickle.dumps(held)) == held  # noqa: S301 - our own bytes
    with pytest.raises(TypeError):
        held["SPY"] = D(1)  # type: ignore[index] # the point
