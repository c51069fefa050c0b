"""Many accounts at once: `plan_many` plans each `PlanRequest` on its own, in input order.

The core stays a function of one account (`plan_request`, `plan_rebalance` with the
account's id in its errors); scale-out is a parameter. With no executor, `plan_many` is a
plain loop in this process; with any `concurrent.futures.Executor` it is a plain ordered
map over it, one request per task (`portfolio.executors.map_chunks`: bounded, in order,
a dead worker a Failure). How requests travel cheaply to many workers (compact chunks,
pickled once) is transport, and lives in `adapters.many.ship_many`.
This module starts nothing and does no I/O: whatever runs the work is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING

import attrs
from returns.result import Failure, Result, Success

from portfolio.executors import map_chunks
from portfolio.records.allocation import Allocation, CombinedAllocation
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.plan import RebalancePlan
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Snapshot
from portfolio.steps.planner import plan_rebalance
from portfolio.steps.prepare import argument_problem
from portfolio.steps.shared_models import SharedModels

if TYPE_CHECKING:  # only named in annotations: importing it costs threads and logging
    from concurrent.futures import Executor

__all__ = ["PlanRequest", "plan_many", "plan_request", "request_name", "request_problem"]

#: Requests submitted and not yet handed back: enough to keep a few workers busy, few
#: enough that memory stays bounded whatever the number of requests.
IN_FLIGHT = 16
#: What something in `requests` that is no `PlanRequest` fails with.
_REQUEST = ErrorKind.INVALID_ALLOCATION


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


def request_problem(request: object) -> PortfolioError | None:
    """INVALID_ALLOCATION for something among the requests that is no `PlanRequest`.

    It fails alone, as an account whose data is bad does.
    """
    return argument_problem(request, PlanRequest, _REQUEST, "a request")


def request_name(request: object) -> str:
    """The `account_id` that names a request in a Failure (`?` for what is no request)."""
    return str(request.account_id) if isinstance(request, PlanRequest) else "?"


def plan_request(
    request: PlanRequest, models: SharedModels | None = None
) -> Result[RebalancePlan, PortfolioError]:
    """`plan_rebalance` for one request; a Failure's context names the `account_id`.

    With `models`, each model is prepared once for every request on it (the same result).
    Something that is no `PlanRequest` is an INVALID_ALLOCATION of its own.
    """
    if type(request) is not PlanRequest and (problem := request_problem(request)) is not None:
        return Failure(problem)
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
    in_flight: int = IN_FLIGHT,
) -> Iterator[Result[RebalancePlan, PortfolioError]]:
    """One Result per request, in input order, streamed; never raising for bad data.

    Each request's result is exactly `plan_rebalance`'s. Without an executor, requests
    on a shared model (the same weights and policy, `portfolio.steps.shared_models`)
    have it prepared once per run. With one, each request is one task, and at most
    `in_flight` are out at a time; `requests` is read lazily either way. One account's
    Failure never stops the others. A worker that dies, or an executor that refuses the
    work, becomes a `Failure(WORKER_FAILED)` for the accounts concerned. Raises
    `ValueError` only for an `in_flight` below 1. For thousands of accounts on worker
    processes or a Dask cluster, `adapters.many.ship_many` sends them in compact chunks.

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
    if in_flight < 1:
        msg = f"in_flight must be ≥ 1, got {in_flight!r}"
        raise ValueError(msg)
    if executor is None:
        return map(partial(plan_request, models=SharedModels()), requests)
    tasks = ((request_name(request), request) for request in requests)
    return _named(map_chunks(plan_request, tasks, executor, in_flight=in_flight))


def _named(
    outcomes: Iterator[tuple[str, Result[Result[RebalancePlan, PortfolioError], PortfolioError]]],
) -> Iterator[Result[RebalancePlan, PortfolioError]]:
    for account_id, outcome in outcomes:
        match outcome:
            case Success(planned):
                yield planned
            case Failure(error):
                yield Failure(named(error, account_id))
