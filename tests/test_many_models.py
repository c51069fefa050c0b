"""Shared models: accounts on a few models, each prepared once, plan exactly as on their own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from core_strategies import SYMBOLS, accounts, policies, weights
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success
from test_many import one_by_one
from test_tax_properties import tax_policies, taxed_accounts

from adapters.cli.account_lines import plan_lines
from adapters.many import ship_many
from portfolio import (
    Allocation,
    PlanRequest,
    PortfolioError,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    TaxPolicy,
    combine_allocations,
    plan_many,
    plan_rebalance,
)
from portfolio.steps.shared_models import MAX_MODELS, SharedModels, model_key, policy_key

Planned = Result[RebalancePlan, PortfolioError]


def as_written(result: Planned) -> object:
    """A result as text: equal plans written with different digits would differ here."""
    match result:
        case Success(plan):
            return plan.to_json()
        case Failure(error):
            return repr(error)
    return None


def rewritten(weights: dict[str, Any], how: str) -> dict[str, Any]:
    """The same weights as another record: fresh Decimals, more digits, or a bad value."""
    if how == "fresh":
        return {s: Decimal(str(w)) for s, w in weights.items()}
    if how == "digits":  # equal values, written with trailing zeros: another model
        return {s: Decimal(w).quantize(Decimal("1E-8")) for s, w in weights.items()}
    if how == "float" and weights:  # garbage: must fail as plan_rebalance fails
        first = next(iter(weights))
        return {**weights, first: float(weights[first])}
    if how == "negative" and weights:
        first = next(iter(weights))
        return {**weights, first: -Decimal("0.1")}
    if how == "lower":
        return {s.lower(): w for s, w in weights.items()}
    return dict(weights)


@st.composite
def shared_accounts(draw: st.DrawFn) -> list[PlanRequest]:
    """Accounts on a few models: equal copies, rewritten copies, own ids, some bad data."""
    models = draw(st.lists(weights(), min_size=1, max_size=3))
    pool = draw(st.lists(policies, min_size=1, max_size=2))
    # Equal policies written differently: a plan carries its policy, so they are two models.
    pool += [SizingPolicy(), SizingPolicy(min_trade_amount=Decimal("1.0"))]
    requests = []
    for k in range(draw(st.integers(min_value=1, max_value=12))):
        _, snapshot = draw(accounts())
        model = draw(st.sampled_from(models))
        how = draw(
            st.sampled_from(["same", "fresh", "fresh", "digits", "float", "negative", "lower"])
        )
        correlation: Any = draw(st.sampled_from([f"c{k}", "shared", "", 7]))
        value = draw(st.sampled_from([None, None, Decimal(50_000), Decimal("5E+4")]))
        allocation: Any = Allocation(
            target_weights=rewritten(model, how), correlation_id=correlation, portfolio_value=value
        )
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            allocation = combine_allocations({"a": allocation}, f"c{k}").value_or(allocation)
        prices = dict(snapshot.prices)
        drop: bool = draw(st.integers(min_value=0, max_value=3)) == 0
        if prices and drop:
            del prices[min(prices)]  # a missing price: the account fails alone
        requests.append(
            PlanRequest(
                account_id=f"acct-{k}",
                allocation=allocation,
                snapshot=Snapshot(
                    cash=snapshot.cash,
                    positions=snapshot.positions,
                    prices=prices,
                    assets=snapshot.assets,
                ),
                policy=draw(st.sampled_from(pool)),
            )
        )
    return requests


@settings(max_examples=150, deadline=None)
@given(shared_accounts())
def test_accounts_on_shared_models_plan_exactly_as_plan_rebalance(
    requests: list[PlanRequest],
) -> None:
    """Preparing a model once is an optimisation: no plan, id, digit or error may change."""
    expected = one_by_one(requests)
    in_process = list(plan_many(requests))
    with ThreadPoolExecutor(1) as executor:
        shipped = list(ship_many(requests, executor, chunk_size=5))
    assert in_process == expected
    assert shipped == expected
    assert list(map(as_written, in_process)) == list(map(as_written, expected))
    assert list(map(as_written, shipped)) == list(map(as_written, expected))


@settings(max_examples=60, deadline=None)
@given(accounts(), policies)
def test_a_shared_model_plans_like_plan_rebalance_under_any_correlation_id(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy
) -> None:
    """The plan id covers the correlation id: each account keeps its own."""
    allocation, snapshot = account
    planned_alike_under(("first", "second", "first", "third"), allocation, snapshot, policy)


@settings(max_examples=40, deadline=None)
@given(taxed_accounts(), tax_policies)
def test_a_taxed_shared_model_plans_like_plan_rebalance_under_any_correlation_id(
    account: tuple[Allocation, Snapshot], tax: TaxPolicy
) -> None:
    """The tax rules read the model under the account's own id, harvesting included."""
    allocation, snapshot = account
    names = ("prop", "second", "prop", "third")
    planned_alike_under(names, allocation, snapshot, SizingPolicy(tax=tax))


def planned_alike_under(
    names: tuple[str, ...], allocation: Allocation, snapshot: Snapshot, policy: SizingPolicy
) -> None:
    """One shared model plans each renamed account as `plan_rebalance` does, written alike."""
    models = SharedModels()
    for name in names:
        renamed = allocation.with_correlation_id(name)
        ours = models.plan(renamed, snapshot, policy)
        theirs = plan_rebalance(renamed, snapshot, policy)
        assert ours == theirs
        assert as_written(ours) == as_written(theirs)
    assert len(models) == 1


def on_ten_models(n: int) -> list[PlanRequest]:
    """n accounts, fresh weights and an own policy object each, on ten models."""
    return [
        PlanRequest(
            account_id=f"acct-{k}",
            allocation=Allocation(
                target_weights={s: Decimal(f"0.0{k % 10}") for s in SYMBOLS},
                correlation_id=f"acct-{k}",
            ),
            snapshot=Snapshot(cash=Decimal(10_000 + k), prices=dict.fromkeys(SYMBOLS, Decimal(5))),
            policy=SizingPolicy(min_trade_amount=Decimal(1)),
        )
        for k in range(n)
    ]


def test_two_thousand_accounts_on_ten_models_share_ten_prepared_models() -> None:
    """Equal records, not only the same object: fresh weights, own ids, own policy objects.

    A plan carries its prepared model's policy: one policy object per model shows that
    each model was prepared once and shared.
    """
    requests = on_ten_models(2_000)
    results = list(plan_many(requests))
    assert results == one_by_one(requests)
    assert len({id(result.unwrap().policy) for result in results}) == 10
    models = SharedModels()
    for request in requests:
        models.plan(request.allocation, request.snapshot, request.policy)
    assert len(models) == 10
    # 8 symbols at 3 %, 10,003 in cash: 300.09 each, 60.018 shares at 5.
    item = results[3].unwrap().items[0]
    assert (item.trade_amount, item.quantity) == (Decimal("300.09"), Decimal("60.018"))
    assert results[3].unwrap().correlation_id == "acct-3"


def test_a_model_is_its_weights_as_written_and_its_policy() -> None:
    base = {"SPY": Decimal("0.5"), "TLT": Decimal("0.25")}
    key = model_key(Allocation(target_weights=base, correlation_id="a"), "p")
    same = model_key(Allocation(target_weights=dict(base), correlation_id="b"), "p")
    assert key is not None
    assert key == same
    others = [
        model_key(
            Allocation(target_weights={**base, "SPY": Decimal("0.50")}, correlation_id="a"), "p"
        ),
        model_key(Allocation(target_weights=dict(reversed(base.items())), correlation_id="a"), "p"),
        model_key(
            Allocation(target_weights=base, correlation_id="a", portfolio_value=Decimal(9)), "p"
        ),
        model_key(Allocation(target_weights=base, correlation_id="a"), "q"),
    ]
    assert key not in others
    floats = Allocation(target_weights={"SPY": 0.5}, correlation_id="a")  # type: ignore[dict-item]  # garbage on purpose
    assert model_key(floats, "p") is None
    joined = Allocation(target_weights={"A\x00B": Decimal(0)}, correlation_id="a")
    apart = Allocation(target_weights={"A": Decimal(0), "B": Decimal(0)}, correlation_id="a")
    assert None is not model_key(joined, "p") != model_key(apart, "p")  # names kept apart
    assert model_key(Allocation(target_weights=base, correlation_id=7), "p") is None  # type: ignore[arg-type]  # garbage on purpose
    assert policy_key(SizingPolicy()) == policy_key(SizingPolicy())
    assert policy_key(SizingPolicy()) != policy_key(SizingPolicy(min_trade_amount=Decimal("1.0")))


def test_memory_stays_bounded_past_the_most_models() -> None:
    models = SharedModels()
    snapshot = Snapshot(cash=Decimal(100), prices={"SPY": Decimal(10)})
    for k in range(MAX_MODELS + 5):
        weight = Decimal(k) / Decimal(10 * MAX_MODELS)
        allocation = Allocation(target_weights={"SPY": weight}, correlation_id="c")
        assert models.plan(allocation, snapshot) == plan_rebalance(allocation, snapshot)
    assert len(models) <= MAX_MODELS


def test_plan_many_lines_on_shared_models_plan_as_on_their_own() -> None:
    lines = [
        b'{"account_id":"a%d","weights":{"SPY":"0.%d"},"snapshot":{"cash":"1000","prices":{"SPY":"10"}}}'
        % (k, k % 3)
        for k in range(30)
    ]
    together = plan_lines((1, b"\n".join(lines), SizingPolicy(), True))  # "0.0": all sold
    alone = [plan_lines((k + 1, line, SizingPolicy(), True))[0] for k, line in enumerate(lines)]
    assert together == tuple(alone)
    assert [o[1] for o in together] == [f"a{k}" for k in range(30)]
    assert all(o[3] is None for o in together)
    assert '"trade_amount":"100.00"' in str(together[1][2])  # 0.1 of 1,000
