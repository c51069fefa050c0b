"""What a backtest returns: the curve, every plan, warnings, the summary figures."""

from __future__ import annotations

import decimal
import functools
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from portfolio.backtest.bars import EquityPoint
from portfolio.backtest.gaps import LateListing
from portfolio.backtest.metrics import (
    cagr,
    flow_adjusted,
    max_drawdown,
    money_weighted_return,
    ten_places,
    volatility,
)
from portfolio.backtest.notices import BacktestWarning, WarningKind
from portfolio.backtest.schedule import Schedule
from portfolio.costs import CostModel
from portfolio.fill import Fill, fill_plan
from portfolio.frozen import FrozenDict
from portfolio.money import CORE_CONTEXT, ZERO
from portfolio.plan import RebalancePlan
from portfolio.snapshot import Snapshot

if TYPE_CHECKING:
    from portfolio.backtest.ledger import Ledger, Setup

__all__ = ["BacktestResult", "summarise"]


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
    """

    schedule: Schedule
    initial_cash: Decimal
    final_equity: Decimal
    final_snapshot: Snapshot
    equity_curve: tuple[EquityPoint, ...]
    plans: tuple[RebalancePlan, ...]
    plan_dates: tuple[date, ...]
    accounts: tuple[Snapshot, ...]
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
        """Each plan filled against its account by `fill_plan`, as the backtest traded it."""
        return tuple(
            fill_plan(account, plan, costs=self.costs).unwrap()
            for account, plan in zip(self.accounts, self.plans, strict=True)
        )


def summarise(*, setup: Setup, ledger: Ledger) -> BacktestResult:
    """Compute the summary figures of a finished run (the curve is never empty)."""
    curve, initial = ledger.curve, setup.initial_cash
    flows = tuple((setup.bars[i].date, amount) for i, amount in sorted(setup.flows.items()))
    last = setup.bars[-1]
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
            plans=tuple(ledger.plans),
            plan_dates=tuple(setup.bars[i].date for i in ledger.plan_bars),
            accounts=tuple(ledger.accounts),
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
        )


def _warnings(setup: Setup, ledger: Ledger) -> tuple[BacktestWarning, ...]:
    """The fold's warnings, plus late listings and carried counts, in date order."""
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
    return tuple(sorted(notes, key=lambda note: (note.date, note.symbol, note.kind.value)))


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
