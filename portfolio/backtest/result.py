"""What a backtest returns: the curve, every plan, warnings, the summary figures."""

from __future__ import annotations

import decimal
import functools
import html
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from portfolio.backtest.bars import EquityPoint
from portfolio.backtest.gaps import LateListing
from portfolio.backtest.lazy import Accounts, Plans
from portfolio.backtest.metrics import (
    cagr,
    drawdowns,
    flow_adjusted,
    max_drawdown,
    money_weighted_return,
    ten_places,
    volatility,
)
from portfolio.backtest.notices import BacktestWarning, WarningKind
from portfolio.backtest.schedule import Schedule
from portfolio.backtest.tax_ledger import BacktestTax
from portfolio.formats.display import (
    counted,
    html_table,
    money,
    percent,
    price,
    shares,
    shown,
)
from portfolio.formats.frames import data_frame
from portfolio.orders.fill import Fill, FilledOrder, fill_own_plan
from portfolio.records.costs import CostModel
from portfolio.records.frozen import FrozenDict
from portfolio.records.money import CORE_CONTEXT, ZERO
from portfolio.records.plan import RebalancePlan
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Snapshot

if TYPE_CHECKING:
    from pandas import DataFrame

    from portfolio.backtest.ledger import Ledger, Setup

__all__ = [
    "BAR_COLUMNS",
    "TRADE_COLUMNS",
    "TRADE_HEADERS",
    "TRADE_RIGHT",
    "BacktestResult",
    "summarise",
]

#: The columns of `BacktestResult.to_records()`: one row per bar.
BAR_COLUMNS = ("date", "equity", "drawdown", "cash_flow", "rebalanced")
#: The columns of `BacktestResult.trade_records()`: one row per executed order.
TRADE_COLUMNS = ("date", "symbol", "action", "reason", "quantity", "price", "traded_value", "fee")
#: Rebalances `_repr_html_()` lists before saying how many more there are.
SHOWN_REBALANCES = 12
#: The headers of `BacktestResult.trade_rows()`' cells.
TRADE_HEADERS = ("Date", "Symbol", "Action", "Quantity", "Price", "Traded", "Fee", "Reason")
#: The columns of `TRADE_HEADERS` that are right-aligned (numbers).
TRADE_RIGHT = frozenset({3, 4, 5, 6})


@attrs.frozen(kw_only=True)
class BacktestResult:
    """A simulated history. Money in account currency (Decimal), ratios as fractions.

    - `equity_curve`: (date, equity) at every bar's close, after that bar's trades.
    - `plans`, `plan_dates`, `accounts`: every plan made (one per rebalance check), its
      date, and the account it was planned against; `fills` replays each with `fill_plan`.
    - `rebalance_dates`: the dates whose plan traded; `rebalances` counts them and
      `idle_checks` counts the plans that traded nothing.
    - `total_fees`: Σ fees; `traded_value`: Σ |quantity × price| over every order.
    - `turnover`: traded_value ÷ mean equity (the first investment counts; not annualised).
    - `cash_flows`: (date, amount) added (> 0) or withdrawn (< 0) during the run.
    - `time_weighted_return`: the growth of one unit invested throughout, flows taken out
      (a fraction, not annualised); `money_weighted_return`: the annual rate (IRR) that
      discounts every flow and the final equity to the initial cash.
    - `cagr`, `volatility` (annualised), `max_drawdown`: see `portfolio.backtest.metrics`
      (computed on the flow-adjusted curve when there are cash flows).
    - `warnings`: gaps filled, late listings, symbols that stopped trading, suspected
      unadjusted splits (see docs/backtesting.md), by date.
    - `final_snapshot`: the account after the last bar (cash, positions, last prices).
    - `tax`: what the run realized and owes under `policy.tax` (`BacktestTax`), None
      without a tax policy (docs/tax.md, "After-tax backtests").
    """

    schedule: Schedule
    initial_cash: Decimal
    final_equity: Decimal
    final_snapshot: Snapshot
    equity_curve: tuple[EquityPoint, ...]
    plans: Sequence[RebalancePlan]  # built when read (`portfolio.backtest.lazy`)
    plan_dates: tuple[date, ...]
    accounts: Sequence[Snapshot]  # built when read
    rebalance_dates: tuple[date, ...]
    costs: CostModel | None
    total_fees: Decimal
    traded_value: Decimal
    turnover: Decimal
    cash_flows: tuple[tuple[date, Decimal], ...]
    time_weighted_return: Decimal
    money_weighted_return: Decimal
    cagr: Decimal
    volatility: Decimal
    max_drawdown: Decimal
    warnings: tuple[BacktestWarning, ...]
    tax: BacktestTax | None = None

    @property
    def rebalances(self) -> int:
        """How many rebalances traded something."""
        return len(self.rebalance_dates)

    @property
    def idle_checks(self) -> int:
        """How many plans traded nothing (a drift check inside the bands after rounding, …)."""
        return len(self.plans) - len(self.rebalance_dates)

    @property
    def total_return(self) -> Decimal:
        """final_equity ÷ initial_cash − 1, as a fraction (cash flows not taken out)."""
        return self.final_equity / self.initial_cash - 1

    @functools.cached_property
    def fills(self) -> tuple[Fill, ...]:
        """Each plan filled against its account by `fill_plan`'s rules, as it was traded."""
        return tuple(
            fill_own_plan(account, plan, costs=self.costs).unwrap()
            for account, plan in zip(self.accounts, self.plans, strict=True)
        )

    def metrics(self) -> tuple[tuple[str, str, str], ...]:
        """The summary figures as (name, value, note) rows, as `str()` and the report show them.

        With cash flows the returns shown take the flows out (time- and money-weighted),
        beside what went in and the gain: final ÷ initial cash, which counts the investor's
        own money as return, is not shown (`total_return` keeps it). Under a tax policy
        the tax figures follow (`BacktestTax.rows`).
        """
        idle = f"+ {self.idle_checks} checks that traded nothing" if self.idle_checks else ""
        return (
            ("Final equity", money(self.final_equity), ""),
            *self._returns(),
            ("Volatility", percent(self.volatility), "annualised"),
            ("Max drawdown", percent(self.max_drawdown), "largest fall from a peak"),
            ("Turnover", f"{self.turnover:.2f}×", f"traded {money(self.traded_value)}"),
            ("Fees", money(self.total_fees), ""),
            ("Rebalances", str(self.rebalances), idle),
            *(() if self.tax is None else self.tax.rows()),
        )

    def _returns(self) -> tuple[tuple[str, str, str], ...]:
        """The return rows: the plain ones, or with cash flows the ones that take them out."""
        if not self.cash_flows:
            return (
                ("Total return", percent(self.total_return), ""),
                ("CAGR", percent(self.cagr), ""),
            )
        net = sum((amount for _, amount in self.cash_flows), ZERO)
        invested = self.initial_cash + net
        sign = "−" if net < 0 else "+"
        flows = f"initial cash {sign} {money(abs(net))} of flows over {len(self.cash_flows)} dates"
        return (
            ("Invested", money(invested), flows),
            ("Gain", money(self.final_equity - invested), "final equity − invested"),
            ("Time-weighted", percent(self.time_weighted_return), "return, flows taken out"),
            ("Money-weighted", percent(self.money_weighted_return), "a year (IRR)"),
            ("CAGR", percent(self.cagr), "of the time-weighted return"),
        )

    def headline(self) -> str:
        """One line: the schedule, the dates and bars, the initial cash."""
        first, last = self.equity_curve[0].date, self.equity_curve[-1].date
        return (
            f"Backtest: {self.schedule.value} rebalancing, {first} → {last} "
            f"({counted(len(self.equity_curve), 'bar')}), initial cash {money(self.initial_cash)}"
        )

    def to_text(self) -> str:
        """The headline, then one figure per line (no final newline)."""
        rows = self.metrics()
        width = max(len(value) for _, value, _ in rows)
        lines = [f"{name:<14}{value:>{width}}   {note}".rstrip() for name, value, note in rows]
        return "\n".join([self.headline(), "", *lines])

    def __str__(self) -> str:
        """`to_text`, then the warnings (the first five) and how many more there are."""
        warnings, hidden = shown([str(warning) for warning in self.warnings], 5)
        more = [f"… and {hidden} more warnings (.warnings has them all)"] if hidden else []
        return "\n".join([self.to_text(), *(f"warning: {line}" for line in warnings), *more])

    def __repr__(self) -> str:
        """One short line: schedule, dates, counts and money (the curve and plans left out)."""
        first, last = self.equity_curve[0].date, self.equity_curve[-1].date
        return (
            f"BacktestResult(schedule={self.schedule.value!r}, start={first.isoformat()!r}, "
            f"end={last.isoformat()!r}, bars={len(self.equity_curve)}, "
            f"initial_cash={self.initial_cash!r}, final_equity={self.final_equity!r}, "
            f"plans={len(self.plans)}, rebalances={self.rebalances}, "
            f"warnings={len(self.warnings)})"
        )

    def _repr_html_(self) -> str:
        """Jupyter's view: the figures, the warnings, and each rebalance's trades (the first 12)."""
        figures = html_table(
            ("Figure", "Value", ""),
            self.metrics(),
            frozenset({1}),
            caption=self.headline(),
        )
        warnings = "".join(f"<li>{html.escape(str(w))}</li>" for w in self.warnings)
        rebalances, hidden = shown(self.trade_rows(), SHOWN_REBALANCES)
        more = f"… and {hidden} more rebalances (trade_records() has every trade)"
        return (
            f"<div>{figures}"
            + (f"<p>Warnings</p><ul>{warnings}</ul>" if warnings else "")
            + "".join(
                html_table(TRADE_HEADERS, rows, TRADE_RIGHT, caption=caption)
                for caption, rows in rebalances
            )
            + (f"<p>{html.escape(more)}</p>" if hidden else "")
            + "</div>"
        )

    def trade_rows(self) -> list[tuple[str, list[tuple[str, ...]]]]:
        """Per rebalance that traded: a caption and its orders as table cells, sells first."""
        return [
            (
                f"{day.isoformat()}: {counted(len(fill.orders), 'order')}",
                [_order_cells(day, order) for order in fill.orders],
            )
            for day, fill in zip(self.plan_dates, self.fills, strict=True)
            if fill.orders
        ]

    def to_records(self) -> list[dict[str, object]]:
        """One dict per bar, keys `BAR_COLUMNS`.

        `equity` in account currency; `drawdown` the fall from the running peak as a
        fraction (of the flow-adjusted curve when there are cash flows, as `max_drawdown`,
        so the column's largest value is `max_drawdown`); `cash_flow` the amount added
        (< 0: withdrawn) that bar, 0 without one; `rebalanced` whether a plan traded.
        """
        flows = dict(self.cash_flows)
        growth = (
            flow_adjusted(self.initial_cash, self.equity_curve, flows)
            if flows
            else self.equity_curve
        )
        traded = set(self.rebalance_dates)
        return [
            {
                "date": point.date,
                "equity": point.equity,
                "drawdown": ten_places(fall),
                "cash_flow": flows.get(point.date, ZERO),
                "rebalanced": point.date in traded,
            }
            for point, fall in zip(self.equity_curve, drawdowns(growth), strict=True)
        ]

    def trade_records(self) -> list[dict[str, object]]:
        """One dict per executed order, keys `TRADE_COLUMNS`, by date, sells first.

        `quantity` signed shares, `traded_value` = quantity × price (signed), `fee` ≥ 0,
        all in account currency; action and reason by name.
        """
        return [
            {
                "date": day,
                "symbol": order.symbol,
                "action": order.action.value,
                "reason": order.reason.value,
                "quantity": order.quantity,
                "price": order.price,
                "traded_value": order.traded_value,
                "fee": order.fee,
            }
            for day, fill in zip(self.plan_dates, self.fills, strict=True)
            for order in fill.orders
        ]

    def to_frame(self) -> DataFrame:
        """`to_records()` as a pandas DataFrame indexed by date (needs the `frame` extra).

        Raises ImportError naming the extra when pandas is not installed.
        """
        return data_frame(self.to_records(), BAR_COLUMNS, "date", what="BacktestResult.to_frame()")

    def trades_frame(self) -> DataFrame:
        """`trade_records()` as a pandas DataFrame (needs the `frame` extra); index: date."""
        return data_frame(
            self.trade_records(), TRADE_COLUMNS, "date", what="BacktestResult.trades_frame()"
        )


def _order_cells(day: date, order: FilledOrder) -> tuple[str, ...]:
    """An order as table cells: Date, Symbol, Action, Quantity, Price, Traded, Fee, Reason."""
    return (
        day.isoformat(),
        order.symbol,
        order.action.value,
        shares(order.quantity),
        price(order.price),
        money(order.traded_value),
        money(order.fee),
        order.reason.value,
    )


def summarise(*, setup: Setup, ledger: Ledger) -> BacktestResult:
    """Compute the summary figures of a finished run (the curve is never empty)."""
    curve, initial = ledger.curve, setup.initial_cash
    flows = tuple((setup.bars[i].date, amount) for i, amount in sorted(setup.flows.items()))
    last = setup.bars[-1]
    accounts = Accounts(ledger.planned, setup.gaps.marks, [bar.date for bar in setup.bars])
    with decimal.localcontext(CORE_CONTEXT):
        mean_equity = sum((point.equity for point in curve), ZERO) / len(curve)
        turnover = ledger.traded / mean_equity if mean_equity > 0 else ZERO
        growth = flow_adjusted(initial, curve, dict(flows)) if flows else curve
        return BacktestResult(
            schedule=setup.schedule,
            initial_cash=initial,
            final_equity=curve[-1].equity,
            final_snapshot=Snapshot(
                cash=ledger.cash,
                positions=FrozenDict(ledger.held),
                prices=setup.gaps.marks[-1],
                as_of=datetime.combine(last.date, time()),
            ),
            equity_curve=tuple(curve),
            plans=Plans(ledger.planned, accounts),
            plan_dates=tuple(setup.bars[i].date for i in ledger.plan_bars),
            accounts=accounts,
            rebalance_dates=tuple(
                setup.bars[ledger.plan_bars[i]].date for i in ledger.traded_plans
            ),
            costs=setup.costs,
            total_fees=ledger.fees,
            traded_value=ledger.traded,
            turnover=ten_places(turnover),
            cash_flows=flows,
            time_weighted_return=ten_places(growth[-1].equity / initial - 1),
            money_weighted_return=money_weighted_return(initial, curve, flows),
            cagr=cagr(initial, growth),
            volatility=volatility(growth),
            max_drawdown=max_drawdown(growth),
            warnings=_warnings(setup, ledger),
            tax=None
            if ledger.tax is None
            else ledger.tax.summary(curve[-1].equity, setup.gaps.marks[-1], last.date),
        )


def _warnings(setup: Setup, ledger: Ledger) -> tuple[BacktestWarning, ...]:
    """The fold's warnings, late listings, carried counts, unpriced substitutes, by date."""
    dates, notes = [bar.date for bar in setup.bars], list(ledger.notes)
    where = (
        "was spread over the priced targets"
        if setup.missing.late_listing is LateListing.SPREAD
        else "waited in cash"
    )
    listed = setup.gaps.listed
    for symbol in sorted(ledger.targeted):
        index = listed.get(symbol)
        if index == 0:
            continue
        message = (
            f"no close on any bar; its weight {where} throughout"
            if index is None
            else f"first close on this bar; until then its weight {where}"
        )
        notes.append(
            BacktestWarning(
                kind=WarningKind.LATE_LISTING,
                symbol=symbol,
                date=dates[index or 0],
                message=message,
            )
        )
    for symbol, runs in sorted(ledger.carried.items()):
        notes.extend(
            _carried(symbol, dates[first], dates[last], last - first + 1) for first, last in runs
        )
    notes.extend(_unpriced_substitutes(setup.policy, listed, dates[0]))
    return tuple(sorted(notes, key=lambda note: (note.date, note.symbol, note.kind.value)))


def _unpriced_substitutes(
    policy: SizingPolicy, listed: Mapping[str, int], first: date
) -> list[BacktestWarning]:
    """A warning, on the first bar, for each tax substitute with no close on any bar.

    A substitute is bought only at a price, so one the price table never prices takes no
    harvest and no held buy: the backtest says so instead of harvesting less in silence.
    """
    if policy.tax is None:
        return []
    unpriced: dict[str, list[str]] = {}
    for symbol, substitutes in policy.tax.substitutes.items():
        for substitute in substitutes:
            if substitute not in listed:
                unpriced.setdefault(substitute, []).append(symbol)
    return [
        BacktestWarning(
            kind=WarningKind.UNPRICED_SUBSTITUTE,
            symbol=substitute,
            date=first,
            message=(
                f"substitute for {', '.join(sorted(symbols))} with no close on any bar: "
                "never bought, so no harvest or held buy went to it"
            ),
        )
        for substitute, symbols in sorted(unpriced.items())
    ]


def _carried(symbol: str, first: date, last: date, count: int) -> BacktestWarning:
    """One gap: the closes of `count` bars in a row, `first` to `last`, carried forward."""
    where = "on this bar" if count == 1 else f"on {count} bars in a row, to {last.isoformat()}"
    return BacktestWarning(
        kind=WarningKind.CARRIED_FORWARD,
        symbol=symbol,
        date=first,
        message=f"close missing {where}; the last close was carried forward",
        count=count,
    )
