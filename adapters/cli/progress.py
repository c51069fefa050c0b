"""A progress bar for long backtests, drawn on stderr only when stderr is a terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

__all__ = ["WIDTH", "progress_bar"]

WIDTH = 30


def progress_bar(stream: TextIO) -> Callable[[int, int], None] | None:
    """A `(done, total)` callback that redraws one line on `stream`; None when not a TTY.

    It redraws only when the whole percentage changes (≤ 101 writes per run) and ends
    the line when `done == total`.
    """
    if not stream.isatty():
        return None
    shown = -1

    def update(done: int, total: int) -> None:
        nonlocal shown
        pct = 100 if total <= 0 else min(100, done * 100 // total)
        if pct == shown:
            return
        shown = pct
        filled = WIDTH * pct // 100
        stream.write(f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] {pct:3d}% {done}/{total}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return update
