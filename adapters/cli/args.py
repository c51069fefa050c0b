"""The command line: the table of sub-commands, `COMMANDS`, and `parse`, which reads argv with it.

Each sub-command is one module of `commands/` that ends with its `COMMAND`: its name,
summary and examples, the function that adds its arguments to a parser, the one that
turns the parsed namespace into its options record (from `options`), and its `run`.
To add a sub-command: write that module and list it in `commands.MODULES`. Help, defaults,
examples, `--version`, "did you mean" and dispatch come from the table. A usage error
never exits the process from inside argparse: it becomes a `UsageError` that `main`
prints as one line (exit 2). Only the module of the command being run is imported
(all of them for the top-level `--help`), and the version is looked up for `--version`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from adapters.cli.command import (
    Command,
    Invocation,
    UsageError,
    build_parser,
    option_hint,
    unknown_command,
)
from adapters.cli.commands import MODULES, load, load_all

__all__ = ["COMMANDS", "UsageError", "parse", "version"]  # noqa: F822 - COMMANDS: see __getattr__


def version() -> str:
    """The installed distribution's version ("unknown" when run from a bare checkout)."""
    from importlib import metadata  # noqa: PLC0415 - ~50 ms: only for --version

    try:
        return metadata.version("portfolio-rebalancer")
    except metadata.PackageNotFoundError:
        return "unknown"


def __getattr__(name: str) -> tuple[Command[Any], ...]:
    """`COMMANDS`: every sub-command, in the order `portfolio --help` lists them (all imported)."""
    if name == "COMMANDS":
        return load_all()
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def parse(argv: Sequence[str], out: IO[str] | None = None) -> Invocation:
    """Parse the arguments after the program name; raises `UsageError` (one line) when wrong.

    `--help` and `--version` print to `out` (default: stdout) and raise `SystemExit(0)`.
    """
    names = list(MODULES)
    if (unknown := unknown_command(argv, names)) is not None:
        raise UsageError(unknown)
    word = next((word for word in argv if not word.startswith("-")), None)
    commands = (load(word),) if word in MODULES else load_all()
    parser, subparsers = build_parser(commands, version=version, out=out)
    try:
        namespace = parser.parse_args(list(argv))
    except UsageError as error:
        chosen = next((subparsers[word] for word in argv if word in subparsers), parser)
        hint = option_hint(argv, chosen)
        message = str(error).replace(" (see --help)", f"{hint} (see --help)")
        # An option the command does not know is found by the top parser: the command's.
        message = message.replace(f"{parser.prog}: error:", f"{chosen.prog}: error:", 1)
        raise UsageError(message) from None
    command = next(command for command in commands if command.name == namespace.command)
    try:
        return command.invoke(namespace)
    except UsageError as misuse:
        subparsers[command.name].error(str(misuse))
