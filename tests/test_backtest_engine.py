"""The fold's plans, built only when read, are `plan_rebalance`'s, and the fold traded them.

The fold plans each bar from the account it keeps as columns (`Planner.plan_trusted`,
no snapshot, no plan id) and keeps only what the plan was made from; `result.plans`
plans again, by `Planner.plan`, when read (`portfolio.backtest.lazy`). These properties
tie the two together over random price tables (with gaps), policies, schedules, costs,
cash flows and allocation rules.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from returns.result import Success

from portfolio import Allocation, CostModel, SizingPolicy, Snapshot, plan_rebalance
from portfolio.backtest import Bar, CashFlows, LateListing, MissingData, Schedule, run_backtest
from portfolio.backtest.planning import target_weights, without
from portfolio.records.allocation import CombinedAllocation
from portfolio.records.money import CORE_CONTEXT, ZERO
from portfolio.records.policy import BandTrigger
from portfolio.tax.policy import TaxPolicy

D = Decimal
SYMBOLS = ("A", "B", "C", "D")


def _rotating(day: date, _account: Snapshot) -> Allocation:
    """Weights that change with the date (a rule the fold asks on every rebalance)."""
    first, second = ("A", "C") if day.day % 2 else ("B", "D")
    return Allocation(target_weights={first: D("0.6"), second: D("0.35")}, correlation_id="r")


@st.composite
def runs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid run: prices in cents with gaps, any schedule, policy, costs and flows."""
    count = draw(st.integers(min_value=1, max_value=12))
    steps = draw(st.lists(st.integers(min_value=1, max_value=20), min_size=count, max_size=count))
    closes = st.decimals(min_value=D("0.50"), max_value=D(900), places=2)
    bars = []
    for n in range(count):
        day = date(2023, 12, 25) + timedelta(days=sum(steps[: n + 1]))
        present = draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, unique=True))
        if draw(st.booleans()):
            present = list(SYMBOLS)  # most bars are complete
        bars.append(Bar(date=day, prices={s: draw(closes) for s in present}))
    weights = draw(
        st.dictionaries(
            st.sampled_from(SYMBOLS),
            st.decimals(min_value=0, max_value=D("0.3"), places=3),
            min_size=1,
            max_size=4,
        )
    )
    fixed = Allocation(target_weights=weights, correlation_id="p")
    policy = SizingPolicy(
        min_trade_amount=draw(st.sampled_from([D(0), D(1), D(40)])),
        fractional=draw(st.booleans()),
        band=draw(st.sampled_from([D(0), D("0.02")])),
        relative_band=draw(st.sampled_from([D(0), D("0.25")])),
        cash_reserve_pct=draw(st.sampled_from([D(0), D("0.03")])),
        band_trigger=draw(st.sampled_from(list(BandTrigger))),
        rounding=draw(st.sampled_from([ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_DOWN])),
    )
    costs = draw(
        st.one_of(
            st.none(),
            st.builds(
                CostModel,
                bps=st.sampled_from([D(0), D(5), D("12.5")]),
                min_fee=st.sampled_from([D(0), D(1)]),
            ),
        )
    )
    return {
        "bars": bars,
        "allocation": draw(st.sampled_from([fixed, _rotating])),
        "policy": policy,
        "initial_cash": draw(st.sampled_from([D(10_000), D("123456.78")])),
        "schedule": draw(st.sampled_from(list(Schedule))),
        "costs": costs,
        "missing": MissingData(
            late_listing=draw(st.sampled_from(list(LateListing))),
            delist_after=draw(st.integers(min_value=1, max_value=4)),
        ),
        "cash_flows": CashFlows(monthly=draw(st.sampled_from([D(0), D(700), D(-150)]))),
    }


def _bar_allocation(run: dict[str, Any], account: Snapshot) -> Allocation | CombinedAllocation:
    """The allocation the bar targets: the rule's answer, unpriced symbols taken out."""
    assert account.as_of is not None
    rule = run["allocation"]
    allocation: Allocation | CombinedAllocation = (
        rule(account.as_of.date(), account) if callable(rule) else rule
    )
    unpriced = target_weights(allocation).keys() - account.prices.keys()
    if unpriced:
        return without(allocation, frozenset(unpriced), run["missing"].late_listing)
    return allocation


def _marked(cash: Decimal, held: Mapping[str, Decimal], prices: Mapping[str, Decimal]) -> Decimal:
    """Cash + shares at the closes, in the core's 50 digits (as the curve is marked)."""
    with localcontext(CORE_CONTEXT):
        return cash + sum((quantity * prices[symbol] for symbol, quantity in held.items()), ZERO)


@settings(max_examples=120, deadline=None)
@given(run=runs())
def test_every_plan_read_is_plan_rebalance_on_its_account(run: dict[str, Any]) -> None:
    """`result.plans[n]` is what `plan_rebalance` makes of `result.accounts[n]`, id and all."""
    result = run_backtest(run["bars"], run["allocation"], **_options(run))
    assume(isinstance(result, Success))
    backtest = result.unwrap()
    assert len(backtest.plans) == len(backtest.accounts) == len(backtest.plan_dates)
    for plan, account in zip(backtest.plans, backtest.accounts, strict=True):
        assert plan.policy is not None
        expected = plan_rebalance(_bar_allocation(run, account), account, plan.policy)
        assert expected.unwrap() == plan
        assert expected.unwrap().plan_id == plan.plan_id


@settings(max_examples=120, deadline=None)
@given(run=runs())
def test_the_fold_traded_the_plans_it_returns(run: dict[str, Any]) -> None:
    """The curve after each plan's bar is its account filled by `fill_plan`, to the last digit.

    The fold never keeps the plan it traded: this ties what it traded to what is read.
    """
    result = run_backtest(run["bars"], run["allocation"], **_options(run))
    assume(isinstance(result, Success))
    backtest = result.unwrap()
    curve = dict(backtest.equity_curve)
    for day, fill, account in zip(
        backtest.plan_dates, backtest.fills, backtest.accounts, strict=True
    ):
        after = fill.snapshot
        assert curve[day] == _marked(after.cash, after.positions, account.prices)
    if backtest.fills and backtest.plan_dates[-1] == backtest.equity_curve[-1].date:
        last = backtest.fills[-1].snapshot
        final = backtest.final_snapshot
        assert (last.cash, last.positions) == (final.cash, final.positions)
    assert sum((fill.fees for fill in backtest.fills), ZERO) == backtest.total_fees
    assert sum((fill.traded_value for fill in backtest.fills), ZERO) == backtest.traded_value


def _options(run: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run.items() if k not in {"bars", "allocation"}}


WALK = [
    Bar(date=date(2024, 1, 2) + timedelta(days=n), prices={"A": D(100 + n), "B": D(50 - n)})
    for n in range(5)
]
HALVES = Allocation(target_weights={"A": D("0.5"), "B": D("0.5")}, correlation_id="h")


def test_plans_are_built_when_read_and_kept() -> None:
    result = run_backtest(WALK, HALVES, schedule="daily").unwrap()
    first = result.plans[0]
    assert result.plans[0] is first  # built once
    assert result.plans[-1] is result.plans[4]
    assert result.plans[1:3] == (result.plans[1], result.plans[2])
    with pytest.raises(IndexError):
        _ = result.plans[5]


def test_plans_compare_and_pickle_as_a_tuple() -> None:
    result = run_backtest(WALK, HALVES, schedule="daily").unwrap()
    again = run_backtest(WALK, HALVES, schedule="daily").unwrap()
    assert result.plans == tuple(again.plans)
    assert tuple(result.plans) == again.plans
    assert result == again
    assert hash(result.plans) == hash(tuple(again.plans))
    plans: object = result.plans
    assert plans != list(again.plans)  # as a tuple is not equal to a list
    assert result.accounts[-1] == result.accounts[4] == tuple(result.accounts)[4]
    copied = pickle.loads(pickle.dumps(result))  # noqa: S301 - our own bytes
    assert copied.plans == result.plans
    assert copied.accounts == result.accounts


def test_the_first_plan_by_hand() -> None:
    """10,000 in cash, A at 100 and B at 50, halves: 50 A and 100 B, every cent spent."""
    result = run_backtest(
        WALK[:1], HALVES, initial_cash=D(10_000), policy=SizingPolicy(min_trade_amount=D(0))
    ).unwrap()
    (plan,) = result.plans
    assert [(i.symbol, i.trade_amount, i.quantity) for i in plan.items] == [
        ("A", D("5000.00"), D("50.000000000")),
        ("B", D("5000.00"), D("100.000000000")),
    ]
    assert (result.final_snapshot.cash, result.final_equity) == (D("0.00"), D("10000.00"))


def test_under_tax_rules_the_fold_plans_the_whole_snapshot() -> None:
    """Tax rules read the snapshot (its date, its lots): the fold plans it as `plan` does."""
    policy = SizingPolicy(tax=TaxPolicy(short_term_rate=D("0.3")))
    result = run_backtest(WALK, HALVES, policy=policy, schedule="daily").unwrap()
    for plan, account in zip(result.plans, result.accounts, strict=True):
        assert plan == plan_rebalance(HALVES, account, policy).unwrap()
    assert result.fills[-1].snapshot.positions == result.final_snapshot.positions


def test_cash_flows_that_carry_the_account_past_the_bounds_fail_the_run() -> None:
    """Found by the API fuzz: 1E+15 of cash (the largest amount) plus a 100 contribution.

    The fold planned the account anyway while its plans, read later, were refused: the
    run is refused as the planner refuses the account, with nothing raised.
    """
    bars = [
        Bar(date=date(2024, 2, 2), prices={"SPY": D("3.55"), "TLT": D("62.13")}),
        Bar(date=date(2024, 2, 5), prices={"TLT": D("1E+15")}),
    ]
    result = run_backtest(
        bars,
        Allocation(target_weights={"SPY": D("0.6"), "TLT": D("0.4")}, correlation_id="bt"),
        initial_cash=D("1E+15"),
        schedule="monthly",
        cash_flows=CashFlows(on_dates={date(2024, 2, 5): D(100)}),
        missing=MissingData(late_listing=LateListing.CASH, delist_after=1),
        policy=SizingPolicy(mode="sell_only", allow_short=True),
    )
    error = result.failure()
    assert "cash must be a finite Decimal with magnitude at most 1E+15" in error.message
