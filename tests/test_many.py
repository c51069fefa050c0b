from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from core_strategies import accounts, policies
from hypothesis import given, settings
from hypothesis import strategies as st
from many_support import KILL, DyingPool, account, mixed
from returns.result import Failure, Result, Success

from adapters.many import ship_many
from portfolio import (
    Action,
    Allocation,
    ErrorKind,
    LotMethod,
    PastTrade,
    PlanItem,
    PlanRequest,
    PortfolioError,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    TaxLot,
    TaxPolicy,
    plan_many,
    plan_rebalance,
)
from portfolio.formats.compact import decode_plan, encode_allocation_snapshot, encode_plan

ROOT = Path(__file__).resolve().parent.parent
Planned = Result[RebalancePlan, PortfolioError]


def one_by_one(requests: list[PlanRequest]) -> list[Planned]:
    """The reference: plan_rebalance in a loop, with the account id added to each error."""
    out: list[Planned] = []
    for request in requests:
        result = plan_rebalance(request.allocation, request.snapshot, request.policy)
        match result:
            case Failure(error):
                context = {**error.context, "account_id": request.account_id}
                out.append(Failure(PortfolioError.of(error.kind, error.message, **context)))
            case _:
                out.append(result)
    return out


FanOut = Callable[[Any, Executor, int, int], Iterator[Planned]]


def plain(requests: Any, executor: Executor, chunk_size: int, in_flight: int) -> Iterator[Planned]:
    """`portfolio.plan_many`: one request per task (`chunk_size` does not apply)."""
    del chunk_size
    return plan_many(requests, executor=executor, in_flight=in_flight)


def shipped_in_chunks(
    requests: Any, executor: Executor, chunk_size: int, in_flight: int
) -> Iterator[Planned]:
    """`adapters.many.ship_many`: compact chunks of `chunk_size` requests."""
    return ship_many(requests, executor, chunk_size=chunk_size, in_flight=in_flight)


FAN_OUTS = pytest.mark.parametrize("fan_out", [plain, shipped_in_chunks])


def account_of(result: Planned) -> str:
    match result:
        case Success(plan):
            return str(plan.correlation_id)
        case Failure(error):
            return str(error.context["account_id"])
    return ""


def test_a_thousand_accounts_come_back_in_order_and_failures_stay_their_own() -> None:
    requests = [mixed(k) for k in range(1_000)]
    results = list(plan_many(requests))
    failed = [k for k, result in enumerate(results) if isinstance(result, Failure)]
    expected = {k for k in range(1_000) if k % 7 == 3 or k % 11 == 5 or k % 19 == 9}
    assert set(failed) == expected
    assert results == one_by_one(requests)
    for k in failed:
        assert results[k].failure().context["account_id"] == f"acct-{k:06d}"
    assert results[1].unwrap().correlation_id == "c1"


@FAN_OUTS
@pytest.mark.parametrize("workers", [ThreadPoolExecutor, ProcessPoolExecutor])
def test_every_executor_gives_the_same_results_in_the_same_order(
    workers: Callable[[int], Executor], fan_out: FanOut
) -> None:
    requests = [mixed(k) for k in range(300)]
    with workers(2) as executor:
        shipped = list(fan_out(requests, executor, 16, 3))
    assert shipped == list(plan_many(requests))
    assert shipped == one_by_one(requests)


@FAN_OUTS
def test_the_input_is_read_lazily_and_only_a_few_chunks_are_in_flight(fan_out: FanOut) -> None:
    pulled: list[int] = []

    def requests() -> Iterator[PlanRequest]:
        for k in range(10_000):
            pulled.append(k)
            yield account(k, symbols=2)

    with ThreadPoolExecutor(2) as executor:
        results = fan_out(requests(), executor, 10, 3)
        first = next(results)
        assert len(pulled) <= 30
        assert account_of(first) == "c0"
        results.close()  # type: ignore[attr-defined]  # a generator; closing cancels the rest
    assert len(pulled) <= 40


def test_no_executor_is_lazy_too() -> None:
    pulled: list[int] = []

    def requests() -> Iterator[PlanRequest]:
        for k in range(1_000):
            pulled.append(k)
            yield account(k, symbols=2)

    assert account_of(next(plan_many(requests()))) == "c0"
    assert pulled == [0]


def with_a_dying_account() -> list[PlanRequest]:
    requests = [account(k, symbols=2) for k in range(40)]
    requests[25] = PlanRequest(
        account_id=KILL, allocation=requests[25].allocation, snapshot=requests[25].snapshot
    )
    return requests


def test_a_dead_worker_becomes_failures_for_its_accounts_never_an_exception() -> None:
    requests = with_a_dying_account()
    with DyingPool(2) as executor:
        results = list(plan_many(requests, executor=executor, in_flight=2))
    assert len(results) == 40
    error = results[25].failure()
    assert (error.kind, error.context["account_id"]) == (ErrorKind.WORKER_FAILED, KILL)
    assert "BrokenProcessPool" in error.context["error"]
    assert all(isinstance(result, Success) for result in results[:24])
    for k, result in enumerate(results):  # after it: planned or failed, by name
        assert isinstance(result, Success) or account_of(result) == requests[k].account_id


def test_a_dead_worker_becomes_failures_for_its_chunk_never_an_exception() -> None:
    requests = with_a_dying_account()
    with DyingPool(2) as executor:
        results = list(ship_many(requests, executor, chunk_size=10, in_flight=2))
    assert len(results) == 40
    for k in range(20, 30):  # the chunk holding the dying account
        error = results[k].failure()
        assert error.kind is ErrorKind.WORKER_FAILED
        assert error.context["account_id"] == requests[k].account_id
        assert "BrokenProcessPool" in error.context["error"]
    for k, result in enumerate(results):  # before it: planned; after it: failed, by name
        assert isinstance(result, Success) or account_of(result) == requests[k].account_id


@FAN_OUTS
def test_an_executor_that_refuses_work_gives_a_failure_per_account(fan_out: FanOut) -> None:
    executor = ThreadPoolExecutor(1)
    executor.shutdown()
    requests = [account(k, symbols=2) for k in range(5)]
    results = list(fan_out(requests, executor, 2, 3))
    assert [r.failure().kind for r in results] == [ErrorKind.WORKER_FAILED] * 5
    assert [account_of(r) for r in results] == [r.account_id for r in requests]
    assert "RuntimeError" in results[0].failure().context["error"]


def unpicklable_second() -> list[PlanRequest]:
    requests = [account(k, symbols=2) for k in range(3)]
    unpicklable: Any = lambda: None  # noqa: E731 - garbage in a record, on purpose
    odd = attrs.evolve(requests[1].snapshot, as_of=unpicklable)
    requests[1] = attrs.evolve(requests[1], snapshot=odd)
    return requests


@pytest.mark.parametrize(
    ("fan_out", "message"),
    [
        (plain, "the worker running this chunk failed"),
        (shipped_in_chunks, "the request cannot be sent to a worker"),
    ],
)
def test_a_request_that_cannot_be_pickled_fails_alone(fan_out: FanOut, message: str) -> None:
    with ProcessPoolExecutor(1) as executor:
        results = list(fan_out(unpicklable_second(), executor, 16, 3))
    assert [isinstance(r, Success) for r in results] == [True, False, True]
    error = results[1].failure()
    assert (error.kind, error.context["account_id"]) == (ErrorKind.WORKER_FAILED, "acct-000001")
    assert error.message == message


@FAN_OUTS
def test_something_that_is_no_request_fails_alone(fan_out: FanOut) -> None:
    """Among the requests, a string: its own INVALID_ALLOCATION, the accounts around it
    planned (with and without an executor), never an AttributeError."""
    requests: list[Any] = [account(0), "not a request", account(2)]
    with ThreadPoolExecutor(2) as executor:
        shipped = list(fan_out(requests, executor, 2, 2))
    for results in (shipped, list(plan_many(requests))):
        assert [isinstance(r, Success) for r in results] == [True, False, True]
        error = results[1].failure()
        assert (error.kind, error.message) == (
            ErrorKind.INVALID_ALLOCATION,
            "a request must be a PlanRequest",
        )
        assert error.context["got"] == "str"


@pytest.mark.parametrize(
    ("fan_out", "chunk_size", "in_flight"),
    [(plain, 1, 0), (shipped_in_chunks, 0, 1), (shipped_in_chunks, 1, 0)],
)
def test_chunk_size_and_in_flight_below_one_are_refused(
    fan_out: FanOut, chunk_size: int, in_flight: int
) -> None:
    with ThreadPoolExecutor(1) as executor, pytest.raises(ValueError, match="must be ≥ 1"):
        fan_out([], executor, chunk_size, in_flight)


@settings(max_examples=60)
@given(accounts(), policies, st.text(max_size=8))
def test_the_shipped_form_plans_exactly_like_the_records(
    account_and_snapshot: tuple[object, object], policy: object, account_id: str
) -> None:
    """Chunks travel in a compact form; it must change nothing about any plan or error."""
    allocation, snapshot = account_and_snapshot
    request = PlanRequest(
        account_id=account_id,
        allocation=allocation,  # type: ignore[arg-type]  # drawn as the right records
        snapshot=snapshot,  # type: ignore[arg-type]  # same
        policy=policy,  # type: ignore[arg-type]  # same
    )
    with ThreadPoolExecutor(1) as executor:
        shipped = list(ship_many([request], executor))
    assert shipped == one_by_one([request])


def test_a_taxed_account_ships_with_its_lots_and_recent_trades() -> None:
    """The compact form has no place for lots: a snapshot with lots or recent trades
    travels as itself. It dropped them, and the worker planned every sale at an unknown
    basis: 15 SPY sold, the budget of 300 ignored, where the lots allow 14 (docs/tax.md)."""
    lots = (
        TaxLot(quantity=Decimal(10), cost=Decimal(100), acquired=date(2023, 1, 5), lot_id="a"),
        TaxLot(quantity=Decimal(10), cost=Decimal(140), acquired=date(2024, 5, 20), lot_id="b"),
    )
    loss = PastTrade(
        symbol="IWM",
        action=Action.SELL,
        quantity=Decimal(1),
        price=Decimal(50),
        on=date(2024, 5, 30),
        realized_gain=Decimal(-5),
    )
    snapshot = Snapshot(
        cash=Decimal(0),
        positions={"SPY": Decimal(20)},
        prices={"SPY": Decimal(150), "QQQ": Decimal(100), "IWM": Decimal(50)},
        as_of=datetime(2024, 6, 3, 20, tzinfo=UTC),
        lots={"SPY": lots},
        recent_trades=(loss,),
    )
    weights = {"SPY": Decimal("0.25"), "QQQ": Decimal("0.65"), "IWM": Decimal("0.1")}
    tax = TaxPolicy(method=LotMethod.HIFO, max_realized_gain=Decimal(300))
    request = PlanRequest(
        account_id="taxed",
        allocation=Allocation(target_weights=weights, correlation_id="taxed"),
        snapshot=snapshot,
        policy=SizingPolicy(tax=tax),
    )
    assert encode_allocation_snapshot(request.allocation, request.snapshot) is None
    with ThreadPoolExecutor(1) as executor:
        (shipped,) = ship_many([request], executor)
    assert [shipped] == one_by_one([request])
    items = {i.symbol: i for i in shipped.unwrap().items}
    assert (items["SPY"].quantity, items["SPY"].reason) == (Decimal(-14), Reason.GAIN_BUDGET)
    assert items["IWM"].reason is Reason.WASH_SALE  # the recent loss sale travelled too


def test_a_plan_survives_its_compact_form_field_for_field() -> None:
    plan = plan_rebalance(account(1).allocation, account(1).snapshot).unwrap()
    compact = encode_plan(plan)
    assert isinstance(compact, tuple)
    assert decode_plan(compact) == plan
    assert [str(i.quantity) for i in decode_plan(compact).items] == [
        str(i.quantity) for i in plan.items
    ]


def test_a_name_holding_the_separator_ships_the_plan_itself() -> None:
    plan = plan_rebalance(
        account(1).allocation.with_correlation_id("a\x1fb"), account(1).snapshot
    ).unwrap()
    assert encode_plan(plan) is plan


def test_import_portfolio_does_not_import_dask() -> None:
    code = (
        "import sys, portfolio, adapters.cli;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'dask', 'distributed'}))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "[]"


def test_a_decoded_plan_holds_plan_items_with_their_enums() -> None:
    """Tuples compare equal to `PlanItem`s: the types are checked apart."""
    plan = plan_rebalance(account(2).allocation, account(2).snapshot).unwrap()
    compact = encode_plan(plan)
    assert isinstance(compact, tuple)
    decoded = decode_plan(compact)
    assert [type(item) for item in decoded.items] == [PlanItem] * len(plan.items)
    assert [(type(i.action), type(i.reason)) for i in decoded.items] == [(Action, Reason)] * 20
    assert [type(i.quantity) for i in decoded.items] == [Decimal] * 20
