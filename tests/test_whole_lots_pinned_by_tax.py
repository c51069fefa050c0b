"""Whole-lot sales the tax rules pin as sized, where the trade they were sized beside changes.

docs/tax.md (whole-lot sizing): when the rules change a whole-lot trade, every whole-lot
sale they saw is pinned as they left it and only the other symbols are sized again. A
sale sized to pay for a buy the rules then hold, or beside a sale they then cut, stays as
it was sized: the plan ends further from its targets than the same sale sized again
would. Found by an enumeration of small taxed accounts (a brute-force run's seeds
0–15,000, 2,038 taxed plans with whole lots: 20 whose whole-lot counts an independent
check improves within the same cash, its alternatives not put through every tax rule;
each of the six looked at is a sale pinned beside a trade the rules changed; the same
enumeration finds 35 on the code merged later that day). Both strict xfails: the pinning
lives in `portfolio.steps.actions._lots_adjusted`, where the gain budget's rounds are
decided. Sizing such a sale again when the rules only held trades (no budget cut) makes
both pass, but moves 42 of the 4,000 pinned taxed plans, 3 of them to a hold at an equal
error (the whole-lot search's tie-break then prefers not trading): not made yet.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portfolio import (
    Action,
    Allocation,
    Asset,
    PastTrade,
    Reason,
    SizingPolicy,
    Snapshot,
    TaxLot,
    TaxPolicy,
    plan_rebalance,
)
from portfolio.records.plan import RebalancePlan

D = Decimal
AS_OF = datetime(2024, 6, 3, 20, tzinfo=UTC)
OLD = date(2022, 1, 3)


def whole(*symbols: str) -> dict[str, Asset]:
    return {s: Asset(symbol=s, fractionable=False) for s in symbols}


def plan(weights: dict[str, str], snapshot: Snapshot, tax: TaxPolicy | None) -> RebalancePlan:
    allocation = Allocation(
        target_weights={s: D(w) for s, w in weights.items()}, correlation_id="pinned"
    )
    return plan_rebalance(allocation, snapshot, SizingPolicy(tax=tax)).unwrap()


def trades(made: RebalancePlan) -> dict[str, Decimal]:
    return {i.symbol: i.quantity for i in made.trades}


BUY_HELD = Snapshot(
    cash=D(100),
    positions={"A": D(14), "B": D(10)},
    prices={"A": D(150), "B": D(100)},
    as_of=AS_OF,
    lots={
        "A": (TaxLot(quantity=D(14), cost=D(100), acquired=OLD, lot_id="a"),),
        "B": (TaxLot(quantity=D(10), cost=D(100), acquired=OLD, lot_id="b"),),
    },
    recent_trades=(
        PastTrade(
            symbol="B",
            action=Action.SELL,
            quantity=D(1),
            price=D(90),
            on=date(2024, 5, 29),
            realized_gain=D(-10),
        ),
    ),
    assets=whole("A", "B"),
)


def test_untaxed_two_a_pay_for_four_b() -> None:
    """V = 100 + 14 × 150 + 10 × 100 = 3,200: targets A 1,888, B 1,312 (whole shares).

    2 A sold (A 88 short) for 4 B (88 over): 176, nothing idle.
    """
    made = plan({"A": "0.59", "B": "0.41"}, BUY_HELD, None)
    assert trades(made) == {"A": D(-2), "B": D(4)}
    assert made.cash_after == D(0)


@pytest.mark.xfail(
    strict=True,
    reason="a whole-lot sale sized to pay for a buy the wash-sale rule then holds stays "
    "pinned as sized (docs/tax.md, whole-lot sizing; steps.actions._lots_adjusted)",
)
def test_a_sale_that_paid_for_a_buy_the_wash_sale_rule_holds_is_sized_again() -> None:
    """B was sold at a loss 5 days ago: its buy is held (WASH_SALE), B 312 short.

    Today A still sells 2: A 88 short, 400 idle: 88 + 312 + 400 = 800. Holding A: 212
    over, 100 idle: 624; selling 1 A: 62 over, 250 idle: 624 as well.
    """
    made = plan({"A": "0.59", "B": "0.41"}, BUY_HELD, TaxPolicy())
    held = {i.symbol: i.reason for i in made.items if i.action is Action.HOLD}
    assert held.get("B") is Reason.WASH_SALE
    assert trades(made).get("A", D(0)) >= -1


CUT_BESIDE = Snapshot(
    cash=D(0),
    positions={"C": D(10), "D": D(10)},
    prices={"C": D(100), "D": D(100), "F": D(10)},
    as_of=AS_OF,
    lots={
        "C": (TaxLot(quantity=D(10), cost=D(50), acquired=date(2024, 3, 1), lot_id="c"),),
        "D": (TaxLot(quantity=D(10), cost=D(100), acquired=OLD, lot_id="d"),),
    },
    assets=whole("C", "D"),
)
CUT_WEIGHTS = {"C": "0.25", "D": "0.33", "F": "0.42"}


def test_untaxed_c_and_d_sell_for_the_fractional_buy() -> None:
    """V = 2,000: targets C 500, D 660 (whole shares), F 840 (fractional).

    5 C sold (on target), 3 D (700, 40 over): F buys the 800 raised (40 short): 80.
    """
    made = plan(CUT_WEIGHTS, CUT_BESIDE, None)
    assert trades(made) == {"C": D(-5), "D": D(-3), "F": D(80)}


@pytest.mark.xfail(
    strict=True,
    reason="a whole-lot sale sized beside a sale the rules then hold stays pinned as "
    "sized (docs/tax.md, whole-lot sizing; steps.actions._lots_adjusted)",
)
def test_a_sale_sized_beside_one_the_rules_hold_is_sized_again() -> None:
    """Deferring short-term gains holds C (SHORT_TERM_GAIN): C 500 over, fixed.

    Today D stays at the 3 it sold beside C's 5: D 40 over, F bought 300, 540 short:
    40 + 540 (+ C's 500) = 1,080. 4 D: D 60 short, F 440 short: 1,000 (5 D: 160 + 340,
    the same 1,000, D further from its target).
    """
    made = plan(CUT_WEIGHTS, CUT_BESIDE, TaxPolicy(defer_short_term_gains=True))
    held = {i.symbol: i.reason for i in made.items if i.action is Action.HOLD}
    assert held.get("C") is Reason.SHORT_TERM_GAIN
    assert trades(made).get("D") == D(-4)
