"""The plan's page: weights now and at target, the trades and why, cash before and after.

The tables come from the plan itself (`RebalancePlan.to_html`), so a page and a notebook
show the same figures, a taxed plan's lots sold included (`TaxReport.to_html`).
"""

from __future__ import annotations

import html

from adapters.report.page import page, percent_axis
from adapters.report.svg import Bar, bar_pairs
from portfolio import Action, Reason, RebalancePlan
from portfolio.formats.display import html_table, money

__all__ = ["REASONS", "SKIPPED_NOTE", "plan_page", "skipped_note"]

#: Under a plan's table, when a HOLD row shows in parentheses the trade it skipped.
SKIPPED_NOTE = "(…) on a HOLD row: the trade the policy skipped, target − current value"


def skipped_note(plan: RebalancePlan) -> str | None:
    """`SKIPPED_NOTE` when a HOLD row of `plan` skipped a trade, else None."""
    holds = (item.skipped_amount for item in plan.items if item.action is Action.HOLD)
    return SKIPPED_NOTE if any(holds) else None


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
    Reason.GAIN_BUDGET: "sold less (or nothing) to keep the realized gains within the budget",
    Reason.SHORT_TERM_GAIN: "sold only the lots that realize no short-term gain",
    Reason.WASH_SALE: "held back: the trade would be a wash sale",
    Reason.HARVEST: "tax-loss harvest: a loss realized, the exposure kept by a substitute",
}


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
            label=percent_axis,
            chart="weights",
        ),
        "<h2>Trades</h2>",
        plan.to_html(),
        *(f'<p class="lead">{html.escape(note)}</p>' for note in [skipped_note(plan)] if note),
        "<h2>Reasons</h2>",
        f"<dl>{reasons}</dl>" if reasons else "<p>No items.</p>",
    ]
    return page(title, "".join(body))
