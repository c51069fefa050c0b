"""What a backtest returns: the curve, every plan and fill, and the summary figures."""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from portfolio.backtest.bars import EquityPoint
from portfolio.backtest.metrics import cagr, max_drawdown, volatility
from portfolio.backtest.schedule import Schedule
from portfolio.fill import Fill
from portfolio.money import CORE_CONTEXT, ZERO
from portfolio.plan import RebalancePlan
from portfolio.snapshot import Snapshot

__all__ = ["BacktestResult", "summarise"]


@attrs.frozen(kw_only=True)
class BacktestResult:
    """A simulated history. Money in account currency (Decimal), ratios as fractions.

    - `equity_curve`: (date, equity) at every bar's close, after that bar's trades.
    - `plans`, `fills`, `rebalance_dates`: one entry per rebalance, in order.
    - `total_fees`: Σ fees; `traded_value`: Σ |quantity × price| over every order.
    - `turnover`: traded_value ÷ mean equity (the first investment counts; not annualised).
    - `cagr`, `volatility` (annualised), `max_drawdown`: see `portfolio.backtest.metrics`.
    - `final_snapshot`: the account after the last bar (cash, positions, last prices).
    """

    schedule: Schedule
    initial_cash: Decimal
    final_equity: Decimal
    final_snapshot: Snapshot
    equity_curve: tuple[EquityPoint, ...]
    plans: tuple[RebalancePlan, ...]
    fills: tuple[Fill, ...]
    rebalance_dates: tuple[date, ...]
    total_fees: Decimal
    traded_value: Decimal
    turnover: Decimal
    cagr: Decimal
    volatility: Decimal
    max_drawdown: Decimal

    @property
    def rebalances(self) -> int:
        """How many times the backtest planned and traded."""
        return len(self.plans)

    @property
    def total_return(self) -> Decimal:
        """final_equity ÷ initial_cash − 1, as a fraction."""
        return self.final_equity / self.initial_cash - 1


def summarise(  # noqa: PLR0913 - the parts of one history
    *,
    schedule: Schedule,
    initial_cash: Decimal,
    final: Snapshot,
    curve: Sequence[EquityPoint],
    plans: Sequence[RebalancePlan],
    fills: Sequence[Fill],
    rebalance_dates: Sequence[date],
) -> BacktestResult:
    """Compute the summary figures of a finished run (the curve is never empty)."""
    with decimal.localcontext(CORE_CONTEXT):
        traded = sum((fill.traded_value for fill in fills), ZERO)
        mean_equity = sum((point.equity for point in curve), ZERO) / len(curve)
        turnover = traded / mean_equity if mean_equity > 0 else ZERO
        return BacktestResult(
            schedule=schedule,
            initial_cash=initial_cash,
            final_equity=curve[-1].equity,
            final_snapshot=final,
            equity_curve=tuple(curve),
            plans=tuple(plans),
            fills=tuple(fills),
            rebalance_dates=tuple(rebalance_dates),
            total_fees=sum((fill.fees for fill in fills), ZERO),
            traded_value=traded,
            turnover=turnover.quantize(Decimal("1E-10")),
            cagr=cagr(initial_cash, curve),
            volatility=volatility(curve),
            max_drawdown=max_drawdown(curve),
        )
