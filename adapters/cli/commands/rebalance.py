"""`portfolio rebalance`: weights or a saved plan + an account → orders; placed on `--execute`.

A dry run by default: it prints the order intents (sells first) and places nothing.
`--weights FILE` plans afresh from the account as it is; `--plan FILE` takes a plan
saved by `portfolio plan --json` (the one that was reviewed) and checks it against the
account read again: a plan that no longer fits (`--max-price-move`, `--max-age`, a
changed position, an open order) is refused, PLAN_STALE, with nothing placed.
`--execute` shows the orders, asks for confirmation on stdin unless `--yes`, places them
through `PortfolioService.execute` (sells, wait, buys sized to the cash that arrived)
and prints what became of each. `--orders-csv FILE` writes them as a basket
(`--format csv`, ours, or `ibkr`, BasketTrader). Alpaca is paper trading unless `--live`;
`--snapshot FILE` loads the account into the fake broker instead. Exit 0 for a dry run
or when every order filled; 1 for a library Failure (a stale plan among them), an order
not filled, or no confirmation; 2 for a bad command line or input file.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

import attrs
from returns.result import Failure, Result, Success

from adapters.cli.baskets import BasketFormat, basket
from adapters.cli.brokers import alpaca_broker, fake_broker
from adapters.cli.command import Command, UsageError
from adapters.cli.commands.plan import policy_or_default
from adapters.cli.loaders import load_snapshot, load_targets
from adapters.cli.options import BrokerChoice, RebalanceOptions
from adapters.cli.order_report import orders_json, orders_table
from adapters.cli.outputs import announce_written, write_text
from adapters.cli.paths import distinct_output
from adapters.cli.report import Problem, name_file, problem
from adapters.cli.shared_arguments import (
    liquidate_all_argument,
    lots_argument,
    policy_argument,
)
from adapters.cli.tax_inputs import unknown_basis_warning, with_lots
from adapters.cli.terminal import ExitCode, InputError, Terminal, one_line
from adapters.fake import DEFAULT_AS_OF
from portfolio import (
    Allocation,
    Asset,
    ExecutionReport,
    OrderIntent,
    PortfolioError,
    PortfolioService,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    order_intents,
    plan_rebalance,
)
from portfolio.orders.execution import guarded
from portfolio.orders.staleness import DEFAULT_MAX_AGE, DEFAULT_MAX_PRICE_MOVE
from portfolio.orders.state import OrderState
from portfolio.records.money import decimal_text
from ports import BrokerPort

__all__ = ["COMMAND", "run"]

#: Alpaca's live trading host; paper trading is `paper-api.alpaca.markets`.
LIVE_HOST = "api.alpaca.markets"
#: The correlation id of a plan made by `--weights` without `--correlation-id`.
_DEFAULT_CORRELATION_ID = "rebalance"


@attrs.frozen(kw_only=True)
class _Orders:
    """Everything a run needs once the inputs are read: the account, the plan, its orders."""

    broker: BrokerPort
    policy: SizingPolicy
    assets: Mapping[str, Asset]
    plan: RebalancePlan
    intents: tuple[OrderIntent, ...]


def _alpaca(environ: Mapping[str, str], *, live: bool) -> Result[BrokerPort, Problem]:
    """Alpaca from the APCA_* variables: paper trading unless `live`, never the other by mistake.

    Opened as every command opens it (`alpaca_broker`: missing keys exit 2, naming them).
    """
    base = environ.get("APCA_API_BASE_URL", "")
    if not live and f"//{LIVE_HOST}" in base:
        hint = "APCA_API_BASE_URL is Alpaca live trading: add --live to trade live"
        return Failure(InputError(source="--broker alpaca", problem=hint))
    if live and "paper-api." in base:
        hint = "--live, but APCA_API_BASE_URL is Alpaca paper trading"
        return Failure(InputError(source="--live", problem=hint))
    return alpaca_broker(environ, live=live)


def _broker(
    options: RebalanceOptions, environ: Mapping[str, str], policy: SizingPolicy | None = None
) -> Result[BrokerPort, Problem]:
    if options.snapshot is not None:
        loaded: Result[Snapshot, Problem] = load_snapshot(options.snapshot)
        return loaded.bind(partial(_rehearsal, options, policy))
    return _alpaca(environ, live=options.live)


def _rehearsal(
    options: RebalanceOptions, policy: SizingPolicy | None, snapshot: Snapshot
) -> Result[BrokerPort, Problem]:
    """The fake broker holding the `--snapshot` file.

    An undated file is read at the fake broker's clock, so that the plan made from it
    can be checked against the account before it is placed. Its lots cannot be: their
    holding periods would be counted to that made-up day, so under tax rules they are
    refused, as `portfolio plan` refuses them.
    """
    lots_file = options.lots if options.lots is not None else options.snapshot
    taxed_lots = policy is not None and policy.tax is not None
    if snapshot.as_of is None and taxed_lots and (options.lots is not None or snapshot.lots):
        message = f"{lots_file}: lots need the snapshot's as_of (a datetime)"
        return Failure(PortfolioError.invalid_snapshot(message, file=str(lots_file)))
    return Success(fake_broker(snapshot, clock=DEFAULT_AS_OF))


def _orders(options: RebalanceOptions, terminal: Terminal) -> Result[_Orders, Problem]:
    environ = terminal.environ
    if options.plan is not None:
        return _approved(options.plan, options, environ)
    weights_file = options.weights or Path("weights.json")  # parsing made one of them required
    return Result.do(
        _Orders(broker=broker, policy=policy, assets=snapshot.assets, plan=plan, intents=intents)
        for weights in load_targets(weights_file, liquidate_all=options.liquidate_all)
        for policy in policy_or_default(options.policy)
        for broker in _broker(options, environ, policy)
        # The lots of `--lots` describe the account before any order: they are read for
        # the plan, and placing it reads the broker's own account (positions, cash).
        for planning in with_lots(Success(broker), options.lots, policy, terminal.warn)
        for snapshot in guarded(planning.get_snapshot, tuple(weights))
        for plan in plan_rebalance(
            Allocation(target_weights=weights, correlation_id=options.correlation_id),
            snapshot,
            policy,
        )
        for intents in order_intents(plan, snapshot)
    )


def _approved(
    path: Path, options: RebalanceOptions, environ: Mapping[str, str]
) -> Result[_Orders, Problem]:
    """A saved plan's orders, when it still fits the account read now (`PortfolioService.verify`).

    The snapshot read first gives the asset facts a basket needs (crypto, asset class).
    """
    return Result.do(
        _Orders(
            broker=broker,
            policy=plan.policy or SizingPolicy(),
            assets=snapshot.assets,
            plan=plan,
            intents=intents,
        )
        for plan in load_plan(path)
        for broker in _broker(options, environ)
        for snapshot in guarded(broker.get_snapshot, tuple(item.symbol for item in plan.items))
        for intents in PortfolioService(broker).verify(
            plan, max_price_move=options.max_price_move, max_age=options.max_age
        )
    )


def load_plan(path: Path) -> Result[RebalancePlan, Problem]:
    """A plan written by `plan --json`; one that cannot be executed is a bad input file."""
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return Failure(InputError(source=str(path), problem="no such file"))
    except OSError as exc:
        return Failure(InputError(source=str(path), problem=exc.strerror or "cannot be read"))
    match RebalancePlan.from_json(text):
        case Failure(error):
            return Failure(_unreadable(path, text, error))
        case Success(plan) if plan.held is None:
            problem = (
                "a plan saved before schema_version 2 does not record the positions it was "
                "made from, so it cannot be checked before executing: plan again "
                "(portfolio plan --json)"
            )
            return Failure(InputError(source=str(path), problem=problem))
        case Success(plan):
            return Success(plan)
    return Failure(InputError(source=str(path), problem="unexpected result"))


def _unreadable(path: Path, text: bytes, error: PortfolioError) -> InputError:
    """Why the file is no plan: a bad field by name, a syntax error by line and column."""
    account = _plan_many_account(text)
    if account is not None:
        problem = f'a line of plan-many (account {one_line(account)}): execute its "plan" alone'
        return InputError(source=str(path), problem=problem)
    at = error.context
    where = at.get("field", f"line {at['line']} column {at['column']}" if "line" in at else "")
    return InputError(source=str(path), where=where, problem=error.message)


def _plan_many_account(text: bytes) -> str | None:
    """The `account_id` of the first line when `plan-many` wrote it, else None.

    `plan-many` writes `{"account_id": …, "plan": …}`, one account a line.
    """
    try:
        document = json.loads(text.split(b"\n", 1)[0])
    except (ValueError, RecursionError):
        return None
    if isinstance(document, dict) and {"account_id", "plan"} <= document.keys():
        return str(document["account_id"])[:40]
    return None


def _where(options: RebalanceOptions) -> str:
    if options.snapshot is not None:
        return f"the fake broker holding {options.snapshot}"
    return "Alpaca LIVE trading" if options.live else "Alpaca paper trading"


def _write_basket(
    options: RebalanceOptions, orders: _Orders, terminal: Terminal
) -> Result[None, Problem]:
    """The basket of `--orders-csv`, written whole (or the old file left), and said so on stderr."""
    path = options.orders_csv
    if path is None:
        return Success(None)
    match basket(orders.intents, options.orders_format, orders.assets):
        case Failure(reason):
            return Failure(InputError(source=str(path), problem=f"not written: {reason}"))
        case Success(text):
            return write_text(path, text).map(partial(announce_written, terminal, "Basket"))
    return Success(None)


def _show(
    options: RebalanceOptions, terminal: Terminal, orders: _Orders, report: ExecutionReport | None
) -> None:
    if options.json:
        terminal.say(orders_json(orders.plan.plan_id, orders.intents, report))
    else:
        terminal.say(orders_table(orders.intents, report))


def _at_broker(broker: BrokerPort, intents: tuple[OrderIntent, ...]) -> int:
    """How many of `intents` the broker has an order for already; 0 when it cannot say.

    A saved plan run again: those are found by their client ids and never placed again.
    """
    get_order = getattr(broker, "get_order", None)
    if not callable(get_order):
        return 0
    found = 0
    for intent in intents:
        match guarded(get_order, intent.client_order_id):
            case Success(OrderState()):
                found += 1
            case Failure(_):
                return 0
    return found


def _question(options: RebalanceOptions, orders: _Orders) -> str:
    """`Place N orders on …?`, N the orders not at the broker yet (a saved plan run again)."""
    found = _at_broker(orders.broker, orders.intents) if options.plan is not None else 0
    count = len(orders.intents) - found
    question = f"Place {count} orders on {_where(options)}?"
    if found:
        question += f" ({found} of the plan's orders are there already: never placed again)"
    return question


def _execute(options: RebalanceOptions, terminal: Terminal, orders: _Orders) -> ExitCode:
    if options.json and not options.yes:
        terminal.warn(orders_table(orders.intents).rstrip("\n"))
    elif not options.json:
        terminal.say(orders_table(orders.intents))
    if not options.yes and not terminal.confirm(_question(options, orders)):
        terminal.warn("not confirmed: no order placed")
        return ExitCode.FAILURE
    service = PortfolioService(orders.broker, orders.policy)
    limits = options.max_price_move, options.max_age
    match service.execute(orders.plan, max_price_move=limits[0], max_age=limits[1]):
        case Success(report):
            _show(options, terminal, orders, report)
            return ExitCode.OK if report.complete else ExitCode.FAILURE
        case Failure(error):
            return problem(error, terminal)
    return ExitCode.FAILURE  # unreachable: a Result is a Success or a Failure


def run(options: RebalanceOptions, terminal: Terminal) -> ExitCode:
    """Print the orders (dry run) or place them; see the module docstring for exit codes."""
    named = partial(
        name_file, weights=options.weights, snapshot=options.snapshot, plan=options.plan
    )
    prepared = (
        _orders(options, terminal)
        .alt(named)
        .bind(lambda orders: _write_basket(options, orders, terminal).map(lambda _: orders))
    )
    if isinstance(prepared, Success) and (warning := unknown_basis_warning(prepared.unwrap().plan)):
        terminal.warn(warning)  # before anything is shown, asked or placed
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
            if options.plan is not None and (found := _at_broker(orders.broker, orders.intents)):
                terminal.warn(
                    f"{found} of the plan's {len(orders.intents)} orders are at the broker "
                    "already: --execute places only the others"
                )
    return ExitCode.OK


def max_price_move(text: str) -> Decimal:
    """A tolerance: a fraction (`0.02`) or a percentage (`2%`), finite and ≥ 0."""
    number = text.strip()
    scale = Decimal(100) if number.endswith("%") else Decimal(1)
    try:
        value = decimal_text(number.removesuffix("%")) / scale
    except InvalidOperation:
        msg = f"expected a fraction (0.02) or a percentage (2%), got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not value.is_finite() or value < 0:
        msg = f"expected a fraction ≥ 0 (0.02) or a percentage (2%), got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


_DURATION = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def max_age(text: str) -> timedelta:
    """An age limit: a number and a unit, d(ays), h(ours), m(inutes) or s(econds): `1d`, `36h`."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        msg = f"expected a number and a unit (d, h, m, s), like 1d or 36h, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    try:
        return timedelta(**{_UNITS[match[2]]: float(match[1])})
    except OverflowError:
        msg = f"too long: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _broker_choice(text: str) -> str:
    """`alpaca`; `fake` (which `plan --broker` takes) is pointed at `--snapshot FILE`."""
    if text == BrokerChoice.ALPACA.value:
        return text
    if text == BrokerChoice.FAKE.value:
        msg = "'fake': give --snapshot FILE instead: the fake broker holds that account"
        raise argparse.ArgumentTypeError(msg)
    msg = f"invalid choice: {text!r} (choose from 'alpaca'; or give --snapshot FILE)"
    raise argparse.ArgumentTypeError(msg)


def _arguments(parser: argparse.ArgumentParser) -> None:
    decisions = parser.add_mutually_exclusive_group(required=True)
    decisions.add_argument("--weights", type=Path, metavar="FILE", help="weights file: plan now")
    decisions.add_argument(
        "--plan", type=Path, metavar="FILE", help="a plan saved by `plan --json`: execute it as is"
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--snapshot", type=Path, metavar="FILE", help="account snapshot file: the fake broker"
    )
    source.add_argument(
        "--broker",
        type=_broker_choice,
        metavar="{alpaca}",
        help="the Alpaca account (APCA_* keys)",
    )
    policy_argument(parser)
    lots_argument(parser)
    parser.add_argument("--execute", action="store_true", help="place the orders (asks first)")
    parser.add_argument("--yes", action="store_true", help="with --execute: do not ask")
    parser.add_argument("--live", action="store_true", help="Alpaca live trading, not paper")
    parser.add_argument(
        "--max-price-move",
        type=max_price_move,
        default=str(DEFAULT_MAX_PRICE_MOVE),  # argparse converts a string default with `type`
        metavar="FRACTION",
        help="refuse the plan when a price moved more since it was made: 0.02 or 2%%",
    )
    parser.add_argument(
        "--max-age",
        type=max_age,
        default=f"{DEFAULT_MAX_AGE.days}d",
        metavar="AGE",
        help="refuse a plan older than this: 1d, 36h, 90m",
    )
    parser.add_argument(
        "--orders-csv", type=Path, metavar="PATH", help="write the orders as a basket file"
    )
    parser.add_argument(
        "--format",
        dest="orders_format",
        choices=[f.value for f in BasketFormat],
        help="with --orders-csv: csv (ours, the default) or ibkr (IBKR BasketTrader)",
    )
    parser.add_argument("--json", action="store_true", help="print the orders as JSON")
    parser.add_argument(
        "--correlation-id", help="id of the plan and logs (default: rebalance; not with --plan)"
    )
    liquidate_all_argument(parser)


def _options(ns: argparse.Namespace) -> RebalanceOptions:
    if ns.live and ns.broker is None:
        msg = "--live needs --broker alpaca"
        raise UsageError(msg)
    if ns.plan is not None and (ns.policy is not None or ns.liquidate_all or ns.lots):
        msg = (
            "--plan carries its own policy, targets and lots: "
            "drop --policy / --liquidate-all / --lots"
        )
        raise UsageError(msg)
    if ns.plan is not None and ns.correlation_id is not None:
        msg = "--plan carries its own correlation id (its logs use it): drop --correlation-id"
        raise UsageError(msg)
    if ns.orders_format is not None and ns.orders_csv is None:
        msg = "--format needs --orders-csv FILE"
        raise UsageError(msg)
    inputs = {
        "--weights": ns.weights,
        "--plan": ns.plan,
        "--snapshot": ns.snapshot,
        "--policy": ns.policy,
        "--lots": ns.lots,
    }
    distinct_output("--orders-csv", ns.orders_csv, inputs)
    return RebalanceOptions(
        weights=ns.weights,
        plan=ns.plan,
        snapshot=ns.snapshot,
        broker=BrokerChoice(ns.broker) if ns.broker else None,
        policy=ns.policy,
        execute=ns.execute,
        yes=ns.yes,
        live=ns.live,
        orders_csv=ns.orders_csv,
        orders_format=BasketFormat(ns.orders_format or BasketFormat.CSV.value),
        max_price_move=ns.max_price_move,
        max_age=ns.max_age,
        json=ns.json,
        correlation_id=_DEFAULT_CORRELATION_ID if ns.correlation_id is None else ns.correlation_id,
        liquidate_all=ns.liquidate_all,
        lots=ns.lots,
    )


COMMAND = Command(
    name="rebalance",
    summary="turn a plan into orders: a dry run, or placed with --execute",
    examples=(
        "portfolio rebalance --weights weights.json --snapshot account.json",
        "portfolio rebalance --weights weights.json --broker alpaca --execute",
        "portfolio rebalance --plan plan.json --broker alpaca --execute",
        "portfolio rebalance --plan plan.json --broker alpaca --orders-csv b.csv --format ibkr",
    ),
    arguments=_arguments,
    options=_options,
    run=run,
)
