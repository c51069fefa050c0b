"""Plain-text tables a person reads at a glance: a plan, a backtest summary.

The formats and the plan's table are the records' own (`portfolio.formats.display`,
`RebalancePlan.to_text`), so a terminal, a notebook and the HTML report show the same
figures: money with thousands separators and two decimals, weights as percentages,
quantities with their exact digits. A HOLD row's amount is the trade the policy
skipped (target − current value), signed and in parentheses.
"""

from __future__ import annotations

from decimal import Decimal

from adapters.report.plan_page import skipped_note
from portfolio import Action, PlanItem, RebalancePlan
from portfolio.formats.display import money, percent, shares
from portfolio.formats.display import text_table as grid

__all__ = ["grid", "money", "percent", "plan_table", "shares", "skipped"]


def skipped(item: PlanItem) -> Decimal:
    """The trade a HOLD row did not make: target − current value (0 for BUY and SELL rows)."""
    return item.skipped_amount if item.action is Action.HOLD else Decimal(0)


def plan_table(plan: RebalancePlan) -> str:
    """The plan in its own order (sells, buys, holds), then totals and the projected cash."""
    note = skipped_note(plan)
    return "\n".join([plan.to_text(), *([note] if note else [])]) + "\n"
