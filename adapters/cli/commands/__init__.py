"""One module per sub-command: its `run(options, terminal) -> ExitCode` and its `COMMAND`.

`MODULES` names them, in the order `portfolio --help` lists them. A command's module
is imported only when it is needed (`load`): `portfolio plan` never pays for the
backtest's imports or the process pool of `plan-many` (tests/test_startup.py).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.cli.command import Command

__all__ = ["MODULES", "load", "load_all"]

#: Every sub-command's name and its module in this package, in `--help` order.
MODULES: dict[str, str] = {
    "plan": "plan",
    "backtest": "backtest",
    "demo": "demo",
    "validate": "validate",
    "rebalance": "rebalance",
    "plan-many": "plan_many",
}


def load(name: str) -> Command[Any]:
    """The `COMMAND` of the sub-command `name` (one of `MODULES`), its module imported now."""
    command: Command[Any] = import_module(f"{__name__}.{MODULES[name]}").COMMAND
    return command


def load_all() -> tuple[Command[Any], ...]:
    """Every sub-command, in `--help` order (for the top-level help and the checks)."""
    return tuple(map(load, MODULES))
