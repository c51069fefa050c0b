"""An ordered, bounded map over any `concurrent.futures.Executor`, failures as values.

The executor is a parameter: this module starts no thread or process of its own and
does no I/O; whatever runs the work (threads, processes, a Dask cluster) is the caller's.
Each task's payload is whatever the caller ships (one request, a chunk of them, a run).
Invariants: one outcome per payload, in input order; at most `in_flight` chunks submitted
and not yet handed back; the input is read only as far as needed to keep that many in
flight. A payload whose submission or execution raises (a dead worker, a shut-down
executor, a payload that cannot be pickled) becomes a `Failure(WORKER_FAILED)`, never an
exception.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, TypeVar

from returns.result import Failure, Result, Success

from portfolio.records.errors import ErrorKind, PortfolioError

if TYPE_CHECKING:  # only named in annotations: importing it costs threads and logging
    from concurrent.futures import Executor, Future

__all__ = ["map_chunks", "worker_failed"]

K = TypeVar("K")
P = TypeVar("P")
R = TypeVar("R")

_Submitted = Result["Future[R]", PortfolioError]


def map_chunks(
    work: Callable[[P], R],
    chunks: Iterable[tuple[K, P]],
    executor: Executor,
    *,
    in_flight: int,
) -> Generator[tuple[K, Result[R, PortfolioError]], None, None]:
    """Run `work(payload)` on the executor for each `(key, payload)`; yield `(key, outcome)`.

    The key stays in this process (what the caller needs to name the chunk's accounts);
    only the payload is shipped. Outcomes come back in input order. Closing the iterator
    early cancels the chunks not yet started.
    """
    if in_flight < 1:
        msg = f"in_flight must be ≥ 1, got {in_flight!r}"
        raise ValueError(msg)
    pending: deque[tuple[K, _Submitted[R]]] = deque()
    try:
        for key, payload in chunks:
            pending.append((key, _submit(executor, work, payload)))
            if len(pending) >= in_flight:
                done_key, submitted = pending.popleft()
                yield done_key, submitted.bind(_outcome)
        while pending:
            done_key, submitted = pending.popleft()
            yield done_key, submitted.bind(_outcome)
    finally:
        for _, submitted in pending:
            submitted.map(lambda future: future.cancel())


def _submit(executor: Executor, work: Callable[[P], R], payload: P) -> _Submitted[R]:
    try:
        return Success(executor.submit(work, payload))
    except Exception as exc:  # noqa: BLE001 - any executor's refusal becomes a value
        return Failure(worker_failed("the executor refused the work", exc))


def _outcome(future: Future[R]) -> Result[R, PortfolioError]:
    try:
        return Success(future.result())
    except Exception as exc:  # noqa: BLE001 - a dead worker or a failed task becomes a value
        return Failure(worker_failed("the worker running this chunk failed", exc))


def worker_failed(message: str, exc: BaseException) -> PortfolioError:
    """A WORKER_FAILED error naming the exception's type and text."""
    return PortfolioError.of(ErrorKind.WORKER_FAILED, message, error=f"{type(exc).__name__}: {exc}")
