"""Files a command writes: never onto one of its inputs, and never half-written.

`output_path` refuses (exit 2) an output that is one of the command's input files (the
same path, or the same file through another name or a link) or another output of the
same run. `write_text` writes beside the target under a temporary name and renames it
into place, so a reader never sees half a page and a failed write leaves the old file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from returns.result import Failure, Result, Success

from adapters.cli.terminal import InputError

__all__ = ["output_paths", "write_text"]


def _same(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve() or (
            one.exists() and other.exists() and one.samefile(other)
        )
    except OSError:
        return False


def output_paths(
    outputs: Mapping[str, Path | None], inputs: Iterable[Path | None]
) -> Result[None, InputError]:
    """Success when no output (by option name) is an input or another output."""
    given = [path for path in inputs if path is not None]
    named = [(option, path) for option, path in outputs.items() if path is not None]
    for n, (option, path) in enumerate(named):
        if any(_same(path, source) for source in given):
            problem = "is an input of this command; choose another file to write"
            return Failure(InputError(source=option, where=str(path), problem=problem))
        for other, earlier in named[:n]:
            if _same(path, earlier):
                problem = f"is also {other}; choose another file to write"
                return Failure(InputError(source=option, where=str(path), problem=problem))
    return Success(None)


def write_text(path: Path, text: str) -> Result[Path, InputError]:
    """`text` into `path` (UTF-8), through a temporary file renamed into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        return Failure(InputError(source=str(path), problem=exc.strerror or "cannot be written"))
    return Success(path)
