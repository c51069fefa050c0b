"""Where `plan-many` plans: this process, a process pool, or a Dask cluster, and how.

Each place gets its own chunk size and number of chunks in flight. A chunk on a
pool is 256 lines (~0.1 s of planning). A Dask task costs the driver, the scheduler
and the worker ~8 ms of event-loop CPU between them whatever its size, so a chunk
on Dask is 512 lines (~0.2 s of planning; the task's cost ~16 µs per account). At
least two chunks per worker thread are out at a time, so that no worker waits for
the driver, and at most a few per thread, so that memory stays bounded. Near the
end of the file the chunks shrink (`Workers.lines_for`), so that the workers finish
together instead of all but one waiting for the last big chunk.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack

import attrs
from returns.result import Failure, Result, Success

from adapters.cli.local_cluster import LOCAL, start_local_cluster
from adapters.cli.report import Problem
from adapters.cli.terminal import InputError

__all__ = [
    "CHUNK_LINES",
    "DASK_CHUNK_LINES",
    "IN_FLIGHT",
    "LEAST_LINES",
    "Workers",
    "open_workers",
]

#: Lines per chunk in this process or on a pool, and the fewest chunks in flight.
CHUNK_LINES = 256
IN_FLIGHT = 8
#: Lines per chunk on a Dask cluster (see the module docstring).
DASK_CHUNK_LINES = 512
#: The smallest chunk near the end of the file, in lines.
LEAST_LINES = 32


@attrs.frozen(kw_only=True)
class Workers:
    """Where the chunks are planned (`executor`; None: this process), and how.

    At most `chunk_lines` lines per chunk (≥ 1); `in_flight` chunks out at a time
    (≥ 1); `threads` workers plan at once (≥ 1).
    """

    executor: Executor | None = None
    chunk_lines: int = CHUNK_LINES
    in_flight: int = IN_FLIGHT
    threads: int = 1

    def lines_for(self, remaining_bytes: int, bytes_per_line: float) -> int:
        """Lines in the next chunk: a share of what is left, between 32 and `chunk_lines`.

        Each worker thread gets about a second share of the lines left (estimated from
        the bytes left and the mean line so far), so the last chunks are small and the
        workers finish within a small chunk of each other. Nothing left to estimate
        from (a pipe, a file that grew): `chunk_lines`.
        """
        if remaining_bytes <= 0 or bytes_per_line <= 0:
            return self.chunk_lines
        share = math.ceil(remaining_bytes / bytes_per_line / (2 * self.threads))
        return max(min(LEAST_LINES, self.chunk_lines), min(share, self.chunk_lines))


def open_workers(workers: int, scheduler: str | None, stack: ExitStack) -> Result[Workers, Problem]:
    """This process (`workers` ≤ 1), a pool of `workers` processes, or a Dask cluster.

    `scheduler` is the cluster's address, or `local` to start a LocalCluster sized to
    this machine for this run; the pool, the client and the cluster close with `stack`.
    """
    if scheduler == LOCAL:
        return start_local_cluster(stack).bind(lambda address: _dask(address, stack))
    if scheduler is not None:
        return _dask(scheduler, stack)
    if workers <= 1:
        return Success(Workers())
    pool = stack.enter_context(ProcessPoolExecutor(workers))
    stack.callback(pool.shutdown, cancel_futures=True)
    return Success(Workers(executor=pool, in_flight=max(IN_FLIGHT, 2 * workers), threads=workers))


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
            threads=max(threads, 1),
        )
    )
