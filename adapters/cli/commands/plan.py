"""`portfolio plan`: weights + an account (a snapshot file or a broker) → a plan, no orders."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from returns.result import Result, Success

from adapters.cli.brokers import FileAccount, alpaca_broker, fake_broker
from adapters.cli.command import Command, UsageError
from adapters.cli.html_report import write_plan_report
from adapters.cli.loaders import load_policy, load_snapshot, load_targets
from adapters.cli.options import BrokerChoice, PlanOptions
from adapters.cli.paths import distinct_output
from adapters.cli.report import Problem, finish, name_file, show_plan
from adapters.cli.samples import sample_account, sample_path
from adapters.cli.shared_arguments import (
    liquidate_all_argument,
    lots_argument,
    policy_argument,
)
from adapters.cli.tax_inputs import with_lots
from adapters.cli.terminal import ExitCode, Terminal
from portfolio import (
    Allocation,
    PortfolioService,
    RebalancePlan,
    SizingPolicy,
    TaxPolicy,
)
from ports import BrokerPort

__all__ = ["COMMAND", "plan_with_broker", "policy_or_default", "run"]


def policy_or_default(path: Path | None) -> Result[SizingPolicy, Problem]:
    """The policy file's SizingPolicy (each field in range), or the default policy."""
    return load_policy(path) if path is not None else Success(SizingPolicy())


def plan_with_broker(
    broker: BrokerPort, allocation: Allocation, policy: SizingPolicy
) -> Result[RebalancePlan, Problem]:
    """Read the account through the port and plan: the shell's one call."""
    service = PortfolioService(broker, policy=policy)
    return service.create_rebalance_plan(allocation, allocation.correlation_id)


def _plan_for(
    options: PlanOptions, allocation: Allocation, policy: SizingPolicy, terminal: Terminal
) -> Result[RebalancePlan, Problem]:
    """One path to a plan: an account read through a broker port, then the shell's one call.

    A snapshot file alone is read as it is (`FileAccount`); with `--broker fake`
    through the in-memory broker holding it; Alpaca through its client; the bundled
    sample when no file is given.
    """
    broker: Result[BrokerPort, Problem]
    match options.broker, options.snapshot:
        case None, Path() as path:
            broker = load_snapshot(path).map(FileAccount)
        case BrokerChoice.ALPACA, _ if options.lots_from_broker:
            days = (policy.tax or TaxPolicy()).wash_sale_days
            broker = alpaca_broker(
                terminal.environ, read_lots=True, wash_sale_days=days, warn=terminal.warn
            )
        case BrokerChoice.ALPACA, _:
            broker = alpaca_broker(terminal.environ)
        case _, Path() as path:
            broker = load_snapshot(path).map(fake_broker)
        case _:
            broker = sample_account().map(fake_broker)
    broker = with_lots(broker, options.lots, policy, terminal.warn)  # on its snapshots
    return broker.bind(lambda port: plan_with_broker(port, allocation, policy))


def _plan(options: PlanOptions, terminal: Terminal) -> Result[RebalancePlan, Problem]:
    return Result.do(
        plan
        for weights in load_targets(options.weights, liquidate_all=options.liquidate_all)
        for policy in policy_or_default(options.policy)
        for plan in _plan_for(
            options,
            Allocation(target_weights=weights, correlation_id=options.correlation_id),
            policy,
            terminal,
        )
    )


def _reported(options: PlanOptions, terminal: Terminal) -> Result[RebalancePlan, Problem]:
    """The plan, with its page written when `--report` is given."""
    named = partial(name_file, weights=options.weights, snapshot=options.snapshot)
    return Result.do(
        plan
        for plan in _plan(options, terminal).alt(named)
        for _ in write_plan_report(options, plan, terminal)
    )


def run(options: PlanOptions, terminal: Terminal) -> ExitCode:
    """Print the plan (table or JSON); exit 1 on a library Failure, 2 on a bad input."""
    return finish(_reported(options, terminal), terminal, partial(show_plan, as_json=options.json))


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--weights", type=Path, required=True, metavar="FILE", help="weights file (JSON or TOML)"
    )
    parser.add_argument(
        "--snapshot",
        type=Path,
        metavar="FILE",
        help="account snapshot file (JSON or TOML) (default: none; then give --broker)",
    )
    policy_argument(parser)
    parser.add_argument(
        "--broker",
        choices=[choice.value for choice in BrokerChoice],
        help="read the account from a broker: fake (the snapshot file, or the bundled sample) "
        "or alpaca (APCA_* keys) (default: none, the snapshot file is planned directly)",
    )
    parser.add_argument("--correlation-id", default="cli", help="id carried by the plan and logs")
    parser.add_argument("--json", action="store_true", help="print RebalancePlan.to_json()")
    lots_argument(parser)
    parser.add_argument(
        "--lots-from-broker",
        action="store_true",
        help="with --broker alpaca: rebuild the tax lots from the account's fills, first in "
        "first out; a symbol whose lots do not match its position gets none and a warning",
    )
    liquidate_all_argument(parser)
    parser.add_argument(
        "--report",
        type=Path,
        metavar="HTML",
        help="also write a self-contained HTML page: weights now and at target, the trades, "
        "their reasons, cash before and after",
    )


def _options(ns: argparse.Namespace) -> PlanOptions:
    if ns.broker == BrokerChoice.ALPACA.value and ns.snapshot is not None:
        msg = "--snapshot and --broker alpaca exclude each other"
        raise UsageError(msg)
    if ns.broker is None and ns.snapshot is None:
        msg = "give --snapshot FILE, or --broker fake|alpaca"
        raise UsageError(msg)
    if ns.lots_from_broker and ns.broker != BrokerChoice.ALPACA.value:
        msg = "--lots-from-broker needs --broker alpaca"
        raise UsageError(msg)
    if ns.lots_from_broker and ns.lots is not None:
        msg = "--lots and --lots-from-broker exclude each other"
        raise UsageError(msg)
    sample = ns.broker == BrokerChoice.FAKE.value and ns.snapshot is None  # planned instead
    inputs = {
        "--weights": ns.weights,
        "--snapshot": ns.snapshot,
        "--policy": ns.policy,
        "--lots": ns.lots,
        "sample account": sample_path("account.json") if sample else None,
    }
    distinct_output("--report", ns.report, inputs)
    return PlanOptions(
        weights=ns.weights,
        snapshot=ns.snapshot,
        policy=ns.policy,
        broker=BrokerChoice(ns.broker) if ns.broker else None,
        correlation_id=ns.correlation_id,
        json=ns.json,
        liquidate_all=ns.liquidate_all,
        report=ns.report,
        lots=ns.lots,
        lots_from_broker=ns.lots_from_broker,
    )


COMMAND = Command(
    name="plan",
    summary="print the rebalance plan for weights and an account (no order is placed)",
    examples=(
        "portfolio plan --weights weights.json --snapshot account.json",
        "portfolio plan --weights weights.toml --broker alpaca --json",
        "portfolio plan --weights w.json --broker alpaca --policy tax.toml --lots-from-broker",
        "portfolio plan --weights weights.json --snapshot account.json --report plan.html",
    ),
    arguments=_arguments,
    options=_options,
    run=run,
)
