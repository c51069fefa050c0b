"""A backtest's summary, as a table for people and as JSON for programs.

Money in account currency; returns, volatility and drawdown as fractions of equity
(shown as percentages); turnover as traded value ÷ mean equity.
"""

from __future__ import annotations

import json

from portfolio.backtest import BacktestResult

__all__ = ["backtest_json", "backtest_table"]


def backtest_table(result: BacktestResult) -> str:
    """Final equity, returns, risk, trading and costs, one figure per line (`to_text`)."""
    return result.to_text() + "\n"


def backtest_json(result: BacktestResult) -> str:
    """The summary figures, the rebalance dates and the equity curve; decimals as strings."""
    document = {
        "schedule": result.schedule.value,
        "initial_cash": str(result.initial_cash),
        "final_equity": str(result.final_equity),
        "total_return": str(result.total_return),
        "cagr": str(result.cagr),
        "volatility": str(result.volatility),
        "max_drawdown": str(result.max_drawdown),
        "turnover": str(result.turnover),
        "traded_value": str(result.traded_value),
        "fees": str(result.total_fees),
        "rebalances": result.rebalances,
        "idle_checks": result.idle_checks,
        "rebalance_dates": [day.isoformat() for day in result.rebalance_dates],
        "time_weighted_return": str(result.time_weighted_return),
        "money_weighted_return": str(result.money_weighted_return),
        "cash_flows": [
            {"date": day.isoformat(), "amount": str(amount)} for day, amount in result.cash_flows
        ],
        "warnings": [
            {
                "kind": warning.kind.value,
                "symbol": warning.symbol,
                "date": warning.date.isoformat(),
                "count": warning.count,
                "message": warning.message,
            }
            for warning in result.warnings
        ],
        "equity_curve": [
            {"date": point.date.isoformat(), "equity": str(point.equity)}
            for point in result.equity_curve
        ],
    }
    return json.dumps(document, indent=2) + "\n"
