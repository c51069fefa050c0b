"""The backtest's page: figures beside buy-and-hold's, equity, drawdown, turnover, trades.

The tables come from the result itself (`BacktestResult.metrics` and `trade_rows`), so a
page and a notebook show the same figures.
"""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

from adapters.report.page import page, percent_axis
from adapters.report.svg import Line, Marker, columns, line_chart
from portfolio.backtest import BacktestResult
from portfolio.backtest.result import TRADE_HEADERS, TRADE_RIGHT
from portfolio.formats.display import counted, html_table, money, percent

__all__ = ["backtest_page"]

_MARKS = "Ticks under the axis: rebalances; green and red marks above it: cash added and withdrawn."
_BENCHMARK = (
    "Buy and hold: the starting weights bought on the first bar and never sold to rebalance; "
    "cash added is invested toward them and cash withdrawn is raised, as in the strategy."
)


def _figures(result: BacktestResult, benchmark: BacktestResult | None) -> str:
    """The strategy's figures beside buy-and-hold's, by name."""
    theirs = {name: value for name, value, _ in benchmark.metrics()} if benchmark else {}
    headers = ("Figure", "Strategy", *(["Buy and hold"] if benchmark else []), "")
    rows = [
        (name, value, *([theirs.get(name, "")] if benchmark else []), note)
        for name, value, note in result.metrics()
    ]
    return html_table(headers, rows, frozenset({1, 2}) if benchmark else frozenset({1}))


def _markers(result: BacktestResult) -> list[Marker]:
    orders = {
        day: len(fill.orders) for day, fill in zip(result.plan_dates, result.fills, strict=True)
    }
    marks = [
        Marker(
            day=day,
            kind="rebalance",
            label=f"{day}: rebalanced, {counted(orders.get(day, 0), 'order')}",
        )
        for day in result.rebalance_dates
    ]
    for day, amount in result.cash_flows:
        word = "contribution" if amount > 0 else "withdrawal"
        kind = "flow-in" if amount > 0 else "flow-out"
        marks.append(Marker(day=day, kind=kind, label=f"{day}: {word} {money(abs(amount))}"))
    return marks


def _drawdown(result: BacktestResult) -> list[tuple[date, Decimal]]:
    """The fall from the running peak, as a negative percentage, per bar."""
    return [(r["date"], -r["drawdown"] * 100) for r in result.to_records()]  # type: ignore[misc, operator]  # a record's date and Decimal drawdown


def _traded(result: BacktestResult) -> list[tuple[date, Decimal, str]]:
    """Per rebalance: the value traded as a percentage of that bar's equity."""
    equity = dict(result.equity_curve)
    columns = []
    for day, fill in zip(result.plan_dates, result.fills, strict=True):
        if fill.orders:
            share = fill.traded_value / equity[day] if equity[day] > 0 else Decimal(0)
            text = f"{day}: traded {money(fill.traded_value)} ({percent(share)} of equity)"
            columns.append((day, share * 100, text))
    return columns


def backtest_page(result: BacktestResult, benchmark: BacktestResult | None, *, title: str) -> str:
    """The backtest as a page: figures, equity against buy-and-hold, drawdown, trades.

    `benchmark` is the same backtest with the schedule `once` (the starting weights
    bought and held); None leaves its line and column out.
    """
    strategy = Line(name="Strategy", kind="equity", values=result.equity_curve)
    lines, falls = [strategy], [Line(name="Strategy", kind="equity", values=_drawdown(result))]
    if benchmark is not None:
        lines.append(Line(name="Buy and hold", kind="benchmark", values=benchmark.equity_curve))
        falls.append(Line(name="Buy and hold", kind="benchmark", values=_drawdown(benchmark)))
    first, last = result.equity_curve[0].date, result.equity_curve[-1].date
    warnings = "".join(f"<li>{html.escape(str(w))}</li>" for w in result.warnings)
    trades = "".join(
        f"<details><summary>{html.escape(caption)}</summary>"
        f"{html_table(TRADE_HEADERS, rows, TRADE_RIGHT)}</details>"
        for caption, rows in result.trade_rows()
    )
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="lead">{html.escape(result.headline())}</p>',
        "<h2>Figures</h2>",
        _figures(result, benchmark),
        f'<p class="lead">{_BENCHMARK}</p>' if benchmark else "",
        "<h2>Equity</h2>",
        line_chart(
            "Equity: strategy against buy-and-hold of the starting weights",
            lines,
            markers=_markers(result),
            chart="equity",
        ),
        f'<p class="lead">{_MARKS}</p>',
        "<h2>Drawdown</h2>",
        line_chart(
            "Drawdown: the fall from the running peak",
            falls,
            label=percent_axis,
            chart="drawdown",
        ),
        "<h2>Turnover</h2>",
        f'<p class="lead">{html.escape(_turnover_note(result))}</p>',
        columns(
            "Traded at each rebalance, % of equity",
            _traded(result),
            span=(first, last),
            label=percent_axis,
            chart="turnover",
        ),
        "<h2>Warnings</h2>",
        f'<ul class="warnings">{warnings}</ul>' if warnings else "<p>None.</p>",
        "<h2>Trades</h2>",
        trades or "<p>No trades.</p>",
    ]
    return page(title, "".join(body))


def _turnover_note(result: BacktestResult) -> str:
    return (
        f"{result.turnover:.2f}× over the run: {money(result.traded_value)} traded in "
        f"{counted(result.rebalances, 'rebalance')}, fees {money(result.total_fees)}."
    )
