"""What the user asked for, as typed records: one per command, built by `args.parse`."""

from __future__ import annotations

import enum
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from adapters.cli.baskets import BasketFormat
from portfolio.orders.staleness import DEFAULT_MAX_AGE, DEFAULT_MAX_PRICE_MOVE

if TYPE_CHECKING:  # imported when called: the backtests cost every other command to import
    from portfolio.backtest import CashFlows

__all__ = [
    "BacktestOptions",
    "BrokerChoice",
    "DemoOptions",
    "Options",
    "PlanManyOptions",
    "PlanOptions",
    "RebalanceOptions",
    "ValidateOptions",
]


class BrokerChoice(enum.Enum):
    """Where `plan --broker` reads the account from."""

    FAKE = "fake"
    ALPACA = "alpaca"


@attrs.frozen(kw_only=True)
class PlanOptions:
    """`portfolio plan`: weights + a snapshot file (or a broker) → a plan.

    `liquidate_all` allows (and requires) weights without a non-zero entry: sell everything.
    """

    weights: Path
    snapshot: Path | None = None
    policy: Path | None = None
    broker: BrokerChoice | None = None
    correlation_id: str = "cli"
    json: bool = False
    liquidate_all: bool = False
    #: Where `--report` writes the plan's HTML page (None: no page).
    report: Path | None = None
    #: A lots CSV file (docs/tax.md): the account's tax lots, for a policy with `[tax]`.
    lots: Path | None = None
    #: Rebuild the lots from the broker's fills (`--broker alpaca` only; docs/alpaca.md).
    lots_from_broker: bool = False


@attrs.frozen(kw_only=True)
class BacktestOptions:
    """`portfolio backtest`: a price CSV + weights → a simulated history.

    `cash` is the initial cash and `min_trade` the minimum trade, both in account
    currency; `fee_bps` is the cost per traded dollar in basis points (1 bp = 0.01 %).
    `start` / `end` bound the dates used (inclusive); `contribution` is added on the
    first bar of every month after the first (account currency, negative: withdrawn).
    `sweep` names a grid of runs instead (`adapters.cli.sweep`: then `weights` may be
    None), its rows sorted by the metric `sort` and run on `workers` processes.
    `tax` compares the run with and without the policy's tax rules (docs/tax.md).
    """

    prices: Path
    weights: Path | None
    schedule: str = "monthly"
    cash: Decimal = Decimal(1_000_000)
    min_trade: Decimal | None = None
    fee_bps: Decimal = Decimal(0)
    policy: Path | None = None
    json: bool = False
    plot: Path | None = None
    start: date | None = None
    end: date | None = None
    contribution: Decimal | None = None
    #: Where `--report` writes the HTML page (None: no page).
    report: Path | None = None
    sweep: Path | None = None
    sort: str | None = None
    workers: int = 1
    #: `--tax`: the run with and without the policy file's `[tax]` rules, compared.
    tax: bool = False
    #: `--pay-taxes` (with `--tax`): each year's tax paid from cash at its last bar.
    pay_taxes: bool = False

    def cash_flows(self) -> CashFlows | None:
        """`--contribution`: that amount on the first bar of every month after the first."""
        from portfolio.backtest import CashFlows  # noqa: PLC0415 - see TYPE_CHECKING above

        return None if self.contribution is None else CashFlows(monthly=self.contribution)


@attrs.frozen(kw_only=True)
class DemoOptions:
    """`portfolio demo`: a plan for the sample account and a short backtest."""


@attrs.frozen(kw_only=True)
class ValidateOptions:
    """`portfolio validate`: a plan from Alpaca paper trading (or the fake broker), no orders."""

    weights: Path | None = None
    policy: Path | None = None
    json: bool = False
    liquidate_all: bool = False


@attrs.frozen(kw_only=True)
class RebalanceOptions:
    """`portfolio rebalance`: weights or a saved plan + an account → orders; placed on `execute`.

    Exactly one of `weights` (plan afresh) and `plan` (a saved plan's JSON, executed as it
    is or refused when stale: `max_price_move`, a fraction, and `max_age`) is set.
    `snapshot` loads the account into the fake broker; otherwise `broker` is Alpaca,
    paper trading unless `live`. `execute` places the orders after a confirmation on
    stdin unless `yes`. `orders_csv` writes the intents to that file in `orders_format`.
    `liquidate_all` allows (and requires) weights without a non-zero entry: sell everything.
    `lots` puts a lots file's lots on the account's snapshots (with `weights`).
    """

    weights: Path | None = None
    plan: Path | None = None
    snapshot: Path | None = None
    broker: BrokerChoice | None = None
    policy: Path | None = None
    execute: bool = False
    yes: bool = False
    live: bool = False
    orders_csv: Path | None = None
    orders_format: BasketFormat = BasketFormat.CSV
    max_price_move: Decimal = DEFAULT_MAX_PRICE_MOVE
    max_age: timedelta = DEFAULT_MAX_AGE
    json: bool = False
    correlation_id: str = "rebalance"
    liquidate_all: bool = False
    #: A lots CSV file (docs/tax.md): the account's tax lots, for a policy with `[tax]`.
    lots: Path | None = None


@attrs.frozen(kw_only=True)
class PlanManyOptions:
    """`portfolio plan-many`: a JSONL file of accounts → a JSONL file of plans, in order.

    `workers` processes plan on this machine (1: in this process); `scheduler` is the
    address of a Dask scheduler to plan on instead. `liquidate_all` lets an account's
    weights target nothing (sell all of it); without it such a line is refused.
    """

    accounts: Path
    out: Path | None = None
    workers: int = 1
    scheduler: str | None = None
    policy: Path | None = None
    liquidate_all: bool = False


Options = (
    PlanOptions
    | BacktestOptions
    | DemoOptions
    | ValidateOptions
    | RebalanceOptions
    | PlanManyOptions
)
