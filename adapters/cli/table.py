"""Plain-text tables a person reads at a glance: a plan, a backtest summary.

Money is shown with thousands separators and two decimals, weights as percentages,
quantities with their exact digits (trailing zeros dropped). A HOLD row's amount is the
trade the policy skipped (target − current value), signed and in parentheses.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from portfolio import Action, PlanItem, RebalancePlan, TaxReport

__all__ = ["grid", "money", "percent", "plan_table", "shares", "skipped", "tax_lines"]

_PLAN_HEADERS = ("Symbol", "Action", "Amount", "Quantity", "Price", "Weight now → target", "Reason")
_PLAN_RIGHT = frozenset({2, 3, 4})
_SKIPPED_NOTE = "(…) on a HOLD row: the trade the policy skipped, target − current value"


def money(amount: Decimal) -> str:
    """`Decimal("-1234.5")` → `-1,234.50` (account currency)."""
    return f"{amount:,.2f}"


def percent(fraction: Decimal, places: int = 2) -> str:
    """`Decimal("0.1234")` → `12.34%`."""
    return f"{fraction * 100:.{places}f}%"


def shares(quantity: Decimal) -> str:
    """A share quantity with its exact digits: `Decimal("3.500000000")` → `3.5`, `30` → `30`."""
    text = f"{quantity.normalize():f}" if quantity else "0"
    return f"+{text}" if quantity > 0 else text


def grid(headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int]) -> str:
    """Columns padded to their widest cell; columns in `right` are right-aligned."""
    widths = [max(len(row[n]) for row in (headers, *rows)) for n in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell.rjust(width) if n in right else cell.ljust(width)
            for n, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    rule = "  ".join("─" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def skipped(item: PlanItem) -> Decimal:
    """The trade a HOLD row did not make: target − current value (0 for BUY and SELL rows)."""
    return item.skipped_amount if item.action is Action.HOLD else Decimal(0)


def _amount(item: PlanItem) -> str:
    """The trade amount; on a HOLD row the skipped amount, signed, in parentheses."""
    if not skipped(item):
        return money(item.trade_amount)
    return f"({skipped(item):+,.2f})"


def _plan_row(item: PlanItem) -> tuple[str, ...]:
    weights = f"{percent(item.current_weight):>7} → {percent(item.target_weight):>7}"
    return (
        item.symbol,
        item.action.value,
        _amount(item),
        shares(item.quantity),
        money(item.price),
        weights,
        item.reason.value,
    )


def plan_table(plan: RebalancePlan) -> str:
    """The plan in its own order (sells, buys, holds), then totals and the projected cash."""
    header = f"Rebalance plan {plan.plan_id} (correlation id {plan.correlation_id})"
    if plan.as_of is not None:
        header += f", prices as of {plan.as_of.isoformat()}"
    body = grid(_PLAN_HEADERS, [_plan_row(item) for item in plan.items], _PLAN_RIGHT)
    count = len(plan.trades)
    trades = f"{count} trade{'s' if count != 1 else ''}"
    value = money(plan.total_value)
    flows = f"Sells {money(plan.total_sells)}   buys {money(plan.total_buys)}   ({trades})"
    cash = f"Cash {money(plan.cash_before)} → projected {money(plan.cash_after)}"
    note = [_SKIPPED_NOTE] if any(skipped(item) for item in plan.items) else []
    lines = [header, "", body, "", flows, f"{cash}   (portfolio value {value})", *note]
    lines += tax_lines(plan.tax)
    return "\n".join(lines) + "\n"


def tax_lines(report: TaxReport | None) -> list[str]:
    """The lines under a taxed plan's table: realized gains by term, the estimated tax."""
    if report is None:
        return []
    gains = (
        f"Realized gains: short-term {money(report.short_term_gain)}   "
        f"long-term {money(report.long_term_gain)}   "
        f"estimated tax {money(report.estimated_tax)}   ({len(report.sales)} lots relieved)"
    )
    lines = [gains]
    if report.over_budget > 0:
        lines.append(f"Over the gain budget by {money(report.over_budget)} (liquidations)")
    if report.unknown_basis:
        lines.append(f"Sold without lots (basis unknown): {', '.join(report.unknown_basis)}")
    return lines
