"""How a command ends: print what came back, or one line saying what went wrong.

Exit code 0 for a success, 1 for a `PortfolioError` from the library, 2 for an
`InputError` (a bad command line or input file). Never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from returns.result import Failure, Result, Success

from adapters.cli.table import plan_table
from adapters.cli.terminal import ExitCode, InputError, Terminal
from portfolio import PortfolioError, RebalancePlan

__all__ = ["Problem", "finish", "problem", "show_plan"]

T = TypeVar("T")

#: Anything a command can fail with: the user's input, or the library's answer.
Problem = InputError | PortfolioError


def problem(error: Problem, terminal: Terminal) -> ExitCode:
    """Print `error` as one line on stderr and pick its exit code."""
    terminal.warn(f"error: {error}")
    match error:
        case InputError():
            return ExitCode.USAGE
        case PortfolioError():
            return ExitCode.FAILURE


def finish(
    result: Result[T, Problem], terminal: Terminal, show: Callable[[T, Terminal], None]
) -> ExitCode:
    """Show a success with `show`, or report the failure."""
    match result:
        case Success(value):
            show(value, terminal)
            return ExitCode.OK
        case Failure(error):
            return problem(error, terminal)
    return ExitCode.FAILURE  # unreachable: a Result is a Success or a Failure


def show_plan(plan: RebalancePlan, terminal: Terminal, *, as_json: bool) -> None:
    """The plan's table, or exactly `plan.to_json()`."""
    terminal.say(plan.to_json() if as_json else plan_table(plan))
