"""Where `plan-many` writes: whole lines to a stream, or a file that appears only when complete.

The file is written beside its target under a hidden temporary name and renamed onto
the target at `commit`, so the target never holds a half-written line; on an early
exit the temporary file is removed and the target left untouched.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

from returns.result import Failure, Result, Success

from adapters.cli.report import Problem
from adapters.cli.terminal import InputError, Terminal

__all__ = ["LineSink", "open_sink"]


class LineSink:
    """Whole lines to a stream, or to a temporary file renamed onto `target` at `commit`."""

    def __init__(
        self, stream: TextIO, target: Path | None = None, temporary: Path = Path()
    ) -> None:
        """`stream` alone for stdout; with `target`, `stream` writes `temporary` beside it."""
        self._stream, self._target, self._temporary = stream, target, temporary

    def write(self, text: str) -> None:
        """Whole lines, flushed at once."""
        self._stream.write(text)
        self._stream.flush()

    def commit(self) -> None:
        """The file is complete: rename it onto its target."""
        if self._target is not None:
            self._stream.close()
            self._temporary.replace(self._target)
            self._target = None

    def discard(self) -> None:
        """Not committed: remove the temporary file, leave the target as it was."""
        if self._target is not None:
            self._stream.close()
            self._temporary.unlink(missing_ok=True)


def open_sink(out: Path | None, terminal: Terminal, stack: ExitStack) -> Result[LineSink, Problem]:
    """`out` through a temporary file (discarded when `stack` closes uncommitted), or stdout."""
    if out is None:
        return Success(LineSink(terminal.out))
    temporary = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        stream = temporary.open("w", encoding="utf-8")
    except OSError as exc:
        return Failure(InputError(source=str(out), problem=exc.strerror or "cannot be written"))
    sink = LineSink(stream, out, temporary)
    stack.callback(sink.discard)
    return Success(sink)
