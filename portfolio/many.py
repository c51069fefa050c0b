"""Many accounts at once: `plan_many` plans each `PlanRequest` on its own, in input order.

The core stays a function of one account (`plan_rebalance`); scale-out is a parameter.
With no executor, `plan_many` is a plain loop in this process. With any
`concurrent.futures.Executor` (threads, processes, `dask.distributed.Client.get_executor()`)
it ships chunks of requests in a compact form (`portfolio.many_codec`), keeps a bounded
number of chunks in flight, and hands the plans back in input order as they arrive.
This module starts nothing and does no I/O: whatever runs the work is the caller's.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING

import attrs
from returns.result import Failure, Result, Success

from portfolio.allocation import Allocation, CombinedAllocation
from portfolio.chunks import batched, map_chunks, worker_failed
from portfolio.errors import PortfolioError
from portfolio.many_codec import (
    CompactPlan,
    CompactRequest,
    decode_allocation_snapshot,
    decode_plan,
    encode_allocation_snapshot,
    encode_plan,
)
from portfolio.plan import RebalancePlan
from portfolio.planner import plan_rebalance
from portfolio.policy import SizingPolicy
from portfolio.shared_models import SharedModels
from portfolio.snapshot import Snapshot

if TYPE_CHECKING:  # only named in annotations: importing it costs threads and logging
    from concurrent.futures import Executor

__all__ = ["PlanRequest", "plan_many", "plan_request"]

#: Requests per shipped chunk: ~256 × 0.2 ms of planning per task keeps a Dask task's
#: fixed cost (~1 ms) small, and a dead worker costs at most one chunk of Failures.
CHUNK_SIZE = 256
#: Chunks submitted and not yet handed back: enough to keep a few workers busy, few
#: enough that memory stays bounded whatever the number of requests.
IN_FLIGHT = 8


@attrs.frozen(kw_only=True)
class PlanRequest:
    """One account to plan: its inputs, and the id that names it in any Failure.

    Frozen and picklable. `account_id` is the caller's name for the account (it is
    added to the context of every error about this account as `account_id`).
    """

    account_id: str
    allocation: Allocation | CombinedAllocation
    snapshot: Snapshot
    policy: SizingPolicy = SizingPolicy()  # noqa: RUF009 - a frozen record is a safe default


def plan_request(
    request: PlanRequest, models: SharedModels | None = None
) -> Result[RebalancePlan, PortfolioError]:
    """`plan_rebalance` for one request; a Failure's context names the `account_id`.

    With `models`, each model is prepared once for every request on it (the same result).
    """
    if models is None:
        result = plan_rebalance(request.allocation, request.snapshot, request.policy)
    else:
        result = models.plan(request.allocation, request.snapshot, request.policy)
    if isinstance(result, Success):
        return result
    return result.alt(lambda error: named(error, request.account_id))


def named(error: PortfolioError, account_id: object) -> PortfolioError:
    """The same error with `account_id` added to its context."""
    return attrs.evolve(error, context={**error.context, "account_id": str(account_id)})


def plan_many(
    requests: Iterable[PlanRequest],
    *,
    executor: Executor | None = None,
    chunk_size: int = CHUNK_SIZE,
    in_flight: int = IN_FLIGHT,
) -> Iterator[Result[RebalancePlan, PortfolioError]]:
    """One Result per request, in input order, streamed; never raising for bad data.

    Each request's result is exactly `plan_rebalance`'s. Requests on a shared model (the
    same weights and policy, `portfolio.shared_models`) have it prepared once per run,
    or once per chunk on an executor.
    `requests` is read lazily: with an executor, at most `in_flight` chunks of
    `chunk_size` requests are out at a time. One account's Failure never stops the
    others. A worker that dies, or an executor that refuses the work, becomes a
    `Failure(WORKER_FAILED)` for each account of the chunks concerned. Raises
    `ValueError` only for a `chunk_size` or `in_flight` below 1.

    >>> from decimal import Decimal as D
    >>> from portfolio import Allocation, Snapshot
    >>> request = PlanRequest(
    ...     account_id="acct-1",
    ...     allocation=Allocation(target_weights={"SPY": D(1)}, correlation_id="c"),
    ...     snapshot=Snapshot(cash=D(1000), prices={"SPY": D(100)}),
    ... )
    >>> [plan.unwrap().items[0].quantity for plan in plan_many([request])]
    [Decimal('10.000000000')]
    """
    if chunk_size < 1 or in_flight < 1:
        msg = f"chunk_size and in_flight must be ≥ 1, got {chunk_size!r} and {in_flight!r}"
        raise ValueError(msg)
    if executor is None:
        return map(partial(plan_request, models=SharedModels()), requests)
    chunks = (
        (tuple(request.account_id for request in chunk), _ship(chunk))
        for chunk in batched(requests, chunk_size)
    )
    return _unpack(map_chunks(_plan_chunk, chunks, executor, in_flight=in_flight))


_Encoded = PlanRequest | tuple[str, CompactRequest, SizingPolicy]
_Shipped = Result[_Encoded, PortfolioError]
_Returned = Result[CompactPlan | RebalancePlan, PortfolioError]
_PROTOCOL = pickle.HIGHEST_PROTOCOL


def _ship(chunk: tuple[PlanRequest, ...]) -> bytes:
    """A chunk as one bytes object, which an executor passes on without walking it.

    (Dask inspects a task's arguments for futures: a tuple of thousands of small
    strings costs it ~120 µs per account, a bytes object nothing.) Each request travels
    as a `Result`: one that cannot be pickled travels as its Failure, so the others
    still go.
    """
    entries = tuple(Success(_encode_request(request)) for request in chunk)
    try:
        return pickle.dumps(entries, _PROTOCOL)
    except Exception:  # noqa: BLE001 - something unpicklable inside one of the requests
        return pickle.dumps(tuple(map(_shippable, chunk, entries)), _PROTOCOL)


def _shippable(request: PlanRequest, entry: _Shipped) -> _Shipped:
    try:
        pickle.dumps(entry, _PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - as above, now found
        error = worker_failed("the request cannot be sent to a worker", exc)
        return Failure(named(error, request.account_id))
    return entry


def _encode_request(request: PlanRequest) -> _Encoded:
    compact = encode_allocation_snapshot(request.allocation, request.snapshot)
    if compact is None:
        return request
    return request.account_id, compact, request.policy


def _plan_chunk(payload: bytes) -> bytes:
    """What a worker runs: decode, plan, encode, for each request of one chunk."""
    chunk: tuple[_Shipped, ...] = pickle.loads(payload)  # noqa: S301 - made by _ship
    plan = partial(plan_request, models=SharedModels())
    return pickle.dumps(tuple(_plan_shipped(shipped, plan) for shipped in chunk), _PROTOCOL)


def _plan_shipped(
    shipped: _Shipped, plan: Callable[[PlanRequest], Result[RebalancePlan, PortfolioError]]
) -> _Returned:
    planned = shipped.map(_decode_request).bind(plan)
    return planned.map(encode_plan)


def _decode_request(shipped: _Encoded) -> PlanRequest:
    if isinstance(shipped, PlanRequest):  # sent as it is: it has no compact form
        return shipped
    account_id, compact, policy = shipped
    allocation, snapshot = decode_allocation_snapshot(compact)
    return PlanRequest(
        account_id=account_id, allocation=allocation, snapshot=snapshot, policy=policy
    )


def _decode_result(returned: _Returned) -> Result[RebalancePlan, PortfolioError]:
    return returned.map(_decode_plan)


def _decode_plan(returned: CompactPlan | RebalancePlan) -> RebalancePlan:
    if isinstance(returned, RebalancePlan):  # sent as it is: it has no compact form
        return returned
    return decode_plan(returned)


def _unpack(
    outcomes: Iterator[tuple[tuple[str, ...], Result[bytes, PortfolioError]]],
) -> Iterator[Result[RebalancePlan, PortfolioError]]:
    for account_ids, outcome in outcomes:
        match outcome:
            case Success(returned):
                yield from map(_decode_result, pickle.loads(returned))  # noqa: S301 - ours
            case Failure(error):
                yield from (Failure(named(error, account_id)) for account_id in account_ids)
