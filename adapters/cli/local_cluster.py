"""`plan-many --scheduler local`: a Dask LocalCluster on this machine, for one run.

One worker process per CPU this process may run on, one thread each (planning is pure
Python: threads of one process do not plan in parallel), no dashboard, and the
workers' statistical profiler off (it samples the planning thread a hundred times a
second; see docs/scale.md). The cluster closes when the command's `ExitStack` does,
after the client that uses it.

No dashboard is not enough to stay off port 8787: a Dask scheduler serves its other
HTTP routes (health, metrics) there even without one, and warns "Port 8787 is already
in use" when another cluster or program holds it. `without_dashboard` also puts those
routes on a free port of the loopback interface, so nothing is asked of port 8787 and
nothing is served beyond this machine. A dashboard is for a cluster of your own:
start it with one and pass its address to `--scheduler`.
"""

from __future__ import annotations

import os
from contextlib import ExitStack

from returns.result import Failure, Result, Success

from adapters.cli.report import Problem
from adapters.cli.terminal import InputError

__all__ = [
    "LOCAL",
    "local_workers",
    "start_local_cluster",
    "without_dashboard",
]

#: The value of `--scheduler` that starts a local cluster.
LOCAL = "local"


def without_dashboard() -> dict[str, object]:
    """`LocalCluster` keyword arguments: no dashboard, and no fixed port for the scheduler.

    No dashboard for the scheduler or the workers; the scheduler's other HTTP routes on
    a free port of the loopback interface instead of 8787 (see above). Fresh each call.
    """
    return {"dashboard_address": None, "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"}}


def local_workers() -> int:
    """The CPUs this process may run on (its affinity where the system has one), ≥ 1."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # macOS and Windows have no affinity call
        return max(os.cpu_count() or 1, 1)


def start_local_cluster(stack: ExitStack) -> Result[str, Problem]:
    """Start the cluster, close it with `stack`; the scheduler's address."""
    try:
        import dask  # noqa: PLC0415 - the optional extra, only when asked for
        from distributed import LocalCluster  # noqa: PLC0415 - same
    except ImportError:
        need = "needs dask: pip install 'portfolio-rebalancer[dask]'"
        return Failure(InputError(source="--scheduler", problem=need))
    try:
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = stack.enter_context(
                LocalCluster(  # type: ignore[no-untyped-call]  # distributed is untyped
                    n_workers=local_workers(),
                    threads_per_worker=1,
                    processes=True,
                    **without_dashboard(),
                )
            )
    except (OSError, RuntimeError, TimeoutError) as exc:
        problem = f"cannot start a local Dask cluster: {exc}"
        return Failure(InputError(source="--scheduler", problem=problem))
    return Success(str(cluster.scheduler_address))
