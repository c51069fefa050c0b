"""`portfolio demo`: the main job on the bundled sample data, no files or keys needed.

It prints the plan for the sample account (through `PortfolioService` on the fake
broker, exactly as an application would) and a short backtest of the same weights on
three years of synthetic daily closes, rebalanced monthly with 5 bps of fees.
"""

from __future__ import annotations

from decimal import Decimal

from returns.result import Result

from adapters.cli.brokers import fake_broker
from adapters.cli.command import Command
from adapters.cli.commands.plan import plan_with_broker
from adapters.cli.options import DemoOptions
from adapters.cli.progress import progress_bar
from adapters.cli.report import Problem, finish
from adapters.cli.samples import prices_path, sample_account, sample_weights
from adapters.cli.shared_arguments import no_arguments
from adapters.cli.summary import backtest_table
from adapters.cli.table import plan_table
from adapters.cli.terminal import ExitCode, Terminal
from adapters.prices_csv import load_prices_csv
from portfolio import Allocation, RebalancePlan, SizingPolicy
from portfolio.backtest import BacktestResult, run_backtest
from portfolio.orders.fill import CostModel

__all__ = ["BACKTEST_CASH", "BACKTEST_FEE_BPS", "COMMAND", "run"]

BACKTEST_CASH = Decimal(100_000)
BACKTEST_FEE_BPS = Decimal(5)


def _backtest(allocation: Allocation, terminal: Terminal) -> Result[BacktestResult, Problem]:
    with prices_path() as path:
        bars = load_prices_csv(path)
    return bars.bind(
        lambda series: run_backtest(
            series,
            allocation,
            initial_cash=BACKTEST_CASH,
            schedule="monthly",
            costs=CostModel(bps=BACKTEST_FEE_BPS),
            progress=progress_bar(terminal.err),
        )
    )


def _demo(terminal: Terminal) -> Result[tuple[RebalancePlan, BacktestResult], Problem]:
    return Result.do(
        (plan, history)
        for weights in sample_weights()
        for account in sample_account()
        for allocation in Result.from_value(
            Allocation(target_weights=weights, correlation_id="demo")
        )
        for plan in plan_with_broker(fake_broker(account), allocation, SizingPolicy())
        for history in _backtest(allocation, terminal)
    )


def _show(outcome: tuple[RebalancePlan, BacktestResult], terminal: Terminal) -> None:
    plan, history = outcome
    terminal.say("The sample account (bundled with the package), default sizing policy:\n\n")
    terminal.say(plan_table(plan))
    terminal.say("\nThe same weights over three years of synthetic daily closes, 5 bps fees:\n\n")
    terminal.say(backtest_table(history))
    terminal.say(
        "\nNext, with your own files (JSON or TOML; see docs/):\n"
        "  portfolio plan --weights W --snapshot S [--policy P] [--json]\n"
        "  portfolio backtest --prices P --weights W [--schedule monthly] [--plot out.png]\n"
        "  portfolio rebalance --weights W --snapshot S   (the orders; --execute to place them)\n"
        "  portfolio plan-many --accounts A.jsonl [--workers 2]\n"
        "  portfolio validate   (reads your Alpaca paper-trading account: set the APCA_* keys)"
    )


def run(_options: DemoOptions, terminal: Terminal) -> ExitCode:
    """Print the sample plan and backtest; exit 1 only if the library fails on them."""
    return finish(_demo(terminal), terminal, _show)


COMMAND = Command(
    name="demo",
    summary="a plan and a backtest on the bundled sample data (no files or keys needed)",
    examples=("portfolio demo",),
    arguments=no_arguments,
    options=lambda _ns: DemoOptions(),
    run=run,
)
