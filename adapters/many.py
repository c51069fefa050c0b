"""`plan_many`'s requests shipped to workers in compact chunks: the many-accounts transport.

`portfolio.plan_many` with an executor sends one request per task, which is plain and
right for a few workers and a few hundred accounts. For thousands of accounts on worker
processes or a Dask cluster, `ship_many` sends chunks of requests, each pickled once in
the compact form of `portfolio.formats.compact` (exact both ways), keeps a bounded number
of chunks in flight, and hands the plans back in input order as they arrive: the same
results as `plan_many`, at a fraction of the driver's cost per account (docs/scale.md).
This module starts nothing: whatever runs the work is the caller's.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, TypeVar

from returns.result import Failure, Result, Success

from portfolio import PlanRequest, PortfolioError, RebalancePlan, SizingPolicy
from portfolio.executors import map_chunks, worker_failed
from portfolio.formats.compact import (
    CompactPlan,
    CompactRequest,
    decode_allocation_snapshot,
    decode_plan,
    encode_allocation_snapshot,
    encode_plan,
)
from portfolio.many import named, plan_request, request_name, request_problem
from portfolio.steps.shared_models import SharedModels

if TYPE_CHECKING:  # only named in annotations: importing it costs threads and logging
    from concurrent.futures import Executor

__all__ = ["CHUNK_SIZE", "IN_FLIGHT", "batched", "ship_many"]

T = TypeVar("T")

#: Requests per shipped chunk: ~256 × 0.2 ms of planning per task keeps a Dask task's
#: fixed cost (~1 ms) small, and a dead worker costs at most one chunk of Failures.
CHUNK_SIZE = 256
#: Chunks submitted and not yet handed back: enough to keep a few workers busy, few
#: enough that memory stays bounded whatever the number of requests.
IN_FLIGHT = 8


def ship_many(
    requests: Iterable[PlanRequest],
    executor: Executor,
    *,
    chunk_size: int = CHUNK_SIZE,
    in_flight: int = IN_FLIGHT,
) -> Iterator[Result[RebalancePlan, PortfolioError]]:
    """`plan_many(requests, executor=executor)`'s results, shipped in compact chunks.

    One Result per request, in input order, streamed; each exactly `plan_rebalance`'s.
    Requests on a shared model have it prepared once per chunk. `requests` is read
    lazily: at most `in_flight` chunks of `chunk_size` requests are out at a time. A
    worker that dies, or an executor that refuses the work, becomes a
    `Failure(WORKER_FAILED)` for each account of the chunks concerned. Raises
    `ValueError` only for a `chunk_size` or `in_flight` below 1.
    """
    if chunk_size < 1 or in_flight < 1:
        msg = f"chunk_size and in_flight must be ≥ 1, got {chunk_size!r} and {in_flight!r}"
        raise ValueError(msg)
    chunks = (
        (tuple(map(request_name, chunk)), _ship(chunk)) for chunk in batched(requests, chunk_size)
    )
    return _unpack(map_chunks(_plan_chunk, chunks, executor, in_flight=in_flight))


def batched(items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    """Consecutive tuples of `size` items (the last may be shorter), read lazily."""
    if size < 1:
        msg = f"chunk size must be ≥ 1, got {size!r}"
        raise ValueError(msg)
    it = iter(items)
    while chunk := tuple(islice(it, size)):
        yield chunk


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
    entries = tuple(map(_entry, chunk))
    try:
        return pickle.dumps(entries, _PROTOCOL)
    except Exception:  # noqa: BLE001 - something unpicklable inside one of the requests
        return pickle.dumps(tuple(map(_shippable, chunk, entries)), _PROTOCOL)


def _entry(request: PlanRequest) -> _Shipped:
    """The request as it travels; something that is no request travels as its Failure."""
    problem = request_problem(request)
    return Success(_encode_request(request)) if problem is None else Failure(problem)


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
