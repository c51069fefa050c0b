"""A gain budget the liquidations exceed keeps every loss sale as it is (rule 2)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from portfolio import (
    Allocation,
    Reason,
    SizingPolicy,
    Snapshot,
    TaxLot,
    TaxPolicy,
    plan_rebalance,
)

D = Decimal


def test_a_loss_sale_is_not_cut_nor_named_by_a_budget_the_liquidations_exceed() -> None:
    """X (untargeted) is liquidated: 10 at 30, bought at 10, a gain of 200 over a budget of
    50. L, 30 bought at 20, is at 10: V = 100 + 300 + 300 = 700, L's 0.25 is 175, so
    12.5 shares are sold (125.00) at a loss of 125, which lowers the excess to 25. The
    loss sale stands as planned; before, it was made again as a GAIN_BUDGET "cut" of
    the same shares."""
    lots = {
        "X": (TaxLot(quantity=D(10), cost=D(10), acquired=date(2020, 1, 2), lot_id="x"),),
        "L": (TaxLot(quantity=D(30), cost=D(20), acquired=date(2020, 1, 2), lot_id="l"),),
    }
    account = Snapshot(
        cash=D(100),
        positions={"X": D(10), "L": D(30)},
        prices={"X": D(30), "L": D(10), "B": D(3)},
        as_of=datetime(2024, 6, 3, 20, tzinfo=UTC),
        lots=lots,
    )
    weights = Allocation(target_weights={"L": D("0.25"), "B": D("0.75")}, correlation_id="b")
    policy = SizingPolicy(tax=TaxPolicy(max_realized_gain=D(50)))
    plan = plan_rebalance(weights, account, policy).unwrap()
    sale = next(item for item in plan.items if item.symbol == "L")
    assert (sale.trade_amount, sale.quantity, sale.reason) == (
        D("-125.00"),
        D("-12.500000000"),
        Reason.REBALANCE,
    )
    assert plan.tax is not None
    assert plan.tax.short_term_gain + plan.tax.long_term_gain == D(75)  # 200 − 125
    assert plan.tax.over_budget == D(25)
