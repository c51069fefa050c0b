"""Where `plan-many` plans: this process, a process pool, or a Dask cluster, and how.

Each place gets its own chunk size and number of chunks in flight. A chunk on a
pool is 256 lines (~0.1 s of planning). A Dask task costs the driver, the scheduler
and the worker ~8 ms of event-loop CPU between them whatever its size, so a chunk
on Dask is 512 lines (~0.2 s of planning; the task's cost ~16 µs per account). At
least two chunks per worker thread are out at a time, so that no worker waits for
the driver, and at most a few per thread, so that memory stays bounded.
"""

from __future__ import annotations

from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack

import attrs
from returns.result import Failure, Result, Success

from adapters.cli.report import Problem
from adapters.cli.terminal import InputError

__all__ = ["CHUNK_LINES", "DASK_CHUNK_LINES", "IN_FLIGHT", "Workers", "open_workers"]

#: Lines per chunk in this process or on a pool, and the fewest chunks in flight.
CHUNK_LINES = 256
IN_FLIGHT = 8
#: Lines per chunk on a Dask cluster (see the module docstring).
DASK_CHUNK_LINES = 512


@attrs.frozen(kw_only=True)
class Workers:
    """Where the chunks are planned (`executor`; None: this process), and how.

    `chunk_lines` lines per chunk (≥ 1); `in_flight` chunks out at a time (≥ 1).
    """

    executor: Executor | None = None
    chunk_lines: int = CHUNK_LINES
    in_flight: int = IN_FLIGHT


def open_workers(workers: int, scheduler: str | None, stack: ExitStack) -> Result[Workers, Problem]:
    """This process (`workers` ≤ 1), a pool of `workers` processes, or a Dask cluster.

    `scheduler` is the cluster's address; the pool or the client closes with `stack`.
    """
    if scheduler is not None:
        return _dask(scheduler, stack)
    if workers <= 1:
        return Success(Workers())
    pool = stack.enter_context(ProcessPoolExecutor(workers))
    stack.callback(pool.shutdown, cancel_futures=True)
    return Success(Workers(executor=pool, in_flight=max(IN_FLIGHT, 2 * workers)))


def _dask(address: str, stack: ExitStack) -> Result[Workers, Problem]:
    try:
        from distributed import Client  # noqa: PLC0415 - the optional extra, only when asked for
    except ImportError:
        need = "needs dask: pip install 'portfolio-rebalancer[dask]'"
        return Failure(InputError(source="--scheduler", problem=need))
    try:
        client = stack.enter_context(Client(address, timeout="10s"))  # type: ignore[no-untyped-call]  # distributed is untyped
        threads = sum(client.nthreads().values())
    except (OSError, ValueError) as exc:
        return Failure(
            InputError(source="--scheduler", problem=f"cannot connect to {address}: {exc}")
        )
    return Success(
        Workers(
            executor=client.get_executor(pure=False),
            chunk_lines=DASK_CHUNK_LINES,
            in_flight=max(IN_FLIGHT, 2 * threads),
        )
    )
