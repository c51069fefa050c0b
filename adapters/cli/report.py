"""How a command ends: print what came back, or one line saying what went wrong.

Exit code 0 for a success, 1 for a `PortfolioError` from the library, 2 for an
`InputError` (a bad command line or input file). Never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from returns.result import Failure, Result, Success

from adapters.cli.table import plan_table
from adapters.cli.terminal import ExitCode, InputError, Terminal
from portfolio import ErrorKind, PortfolioError, RebalancePlan

__all__ = ["Problem", "finish", "name_file", "problem", "show_plan"]

T = TypeVar("T")

#: Anything a command can fail with: the user's input, or the library's answer.
Problem = InputError | PortfolioError


#: The kinds of library refusal that are about the weights file's content.
WEIGHTS_KINDS = frozenset({ErrorKind.INVALID_WEIGHTS, ErrorKind.INVALID_ALLOCATION})
#: ... about a snapshot file's content (cash, positions, prices, asset facts).
SNAPSHOT_KINDS = frozenset(
    {ErrorKind.INVALID_SNAPSHOT, ErrorKind.INVALID_PRICE, ErrorKind.MISSING_PRICE}
)
#: ... about a price CSV's content.
PRICES_KINDS = frozenset({ErrorKind.INVALID_PRICE, ErrorKind.MISSING_PRICE, ErrorKind.INVALID_BARS})
#: ... about a saved plan's content (items that disagree, `held` short of a symbol).
PLAN_KINDS = frozenset({ErrorKind.INVALID_PLAN})


def name_file(
    error: Problem,
    *,
    weights: Path | None = None,
    snapshot: Path | None = None,
    prices: Path | None = None,
    plan: Path | None = None,
) -> Problem:
    """A library refusal of a file's content, saying which file: `w.json: the sum of …`.

    The file is the one of the refusal's kind: weights for invalid weights, the snapshot
    (or the price CSV) for a bad account or price, the saved plan for an invalid plan.
    Its path starts the message and is the context's `file`, as `load_prices_csv` does;
    an error that already names a file, or that no file given here is about (a broker,
    an order), is returned as it is.
    """
    if not isinstance(error, PortfolioError) or "file" in error.context:
        return error
    files = (
        (weights, WEIGHTS_KINDS),
        (snapshot, SNAPSHOT_KINDS),
        (prices, PRICES_KINDS),
        (plan, PLAN_KINDS),
    )
    path = next((path for path, kinds in files if path is not None and error.kind in kinds), None)
    if path is None:
        return error
    context = {**error.context, "file": str(path)}
    return PortfolioError(kind=error.kind, message=f"{path}: {error.message}", context=context)


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
