"""A backtest's summary, as a table for people and as JSON for programs.

Money in account currency; returns, volatility and drawdown as fractions of equity
(shown as percentages); turnover as traded value ÷ mean equity.
"""

from __future__ import annotations

import json

from portfolio.backtest import BacktestResult, BacktestTax, TaxComparison
from portfolio.formats.display import money

__all__ = ["backtest_json", "backtest_table", "tax_json", "tax_table"]


def backtest_table(result: BacktestResult) -> str:
    """Final equity, returns, risk, trading and costs, one figure per line (`to_text`)."""
    return result.to_text() + "\n"


def backtest_json(result: BacktestResult) -> str:
    """The summary figures, the rebalance dates and the equity curve; decimals as strings.

    Under a policy with tax rules, `after_tax`: the run's tax figures (`_tax_document`).
    """
    document: dict[str, object] = {
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
    if result.tax is not None:  # a policy with tax rules: what the run realized and owes
        document["after_tax"] = _tax_document(result)
    return json.dumps(document, indent=2) + "\n"


def tax_table(compared: TaxComparison) -> str:
    """The after-tax comparison, then the realized gains by year of the run with the rules."""
    rows = [("", "with tax rules", "without"), *compared.rows()]
    widths = [max(len(row[n]) for row in rows) for n in range(3)]
    lines = [
        f"{name:<{widths[0]}}   {taxed:>{widths[1]}}   {untaxed:>{widths[2]}}".rstrip()
        for name, taxed, untaxed in rows
    ]
    tax = compared.taxed.tax
    years = [] if tax is None else _years(tax)
    return "\n".join(["", "After tax", *lines, *years]) + "\n"


def _years(tax: BacktestTax) -> list[str]:
    if not tax.realized_by_year:
        return []
    lines = ["", "Realized gains by year (with tax rules)"]
    for year, (short, long) in sorted(tax.realized_by_year.items()):
        lines.append(f"{year}   short-term {money(short):>14}   long-term {money(long):>14}")
    return lines


def tax_json(compared: TaxComparison) -> str:
    """`backtest_json` of the run with the tax rules, with a `tax` object for both runs."""
    document = json.loads(backtest_json(compared.taxed))
    document["tax"] = {
        "with_tax_rules": _tax_document(compared.taxed),
        "without_tax_rules": _tax_document(compared.untaxed),
    }
    return json.dumps(document, indent=2) + "\n"


def _tax_document(result: BacktestResult) -> dict[str, object]:
    tax = result.tax
    assert tax is not None  # noqa: S101 - a run under tax rules (both of a comparison) keeps lots
    return {
        "final_equity": str(result.final_equity),
        "after_tax_value": str(tax.after_tax_value),
        "realized_gains": str(tax.realized_gains),
        "taxes_paid": str(tax.taxes_paid),
        "harvested_losses": str(tax.harvested_losses),
        "wash_sales": tax.wash_sales,
        "turnover": str(result.turnover),
        "realized_by_year": {
            str(year): {"short_term": str(short), "long_term": str(long)}
            for year, (short, long) in sorted(tax.realized_by_year.items())
        },
    }
