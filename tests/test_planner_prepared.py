"""Planner.prepare validates an allocation and a policy once; planner.plan is plan_rebalance."""

from __future__ import annotations

import pickle
from decimal import Decimal

from core_strategies import accounts, policies
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from returns.result import Success

from portfolio import (
    Allocation,
    CombinedAllocation,
    ErrorKind,
    Planner,
    SizingPolicy,
    Snapshot,
    combine_allocations,
    plan_rebalance,
)
from portfolio.steps.planner import plan_prepared
from portfolio.steps.prepare import prepare, rebased

D = Decimal


@given(accounts(), policies)
def test_plan_rebalance_is_prepare_then_plan(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy
) -> None:
    """One implementation: the prepared planner gives exactly the plan (or the Failure)."""
    allocation, snapshot = account
    prepared = Planner.prepare(allocation, policy).bind(lambda planner: planner.plan(snapshot))
    assert prepared == plan_rebalance(allocation, snapshot, policy)


@given(accounts(), st.lists(st.decimals(min_value="0", max_value="100000", places=2), max_size=4))
def test_a_planner_plans_many_snapshots_as_plan_rebalance_does(
    account: tuple[Allocation, Snapshot], cash_amounts: list[Decimal]
) -> None:
    """Preparing once and planning many times changes nothing, whatever came before."""
    allocation, snapshot = account
    planner = Planner.prepare(allocation).unwrap()
    for cash in cash_amounts:
        again = Snapshot(cash=cash, positions=snapshot.positions, prices=snapshot.prices)
        assert planner.plan(again) == plan_rebalance(allocation, again)


def test_prepare_refuses_a_bad_policy_or_bad_weights_before_any_snapshot() -> None:
    allocation = Allocation(target_weights={"SPY": D("0.5")}, correlation_id="c")
    policy_error = Planner.prepare(allocation, SizingPolicy(band=D(2))).failure()
    assert (policy_error.kind, policy_error.context["field"]) == (ErrorKind.INVALID_POLICY, "band")
    nan = Allocation(target_weights={"SPY": D("NaN")}, correlation_id="c")
    assert Planner.prepare(nan).failure().kind is ErrorKind.INVALID_WEIGHTS


def test_plan_checks_each_snapshot() -> None:
    planner = Planner.prepare(
        Allocation(target_weights={"SPY": D("0.5"), "QQQ": D("0.5")}, correlation_id="c")
    ).unwrap()
    missing = planner.plan(Snapshot(cash=D(100), prices={"SPY": D(10)})).failure()
    assert (missing.kind, missing.context["symbols"]) == (ErrorKind.MISSING_PRICE, "QQQ")
    bad_cash = planner.plan(Snapshot(cash=D("NaN"), prices={"SPY": D(1), "QQQ": D(1)}))
    assert bad_cash.failure().kind is ErrorKind.INVALID_SNAPSHOT
    # SPY 50 of 100, QQQ 50 of 100: both bought, held symbols (XLE) sold
    plan = planner.plan(
        Snapshot(
            cash=D(90), positions={"xle": D(1)}, prices={"SPY": D(10), "QQQ": D(5), "XLE": D(10)}
        )
    ).unwrap()
    assert [(i.symbol, i.trade_amount) for i in plan.items] == [
        ("XLE", D("-10.00")),
        ("QQQ", D("50.00")),
        ("SPY", D("50.00")),
    ]


def test_a_combined_allocation_keeps_its_attribution() -> None:
    combined = combine_allocations(
        {"a": Allocation(target_weights={"SPY": D("0.5")}, correlation_id="a")}, "c"
    ).unwrap()
    assert isinstance(combined, CombinedAllocation)
    plan = Planner.prepare(combined).unwrap().plan(Snapshot(cash=D(10), prices={"SPY": D(1)}))
    assert plan.unwrap().metadata["strategy_attribution"] == {"SPY": {"a": D(1)}}


def test_the_same_planner_gives_the_same_id_for_the_same_snapshot() -> None:
    planner = Planner.prepare(Allocation(target_weights={"SPY": D(1)}, correlation_id="c"))
    first = planner.unwrap().plan(Snapshot(cash=D("10.0"), prices={"SPY": D("2.50")}))
    second = planner.unwrap().plan(Snapshot(cash=D(10), prices={"SPY": D("2.5")}))
    assert first.unwrap().plan_id == second.unwrap().plan_id


@settings(max_examples=60, deadline=None)
@given(accounts(), policies, st.text(max_size=8))
def test_a_rebased_model_is_the_model_prepared_under_that_correlation_id(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy, name: str
) -> None:
    """`rebased` shares the checked fields and digests the plan id's seed anew."""
    allocation = account[0]
    prepared = prepare(allocation, policy)
    assume(isinstance(prepared, Success))
    ours = rebased(prepared.unwrap(), name)
    theirs = prepare(allocation.with_correlation_id(name), policy).unwrap()
    assert ours == theirs
    assert ours.correlation_id == name
    assert ours.seed.copy().hexdigest() == theirs.seed.copy().hexdigest()


@settings(max_examples=40, deadline=None)
@given(accounts(), policies)
def test_a_planner_pickles_and_plans_the_same_plans(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy
) -> None:
    """A prepared planner travels to a worker process (its seed as the text it digests)."""
    allocation, snapshot = account
    prepared = Planner.prepare(allocation, policy)
    assume(isinstance(prepared, Success))
    planner = prepared.unwrap()
    travelled = pickle.loads(pickle.dumps(planner))  # noqa: S301 - our own bytes
    assert travelled == planner
    assert travelled.plan(snapshot) == planner.plan(snapshot)
    renamed = rebased(travelled.prepared, "other")
    assert (
        renamed.seed.copy().hexdigest()
        == rebased(planner.prepared, "other").seed.copy().hexdigest()
    )


@settings(max_examples=60, deadline=None)
@given(accounts(), policies, st.text(max_size=8))
def test_a_prepared_model_plans_under_another_correlation_id_as_prepared_under_it(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy, name: str
) -> None:
    """`plan_prepared` under an id is the plan of the allocation under that id."""
    allocation, snapshot = account
    prepared = prepare(allocation, policy)
    assume(isinstance(prepared, Success))
    ours = plan_prepared(prepared.unwrap(), snapshot, name)
    assert ours == plan_rebalance(allocation.with_correlation_id(name), snapshot, policy)
    assert plan_prepared(prepared.unwrap(), snapshot) == plan_rebalance(
        allocation, snapshot, policy
    )


def test_a_rebased_seed_digests_its_text_once_read_however_it_is_read() -> None:
    """Read first with a snapshot's part, or copied first: the same digest."""
    allocation = Allocation(target_weights={"SPY": D("0.5")}, correlation_id="a")
    seed = prepare(allocation, SizingPolicy()).unwrap().seed
    theirs = prepare(allocation.with_correlation_id("b"), SizingPolicy()).unwrap().seed
    expected = theirs.followed_by(b"part").hexdigest()
    lazy = seed.rebased("b")
    assert lazy.followed_by(b"part").hexdigest() == expected
    assert lazy.copy().hexdigest() == theirs.copy().hexdigest()
    assert lazy.followed_by(b"part").hexdigest() == expected  # digested now: copied
    copied = pickle.loads(pickle.dumps(seed.rebased("b")))  # noqa: S301 - our own bytes
    assert copied.followed_by(b"part").hexdigest() == expected
