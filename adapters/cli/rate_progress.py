"""A progress line with a rate and the time left, drawn on stderr only when it is a terminal."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

__all__ = ["count_lines", "rate_progress"]

WIDTH = 30
#: Seconds between two redraws (the last one is always drawn).
EVERY = 0.2


def count_lines(path: Path) -> int:
    """Lines in a file (a last line without a line end counts), read in 1 MiB blocks.

    A line ends at LF, CRLF or a CR alone, as `plan-many` reads them. A CRLF whose CR
    ends one block had its CR counted: its LF, starting the next, is no line end more.
    """
    count, last = 0, b"\n"
    with path.open("rb") as source:
        while block := source.read(1 << 20):
            ends = block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
            count += ends - (last == b"\r" and block.startswith(b"\n"))
            last = block[-1:]
    return count + (last not in {b"\n", b"\r"})


def rate_progress(
    stream: TextIO, count: Callable[[], int], clock: Callable[[], float] = time.monotonic
) -> Callable[[int], None] | None:
    """A `done` callback that redraws `[###...] 45% 9000/20000 1650/s 6 s left`; None off a TTY.

    `done` and the total (`count()`, called only on a terminal) count input lines; the
    rate is lines per second since the start.
    """
    if not stream.isatty():
        return None
    total = count()
    start = clock()
    drawn = start - EVERY

    def update(done: int) -> None:
        nonlocal drawn
        now = clock()
        if now - drawn < EVERY and done < total:
            return
        drawn = now
        rate = done / max(now - start, 1e-9)
        left = (total - done) / rate if rate > 0 else 0.0
        pct = 100 if total <= 0 else min(100, done * 100 // total)
        filled = WIDTH * pct // 100
        stream.write(
            f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] {pct:3d}% {done}/{total}"
            f" {rate:,.0f}/s {left:,.0f} s left "
        )
        if done >= total:
            stream.write("\n")
        stream.flush()

    return update
