"""The `portfolio` command line: a driving adapter over the library.

`main(argv)` parses the arguments, runs one command and returns its exit code:
0 success, 1 a Failure from the library (one line: kind, message, context),
2 a usage error or a bad input file (one line naming the file and the place),
130 interrupted by Ctrl-C (one line, no traceback).

The message goes to stderr (`error: no-such-file.json: no such file`), the code back:

>>> main(["plan", "--weights", "no-such-file.json", "--snapshot", "x.json"])
2
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

from adapters.cli.args import UsageError, parse
from adapters.cli.terminal import ExitCode, PromptInterrupted, Terminal

__all__ = ["console", "main"]


def main(argv: Sequence[str] | None = None, terminal: Terminal | None = None) -> int:
    """Run one command; `argv` defaults to `sys.argv[1:]`, the terminal to stdout/stderr/env."""
    term = terminal or Terminal(out=sys.stdout, err=sys.stderr, environ=os.environ, ask=sys.stdin)
    try:
        return int(_main(sys.argv[1:] if argv is None else argv, term))
    except KeyboardInterrupt as stop:  # a terminal shows ^C (or a progress bar) on its line
        line_open = term.err.isatty() and not isinstance(stop, PromptInterrupted)
        term.warn("\ninterrupted" if line_open else "interrupted")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        if terminal is None:  # stop Python from complaining again when it flushes at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.BROKEN_PIPE


def console() -> None:
    """The `portfolio` executable: `main()`, then exit without a last walk of the heap.

    `gc.freeze()` puts every object out of the collector's reach, so the interpreter's
    final collection skips them: a process that imported dask (`plan-many
    --scheduler`) exits in ~15 ms instead of ~110 ms. Only for a process about to exit.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


def _main(argv: Sequence[str], terminal: Terminal) -> int:
    try:
        invocation = parse(argv, out=terminal.out)
    except UsageError as error:
        terminal.warn(str(error))
        return ExitCode.USAGE
    except SystemExit as done:  # --help, --version: argparse has printed it
        return done.code if isinstance(done.code, int) else ExitCode.OK
    return invocation.run(terminal)
