"""The command line, parsed with argparse into one of the `options` records.

A usage error never exits the process from inside argparse: it becomes a `UsageError`
that `main` prints as one line and turns into exit code 2.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn

from adapters.cli.options import (
    BacktestOptions,
    BrokerChoice,
    DemoOptions,
    Options,
    PlanManyOptions,
    PlanOptions,
    ValidateOptions,
)

__all__ = ["SCHEDULES", "UsageError", "parse"]

SCHEDULES = ("once", "daily", "weekly", "monthly", "drift")


class UsageError(Exception):
    """The command line is wrong; the message is one line for the user."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        msg = f"{self.prog}: error: {message} (see --help)"
        raise UsageError(msg)


def _amount(text: str) -> Decimal:
    """A finite, non-negative decimal number, read exactly."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        msg = f"not a number: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not value.is_finite() or value < 0:
        msg = f"expected a finite number ≥ 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _parser() -> _Parser:
    parser = _Parser(
        prog="portfolio",
        description="Target weights + an account snapshot → a deterministic rebalance plan.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    plan = commands.add_parser("plan", help="print the rebalance plan for weights and an account")
    plan.add_argument("--weights", type=Path, required=True, help="weights file (JSON or TOML)")
    plan.add_argument("--snapshot", type=Path, help="account snapshot file (JSON or TOML)")
    plan.add_argument("--policy", type=Path, help="sizing policy file (JSON or TOML)")
    plan.add_argument(
        "--broker",
        choices=[choice.value for choice in BrokerChoice],
        help="read the account from a broker: fake (the snapshot file or the sample) or alpaca",
    )
    plan.add_argument("--correlation-id", default="cli", help="id carried by the plan and logs")
    plan.add_argument("--json", action="store_true", help="print RebalancePlan.to_json()")

    backtest = commands.add_parser("backtest", help="simulate rebalancing over daily closes")
    backtest.add_argument("--prices", type=Path, required=True, help="wide CSV: date,SYM1,...")
    backtest.add_argument("--weights", type=Path, required=True, help="weights file")
    backtest.add_argument("--schedule", choices=SCHEDULES, default="monthly")
    backtest.add_argument("--cash", type=_amount, default=Decimal(1_000_000), help="initial cash")
    backtest.add_argument("--min-trade", type=_amount, help="minimum trade, account currency")
    backtest.add_argument("--fee-bps", type=_amount, default=Decimal(0), help="fee, basis points")
    backtest.add_argument("--policy", type=Path, help="sizing policy file (JSON or TOML)")
    backtest.add_argument("--json", action="store_true", help="print the result as JSON")
    backtest.add_argument("--plot", type=Path, help="write an equity-curve PNG (needs matplotlib)")

    commands.add_parser("demo", help="a plan and a backtest on the bundled sample data")

    validate = commands.add_parser(
        "validate", help="plan against Alpaca paper trading (APCA_* keys) or the fake broker"
    )
    validate.add_argument("--weights", type=Path, help="weights file (default: the sample)")
    validate.add_argument("--policy", type=Path, help="sizing policy file (JSON or TOML)")
    validate.add_argument("--json", action="store_true", help="print RebalancePlan.to_json()")

    many = commands.add_parser("plan-many", help="plan every account of a JSONL file, in order")
    many.add_argument("--accounts", type=Path, required=True, help="accounts file (JSONL)")
    many.add_argument("--out", type=Path, help="plans file (JSONL; default: stdout)")
    where = many.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_workers, default=1, help="processes (1: this one)")
    where.add_argument("--scheduler", help="plan on the Dask scheduler at this address")
    many.add_argument("--policy", type=Path, help="sizing policy file for lines without one")
    return parser


def _workers(text: str) -> int:
    """A whole number of worker processes, at least 1."""
    if not text.isdigit() or int(text) < 1:
        msg = f"expected a whole number ≥ 1, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def parse(argv: Sequence[str]) -> Options:
    """Parse the arguments after the program name; raises `UsageError` (one line) when wrong."""
    parser = _parser()
    ns = parser.parse_args(list(argv))
    match ns.command:
        case "plan":
            if ns.broker == BrokerChoice.ALPACA.value and ns.snapshot is not None:
                parser.error("plan: --snapshot and --broker alpaca exclude each other")
            if ns.broker is None and ns.snapshot is None:
                parser.error("plan: give --snapshot FILE, or --broker fake|alpaca")
            return PlanOptions(
                weights=ns.weights,
                snapshot=ns.snapshot,
                policy=ns.policy,
                broker=BrokerChoice(ns.broker) if ns.broker else None,
                correlation_id=ns.correlation_id,
                json=ns.json,
            )
        case "backtest":
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
            )
        case "validate":
            return ValidateOptions(weights=ns.weights, policy=ns.policy, json=ns.json)
        case "plan-many":
            return PlanManyOptions(
                accounts=ns.accounts,
                out=ns.out,
                workers=ns.workers,
                scheduler=ns.scheduler,
                policy=ns.policy,
            )
        case _:
            return DemoOptions()
