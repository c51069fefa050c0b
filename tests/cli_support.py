"""Running the `portfolio` command in this process, as the command-line tests do."""

from __future__ import annotations

import io
from pathlib import Path

import attrs

from adapters.cli import main
from adapters.cli.terminal import Terminal


@attrs.frozen
class Run:
    """What one command run left: its exit code and everything it wrote."""

    code: int
    out: str
    err: str


class TtyStream(io.StringIO):
    """A stderr that says it is a terminal, so the progress bar draws."""

    def isatty(self) -> bool:
        return True


def cli(
    *argv: str | Path,
    environ: dict[str, str] | None = None,
    tty: bool = False,
    answer: str | None = None,
) -> Run:
    """`portfolio ARGV...` with captured output; `answer` is what the user types when asked."""
    out, err = io.StringIO(), TtyStream() if tty else io.StringIO()
    ask = io.StringIO(answer) if answer is not None else None
    terminal = Terminal(out=out, err=err, environ=environ or {}, ask=ask)
    code = main([str(a) for a in argv], terminal)
    return Run(code, out.getvalue(), err.getvalue())
