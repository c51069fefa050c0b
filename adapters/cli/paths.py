"""Output files never replace input files: one rule for every command that writes a file.

`distinct_output` compares an output path with each input path of the command, as the
file system sees them (`Path.samefile`: hard links, symbolic links, `./a` and `a`,
case-insensitive file systems), or by their resolved spelling when a file does not exist
yet. A match is a usage error (exit 2) naming both options and the file. So is an output
that names no file: a directory (`.`, `/`, one that exists) is not a file to write, and
`-`, which many tools read as standard output, would be a file named `-`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from adapters.cli.command import UsageError

__all__ = ["distinct_output", "distinct_outputs", "same_file"]

_DASH = Path("-")


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name the same file, however spelled.

    >>> same_file(Path("a/../b.json"), Path("./b.json"))
    True
    """
    try:
        return first.samefile(second)
    except (OSError, ValueError):  # one does not exist (yet), or cannot be a path
        return _spelled(first) == _spelled(second)


def distinct_output(option: str, output: Path | None, inputs: Mapping[str, Path | None]) -> None:
    """Raise `UsageError` when `output` (given as `option`) is one of `inputs` (option → path).

    >>> distinct_output("--out", Path("a.jsonl"), {"--accounts": Path("./a.jsonl")})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    adapters.cli.command.UsageError: --out a.jsonl is the --accounts file: an output never ...
    """
    if output is None:
        return
    if output.name in {"", ".", ".."} or _is_directory(output):
        msg = f"{option} {output} is a directory: name a file to write"
        raise UsageError(msg)
    if output == _DASH:  # elsewhere standard output; here it would be a file named "-"
        msg = f"{option} -: name a file to write ('-' is not standard output here)"
        raise UsageError(msg)
    for name, given in inputs.items():
        if given is not None and same_file(output, given):
            msg = f"{option} {output} is the {name} file: an output never replaces an input"
            raise UsageError(msg)


def distinct_outputs(outputs: Mapping[str, Path | None], inputs: Mapping[str, Path | None]) -> None:
    """`distinct_output` for each output (option → path), which also never names another output.

    >>> distinct_outputs({"--report": Path("a"), "--plot": Path("./a")}, {})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    adapters.cli.command.UsageError: --plot a is the --report file: two outputs never share ...
    """
    written: dict[str, Path | None] = {}
    for option, output in outputs.items():
        distinct_output(option, output, inputs)
        for name, earlier in written.items():
            if output is not None and earlier is not None and same_file(output, earlier):
                msg = f"{option} {output} is the {name} file: two outputs never share a file"
                raise UsageError(msg)
        written[option] = output


def _is_directory(path: Path) -> bool:
    """Whether `path` is a directory; a name the system refuses (too long, say) is not one."""
    try:
        return path.is_dir()
    except (OSError, ValueError):  # the write that follows names the problem
        return False


def _spelled(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop
        return Path(os.path.normpath(path.absolute()))
