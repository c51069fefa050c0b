"""A sub-command as a record, and the parser built from a table of them.

`commands.MODULES` lists every sub-command. Everything a user meets on the command line is
derived from that table, so a new sub-command gets it without further code: its
`--help` with each option's default and the command's examples, `portfolio --version`,
no prefix abbreviations of options, and "did you mean" for a mistyped command name.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import IO, TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

import attrs

from adapters.cli.terminal import ExitCode, Terminal

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = [
    "Command",
    "Invocation",
    "UsageError",
    "build_parser",
    "option_hint",
    "unknown_command",
]

OptionsT = TypeVar("OptionsT")


class UsageError(Exception):
    """The command line is wrong; the message is one line for the user."""


@attrs.frozen(kw_only=True)
class Command(Generic[OptionsT]):
    """One sub-command: `portfolio NAME ...`.

    `arguments` adds its options to a parser; `options` turns the parsed namespace into
    the command's options record (raising `UsageError` for a combination argparse cannot
    express); `run` performs it. `examples` are full command lines shown under `--help`.
    """

    name: str
    summary: str
    examples: tuple[str, ...] = attrs.field(validator=attrs.validators.min_len(1))
    arguments: Callable[[argparse.ArgumentParser], None]
    options: Callable[[argparse.Namespace], OptionsT]
    run: Callable[[OptionsT, Terminal], ExitCode]

    def invoke(self, namespace: argparse.Namespace) -> Invocation:
        """The parsed command line, bound to the function that runs it."""
        options = self.options(namespace)
        return Invocation(command=self.name, options=options, run=partial(self.run, options))


@attrs.frozen(kw_only=True)
class Invocation:
    """What `parse` returns: the command's name, its options record, and how to run it."""

    command: str
    options: object
    run: Callable[[Terminal], ExitCode]


#: A negative number as a value: `-5`, `-0.5`, `-.5`, `-1e3`, `-1.5E-2`, and with the
#: units our options take, `-2%` and `-1d` (refused then by the option's own rule).
_NEGATIVE_NUMBER = re.compile(r"^-(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[%dhms]?$")


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises `UsageError` and prints help to a given stream."""

    def __init__(self, *, out: IO[str] | None = None, **kwargs: Any) -> None:  # noqa: ANN401 - argparse's own keywords
        """`out` receives `--help` and `--version` (default: stdout)."""
        super().__init__(allow_abbrev=False, formatter_class=_HelpFormatter, **kwargs)
        self.out = out
        # argparse reads `-500` and `-0.5` as values, but `-1e3` as an unknown option, so
        # `--contribution -1e3` failed with "expected one argument". Every number our
        # options take, exponents and units included, is a value (no option of ours looks
        # like one).
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message: str) -> NoReturn:
        """One line, raised instead of printing usage and exiting."""
        msg = f"{self.prog}: error: {message} (see --help)"
        raise UsageError(msg)

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            to_stdout = file is None or file is sys.stdout
            target = self.out if to_stdout and self.out is not None else file
            (target or sys.stdout).write(message)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps epilog line breaks; appends `(default: …)` to every option that has one."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        silent = default is None or default is False or default == argparse.SUPPRESS
        stated = "%(default)" in text or "(default:" in text
        if action.option_strings and not silent and not stated:
            text += " (default: %(default)s)"
        return text


class _Version(argparse._VersionAction):  # noqa: SLF001 - argparse's own action, made lazy
    """`--version`, looked up only when asked for (the lookup costs ~50 ms of imports)."""

    def __init__(
        self,
        option_strings: Sequence[str],
        lookup: str | Callable[[], str],
        **kwargs: Any,  # noqa: ANN401 - argparse's own keywords
    ) -> None:
        """`lookup`: the version, or the function that looks it up."""
        super().__init__(option_strings, **kwargs)
        self.lookup = lookup

    def __call__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - argparse's own
        """Look the version up, then print it as argparse does."""
        found = self.lookup() if callable(self.lookup) else self.lookup
        self.version = f"%(prog)s {found}"
        super().__call__(*args, **kwargs)


def build_parser(
    commands: Sequence[Command[Any]],
    *,
    version: str | Callable[[], str],
    out: IO[str] | None = None,
) -> tuple[Parser, dict[str, Parser]]:
    """The `portfolio` parser and one sub-parser per command, by name.

    `version` is the version, or the function that looks it up when `--version` is given.
    """
    parser = Parser(
        prog="portfolio",
        description="Target weights + an account snapshot → a deterministic rebalance plan.",
        epilog="Run `portfolio COMMAND --help` for a command's options, defaults and examples.",
        out=out,
    )
    parser.add_argument("--version", action=_Version, lookup=version)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    by_name: dict[str, Parser] = {}
    for command in commands:
        examples = "\n".join(f"  {line}" for line in command.examples)
        sub = subparsers.add_parser(
            command.name,
            help=command.summary,
            description=command.summary,
            epilog=f"example{'s' if len(command.examples) > 1 else ''}:\n{examples}",
            out=out,
        )
        command.arguments(sub)
        by_name[command.name] = sub
    return parser, by_name


def unknown_command(argv: Sequence[str], names: Sequence[str]) -> str | None:
    """A one-line error when the first word is not a command, with the closest name if any.

    >>> unknown_command(["plna", "--json"], ["plan", "backtest"])
    "portfolio: error: unknown command 'plna'; did you mean 'plan'? (see --help)"
    >>> unknown_command(["--help"], ["plan"]) is None
    True
    """
    for word in argv:
        if word == "--" or not word.startswith("-"):
            if word in names or word == "--":
                return None
            close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f" (commands: {', '.join(names)})"
            return f"portfolio: error: unknown command {word!r}{hint} (see --help)"
        if word in {"-h", "--help", "--version"}:
            return None
    return None


def option_hint(argv: Sequence[str], parser: argparse.ArgumentParser) -> str:
    """A "did you mean" for the first option in `argv` that `parser` does not know, or "".

    >>> parser = argparse.ArgumentParser()
    >>> _ = parser.add_argument("--weights")
    >>> option_hint(["--wieghts", "w.json"], parser)
    "; did you mean '--weights' for '--wieghts'?"
    """
    known = [name for action in parser._actions for name in action.option_strings]  # noqa: SLF001 - argparse has no public list
    for word in argv:
        name = word.split("=", 1)[0]
        if name.startswith("--") and name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            return f"; did you mean {close[0]!r} for {name!r}?" if close else ""
    return ""
