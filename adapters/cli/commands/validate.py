"""`portfolio validate`: check a set-up against an Alpaca paper-trading account, read-only.

It reads the account named by `APCA_API_KEY_ID` and `APCA_API_SECRET_KEY` and prints the
plan for the given (or sample) weights. Without the keys it stops with exit code 2
naming them and suggesting `portfolio demo`, which runs on the bundled sample without
keys (`validate` reads Alpaca only: it has no `--broker`).
It never places an order (only `portfolio rebalance --execute` does).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from pathlib import Path

from returns.pipeline import is_successful
from returns.result import Result

from adapters.cli.brokers import alpaca_broker
from adapters.cli.command import Command
from adapters.cli.commands.plan import plan_with_broker, policy_or_default
from adapters.cli.loaders import load_targets, require_targets
from adapters.cli.options import ValidateOptions
from adapters.cli.report import Problem, finish, name_file, show_plan
from adapters.cli.samples import sample_weights
from adapters.cli.shared_arguments import liquidate_all_argument, policy_argument
from adapters.cli.terminal import ExitCode, Terminal
from portfolio import Allocation, RebalancePlan
from ports import BrokerPort

__all__ = ["COMMAND", "run"]

CORRELATION_ID = "validate"


def _broker(terminal: Terminal) -> Result[BrokerPort, Problem]:
    broker = alpaca_broker(terminal.environ)
    if is_successful(broker):
        terminal.warn("Reading the account from Alpaca (read-only: no order is placed).")
    return broker


def _weights(options: ValidateOptions) -> Result[Mapping[str, Decimal], Problem]:
    if options.weights is not None:
        return load_targets(options.weights, liquidate_all=options.liquidate_all)
    return sample_weights().bind(
        lambda weights: require_targets(weights, "sample", liquidate_all=options.liquidate_all)
    )


def _plan(options: ValidateOptions, terminal: Terminal) -> Result[RebalancePlan, Problem]:
    return Result.do(
        plan
        for target_weights in _weights(options)
        for policy in policy_or_default(options.policy)
        for broker in _broker(terminal)
        for plan in plan_with_broker(
            broker,
            Allocation(target_weights=target_weights, correlation_id=CORRELATION_ID),
            policy,
        )
    )


def run(options: ValidateOptions, terminal: Terminal) -> ExitCode:
    """Print the plan; exit 1 when the broker or the planner fails, 2 on a bad input file."""
    planned = _plan(options, terminal).alt(partial(name_file, weights=options.weights))
    return finish(planned, terminal, partial(show_plan, as_json=options.json))


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--weights", type=Path, metavar="FILE", help="weights file (default: the bundled sample)"
    )
    policy_argument(parser)
    parser.add_argument("--json", action="store_true", help="print RebalancePlan.to_json()")
    liquidate_all_argument(parser)


def _options(ns: argparse.Namespace) -> ValidateOptions:
    return ValidateOptions(
        weights=ns.weights, policy=ns.policy, json=ns.json, liquidate_all=ns.liquidate_all
    )


COMMAND = Command(
    name="validate",
    summary="plan against an Alpaca paper-trading account, read-only (needs APCA_* keys)",
    examples=(
        "APCA_API_KEY_ID=... APCA_API_SECRET_KEY=... portfolio validate",
        "portfolio validate --weights weights.json --json",
    ),
    arguments=_arguments,
    options=_options,
    run=run,
)
