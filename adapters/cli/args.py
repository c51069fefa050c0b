"""The command line: one `Command` per sub-command in `COMMANDS`, parsed into its options record.

To add a sub-command: an options record in `options`, a `run(options, terminal)` in
`commands/`, and one `Command(...)` entry in `COMMANDS` (with its arguments and the
function that builds its options). Help, defaults, examples, `--version`, "did you
mean" and dispatch come from the table. A usage error never exits the process from
inside argparse: it becomes a `UsageError` that `main` prints as one line (exit 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from adapters.cli import values
from adapters.cli.command import (
    Command,
    Invocation,
    UsageError,
    build_parser,
    option_hint,
    unknown_command,
)
from adapters.cli.commands import backtest, demo, plan, plan_many, rebalance, validate
from adapters.cli.options import (
    BacktestOptions,
    BrokerChoice,
    DemoOptions,
    PlanManyOptions,
    PlanOptions,
    RebalanceOptions,
    ValidateOptions,
)

__all__ = ["COMMANDS", "SCHEDULES", "UsageError", "parse", "version"]

SCHEDULES = ("once", "daily", "weekly", "monthly", "quarterly", "annually", "drift")
_POLICY_HELP = "sizing policy file (JSON or TOML) (default: none, every field at its default)"


def version() -> str:
    """The installed distribution's version ("unknown" when run from a bare checkout)."""
    try:
        return metadata.version("portfolio-rebalancer")
    except metadata.PackageNotFoundError:
        return "unknown"


def _liquidate_all_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--liquidate-all",
        action="store_true",
        help="allow a weights file without a non-zero weight ({}): sell every position",
    )


# -- plan -----------------------------------------------------------------------------------


def _plan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--weights", type=Path, required=True, metavar="FILE", help="weights file (JSON or TOML)"
    )
    parser.add_argument(
        "--snapshot",
        type=Path,
        metavar="FILE",
        help="account snapshot file (JSON or TOML) (default: none; then give --broker)",
    )
    parser.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help=_POLICY_HELP,
    )
    parser.add_argument(
        "--broker",
        choices=[choice.value for choice in BrokerChoice],
        help="read the account from a broker: fake (the snapshot file, or the bundled sample) "
        "or alpaca (APCA_* keys) (default: none, the snapshot file is planned directly)",
    )
    parser.add_argument("--correlation-id", default="cli", help="id carried by the plan and logs")
    parser.add_argument("--json", action="store_true", help="print RebalancePlan.to_json()")
    _liquidate_all_argument(parser)


def _plan_options(ns: argparse.Namespace) -> PlanOptions:
    if ns.broker == BrokerChoice.ALPACA.value and ns.snapshot is not None:
        msg = "--snapshot and --broker alpaca exclude each other"
        raise UsageError(msg)
    if ns.broker is None and ns.snapshot is None:
        msg = "give --snapshot FILE, or --broker fake|alpaca"
        raise UsageError(msg)
    return PlanOptions(
        weights=ns.weights,
        snapshot=ns.snapshot,
        policy=ns.policy,
        broker=BrokerChoice(ns.broker) if ns.broker else None,
        correlation_id=ns.correlation_id,
        json=ns.json,
        liquidate_all=ns.liquidate_all,
    )


# -- backtest -------------------------------------------------------------------------------


def _backtest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prices", type=Path, required=True, metavar="FILE", help="wide CSV: date,SYM1,..."
    )
    parser.add_argument("--weights", type=Path, required=True, metavar="FILE", help="weights file")
    parser.add_argument("--schedule", choices=SCHEDULES, default="monthly", help="when to trade")
    parser.add_argument("--cash", type=values.cash, default=Decimal(1_000_000), help="initial cash")
    parser.add_argument(
        "--min-trade",
        type=values.min_trade,
        help="minimum trade, account currency (default: the policy's min_trade_amount)",
    )
    parser.add_argument(
        "--fee-bps", type=values.fee_bps, default=Decimal(0), help="fee, basis points"
    )
    parser.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help=_POLICY_HELP,
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--plot", type=Path, metavar="PNG", help="write an equity-curve PNG (needs matplotlib)"
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


def _backtest_options(ns: argparse.Namespace) -> BacktestOptions:
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
    )


# -- validate and demo ----------------------------------------------------------------------


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--weights", type=Path, metavar="FILE", help="weights file (default: the bundled sample)"
    )
    parser.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help=_POLICY_HELP,
    )
    parser.add_argument("--json", action="store_true", help="print RebalancePlan.to_json()")
    _liquidate_all_argument(parser)


def _validate_options(ns: argparse.Namespace) -> ValidateOptions:
    return ValidateOptions(
        weights=ns.weights, policy=ns.policy, json=ns.json, liquidate_all=ns.liquidate_all
    )


def _no_arguments(_parser: argparse.ArgumentParser) -> None:
    """A command without options."""


# -- rebalance ------------------------------------------------------------------------------


def _rebalance_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", type=Path, required=True, metavar="FILE", help="weights file")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--snapshot", type=Path, metavar="FILE", help="account snapshot file: the fake broker"
    )
    source.add_argument(
        "--broker", choices=[BrokerChoice.ALPACA.value], help="the Alpaca account (APCA_* keys)"
    )
    parser.add_argument("--policy", type=Path, metavar="FILE", help=_POLICY_HELP)
    parser.add_argument("--execute", action="store_true", help="place the orders (asks first)")
    parser.add_argument("--yes", action="store_true", help="with --execute: do not ask")
    parser.add_argument("--live", action="store_true", help="Alpaca live trading, not paper")
    parser.add_argument(
        "--orders-csv", type=Path, metavar="PATH", help="write the order intents as CSV"
    )
    parser.add_argument("--json", action="store_true", help="print the orders as JSON")
    parser.add_argument("--correlation-id", default="rebalance", help="id of the plan and logs")
    _liquidate_all_argument(parser)


def _rebalance_options(ns: argparse.Namespace) -> RebalanceOptions:
    if ns.live and ns.broker is None:
        msg = "--live needs --broker alpaca"
        raise UsageError(msg)
    return RebalanceOptions(
        weights=ns.weights,
        snapshot=ns.snapshot,
        broker=BrokerChoice(ns.broker) if ns.broker else None,
        policy=ns.policy,
        execute=ns.execute,
        yes=ns.yes,
        live=ns.live,
        orders_csv=ns.orders_csv,
        json=ns.json,
        correlation_id=ns.correlation_id,
        liquidate_all=ns.liquidate_all,
    )


# -- plan-many ------------------------------------------------------------------------------


def _workers(text: str) -> int:
    """A whole number of worker processes, at least 1."""
    if not text.isdigit() or int(text) < 1:
        msg = f"expected a whole number ≥ 1, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def _plan_many_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--accounts", type=Path, required=True, metavar="FILE", help="accounts file (JSONL)"
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="plans file (JSONL) (default: stdout)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=_workers, default=1, metavar="N", help="processes (1: this one)"
    )
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="plan on the Dask scheduler at this address"
    )
    parser.add_argument("--policy", type=Path, metavar="FILE", help=_POLICY_HELP)


def _plan_many_options(ns: argparse.Namespace) -> PlanManyOptions:
    return PlanManyOptions(
        accounts=ns.accounts,
        out=ns.out,
        workers=ns.workers,
        scheduler=ns.scheduler,
        policy=ns.policy,
    )


# -- the table ------------------------------------------------------------------------------

COMMANDS: tuple[Command[Any], ...] = (
    Command(
        name="plan",
        summary="print the rebalance plan for weights and an account (no order is placed)",
        examples=(
            "portfolio plan --weights weights.json --snapshot account.json",
            "portfolio plan --weights weights.toml --broker alpaca --json",
        ),
        arguments=_plan_arguments,
        options=_plan_options,
        run=plan.run,
    ),
    Command(
        name="backtest",
        summary="simulate rebalancing fixed weights over a CSV of daily closes",
        examples=(
            "portfolio backtest --prices prices.csv --weights weights.json --fee-bps 5",
            "portfolio backtest --prices prices.csv --weights weights.json --plot curve.png",
            "portfolio backtest --prices p.csv --weights w.json --start 2021-01-04",
            "portfolio backtest --prices p.csv --weights w.json --schedule quarterly",
            "portfolio backtest --prices p.csv --weights w.json --contribution 500",
        ),
        arguments=_backtest_arguments,
        options=_backtest_options,
        run=backtest.run,
    ),
    Command(
        name="demo",
        summary="a plan and a backtest on the bundled sample data (no files or keys needed)",
        examples=("portfolio demo",),
        arguments=_no_arguments,
        options=lambda _ns: DemoOptions(),
        run=demo.run,
    ),
    Command(
        name="validate",
        summary="plan against an Alpaca paper-trading account, read-only (needs APCA_* keys)",
        examples=(
            "APCA_API_KEY_ID=... APCA_API_SECRET_KEY=... portfolio validate",
            "portfolio validate --weights weights.json --json",
        ),
        arguments=_validate_arguments,
        options=_validate_options,
        run=validate.run,
    ),
    Command(
        name="rebalance",
        summary="turn a plan into orders: a dry run, or placed with --execute",
        examples=(
            "portfolio rebalance --weights weights.json --snapshot account.json",
            "portfolio rebalance --weights weights.json --broker alpaca --execute",
        ),
        arguments=_rebalance_arguments,
        options=_rebalance_options,
        run=rebalance.run,
    ),
    Command(
        name="plan-many",
        summary="plan every account of a JSONL file, in order, on processes or a Dask cluster",
        examples=(
            "portfolio plan-many --accounts accounts.jsonl --out plans.jsonl --workers 2",
            "portfolio plan-many --accounts accounts.jsonl --scheduler tcp://scheduler:8786",
        ),
        arguments=_plan_many_arguments,
        options=_plan_many_options,
        run=plan_many.run,
    ),
)


def parse(argv: Sequence[str], out: IO[str] | None = None) -> Invocation:
    """Parse the arguments after the program name; raises `UsageError` (one line) when wrong.

    `--help` and `--version` print to `out` (default: stdout) and raise `SystemExit(0)`.
    """
    names = [command.name for command in COMMANDS]
    if (unknown := unknown_command(argv, names)) is not None:
        raise UsageError(unknown)
    parser, subparsers = build_parser(COMMANDS, version=version(), out=out)
    try:
        namespace = parser.parse_args(list(argv))
    except UsageError as error:
        chosen = next((subparsers[word] for word in argv if word in subparsers), parser)
        hint = option_hint(argv, chosen)
        raise UsageError(str(error).replace(" (see --help)", f"{hint} (see --help)")) from None
    command = next(command for command in COMMANDS if command.name == namespace.command)
    try:
        return command.invoke(namespace)
    except UsageError as misuse:
        subparsers[command.name].error(str(misuse))
