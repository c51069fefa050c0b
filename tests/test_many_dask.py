"""`plan_many` on a real Dask LocalCluster: two worker processes, one cluster for the module."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster
from many_support import account, account_line, mixed

from adapters.cli import main
from adapters.cli.terminal import Terminal
from portfolio import plan_many


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    # distributed's constructors are untyped; the ignores below say no more than that.
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as started:  # type: ignore[no-untyped-call]
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
    shipped = list(plan_many(requests, executor=executor, chunk_size=16, in_flight=4))
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
