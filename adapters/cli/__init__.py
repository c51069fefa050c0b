"""The `portfolio` command line: a driving adapter over the library.

`main(argv)` parses the arguments, runs one command and returns its exit code:
0 success, 1 a Failure from the library (one line: kind, message, context),
2 a usage error or a bad input file (one line naming the file and the place).

The message goes to stderr (`error: no-such-file.json: no such file`), the code back:

>>> main(["plan", "--weights", "no-such-file.json", "--snapshot", "x.json"])
2
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from adapters.cli.args import UsageError, parse
from adapters.cli.commands import backtest, demo, plan, plan_many, validate
from adapters.cli.options import (
    BacktestOptions,
    DemoOptions,
    Options,
    PlanManyOptions,
    PlanOptions,
    ValidateOptions,
)
from adapters.cli.terminal import ExitCode, Terminal

__all__ = ["main"]


def main(argv: Sequence[str] | None = None, terminal: Terminal | None = None) -> int:
    """Run one command; `argv` defaults to `sys.argv[1:]`, the terminal to stdout/stderr/env."""
    return int(_main(argv, terminal))


def _main(argv: Sequence[str] | None, terminal: Terminal | None) -> int:
    term = terminal or Terminal(out=sys.stdout, err=sys.stderr, environ=os.environ)
    try:
        options = parse(sys.argv[1:] if argv is None else argv)
    except UsageError as error:
        term.warn(str(error))
        return ExitCode.USAGE
    except SystemExit as done:  # --help: argparse has printed it
        return done.code if isinstance(done.code, int) else ExitCode.OK
    try:
        return _run(options, term)
    except BrokenPipeError:
        if terminal is None:  # stop Python from complaining again when it flushes at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.BROKEN_PIPE


def _run(options: Options, terminal: Terminal) -> ExitCode:
    match options:
        case PlanOptions():
            return plan.run(options, terminal)
        case BacktestOptions():
            return backtest.run(options, terminal)
        case DemoOptions():
            return demo.run(options, terminal)
        case ValidateOptions():
            return validate.run(options, terminal)
        case PlanManyOptions():
            return plan_many.run(options, terminal)
