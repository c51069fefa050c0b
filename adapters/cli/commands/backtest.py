"""`portfolio backtest`: fixed weights rebalanced over a wide CSV of daily closes."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from pathlib import Path

import attrs
from returns.result import Failure, Result, Success

from adapters.cli import values
from adapters.cli.command import Command, UsageError
from adapters.cli.commands.plan import policy_or_default
from adapters.cli.html_report import backtest_title, benchmark_wanted, write_backtest_report
from adapters.cli.loaders import load_weights
from adapters.cli.options import BacktestOptions
from adapters.cli.outputs import announce_written
from adapters.cli.paths import distinct_outputs
from adapters.cli.plot import check_matplotlib, write_equity_png
from adapters.cli.progress import progress_bar
from adapters.cli.report import Problem, finish, name_file
from adapters.cli.shared_arguments import policy_argument
from adapters.cli.summary import backtest_json, backtest_table, tax_json, tax_table
from adapters.cli.sweep import sort_key
from adapters.cli.terminal import ExitCode, InputError, Terminal
from adapters.prices_csv import load_prices_csv
from portfolio import Allocation, PortfolioError, SizingPolicy
from portfolio.backtest import (
    BacktestResult,
    Bar,
    TaxComparison,
    compare_after_tax,
    run_backtest,
)
from portfolio.backtest.schedule import parse_schedule
from portfolio.orders.fill import CostModel

__all__ = ["COMMAND", "SCHEDULES", "run", "show_backtest"]

SCHEDULES = ("once", "daily", "weekly", "monthly", "quarterly", "annually", "drift")


def _schedule_name(text: str) -> str:
    """The schedule's name as `parse_schedule` reads it (in any case: `Monthly`).

    Anything else as given, for `choices` to refuse with the list of names.
    """
    schedule = parse_schedule(text).value_or(None)
    return text if schedule is None else str(schedule.value)


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
    options: BacktestOptions,
    result: BacktestResult,
    benchmark: BacktestResult | None,
    terminal: Terminal,
) -> Result[None, Problem]:
    if options.plot is None:
        return Success(None)
    title = backtest_title(options, result)
    written = write_equity_png(result, benchmark, options.plot, title)
    return written.map(partial(announce_written, terminal, "Equity curve"))


def _run(  # noqa: PLR0913 - one backtest of the options' inputs
    options: BacktestOptions,
    weights: Mapping[str, Decimal],
    policy: SizingPolicy,
    bars: tuple[Bar, ...],
    *,
    schedule: str,
    progress: Callable[[int, int], None] | None,
) -> Result[BacktestResult, PortfolioError]:
    flows = options.cash_flows()
    return run_backtest(
        bars,
        Allocation(target_weights=weights, correlation_id="backtest"),
        policy=policy,
        initial_cash=options.cash,
        schedule=schedule,
        costs=CostModel(bps=options.fee_bps),
        cash_flows=flows,
        start=options.start,
        end=options.end,
        progress=progress,
    )


def _compared(
    options: BacktestOptions,
    weights: Mapping[str, Decimal],
    policy: SizingPolicy,
    bars: tuple[Bar, ...],
    progress: Callable[[int, int], None] | None,
) -> Result[TaxComparison, Problem]:
    """`--tax`: the run with and without the policy's `[tax]` rules (a table it needs)."""
    if policy.tax is None:
        source = str(options.policy) if options.policy is not None else "--policy"
        return Failure(
            InputError(source=source, problem="--tax needs a [tax] table in the policy file")
        )
    flows = options.cash_flows()
    compared: Result[TaxComparison, PortfolioError] = compare_after_tax(
        bars,
        Allocation(target_weights=weights, correlation_id="backtest"),
        policy=policy,
        initial_cash=options.cash,
        schedule=options.schedule,
        costs=CostModel(bps=options.fee_bps),
        cash_flows=flows,
        start=options.start,
        end=options.end,
        progress=progress,
        pay_taxes=options.pay_taxes,
    )
    return compared.alt(_as_problem)


def _as_problem(error: PortfolioError) -> Problem:
    return error


def _benchmark(
    options: BacktestOptions,
    weights: Mapping[str, Decimal],
    policy: SizingPolicy,
    bars: tuple[Bar, ...],
) -> Result[BacktestResult | None, PortfolioError]:
    """Buy-and-hold of the starting weights (schedule `once`) when a report or plot needs it."""
    if not benchmark_wanted(options):
        return Success(None)
    return _run(options, weights, policy, bars, schedule="once", progress=None)


def _weights(path: Path | None) -> Result[Mapping[str, Decimal], Problem]:
    """The weights file; `_options` requires it unless --sweep (which has its own)."""
    if path is None:
        return Failure(InputError(source="--weights", problem="missing"))
    return load_weights(path)


#: A run, and with `--tax` its comparison (whose `taxed` is the run).
Outcome = tuple[BacktestResult, TaxComparison | None]


def _outcome(
    options: BacktestOptions,
    weights: Mapping[str, Decimal],
    policy: SizingPolicy,
    bars: tuple[Bar, ...],
    progress: Callable[[int, int], None] | None,
) -> Result[Outcome, Problem]:
    if options.tax:
        return _compared(options, weights, policy, bars, progress).map(
            lambda both: (both.taxed, both)
        )
    ran: Result[BacktestResult, Problem] = _run(
        options, weights, policy, bars, schedule=options.schedule, progress=progress
    )
    return ran.map(lambda result: (result, None))


def _backtest(options: BacktestOptions, terminal: Terminal) -> Result[Outcome, Problem]:
    ready: Result[None, Problem] = check_matplotlib() if options.plot else Success(None)
    return Result.do(
        (result, compared)
        for _ in ready
        for weights in _weights(options.weights)
        for policy in _policy(options)
        for bars in _prices(options.prices)
        for result, compared in _outcome(options, weights, policy, bars, progress_bar(terminal.err))
        for benchmark in _benchmark(options, weights, policy, bars)
        for _ in _plot(options, result, benchmark, terminal)
        for _ in write_backtest_report(options, result, benchmark, terminal)
    )


def show_backtest(result: BacktestResult, terminal: Terminal, *, as_json: bool) -> None:
    """The warnings on stderr, then the summary table or the JSON document on stdout."""
    for warning in result.warnings:
        terminal.warn(f"warning: {warning}")
    terminal.say(backtest_json(result) if as_json else backtest_table(result))


def _show(outcome: Outcome, terminal: Terminal, *, as_json: bool) -> None:
    """`show_backtest`; with `--tax` the comparison after the table, or in the JSON."""
    result, compared = outcome
    if compared is None:
        show_backtest(result, terminal, as_json=as_json)
        return
    for warning in result.warnings:
        terminal.warn(f"warning: {warning}")
    if as_json:
        terminal.say(tax_json(compared))
    else:
        terminal.say(backtest_table(result) + tax_table(compared))


def run(options: BacktestOptions, terminal: Terminal) -> ExitCode:
    """Print the summary; exit 2 on bad input (options, files, the CSV), 1 on a library Failure."""
    if options.sweep is not None:  # a grid of runs (adapters/cli/sweep.py)
        from adapters.cli.sweep import run_sweep  # noqa: PLC0415 - only for --sweep

        bars, policy = _prices(options.prices), _policy(options)
        return run_sweep(options.sweep, options, terminal, bars=bars, policy=policy)
    shown = partial(_show, as_json=options.json)
    named = partial(name_file, weights=options.weights, prices=options.prices)
    return finish(_backtest(options, terminal).alt(named), terminal, shown)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prices", type=Path, required=True, metavar="FILE", help="wide CSV: date,SYM1,..."
    )
    parser.add_argument(
        "--weights", type=Path, metavar="FILE", help="weights file (required unless --sweep)"
    )
    parser.add_argument(
        "--schedule",
        type=_schedule_name,
        choices=SCHEDULES,
        default="monthly",
        help="when to trade",
    )
    parser.add_argument("--cash", type=values.cash, default=Decimal(1_000_000), help="initial cash")
    parser.add_argument(
        "--min-trade",
        type=values.min_trade,
        help="minimum trade, account currency (default: the policy's min_trade_amount)",
    )
    parser.add_argument(
        "--fee-bps", type=values.fee_bps, default=Decimal(0), help="fee, basis points"
    )
    policy_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--plot",
        type=values.image_file,
        metavar="FILE",
        help="write the equity curve to a .png or .svg file (needs matplotlib)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="HTML",
        help="write a self-contained HTML page: figures, equity against buy-and-hold, "
        "drawdown, turnover, warnings, every rebalance's trades",
    )
    parser.add_argument(
        "--start",
        type=values.day,
        metavar="DATE",
        help="first date used, YYYY-MM-DD (default: all)",
    )
    parser.add_argument(
        "--end", type=values.day, metavar="DATE", help="last date used, YYYY-MM-DD (default: all)"
    )
    parser.add_argument(
        "--contribution",
        type=values.contribution,
        metavar="AMOUNT",
        help="added on the first bar of every month after the first; negative: a withdrawal "
        "(default: none)",
    )

    parser.add_argument(
        "--tax",
        action="store_true",
        help="also run without the policy file's [tax] rules and compare after tax: "
        "after-tax value, taxes paid, turnover (docs/tax.md)",
    )
    parser.add_argument(
        "--pay-taxes",
        action="store_true",
        help="with --tax: pay each year's tax from cash at the year's last bar",
    )
    parser.add_argument(
        "--sweep",
        type=Path,
        metavar="FILE",
        help="run a grid of schedules × bands × minimum trades × weights files (TOML or JSON); "
        "one row per run",
    )
    parser.add_argument(
        "--sort",
        type=sort_key,
        metavar="METRIC",
        help="with --sweep: sort by a metric, largest first ('max_drawdown:asc': smallest)",
    )
    parser.add_argument(
        "--workers",
        type=values.workers,
        metavar="N",
        help="with --sweep: processes (default: 1)",
    )


def _options(ns: argparse.Namespace) -> BacktestOptions:
    if ns.weights is None and ns.sweep is None:
        msg = "the following arguments are required: --weights (or --sweep)"
        raise UsageError(msg)
    inputs = {
        "--prices": ns.prices,
        "--weights": ns.weights,
        "--policy": ns.policy,
        "--sweep": ns.sweep,
    }
    if ns.pay_taxes and not ns.tax:
        msg = "--pay-taxes needs --tax"
        raise UsageError(msg)
    swept = {"--sort": ns.sort, "--workers": ns.workers}  # a sweep's options
    unswept = [option for option, value in swept.items() if value is not None]
    if ns.sweep is None and unswept:  # one run has nothing to sort nor to share out
        msg = f"{unswept[0]} needs --sweep"
        raise UsageError(msg)
    one_run = {"--tax": ns.tax, "--report": ns.report, "--plot": ns.plot}  # one run's outputs
    given = [option for option, value in one_run.items() if value]
    if ns.sweep is not None and given:  # a table of runs has no place for them
        msg = f"{given[0]} does not combine with --sweep"
        raise UsageError(msg)
    distinct_outputs({"--report": ns.report, "--plot": ns.plot}, inputs)
    values.date_range(ns.start, ns.end)
    return BacktestOptions(
        prices=ns.prices,
        weights=ns.weights,
        schedule=ns.schedule,
        cash=ns.cash,
        min_trade=ns.min_trade,
        fee_bps=ns.fee_bps,
        policy=ns.policy,
        json=ns.json,
        plot=ns.plot,
        start=ns.start,
        end=ns.end,
        contribution=ns.contribution,
        report=ns.report,
        sweep=ns.sweep,
        sort=ns.sort,
        workers=1 if ns.workers is None else ns.workers,
        tax=ns.tax,
        pay_taxes=ns.pay_taxes,
    )


COMMAND = Command(
    name="backtest",
    summary="simulate rebalancing fixed weights over a CSV of daily closes",
    examples=(
        "portfolio backtest --prices prices.csv --weights weights.json --fee-bps 5",
        "portfolio backtest --prices prices.csv --weights weights.json --plot curve.png",
        "portfolio backtest --prices prices.csv --weights weights.json --report report.html",
        "portfolio backtest --prices p.csv --weights w.json --start 2021-01-04",
        "portfolio backtest --prices p.csv --weights w.json --schedule quarterly",
        "portfolio backtest --prices p.csv --weights w.json --contribution 500",
        "portfolio backtest --prices p.csv --sweep sweep.toml --sort cagr --workers 2",
        "portfolio backtest --prices p.csv --weights w.json --policy p.toml --tax --pay-taxes",
    ),
    arguments=_arguments,
    options=_options,
    run=run,
)
