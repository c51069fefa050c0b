"""Files a command writes are never half-written.

`write_text` writes beside the target under a temporary name and renames it into place,
so a reader never sees half a page and a failed write leaves the old file. That an output
never names an input is checked when the command line is read (`adapters.cli.paths`).
Every file a command writes is then named on stderr by `announce_written`, one wording
for all of them (`Report written to plan.html`).
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

from returns.result import Failure, Result, Success

from adapters.cli.terminal import InputError, Terminal

__all__ = ["announce_written", "write_bytes", "write_text"]


def write_text(path: Path, text: str) -> Result[Path, InputError]:
    """`text` into `path` (UTF-8), through a temporary file renamed into place."""
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> Result[Path, InputError]:
    """`data` into `path`, through a temporary file renamed into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        temporary.write_bytes(data)
        temporary.replace(path)
    except OSError as exc:
        with suppress(OSError):  # never written (a name too long, say): nothing to remove
            temporary.unlink(missing_ok=True)
        return Failure(InputError(source=str(path), problem=exc.strerror or "cannot be written"))
    return Success(path)


def announce_written(terminal: Terminal, what: str, path: Path) -> None:
    """`WHAT written to PATH` on stderr: the line every command prints for a file it wrote."""
    terminal.warn(f"{what} written to {path}")
