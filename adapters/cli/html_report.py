"""`--report FILE` of `portfolio backtest` and `portfolio plan`: the HTML page, written.

The backtest's benchmark is the same run with the schedule `once`: the starting
weights bought on the first bar and held, with the same prices, policy, costs and cash
flows (a contribution is invested toward the weights without selling, a withdrawal is
raised without buying, as on any run's flow dates), so the two curves differ only by
the scheduled rebalancing.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from returns.result import Result, Success

from adapters.cli.options import BacktestOptions, PlanOptions
from adapters.cli.outputs import announce_written, write_text
from adapters.cli.report import Problem
from adapters.cli.terminal import Terminal
from adapters.report.plan_page import plan_page
from portfolio import RebalancePlan

if TYPE_CHECKING:  # the plan command never loads the backtest package
    from portfolio.backtest import BacktestResult

__all__ = ["backtest_title", "benchmark_wanted", "write_backtest_report", "write_plan_report"]


def benchmark_wanted(options: BacktestOptions) -> bool:
    """Whether the run needs the buy-and-hold benchmark (for `--report` or `--plot`)."""
    return options.report is not None or options.plot is not None


def backtest_title(options: BacktestOptions, result: BacktestResult) -> str:
    """`weights.json: monthly rebalancing`, the title of the page and of the plot."""
    name = options.weights.name if options.weights is not None else "weights"
    return f"{name}: {result.schedule.value} rebalancing"


def write_backtest_report(
    options: BacktestOptions,
    result: BacktestResult,
    benchmark: BacktestResult | None,
    terminal: Terminal,
) -> Result[None, Problem]:
    """Write the page when `--report` was given, and say where on stderr."""
    if options.report is None:
        return Success(None)
    from adapters.report.backtest_page import backtest_page  # noqa: PLC0415 - backtests only

    page = backtest_page(result, benchmark, title=backtest_title(options, result))
    written = write_text(options.report, page)
    return written.map(partial(announce_written, terminal, "Report"))


def write_plan_report(
    options: PlanOptions, plan: RebalancePlan, terminal: Terminal
) -> Result[None, Problem]:
    """Write the page when `--report` was given, and say where on stderr."""
    if options.report is None:
        return Success(None)
    page = plan_page(plan, title=f"Rebalance plan: {options.weights.name}")
    written = write_text(options.report, page)
    return written.map(partial(announce_written, terminal, "Report"))
