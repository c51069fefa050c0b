"""Start-up: a command imports what it runs, not what the other commands need.

Each check runs the command in a fresh interpreter and reads its `sys.modules`: which
modules a run imports is what start-up time is made of (docs/performance.md measures
the time; no test here times anything).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "adapters" / "cli" / "sample"

#: Never needed to plan one account from files.
HEAVY = (
    "portfolio.backtest",  # the backtest engine, its CSV reader and metrics
    "adapters.cli.plot",
    "multiprocessing",  # plan-many's process pool
    "concurrent.futures",
    "importlib.metadata",  # only for --version
    "email",
    "zipfile",
    "subprocess",
    "socket",
    "alpaca",
    "dask",
    "distributed",
    "matplotlib",
    "numpy",
    "pandas",
)
OTHER_COMMANDS = tuple(
    f"adapters.cli.commands.{name}"
    for name in ("backtest", "demo", "validate", "rebalance", "plan_many")
)


def imported_by(*argv: str) -> set[str]:
    """The modules a fresh interpreter holds after `portfolio ARGV` (its exit code checked)."""
    script = (
        "import io, json, os, sys\n"
        "from adapters.cli import main\n"
        "from adapters.cli.terminal import Terminal\n"
        "out = io.StringIO()\n"
        "code = main(sys.argv[1:], Terminal(out=out, err=out, environ={}, ask=sys.stdin))\n"
        "print(json.dumps({'code': code, 'modules': sorted(sys.modules)}))\n"
    )
    run = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, *argv],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    result = json.loads(run.stdout)
    assert result["code"] == 0, run.stdout
    return set(result["modules"])


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The names, or submodules of them, among `modules`."""
    return sorted(
        name for name in names if any(m == name or m.startswith(f"{name}.") for m in modules)
    )


def test_plan_imports_neither_the_other_commands_nor_anything_heavy() -> None:
    modules = imported_by(
        "plan",
        "--weights",
        str(SAMPLE / "weights.json"),
        "--snapshot",
        str(SAMPLE / "account.json"),
    )
    assert "adapters.cli.commands.plan" in modules  # it did run
    assert "portfolio.steps.planner" in modules
    assert loaded(modules, OTHER_COMMANDS) == []
    assert loaded(modules, HEAVY) == []


@pytest.mark.parametrize("module", ["plan_many", "backtest", "validate", "rebalance", "demo"])
def test_a_command_imports_its_own_module_and_no_other(module: str) -> None:
    modules = imported_by(module.replace("_", "-"), "--help")  # help exits 0 after parsing
    others = tuple(m for m in OTHER_COMMANDS if not m.endswith(f".{module}"))
    assert f"adapters.cli.commands.{module}" in modules
    assert loaded(modules, others) == []  # (several share helpers of `plan`)
    if module not in {"backtest", "demo"}:  # the demo runs a backtest
        assert loaded(modules, ("portfolio.backtest",)) == []


def test_the_version_is_looked_up_only_when_asked_for() -> None:
    assert "importlib.metadata" in imported_by("--version")
    assert "importlib.metadata" not in imported_by("plan-many", "--help")
