"""Whole lots past the exact search's fence keep the minimum trade (docs/policy.md, rule 5).

Where the exact search stops at its fence, the account a plan leaves is planned again
and the trades are added (`portfolio.steps.whole.sizing.allocate_whole`). A pass may
sell back part of what an earlier one bought; what the passes add up to is still a trade
of at least the minimum, or none.
"""

from __future__ import annotations

from decimal import Decimal

from portfolio import Action, Allocation, SizingPolicy, Snapshot, plan_rebalance

D = Decimal


def test_passes_past_the_fence_never_add_up_to_a_buy_below_the_minimum_trade() -> None:
    # 57,318.10 in cash for an allocation worth 237,267.61: A and B at 0.37 (hundreds of
    # thousands of shares, past the search's fence) and C at 623.58, whole shares, a
    # minimum trade of 4,745.35. The first pass buys 21,771 A (8,055.27) and 79 C
    # (49,262.82); planned again, that account would sell 18,539 A (6,859.43, above the
    # minimum) for 11 more C, and the passes flip between the two. Added up, the second
    # would buy 3,232 A: 1,195.84, below the minimum. The plan keeps the first.
    account = Snapshot(
        cash=D("57318.10"), prices={"A": D("0.37"), "B": D("0.37"), "C": D("623.58")}
    )
    allocation = Allocation(
        target_weights={"A": D("0.3183"), "B": D("0.2197"), "C": D("0.2780")},
        correlation_id="fence",
        portfolio_value=D("237267.61"),
    )
    policy = SizingPolicy(fractional=False, min_trade_amount=D("4745.35"))
    plan = plan_rebalance(allocation, account, policy).unwrap()
    trades = [(i.symbol, i.action, i.quantity, i.trade_amount) for i in plan.trades]
    assert trades == [
        ("A", Action.BUY, D(21771), D("8055.27")),
        ("C", Action.BUY, D(79), D("49262.82")),
    ]
    assert all(abs(i.trade_amount) >= policy.min_trade_amount for i in plan.trades)
