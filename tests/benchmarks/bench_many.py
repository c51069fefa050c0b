"""Accounts per second for many accounts: a plain loop, `plan_many`, and `portfolio plan-many`.

Run: `.venv/bin/python tests/benchmarks/bench_many.py [accounts] [rounds] [only]` (default
20,000 twenty-symbol accounts, 3 rounds; `only`, e.g. `plan-many`, keeps the runs whose
name contains it, and the two baselines). Every configuration plans the same accounts in the
same run; each round runs every configuration once (interleaved, so a noisy neighbour
hurts all of them alike) and the best round counts. Prints accounts/s, accounts/s per
core, and ratios against the plain loop and against `plan-many --workers 1`. Also the
driver's own cost per account (encoding requests, decoding plans), which bounds how far
`plan_many` can scale when it returns whole plans to one process, and the Dask cluster's
CPU per account during each command (idle, or planning with `--scheduler`). The command
also runs on a second 2-worker cluster whose workers' profiler is off, as docs/scale.md
advises for a cluster that only plans. Asserts nothing; the figures go into
docs/performance.md and docs/scale.md.
"""

from __future__ import annotations

import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import dask
from distributed import Client, LocalCluster

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the suite's helpers

from many_support import account, account_line

from adapters.cli.local_cluster import without_dashboard
from adapters.many import _decode_result, _plan_chunk, _ship, ship_many
from portfolio import PlanRequest, plan_many, plan_rebalance

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[[], object]
#: The runs every ratio is taken against; always run.
BASELINES = ("plain loop of plan_rebalance", "plan-many --workers 1")


def plan_one(request: PlanRequest) -> object:
    """What a naive process pool runs: the records travel pickled both ways."""
    return plan_rebalance(request.allocation, request.snapshot, request.policy)


def command(accounts: Path, out: Path, *where: str) -> Run:
    argv = [sys.executable, "-m", "portfolio", "plan-many", "--accounts", str(accounts)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run() -> None:
        subprocess.run(  # noqa: S603 - our own command
            [*argv, "--out", str(out), *where],
            check=True,
            env=env,
            timeout=3600,
            stderr=subprocess.DEVNULL,
        )

    return run


def driver_cost(requests: list[PlanRequest]) -> tuple[float, float, float]:
    """µs per account: planning in a worker, and the driver's encode + pickle + decode."""
    sample = tuple(requests[:2000])
    start = time.perf_counter()
    shipped = _ship(sample)
    encoded = time.perf_counter()
    returned = _plan_chunk(shipped)
    planned = time.perf_counter()
    list(map(_decode_result, pickle.loads(returned)))  # noqa: S301 - our own bytes
    decoded = time.perf_counter()
    n = len(sample) / 1e6
    return (planned - encoded) / n, (encoded - start) / n, (decoded - planned) / n


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    requests = [account(k) for k in range(n)]
    work = Path(tempfile.mkdtemp(prefix="bench-many-"))
    accounts = work / "accounts.jsonl"
    accounts.write_text("".join(account_line(r) + "\n" for r in requests), encoding="utf-8")
    out = work / "plans.jsonl"
    print(f"{n:,} accounts of 20 symbols, {os.cpu_count()} cores, best of {rounds} rounds")
    print(f"load average (1 min) at the start: {os.getloadavg()[0]:.1f}")
    with (
        ProcessPoolExecutor(2) as pool,
        LocalCluster(n_workers=2, threads_per_worker=1, **without_dashboard()) as cluster,  # type: ignore[no-untyped-call]  # distributed is untyped
        Client(cluster) as client,  # type: ignore[no-untyped-call]  # same
        unprofiled_cluster() as quiet,
    ):
        dask = client.get_executor(pure=False)
        warm = requests[:600]
        list(ship_many(warm, pool))
        list(ship_many(warm, dask))
        few = work / "few.jsonl"
        few.write_text("".join(account_line(r) + "\n" for r in warm), encoding="utf-8")
        command(few, out, "--scheduler", cluster.scheduler_address)()  # workers import the CLI
        command(few, out, "--scheduler", quiet.scheduler_address)()
        runs: dict[str, tuple[int, Run]] = {
            "plain loop of plan_rebalance": (1, lambda: [plan_one(r) for r in requests]),
            "plan_many, in process": (1, lambda: list(plan_many(requests))),
            "naive pool.map(plan_rebalance), 2 processes": (
                2,
                lambda: list(pool.map(plan_one, requests, chunksize=256)),
            ),
            "ship_many, 2 processes": (2, lambda: list(ship_many(requests, pool))),
            "ship_many, Dask LocalCluster (2 workers)": (
                2,
                lambda: list(ship_many(requests, dask)),
            ),
            "plan-many --workers 1": (1, command(accounts, out)),
            "plan-many --workers 2": (2, command(accounts, out, "--workers", "2")),
            "plan-many --scheduler (Dask, 2 workers)": (
                2,
                command(accounts, out, "--scheduler", cluster.scheduler_address),
            ),
            "plan-many --scheduler (Dask, no profiler)": (
                2,
                command(accounts, out, "--scheduler", quiet.scheduler_address),
            ),
        }
        if len(sys.argv) > 3:  # a third argument keeps the runs whose name contains it
            runs = {k: v for k, v in runs.items() if sys.argv[3] in k or k in BASELINES}
        best = dict.fromkeys(runs, float("inf"))
        cpu = dict.fromkeys(runs, float("inf"))
        cluster_cpu = dict.fromkeys(runs, float("inf"))
        for _ in range(rounds):
            for name, (_cores, run) in runs.items():
                start, used, held = time.perf_counter(), cpu_seconds(), cluster_seconds(client)
                run()
                best[name] = min(best[name], time.perf_counter() - start)
                cpu[name] = min(cpu[name], cpu_seconds() - used)
                cluster_cpu[name] = min(cluster_cpu[name], cluster_seconds(client) - held)
        plan_us, encode_us, decode_us = driver_cost(requests)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    report(n, runs, best, cpu)
    print("\nThe Dask cluster's CPU per account during the commands (scheduler and nannies in this")
    print("process; each worker's event loop and planning thread), idle or planning:")
    for name in (k for k in runs if k.startswith("plan-many")):
        print(f"  {name:<46} {cluster_cpu[name] / n * 1e6:>6,.0f} µs")
    if "ship_many, 2 processes" not in cpu:
        return
    loop_us = cpu["plain loop of plan_rebalance"] / n * 1e6
    driver_us = cpu["ship_many, 2 processes"] / n * 1e6
    print(
        f"\none chunk of 2,000 in this process: a worker's share {plan_us:.0f} µs per account; "
        f"the driver's: encoding {encode_us:.0f} µs, decoding {decode_us:.0f} µs.\n"
        f"plan_many's driver spends {driver_us:.0f} µs CPU per account, so one process can take "
        f"back at most {1e6 / driver_us:,.0f} plans/s: {loop_us / driver_us:.1f}× the plain loop "
        "however many workers plan."
    )


def unprofiled_cluster() -> LocalCluster:
    """A second 2-worker LocalCluster, its workers' statistical profiler off.

    As docs/scale.md advises for a cluster that only plans: the profiler samples the
    planning thread a hundred times a second, at the cost of the workers' event loops.
    """
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        return LocalCluster(n_workers=2, threads_per_worker=1, **without_dashboard())  # type: ignore[no-untyped-call]  # distributed is untyped


def cluster_seconds(client: Client) -> float:
    """CPU time so far of this process (the scheduler, the nannies) and of the workers."""
    workers: dict[str, float] = client.run(worker_cpu_seconds)
    return time.process_time() + sum(workers.values())


def worker_cpu_seconds() -> float:
    """A worker process's CPU time so far, all its threads."""
    return time.process_time()


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (a command and its pool)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def report(
    n: int, runs: dict[str, tuple[int, Run]], best: dict[str, float], cpu: dict[str, float]
) -> None:
    """Wall-clock rates and ratios; CPU µs per account where this process can see it.

    CPU counts this process and finished child processes: all the work for the loops
    and the commands with --workers (the pool's workers are the command's children),
    only the driver's share for plan_many on a pool or on Dask, and the driver's share
    for the command on Dask (the Dask workers are not its children).
    """
    loop = n / best["plain loop of plan_rebalance"]
    one = n / best["plan-many --workers 1"]
    print(
        f"{'configuration':<46} {'accounts/s':>11} {'per core':>9} {'× loop':>7} {'× w1':>6}"
        f" {'CPU µs/acct':>12}"
    )
    for name, (cores, _run) in runs.items():
        rate = n / best[name]
        versus_one = f"{rate / one:6.2f}" if name.startswith("plan-many") else ""
        print(
            f"{name:<46} {rate:>11,.0f} {rate / cores:>9,.0f} {rate / loop:>7.2f} {versus_one:>6}"
            f" {cpu[name] / n * 1e6:>12,.0f}"
        )


if __name__ == "__main__":
    main()
