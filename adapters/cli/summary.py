"""A backtest's summary, as a table for people and as JSON for programs.

Money in account currency; returns, volatility and drawdown as fractions of equity
(shown as percentages); turnover as traded value ÷ mean equity.
"""

from __future__ import annotations

import json
from decimal import Decimal

from adapters.cli.table import money, percent
from portfolio.backtest import BacktestResult

__all__ = ["backtest_json", "backtest_table"]


def backtest_table(result: BacktestResult) -> str:
    """Final equity, returns, risk, trading and costs, one figure per line.

    With cash flows the headline returns take the flows out (time- and money-weighted),
    beside what went in and the gain; final ÷ initial cash, which counts the investor's
    own money as return, is not shown (`--json` keeps it as `total_return`).
    """
    curve = result.equity_curve
    first, last = curve[0].date, curve[-1].date
    header = (
        f"Backtest: {result.schedule.value} rebalancing, {first} → {last} ({len(curve)} bars), "
        f"initial cash {money(result.initial_cash)}"
    )
    rows = (
        ("Final equity", money(result.final_equity), ""),
        *_returns(result),
        ("Volatility", percent(result.volatility), "annualised"),
        ("Max drawdown", percent(result.max_drawdown), "largest fall from a peak"),
        ("Turnover", f"{result.turnover:.2f}×", f"traded {money(result.traded_value)}"),
        ("Fees", money(result.total_fees), ""),
        ("Rebalances", str(result.rebalances), _idle(result)),
    )
    width = max(len(value) for _, value, _ in rows)
    lines = [f"{name:<14}{value:>{width}}   {note}".rstrip() for name, value, note in rows]
    return "\n".join([header, "", *lines]) + "\n"


def _idle(result: BacktestResult) -> str:
    return f"+ {result.idle_checks} checks that traded nothing" if result.idle_checks else ""


def _returns(result: BacktestResult) -> tuple[tuple[str, str, str], ...]:
    """The return rows: the plain ones, or with cash flows the ones that take them out."""
    if not result.cash_flows:
        return (
            ("Total return", percent(result.total_return), ""),
            ("CAGR", percent(result.cagr), ""),
        )
    net = sum((amount for _, amount in result.cash_flows), Decimal(0))
    invested = result.initial_cash + net
    return (
        ("Invested", money(invested), _flows_note(net, len(result.cash_flows))),
        ("Gain", money(result.final_equity - invested), "final equity − invested"),
        ("Time-weighted", percent(result.time_weighted_return), "return, flows taken out"),
        ("Money-weighted", percent(result.money_weighted_return), "a year (IRR)"),
        ("CAGR", percent(result.cagr), "of the time-weighted return"),
    )


def _flows_note(net: Decimal, dates: int) -> str:
    sign = "−" if net < 0 else "+"
    return f"initial cash {sign} {money(abs(net))} of flows over {dates} dates"


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
