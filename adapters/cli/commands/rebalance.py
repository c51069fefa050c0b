"""`portfolio rebalance`: weights + an account → the orders; placed only with `--execute`.

A dry run by default: it prints the order intents (sells first) and places nothing.
`--execute` shows them, asks for confirmation on stdin unless `--yes`, places them
through `PortfolioService.execute` (sells, wait, buys sized to the cash that arrived)
and prints what became of each. Alpaca is paper trading unless `--live`;
`--snapshot FILE` loads the account into the fake broker instead. Exit 0 for a dry run
or when every order filled; 1 for a library Failure, an order not filled, or no
confirmation; 2 for a bad command line or input file.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

import attrs
from returns.result import Failure, Result, Success

from adapters.cli.brokers import fake_broker
from adapters.cli.command import Command, UsageError
from adapters.cli.commands.plan import policy_or_default
from adapters.cli.loaders import load_snapshot, load_targets
from adapters.cli.options import BrokerChoice, RebalanceOptions
from adapters.cli.order_report import intents_csv, orders_json, orders_table
from adapters.cli.report import Problem, problem
from adapters.cli.shared_arguments import liquidate_all_argument, policy_argument
from adapters.cli.terminal import ExitCode, InputError, Terminal
from portfolio import (
    Allocation,
    ExecutionReport,
    OrderIntent,
    PortfolioService,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    order_intents,
    plan_rebalance,
)
from ports import BrokerPort

__all__ = ["COMMAND", "run"]

#: Alpaca's live trading host; paper trading is `paper-api.alpaca.markets`.
LIVE_HOST = "api.alpaca.markets"


@attrs.frozen(kw_only=True)
class _Orders:
    """Everything a run needs once the inputs are read: the account, the plan, its orders."""

    broker: BrokerPort
    policy: SizingPolicy
    snapshot: Snapshot
    plan: RebalancePlan
    intents: tuple[OrderIntent, ...]


def _alpaca(environ: Mapping[str, str], *, live: bool) -> Result[BrokerPort, Problem]:
    """Alpaca from the APCA_* variables: paper trading unless `live`, never the other by mistake."""
    try:
        from adapters.alpaca import AlpacaBroker  # noqa: PLC0415 - heavy, optional extra
    except ImportError:
        hint = "needs the alpaca extra: pip install 'portfolio-rebalancer[alpaca]'"
        return Failure(InputError(source="--broker alpaca", problem=hint))
    base = environ.get("APCA_API_BASE_URL", "")
    if not live and f"//{LIVE_HOST}" in base:
        hint = "APCA_API_BASE_URL is Alpaca live trading: add --live to trade live"
        return Failure(InputError(source="--broker alpaca", problem=hint))
    if live and "paper-api." in base:
        hint = "--live, but APCA_API_BASE_URL is Alpaca paper trading"
        return Failure(InputError(source="--live", problem=hint))
    match AlpacaBroker.from_env(environ, paper=not live):
        case Success(broker):
            return Success(broker)
        case Failure(error):
            return Failure(error)
    return Failure(InputError(source="--broker alpaca", problem="unexpected result"))


def _broker(options: RebalanceOptions, environ: Mapping[str, str]) -> Result[BrokerPort, Problem]:
    if options.snapshot is not None:
        return load_snapshot(options.snapshot).map(fake_broker)
    return _alpaca(environ, live=options.live)


def _orders(options: RebalanceOptions, environ: Mapping[str, str]) -> Result[_Orders, Problem]:
    return Result.do(
        _Orders(broker=broker, policy=policy, snapshot=snapshot, plan=plan, intents=intents)
        for weights in load_targets(options.weights, liquidate_all=options.liquidate_all)
        for policy in policy_or_default(options.policy)
        for broker in _broker(options, environ)
        for snapshot in broker.get_snapshot(tuple(weights))
        for plan in plan_rebalance(
            Allocation(target_weights=weights, correlation_id=options.correlation_id),
            snapshot,
            policy,
        )
        for intents in order_intents(plan, snapshot)
    )


def _where(options: RebalanceOptions) -> str:
    if options.snapshot is not None:
        return f"the fake broker holding {options.snapshot}"
    return "Alpaca LIVE trading" if options.live else "Alpaca paper trading"


def _write_csv(path: Path | None, intents: tuple[OrderIntent, ...]) -> Result[None, Problem]:
    if path is None:
        return Success(None)
    try:
        path.write_text(intents_csv(intents), encoding="utf-8")
    except OSError as exc:
        return Failure(InputError(source=str(path), problem=exc.strerror or "cannot write"))
    return Success(None)


def _show(
    options: RebalanceOptions, terminal: Terminal, orders: _Orders, report: ExecutionReport | None
) -> None:
    if options.json:
        terminal.say(orders_json(orders.plan.plan_id, orders.intents, report))
    else:
        terminal.say(orders_table(orders.intents, report))


def _execute(options: RebalanceOptions, terminal: Terminal, orders: _Orders) -> ExitCode:
    count = len(orders.intents)
    if options.json and not options.yes:
        terminal.warn(orders_table(orders.intents).rstrip("\n"))
    elif not options.json:
        terminal.say(orders_table(orders.intents))
    if not options.yes and not terminal.confirm(f"Place {count} orders on {_where(options)}?"):
        terminal.warn("not confirmed: no order placed")
        return ExitCode.FAILURE
    service = PortfolioService(orders.broker, orders.policy)
    match service.execute(orders.plan):
        case Success(report):
            _show(options, terminal, orders, report)
            return ExitCode.OK if report.complete else ExitCode.FAILURE
        case Failure(error):
            return problem(error, terminal)
    return ExitCode.FAILURE  # unreachable: a Result is a Success or a Failure


def run(options: RebalanceOptions, terminal: Terminal) -> ExitCode:
    """Print the orders (dry run) or place them; see the module docstring for exit codes."""
    prepared = _orders(options, terminal.environ).bind(
        lambda orders: _write_csv(options.orders_csv, orders.intents).map(lambda _: orders)
    )
    match prepared:
        case Failure(error):
            return problem(error, terminal)
        case Success(orders) if not orders.intents:
            terminal.warn("nothing to trade: the account is at its targets")
            _show(options, terminal, orders, None)
            return ExitCode.OK
        case Success(orders) if options.execute:
            return _execute(options, terminal, orders)
        case Success(orders):
            _show(options, terminal, orders, None)
            terminal.warn(f"dry run: no order placed on {_where(options)} (add --execute)")
    return ExitCode.OK


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", type=Path, required=True, metavar="FILE", help="weights file")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--snapshot", type=Path, metavar="FILE", help="account snapshot file: the fake broker"
    )
    source.add_argument(
        "--broker", choices=[BrokerChoice.ALPACA.value], help="the Alpaca account (APCA_* keys)"
    )
    policy_argument(parser)
    parser.add_argument("--execute", action="store_true", help="place the orders (asks first)")
    parser.add_argument("--yes", action="store_true", help="with --execute: do not ask")
    parser.add_argument("--live", action="store_true", help="Alpaca live trading, not paper")
    parser.add_argument(
        "--orders-csv", type=Path, metavar="PATH", help="write the order intents as CSV"
    )
    parser.add_argument("--json", action="store_true", help="print the orders as JSON")
    parser.add_argument("--correlation-id", default="rebalance", help="id of the plan and logs")
    liquidate_all_argument(parser)


def _options(ns: argparse.Namespace) -> RebalanceOptions:
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


COMMAND = Command(
    name="rebalance",
    summary="turn a plan into orders: a dry run, or placed with --execute",
    examples=(
        "portfolio rebalance --weights weights.json --snapshot account.json",
        "portfolio rebalance --weights weights.json --broker alpaca --execute",
    ),
    arguments=_arguments,
    options=_options,
    run=run,
)
