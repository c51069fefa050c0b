"""`plan_many` and `run_backtests` on a real Dask LocalCluster: two worker processes."""

from __future__ import annotations

import errno
import io
import socket
import warnings
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from distributed import Client, LocalCluster
from many_support import account, account_line, mixed
from returns.result import Failure

from adapters.cli import main
from adapters.cli.local_cluster import start_local_cluster, without_dashboard
from adapters.cli.plan_workers import CHUNK_LINES, DASK_CHUNK_LINES, open_workers
from adapters.cli.terminal import Terminal
from adapters.many import ship_many
from portfolio import plan_many


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    # distributed's constructors are untyped; the ignores below say no more than that.
    options = without_dashboard()
    with LocalCluster(n_workers=2, threads_per_worker=1, **options) as started:  # type: ignore[no-untyped-call]
        yield started


@pytest.fixture(scope="module")
def client(cluster: LocalCluster) -> Iterator[Client]:
    with Client(cluster) as connected:  # type: ignore[no-untyped-call]
        yield connected


def test_a_dask_executor_gives_the_same_results_in_the_same_order(
    client: Client,
) -> None:
    requests = [mixed(k) for k in range(300)]
    executor = client.get_executor(pure=False)  # type: ignore[no-untyped-call]  # same
    plain = list(plan_many(requests[:40], executor=executor, in_flight=4))
    shipped = list(ship_many(requests, executor, chunk_size=16, in_flight=4))
    assert plain == list(plan_many(requests[:40]))
    assert shipped == list(plan_many(requests))


def test_the_command_on_the_cluster_writes_exactly_what_one_process_writes(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    accounts = tmp_path / "accounts.jsonl"
    lines = [account_line(account(k, symbols=4)) for k in range(600)]
    accounts.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    err = io.StringIO()
    terminal = Terminal(out=io.StringIO(), err=err)
    assert main(["plan-many", "--accounts", str(accounts), "--out", str(local)], terminal) == 0
    address: str = cluster.scheduler_address
    argv = ["plan-many", "--accounts", str(accounts), "--out", str(remote), "--scheduler", address]
    assert main(argv, terminal) == 0, err.getvalue()
    assert remote.read_bytes() == local.read_bytes()


def test_the_command_gets_big_chunks_and_two_per_worker_thread_on_the_cluster(
    cluster: LocalCluster, client: Client
) -> None:
    """A Dask task costs a few ms of event loops, so chunks are bigger than on a pool;
    and every worker thread of the cluster, however many, has a chunk waiting."""
    threads = sum(client.nthreads().values())  # type: ignore[no-untyped-call]  # distributed is untyped
    with ExitStack() as stack:
        workers = open_workers(1, cluster.scheduler_address, stack).unwrap()
        assert workers.chunk_lines == DASK_CHUNK_LINES > CHUNK_LINES
        assert workers.in_flight >= 2 * threads
        assert workers.threads == threads
        assert workers.executor is not None
        assert workers.executor.submit(len, b"abc").result() == 3


def test_on_the_cluster_a_malformed_line_in_a_later_chunk_is_exit_2_and_out_untouched(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    """Nothing is written before the whole file planned, wherever the bad line is."""
    lines = [account_line(account(k, symbols=4)) for k in range(DASK_CHUNK_LINES + 100)]
    lines[DASK_CHUNK_LINES + 50] = lines[DASK_CHUNK_LINES + 50].replace('"weights"', '"weight"')
    accounts = tmp_path / "accounts.jsonl"
    accounts.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    out = tmp_path / "plans.jsonl"
    err = io.StringIO()
    address: str = cluster.scheduler_address
    argv = ["plan-many", "--accounts", str(accounts), "--out", str(out), "--scheduler", address]
    assert main(argv, Terminal(out=io.StringIO(), err=err)) == 2
    assert f"line {DASK_CHUNK_LINES + 51}: weight: unknown key" in err.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accounts.jsonl"]


def test_a_sweep_on_the_dask_executor_gives_what_one_process_gives(client: Client) -> None:
    """`run_backtests` on a Dask client's executor: same results, same order, bad run alone."""
    from datetime import date, timedelta  # noqa: PLC0415 - this test's own
    from decimal import Decimal  # noqa: PLC0415 - same

    from portfolio import Allocation  # noqa: PLC0415 - same
    from portfolio.backtest import BacktestRun, Bar, run_backtests  # noqa: PLC0415 - same

    bars = [
        Bar(
            date=date(2024, 1, 1) + timedelta(days=k),
            prices={"AAA": Decimal(100 + k % 7), "BBB": Decimal(50 + k % 5)},
        )
        for k in range(90)
    ]
    weights = Allocation(
        target_weights={"AAA": Decimal("0.5"), "BBB": Decimal("0.5")}, correlation_id="d"
    )
    runs = [
        BacktestRun(allocation=weights, schedule=schedule, label=schedule)
        for schedule in ("daily", "weekly", "monthly", "hourly", "quarterly")
    ]
    executor = client.get_executor(pure=False)  # type: ignore[no-untyped-call]  # distributed is untyped
    on_dask = list(run_backtests(bars, runs, executor))
    assert on_dask == list(run_backtests(bars, runs))
    failed = [r.failure().context["run"] for r in on_dask if isinstance(r, Failure)]
    assert failed == ["hourly"]


@pytest.fixture
def port_8787_taken() -> Iterator[None]:
    """Port 8787 (Dask's default for the scheduler's HTTP) held, as another cluster holds it."""
    with socket.socket() as holder:
        try:
            holder.bind(("127.0.0.1", 8787))
            holder.listen()
        except OSError as exc:  # held already: by another cluster, the case itself
            if exc.errno != errno.EADDRINUSE:
                raise
        yield


@pytest.mark.usefixtures("port_8787_taken")
def test_the_local_cluster_starts_without_a_dashboard_and_asks_nothing_of_port_8787() -> None:
    """No "Port 8787 is already in use" warning, no dashboard page, and the cluster plans.

    The scheduler still answers its health route, on a free loopback port.
    """
    with ExitStack() as stack, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        address = start_local_cluster(stack).unwrap()
        client = stack.enter_context(Client(address))  # type: ignore[no-untyped-call]  # distributed is untyped
        port = client.scheduler_info()["services"]["dashboard"]
        health = requests.get(f"http://127.0.0.1:{port}/health", timeout=5)
        status = requests.get(f"http://127.0.0.1:{port}/status", timeout=5)
        planned = list(plan_many([mixed(k) for k in range(3)], executor=client.get_executor()))
    assert [str(w.message) for w in caught if "8787" in str(w.message)] == []
    assert port != 8787
    assert (health.status_code, health.text, status.status_code) == (200, "ok", 404)
    assert planned == list(plan_many([mixed(k) for k in range(3)]))
