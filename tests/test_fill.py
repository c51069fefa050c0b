"""fill_plan: snapshot × plan → snapshot, sells first, exact Decimal cash, optional costs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio import (
    Action,
    Allocation,
    CostModel,
    ErrorKind,
    PlanItem,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    fill_plan,
    plan_rebalance,
)
from portfolio.orders.fill import fill_own_plan

D = Decimal


def item(
    symbol: str, quantity: str, reason: Reason = Reason.REBALANCE, action: Action | None = None
) -> PlanItem:
    """A trade; only symbol, quantity, reason and action matter to fill_plan."""
    amount = D(quantity)
    if action is None:
        action = Action.BUY if amount > 0 else Action.SELL if amount < 0 else Action.HOLD
    return PlanItem(
        symbol=symbol,
        action=action,
        trade_amount=amount,
        quantity=amount,
        price=D(1),
        current_value=D(0),
        target_value=D(0),
        current_weight=D(0),
        target_weight=D(0),
        reason=reason,
    )


def plan(*items: PlanItem) -> RebalancePlan:
    """A plan of these items whose cash adds up (`cash_after` = −Σ trade_amount)."""
    return RebalancePlan(
        plan_id="p",
        correlation_id="c",
        items=items,
        total_value=D(0),
        cash_before=D(0),
        cash_after=-sum((i.trade_amount for i in items), D(0)),
    )


def account(cash: str, positions: dict[str, str], prices: dict[str, str]) -> Snapshot:
    return Snapshot(
        cash=D(cash),
        positions={s: D(q) for s, q in positions.items()},
        prices={s: D(p) for s, p in prices.items()},
    )


def test_sells_then_buys_at_snapshot_prices_without_costs() -> None:
    before = account("100", {"A": "10"}, {"A": "50", "B": "25"})
    fill = fill_plan(before, plan(item("B", "12"), item("A", "-4"))).unwrap()
    # the sell of 4 × 50 = 200 comes first, so the buy of 12 × 25 = 300 is paid in full
    assert fill.snapshot.cash == D(0)
    assert fill.snapshot.positions == {"A": D(6), "B": D(12)}
    assert [order.symbol for order in fill.orders] == ["A", "B"]
    assert fill.fees == 0
    assert fill.traded_value == D(500)


def test_holds_are_not_traded() -> None:
    before = account("100", {"A": "10"}, {"A": "50"})
    fill = fill_plan(before, plan(item("A", "0"))).unwrap()
    assert fill.orders == ()
    assert fill.snapshot.cash == D(100)
    assert fill.snapshot.positions == {"A": D(10)}


def test_cost_model_minimum_and_basis_points() -> None:
    before = account("1000", {"A": "10"}, {"A": "50", "B": "25", "C": "100"})
    costs = CostModel(bps=D(10), min_fee=D(1))
    fill = fill_plan(before, plan(item("A", "-4"), item("B", "12"), item("C", "3")), costs=costs)
    result = fill.unwrap()
    # A: 200 × 0.001 = 0.20 → minimum 1; B: 300 → 1; C: 300 → 1
    assert [order.fee for order in result.orders] == [D(1), D(1), D(1)]
    assert result.fees == D(3)
    assert result.snapshot.cash == D(1000) + D(200) - D(300) - D(300) - D(3)


def test_basis_points_above_the_minimum() -> None:
    assert CostModel(bps=D(10), min_fee=D(1)).fee(D(-10_000)) == D(10)


def test_fee_never_exceeds_the_traded_value() -> None:
    assert CostModel(min_fee=D(5)).fee(D("2.00")) == D("2.00")


def test_a_liquidation_closes_what_is_held_even_if_the_plan_is_stale() -> None:
    before = account("0", {"A": "10.123456789"}, {"A": "2"})
    fill = fill_plan(before, plan(item("A", "-10", Reason.LIQUIDATE))).unwrap()
    assert "A" not in fill.snapshot.positions
    assert fill.snapshot.cash == D("20.246913578")
    assert fill.orders[0].quantity == D("-10.123456789")


def test_liquidating_a_short_buys_it_back_first_among_buys() -> None:
    before = account("1000", {"A": "-3"}, {"A": "100"})
    fill = fill_plan(before, plan(item("A", "3", Reason.LIQUIDATE))).unwrap()
    assert fill.snapshot.positions == {}
    assert fill.snapshot.cash == D(700)


def test_selling_more_than_held_goes_short() -> None:
    before = account("0", {}, {"A": "10"})
    fill = fill_plan(before, plan(item("A", "-5"))).unwrap()
    assert fill.snapshot.positions == {"A": D(-5)}
    assert fill.snapshot.cash == D(50)


def test_a_fractional_buy_is_cut_to_the_cash_there_is() -> None:
    before = account("100", {}, {"B": "25"})
    fill = fill_plan(before, plan(item("B", "5.5"))).unwrap()
    order = fill.orders[0]
    assert (order.requested, order.quantity) == (D("5.5"), D(4))
    assert fill.snapshot.cash == D(0)


def test_a_whole_share_buy_is_cut_to_whole_shares() -> None:
    before = account("100", {}, {"B": "30"})
    fill = fill_plan(before, plan(item("B", "7"))).unwrap()
    assert fill.orders[0].quantity == D(3)
    assert fill.snapshot.cash == D(10)


def test_a_cut_buy_leaves_room_for_its_fee() -> None:
    before = account("1001", {}, {"B": "10"})
    fill = fill_plan(before, plan(item("B", "150.5")), costs=CostModel(bps=D(10))).unwrap()
    # n + 0.001 n = 1001 → n = 1000 → 100 shares, fee 1
    assert fill.orders[0].quantity == D(100)
    assert fill.fees == D(1)
    assert fill.snapshot.cash == D(0)


def test_a_cut_buy_under_the_minimum_fee() -> None:
    before = account("11", {}, {"B": "1"})
    fill = fill_plan(before, plan(item("B", "50.5")), costs=CostModel(min_fee=D(1))).unwrap()
    # n + 1 = 11 → 10 shares
    assert fill.orders[0].quantity == D(10)
    assert fill.snapshot.cash == D(0)


def test_no_cash_no_buy() -> None:
    before = account("-5", {}, {"B": "1"})
    fill = fill_plan(before, plan(item("B", "3"))).unwrap()
    assert fill.orders[0].quantity == 0
    assert fill.snapshot.cash == D(-5)


def test_given_prices_override_the_snapshot() -> None:
    before = account("0", {"A": "10"}, {"A": "50"})
    fill = fill_plan(before, plan(item("A", "-10")), prices={"A": D(55)}).unwrap()
    assert fill.snapshot.cash == D(550)
    assert fill.snapshot.prices["A"] == D(55)


def test_missing_price_is_a_failure() -> None:
    before = account("100", {}, {})
    error = fill_plan(before, plan(item("ZZZ", "1"))).failure()
    assert error.kind is ErrorKind.MISSING_PRICE
    assert error.context["symbols"] == "ZZZ"


@pytest.mark.parametrize("price", [D(0), D(-1), D("NaN"), D("Infinity")])
def test_bad_price_is_a_failure(price: D) -> None:
    before = Snapshot(cash=D(100), prices={"A": price})
    assert fill_plan(before, plan(item("A", "1"))).failure().kind is ErrorKind.INVALID_PRICE


def test_bad_cost_model_is_a_failure() -> None:
    before = account("100", {}, {"A": "1"})
    result = fill_plan(before, plan(item("A", "1")), costs=CostModel(bps=D(-1)))
    assert result.failure().kind is ErrorKind.INVALID_POLICY


def test_non_finite_quantity_is_a_failure() -> None:
    before = account("100", {}, {"A": "1"})
    result = fill_plan(before, plan(item("A", "NaN", action=Action.BUY)))
    assert result.failure().kind is ErrorKind.INVALID_PLAN


def test_a_symbol_twice_is_refused_not_filled_twice() -> None:
    """A plan built by hand with two items for A would buy A twice: INVALID_PLAN naming A."""
    before = account("100", {}, {"A": "1", "B": "1"})
    error = fill_plan(before, plan(item("A", "3"), item("B", "1"), item("A", "3"))).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_PLAN, "A")
    assert "more than one item" in error.message


def test_a_hold_with_shares_is_refused() -> None:
    """A HOLD item is never traded, so a HOLD with a quantity is a plan edited by hand."""
    before = account("100", {}, {"A": "1"})
    error = fill_plan(before, plan(item("A", "2", action=Action.HOLD))).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_PLAN, "A")


def test_a_quantity_edited_without_its_amount_is_refused() -> None:
    """The quantity is what fills: 5 shares at 1 planned as an amount of 3 is refused by name."""
    edited = item("A", "3")._replace(quantity=D(5))
    before = account("100", {}, {"A": "1"})
    error = fill_plan(before, plan(edited)).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_PLAN, "A")


prices = st.decimals(min_value=D("0.01"), max_value=D(5000), places=2)
quantities = st.decimals(min_value=D(0), max_value=D(1000), places=3)
weights = st.decimals(min_value=D(0), max_value=D("0.3"), places=3)
SYMBOLS = ("A", "B", "C")


@settings(max_examples=150, deadline=None)
@given(
    cash=st.decimals(min_value=D(0), max_value=D(10**6), places=2),
    held=st.tuples(quantities, quantities, quantities),
    price=st.tuples(prices, prices, prices),
    target=st.tuples(weights, weights, weights),
    bps=st.decimals(min_value=D(0), max_value=D(100), places=1),
    min_fee=st.decimals(min_value=D(0), max_value=D(10), places=2),
)
def test_filling_a_plan_conserves_equity_and_never_borrows(
    cash: D,
    held: tuple[D, D, D],
    price: tuple[D, D, D],
    target: tuple[D, D, D],
    bps: D,
    min_fee: D,
) -> None:
    """At the fill prices, value only leaves the account as fees; cash never goes below 0.

    Fees are exact and cash moves by exactly quantity × price + fee, so equity before
    must equal equity after plus fees to the last digit; buys are cut to the cash there
    is, so a fill cannot borrow; and a liquidated symbol is closed to exactly zero.
    """
    before = Snapshot(
        cash=cash,
        positions={s: q for s, q in zip(SYMBOLS, held, strict=True) if q},
        prices=dict(zip(SYMBOLS, price, strict=True)),
    )
    wanted = {s: w for s, w in zip(SYMBOLS, target, strict=True) if w}
    allocation = Allocation(target_weights=wanted, correlation_id="prop")
    made = plan_rebalance(allocation, before, SizingPolicy(min_trade_amount=D(0))).unwrap()
    fill = fill_plan(before, made, costs=CostModel(bps=bps, min_fee=min_fee)).unwrap()
    assert before.equity == fill.snapshot.equity + fill.fees
    assert fill.snapshot.cash >= 0
    liquidated = {i.symbol for i in made.items if i.reason is Reason.LIQUIDATE}
    assert not liquidated & set(fill.snapshot.positions)
    assert fill_own_plan(before, made, costs=CostModel(bps=bps, min_fee=min_fee)).unwrap() == fill


def test_the_planners_own_fill_skips_only_the_plans_own_rules() -> None:
    """`fill_own_plan` (a backtest's) fills what `fill_plan` refuses as edited by hand,
    and still refuses a bad cost model and arguments of the wrong kind."""
    before = account("100", {}, {"A": "1", "B": "1"})
    twice = plan(item("A", "3"), item("B", "1"), item("A", "3"))
    assert fill_plan(before, twice).failure().kind is ErrorKind.INVALID_PLAN
    assert fill_own_plan(before, twice).unwrap().snapshot.positions == {"A": D(6), "B": D(1)}
    bad = CostModel(bps=D(-1))
    assert fill_own_plan(before, twice, costs=bad).failure().kind is ErrorKind.INVALID_POLICY
