"""`portfolio backtest`: fixed weights rebalanced over a wide CSV of daily closes."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import attrs
from returns.result import Result, Success

from adapters.cli.commands.plan import policy_or_default
from adapters.cli.loaders import load_weights
from adapters.cli.options import BacktestOptions
from adapters.cli.plot import check_matplotlib, write_equity_png
from adapters.cli.progress import progress_bar
from adapters.cli.report import Problem, finish
from adapters.cli.summary import backtest_json, backtest_table
from adapters.cli.terminal import ExitCode, InputError, Terminal
from adapters.prices_csv import load_prices_csv
from portfolio import Allocation, PortfolioError, SizingPolicy
from portfolio.backtest import BacktestResult, Bar, CashFlows, run_backtest
from portfolio.fill import CostModel

__all__ = ["run", "show_backtest"]


def _policy(options: BacktestOptions) -> Result[SizingPolicy, Problem]:
    """The policy file (or the default), with `--min-trade` applied on top."""
    chosen = policy_or_default(options.policy)
    if options.min_trade is None:
        return chosen
    return chosen.map(partial(attrs.evolve, min_trade_amount=options.min_trade))


def _prices(path: Path) -> Result[tuple[Bar, ...], Problem]:
    """The price file; a file that cannot be read or parsed is bad input (exit 2)."""
    prefix = f"{path}: "

    def bad_input(error: PortfolioError) -> Problem:
        return InputError(
            source=str(path), problem=f"{error.kind.name}: {error.message.removeprefix(prefix)}"
        )

    return load_prices_csv(path).alt(bad_input)


def _plot(
    options: BacktestOptions, result: BacktestResult, terminal: Terminal
) -> Result[None, Problem]:
    if options.plot is None:
        return Success(None)
    title = f"{options.weights.name}: {result.schedule.value} rebalancing"
    written = write_equity_png(result.equity_curve, options.plot, title)
    return written.map(lambda path: terminal.warn(f"Equity curve written to {path}"))


def _backtest(options: BacktestOptions, terminal: Terminal) -> Result[BacktestResult, Problem]:
    ready: Result[None, Problem] = check_matplotlib() if options.plot else Success(None)
    flows = None if options.contribution is None else CashFlows(monthly=options.contribution)
    return Result.do(
        result
        for _ in ready
        for weights in load_weights(options.weights)
        for policy in _policy(options)
        for bars in _prices(options.prices)
        for result in run_backtest(
            bars,
            Allocation(target_weights=weights, correlation_id="backtest"),
            policy=policy,
            initial_cash=options.cash,
            schedule=options.schedule,
            costs=CostModel(bps=options.fee_bps),
            cash_flows=flows,
            start=options.start,
            end=options.end,
            progress=progress_bar(terminal.err),
        )
        for _ in _plot(options, result, terminal)
    )


def show_backtest(result: BacktestResult, terminal: Terminal, *, as_json: bool) -> None:
    """The warnings on stderr, then the summary table or the JSON document on stdout."""
    for warning in result.warnings:
        terminal.warn(f"warning: {warning}")
    terminal.say(backtest_json(result) if as_json else backtest_table(result))


def run(options: BacktestOptions, terminal: Terminal) -> ExitCode:
    """Print the summary; exit 2 on bad input (options, files, the CSV), 1 on a library Failure."""
    shown = partial(show_backtest, as_json=options.json)
    return finish(_backtest(options, terminal), terminal, shown)
