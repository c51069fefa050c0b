"""`plan-many --scheduler local`: a real Dask LocalCluster sized to the machine, used, closed."""

from __future__ import annotations

import io
from contextlib import ExitStack
from pathlib import Path

import psutil
from many_support import account, account_line

from adapters.cli import main
from adapters.cli.local_cluster import local_workers
from adapters.cli.plan_workers import DASK_CHUNK_LINES, open_workers
from adapters.cli.terminal import Terminal


def workers_running() -> int:
    """Worker processes of a local cluster below this one (multiprocessing's spawned children)."""
    return sum(
        1
        for child in psutil.Process().children(recursive=True)
        if "spawn_main" in " ".join(child.cmdline())
    )


def test_local_starts_a_worker_per_cpu_and_closes_them_with_the_command() -> None:
    before = workers_running()
    with ExitStack() as stack:
        workers = open_workers(1, "local", stack).unwrap()
        assert workers.threads == local_workers()  # one single-threaded worker per CPU
        assert workers.chunk_lines == DASK_CHUNK_LINES
        assert workers.executor is not None
        assert workers.executor.submit(len, b"abcd").result() == 4
        assert workers_running() - before == local_workers()
    assert workers_running() == before


def test_the_command_on_a_local_cluster_writes_what_one_process_writes(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.jsonl"
    lines = [account_line(account(k, symbols=4)) for k in range(700)]
    accounts.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    here, there = tmp_path / "here.jsonl", tmp_path / "there.jsonl"
    err = io.StringIO()
    terminal = Terminal(out=io.StringIO(), err=err)
    assert main(["plan-many", "--accounts", str(accounts), "--out", str(here)], terminal) == 0
    before = workers_running()
    argv = ["plan-many", "--accounts", str(accounts), "--out", str(there), "--scheduler", "local"]
    assert main(argv, terminal) == 0, err.getvalue()
    assert there.read_bytes() == here.read_bytes()
    assert len(there.read_bytes().splitlines()) == 700
    assert workers_running() == before
