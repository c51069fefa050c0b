"""Hostile values through the core's public functions: a Result every time, the same answer
whatever the caller's decimal context, and plans that always fill and plan again.

These properties found the lone-surrogate, overflow, huge-exponent and context faults
(tests/test_core_hardening.py pins each one). The public API's fuzz cases live in
tests/core_fuzz_cases.py: run here a few dozen times each, and at length offline
(`python tests/core_fuzz_cases.py 100000`).
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

import pytest
from core_fuzz_cases import CASES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.pipeline import is_successful
from returns.result import Result

from portfolio import (
    Allocation,
    ErrorKind,
    Planner,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    combine_allocations,
    fill_plan,
    plan_rebalance,
    validate,
)

D = Decimal
EXTREMES = [D(s) for s in ("0", "1E-9", "1E-999990", "1E+15", "-1E+15", "9.99999E+14", "1E+16")]
texts = st.one_of(
    st.text(max_size=4), st.sampled_from(["\ud800", "\udfff", "SPY\ud800", "", "spy", " "])
)
numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([*EXTREMES, D("1E+99999999"), D("-1E-999999"), D("sNaN")]),
    st.integers(),
    st.floats(),
    st.none(),
)
keyed = st.dictionaries(texts, numbers, max_size=4)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(weights=keyed, cid=texts, cash=numbers, positions=keyed, prices=keyed, value=numbers)
def test_the_planner_answers_hostile_values_with_a_result(
    weights: Any, cid: Any, cash: Any, positions: Any, prices: Any, value: Any
) -> None:
    """Outside data arrives untyped: every planning entry point answers with a Result."""
    allocation = Allocation(target_weights=weights, correlation_id=cid, portfolio_value=value)
    snapshot = Snapshot(cash=cash, positions=positions, prices=prices)
    assert isinstance(plan_rebalance(allocation, snapshot), Result)
    assert isinstance(validate(allocation, snapshot), Result)
    planned = Planner.prepare(allocation).bind(lambda planner: planner.plan(snapshot))
    assert isinstance(planned, Result)
    sleeves = {"a": allocation, "b": Allocation(target_weights=prices, correlation_id="b")}
    assert isinstance(combine_allocations(sleeves, "c"), Result)


@given(
    st.sampled_from([D(1), D(10), D("1E+15")]),
    st.sampled_from([D("1E-9"), D("1E-999990"), D("1E-999999")]),
    st.lists(st.sampled_from(EXTREMES), max_size=2),
)
def test_combining_extreme_sleeves_is_a_result(
    big: Decimal, tiny: Decimal, more: list[Decimal]
) -> None:
    """Sleeves that net to almost nothing are refused or attributed, never an overflow."""
    sleeves = {
        f"s{n}": Allocation(target_weights={"X": w}, correlation_id="s")
        for n, w in enumerate([big, -big, tiny, *more])
    }
    assert isinstance(combine_allocations(sleeves, "c"), Result)


@given(
    st.one_of(
        st.text(),
        st.sampled_from(["1E+99999999999999999999", "-1E-99999999999999999999", "[1e400]"]),
        st.builds(
            lambda n: '{"total_value": ' + n + "}",
            st.from_regex(r"-?[0-9]E[+-]?[0-9]{9,20}", fullmatch=True),
        ),
    )
)
def test_parsing_any_text_as_a_plan_is_a_result(text: str) -> None:
    """A plan read from a queue or a file is data: any text gives a Result."""
    assert isinstance(RebalancePlan.from_json(text), Result)


bounded_cash = st.sampled_from([D(0), D(1), D("1E+14"), D("9.99E+14"), D("1E+15"), D("123.456")])
bounded_prices = st.sampled_from([D("1E-9"), D("0.001"), D(1), D("1E+6"), D("1E+15")])
bounded_quantities = st.sampled_from([D(0), D("1E-9"), D(1), D("1E+14"), D("1E+15"), D("-1")])


@st.composite
def extreme_accounts(draw: st.DrawFn) -> tuple[Allocation, Snapshot]:
    """Accounts at the edges of the bounds, with weights summing to at most 1."""
    symbols = draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, unique=True))
    shares = [draw(st.integers(min_value=0, max_value=10)) for _ in symbols]
    total = max(sum(shares), 10)
    weights = {s: D(n) / total for s, n in zip(symbols, shares, strict=True)}
    held = draw(st.lists(st.sampled_from(["A", "B", "D"]), unique=True))
    snapshot = Snapshot(
        cash=draw(bounded_cash),
        positions={s: draw(bounded_quantities) for s in held},
        prices={s: draw(bounded_prices) for s in {*symbols, *held}},
    )
    return Allocation(target_weights=weights, correlation_id="edge"), snapshot


@settings(max_examples=200)
@given(extreme_accounts(), st.booleans())
def test_plans_do_not_depend_on_the_callers_context(
    account: tuple[Allocation, Snapshot], fractional: bool
) -> None:
    """The core computes in its own context: a caller's 4-digit context changes nothing."""
    policy = SizingPolicy(fractional=fractional)
    expected = plan_rebalance(*account, policy)
    with decimal.localcontext(decimal.Context(prec=4, traps=[])):
        assert plan_rebalance(*account, policy) == expected


@settings(max_examples=200)
@given(extreme_accounts(), st.booleans())
def test_every_plan_fills_and_the_account_plans_again(
    account: tuple[Allocation, Snapshot], fractional: bool
) -> None:
    """One set of bounds: what the planner makes, fill_plan fills, and the planner accepts back."""
    allocation, snapshot = account
    policy = SizingPolicy(fractional=fractional)
    plan = plan_rebalance(allocation, snapshot, policy)
    if not is_successful(plan):
        return
    filled = fill_plan(snapshot, plan.unwrap())
    assert is_successful(filled), filled
    again = plan_rebalance(allocation, filled.unwrap().snapshot, policy)
    if not is_successful(again):  # only the account itself may be refused, never its numbers
        assert again.failure().kind is ErrorKind.INVALID_SNAPSHOT
        assert "refused" in again.failure().message or "negative" in again.failure().message


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_public_api_keeps_its_promises_on_fuzzed_inputs(name: str) -> None:
    """Every input gets a Result, and every plan is cash-feasible, adds up, leaves no dust,
    and comes out the same again (see tests/core_fuzz_cases.py for each check)."""
    check, strategy = CASES[name]

    @settings(max_examples=60, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(value: Any) -> None:
        assert check(value) == []

    run()
