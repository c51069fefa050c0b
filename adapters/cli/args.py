"""The command line: the table of sub-commands, `COMMANDS`, and `parse`, which reads argv with it.

Each sub-command is one module of `commands/` that ends with its `COMMAND`: its name,
summary and examples, the function that adds its arguments to a parser, the one that
turns the parsed namespace into its options record (from `options`), and its `run`.
To add a sub-command: write that module and list its `COMMAND` here. Help, defaults,
examples, `--version`, "did you mean" and dispatch come from the table. A usage error
never exits the process from inside argparse: it becomes a `UsageError` that `main`
prints as one line (exit 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from typing import IO, Any

from adapters.cli.command import (
    Command,
    Invocation,
    UsageError,
    build_parser,
    option_hint,
    unknown_command,
)
from adapters.cli.commands import backtest, demo, plan, plan_many, rebalance, validate

__all__ = ["COMMANDS", "UsageError", "parse", "version"]


def version() -> str:
    """The installed distribution's version ("unknown" when run from a bare checkout)."""
    try:
        return metadata.version("portfolio-rebalancer")
    except metadata.PackageNotFoundError:
        return "unknown"


#: Every sub-command, in the order `portfolio --help` lists them.
COMMANDS: tuple[Command[Any], ...] = (
    plan.COMMAND,
    backtest.COMMAND,
    demo.COMMAND,
    validate.COMMAND,
    rebalance.COMMAND,
    plan_many.COMMAND,
)


def parse(argv: Sequence[str], out: IO[str] | None = None) -> Invocation:
    """Parse the arguments after the program name; raises `UsageError` (one line) when wrong.

    `--help` and `--version` print to `out` (default: stdout) and raise `SystemExit(0)`.
    """
    names = [command.name for command in COMMANDS]
    if (unknown := unknown_command(argv, names)) is not None:
        raise UsageError(unknown)
    parser, subparsers = build_parser(COMMANDS, version=version(), out=out)
    try:
        namespace = parser.parse_args(list(argv))
    except UsageError as error:
        chosen = next((subparsers[word] for word in argv if word in subparsers), parser)
        hint = option_hint(argv, chosen)
        raise UsageError(str(error).replace(" (see --help)", f"{hint} (see --help)")) from None
    command = next(command for command in COMMANDS if command.name == namespace.command)
    try:
        return command.invoke(namespace)
    except UsageError as misuse:
        subparsers[command.name].error(str(misuse))
