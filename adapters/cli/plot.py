"""The equity-curve PNG of `portfolio backtest --plot` (matplotlib: the `plot` extra).

The strategy's curve, buy-and-hold of the starting weights beside it, and the dates
of rebalances and cash flows marked on the curve.

matplotlib is imported only here and only when asked for; without it the user gets
one line saying how to install it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from returns.result import Failure, Result, Success

from adapters.cli.outputs import write_bytes
from adapters.cli.terminal import InputError
from portfolio.backtest import BacktestResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

__all__ = ["check_matplotlib", "equity_figure", "write_equity_png"]

_HINT = "needs matplotlib: pip install 'portfolio-rebalancer[plot]'"


def check_matplotlib() -> Result[None, InputError]:
    """Success when matplotlib can be imported, so a run does not end in a missing extra."""
    try:
        import matplotlib.figure  # noqa: F401, PLC0415 - optional extra, probed on demand
    except ImportError:
        return Failure(InputError(source="--plot", problem=_HINT))
    return Success(None)


def equity_figure(
    result: BacktestResult, benchmark: BacktestResult | None, title: str
) -> Result[Figure, InputError]:
    """Equity against date: the strategy, buy-and-hold (dashed), rebalances and cash flows.

    Rebalances are ticks along the foot of the plot on the dates a plan traded; a
    contribution is a green triangle up, a withdrawal a red triangle down, on the curve.
    """
    try:
        import numpy as np  # noqa: PLC0415 - comes with matplotlib
        from matplotlib.figure import Figure  # noqa: PLC0415 - optional extra
    except ImportError:
        return Failure(InputError(source="--plot", problem=_HINT))

    def dated(days: Sequence[date]) -> NDArray[np.datetime64]:
        return np.array([day.isoformat() for day in days], dtype="datetime64[D]")

    equity = dict(result.equity_curve)
    figure = Figure(figsize=(9, 4.5), dpi=100, layout="constrained")
    axes = figure.subplots()
    axes.plot(dated(list(equity)), [float(e) for e in equity.values()], lw=1.2, label="Strategy")
    if benchmark is not None:
        held = benchmark.equity_curve
        axes.plot(
            dated([point.date for point in held]),
            [float(point.equity) for point in held],
            lw=1.0,
            linestyle="--",
            color="tab:orange",
            label="Buy and hold (starting weights)",
        )
    if result.rebalance_dates:
        axes.plot(
            dated(result.rebalance_dates),
            [0.0] * len(result.rebalance_dates),
            transform=axes.get_xaxis_transform(),  # x in dates, y at the foot of the plot
            linestyle="none",
            marker="|",
            markersize=10,
            color="0.35",
            label="Rebalance",
        )
    flows = (
        ("Contribution", [day for day, amount in result.cash_flows if amount > 0], "^", "green"),
        ("Withdrawal", [day for day, amount in result.cash_flows if amount < 0], "v", "red"),
    )
    for label, days, marker, colour in flows:
        if days:
            axes.plot(
                dated(days),
                [float(equity[day]) for day in days],
                linestyle="none",
                marker=marker,
                markersize=6,
                color=colour,
                label=label,
            )
    axes.set_title(title)
    axes.set_ylabel("equity")
    axes.grid(visible=True, alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    return Success(figure)


def write_equity_png(
    result: BacktestResult, benchmark: BacktestResult | None, path: Path, title: str
) -> Result[Path, InputError]:
    """Draw `equity_figure` and save it as a PNG at `path`."""
    return equity_figure(result, benchmark, title).bind(lambda figure: _save(figure, path))


def _save(figure: Figure, path: Path) -> Result[Path, InputError]:
    """The figure drawn in memory, then written whole (`write_bytes`): never half a file."""
    drawn = io.BytesIO()
    figure.savefig(drawn, format=path.suffix.lower().lstrip(".") or "png")
    return write_bytes(path, drawn.getvalue())
