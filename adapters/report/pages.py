"""One self-contained HTML page for a backtest or a plan: styles and SVG charts inline.

The page loads nothing: its Content-Security-Policy allows no script and no fetch, only
the inline styles, so a browser shows it the same offline, from a mail attachment or a
shared drive. The tables come from the records themselves (`RebalancePlan.to_html`,
`BacktestResult.metrics` and `trade_rows`), so a page and a notebook show the same
figures.
"""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

from adapters.report.svg import Bar, Line, Marker, bar_pairs, columns, line_chart
from portfolio import Reason, RebalancePlan
from portfolio.backtest import BacktestResult
from portfolio.backtest.result import TRADE_HEADERS, TRADE_RIGHT
from portfolio.display import html_table, money, percent

__all__ = ["REASONS", "backtest_page", "plan_page"]

#: What each reason means, for the person approving the plan.
REASONS = {
    Reason.REBALANCE: "traded to reach its target weight",
    Reason.LIQUIDATE: "not in the targets: sold in full",
    Reason.AT_TARGET: "already at its target: nothing to trade",
    Reason.BELOW_MIN_TRADE: "the trade is smaller than the policy's minimum: skipped",
    Reason.WITHIN_BAND: "the weight is within the policy's band around its target: left alone",
    Reason.CASH_LIMITED: "bought less (or nothing) because the cash ran short",
    Reason.ROUNDED_TO_ZERO: "the trade rounds to zero shares: skipped",
    Reason.NOT_TRADABLE: "the broker does not trade this symbol now: left alone",
    Reason.BELOW_BROKER_MINIMUM: "below the broker's smallest order: skipped",
    Reason.BUY_ONLY: "the policy only buys this symbol: the sell was skipped",
    Reason.SELL_ONLY: "the policy only sells this symbol: the buy was skipped",
}

_MARKS = "Ticks under the axis: rebalances; green and red marks above it: cash added and withdrawn."
_BENCHMARK = (
    "Buy and hold: the starting weights bought on the first bar and never sold to rebalance; "
    "cash added is invested toward them and cash withdrawn is raised, as in the strategy."
)
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430;
  margin: 0 auto; max-width: 960px; padding: 24px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
p.lead { color: #4a5568; margin: 0 0 16px; }
table { border-collapse: collapse; margin: 8px 0 12px; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e2e8f0; white-space: pre; }
th { background: #f7fafc; text-align: left; }
svg.chart { width: 100%; height: auto; display: block; margin: 4px 0 8px; }
svg text { font: 11px system-ui, sans-serif; fill: #4a5568; }
.grid { stroke: #e2e8f0; } .line { fill: none; stroke-width: 1.6; }
polyline.equity { stroke: #2b6cb0; } .key.equity rect { fill: #2b6cb0; }
polyline.benchmark { stroke: #dd6b20; stroke-dasharray: 5 3; }
.key.benchmark rect { fill: #dd6b20; }
.marker.rebalance { stroke: #4a5568; stroke-width: 1; }
.marker.flow-in { stroke: #2f855a; stroke-width: 2; }
.marker.flow-out { stroke: #c53030; stroke-width: 2; }
.column { fill: #2b6cb0; } .bar.current, .key.current rect { fill: #a0aec0; }
.bar.target, .key.target rect { fill: #2b6cb0; }
ul.warnings li { color: #975a16; } details { margin: 2px 0; } summary { cursor: pointer; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
dt { font-weight: 600; } dd { margin: 0; }
""".strip()


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _percent_axis(value: float) -> str:
    return f"{value:.0f}%" if abs(value) >= 1 or value == 0 else f"{value:.2f}%"


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
        Marker(day=day, kind="rebalance", label=f"{day}: rebalanced, {orders.get(day, 0)} orders")
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
            label=_percent_axis,
            chart="drawdown",
        ),
        "<h2>Turnover</h2>",
        f'<p class="lead">{html.escape(_turnover_note(result))}</p>',
        columns(
            "Traded at each rebalance, % of equity",
            _traded(result),
            span=(first, last),
            label=_percent_axis,
            chart="turnover",
        ),
        "<h2>Warnings</h2>",
        f'<ul class="warnings">{warnings}</ul>' if warnings else "<p>None.</p>",
        "<h2>Trades</h2>",
        trades or "<p>No trades.</p>",
    ]
    return _page(title, "".join(body))


def _turnover_note(result: BacktestResult) -> str:
    return (
        f"{result.turnover:.2f}× over the run: {money(result.traded_value)} traded in "
        f"{result.rebalances} rebalances, fees {money(result.total_fees)}."
    )


def plan_page(plan: RebalancePlan, *, title: str) -> str:
    """The plan as a page: weights now and at target, the trades and why, cash before/after."""
    groups = [
        Bar(
            label=item.symbol,
            values=(
                ("now", "current", item.current_weight * 100),
                ("target", "target", item.target_weight * 100),
            ),
        )
        for item in plan.items
    ]
    cash = html_table(
        ("", "Amount"),
        [
            ("Cash before", money(plan.cash_before)),
            ("Sold", money(plan.total_sells)),
            ("Bought", money(plan.total_buys)),
            ("Cash after (projected)", money(plan.cash_after)),
            ("Portfolio value", money(plan.total_value)),
        ],
        frozenset({1}),
    )
    reasons = "".join(
        f"<dt>{reason.value}</dt><dd>{html.escape(REASONS[reason])}</dd>"
        for reason in Reason
        if any(item.reason is reason for item in plan.items)
    )
    header, *totals = plan.summary()
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="lead">{html.escape(header)}</p>',
        *(f"<p>{html.escape(line)}</p>" for line in totals),
        "<h2>Cash</h2>",
        cash,
        "<h2>Weights now and at target</h2>",
        bar_pairs(
            "Weight now and at target, % of the portfolio",
            groups,
            label=_percent_axis,
            chart="weights",
        ),
        "<h2>Trades</h2>",
        plan.to_html(),
        "<h2>Reasons</h2>",
        f"<dl>{reasons}</dl>" if reasons else "<p>No items.</p>",
    ]
    return _page(title, "".join(body))
