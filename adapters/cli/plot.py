"""The equity-curve PNG of `portfolio backtest --plot` (matplotlib: the `plot` extra).

matplotlib is imported only here and only when asked for; without it the user gets
one line saying how to install it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from returns.result import Failure, Result, Success

from adapters.cli.terminal import InputError

__all__ = ["check_matplotlib", "write_equity_png"]

_HINT = "needs matplotlib: pip install 'portfolio-rebalancer[plot]'"


def check_matplotlib() -> Result[None, InputError]:
    """Success when matplotlib can be imported, so a run does not end in a missing extra."""
    try:
        import matplotlib.figure  # noqa: F401, PLC0415 - optional extra, probed on demand
    except ImportError:
        return Failure(InputError(source="--plot", problem=_HINT))
    return Success(None)


def write_equity_png(
    curve: Sequence[tuple[date, Decimal]], path: Path, title: str
) -> Result[Path, InputError]:
    """Draw equity (account currency) against date and save it as a PNG at `path`."""
    try:
        import numpy as np  # noqa: PLC0415 - comes with matplotlib
        from matplotlib.figure import Figure  # noqa: PLC0415 - optional extra
    except ImportError:
        return Failure(InputError(source="--plot", problem=_HINT))
    figure = Figure(figsize=(9, 4.5), dpi=100, layout="constrained")
    axes = figure.subplots()
    days = np.array([day.isoformat() for day, _ in curve], dtype="datetime64[D]")
    axes.plot(days, [float(equity) for _, equity in curve], linewidth=1.2)
    axes.set_title(title)
    axes.set_ylabel("equity")
    axes.grid(visible=True, alpha=0.3)
    try:
        figure.savefig(path, format=path.suffix.lower().lstrip(".") or "png")
    except OSError as exc:
        return Failure(InputError(source=str(path), problem=exc.strerror or "cannot be written"))
    return Success(path)
