"""Open orders: netted as if filled at the snapshot's prices, so re-planning never trades twice."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import attrs
import pytest
from core_strategies import accounts, policies
from hypothesis import given
from hypothesis import strategies as st

from portfolio import (
    Action,
    Allocation,
    ErrorKind,
    OpenOrder,
    Reason,
    SizingPolicy,
    Snapshot,
    plan_rebalance,
)
from portfolio.records.money import CORE_CONTEXT

D = Decimal
SPY_ONLY = Allocation(target_weights={"SPY": D(1)}, correlation_id="orders")


def lines(allocation: Allocation, snapshot: Snapshot) -> list[tuple[str, Action, Decimal, Reason]]:
    plan = plan_rebalance(allocation, snapshot).unwrap()
    return [(i.symbol, i.action, i.trade_amount, i.reason) for i in plan.items]


def test_a_pending_buy_is_not_bought_again() -> None:
    # Cash 1,000, SPY at 500, one SPY pending: as if held 1 with 500 cash; 500 left to buy.
    pending = OpenOrder(order_id="o-1", symbol="SPY", side=Action.BUY, quantity=D(1))
    snapshot = Snapshot(cash=D(1000), prices={"SPY": D(500)}, open_orders=(pending,))
    assert lines(SPY_ONLY, snapshot) == [("SPY", Action.BUY, D("500.00"), Reason.REBALANCE)]


def test_a_pending_notional_buy_counts_its_shares_at_the_price() -> None:
    # 250 pending at 500 a share = 0.5 share; 750 of cash left is the rest of the target.
    pending = OpenOrder(order_id="o-1", symbol="SPY", side=Action.BUY, notional=D(250))
    snapshot = Snapshot(cash=D(1000), prices={"SPY": D(500)}, open_orders=(pending,))
    assert lines(SPY_ONLY, snapshot) == [("SPY", Action.BUY, D("750.00"), Reason.REBALANCE)]


def test_a_pending_sale_is_not_sold_again() -> None:
    # 2 SPY at 500, no cash, target half SPY and half QQQ. One SPY is already being sold:
    # as if held 1 with 500 cash. SPY is at target; the 500 buys QQQ.
    pending = OpenOrder(order_id="o-1", symbol="spy", side=Action.SELL, quantity=D(1))
    snapshot = Snapshot(
        cash=D(0),
        positions={"SPY": D(2)},
        prices={"SPY": D(500), "QQQ": D(100)},
        open_orders=(pending,),
    )
    allocation = Allocation(
        target_weights={"SPY": D("0.5"), "QQQ": D("0.5")}, correlation_id="orders"
    )
    assert lines(allocation, snapshot) == [
        ("QQQ", Action.BUY, D("500.00"), Reason.REBALANCE),
        ("SPY", Action.HOLD, D(0), Reason.AT_TARGET),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": D(1), "notional": D(10)}, "open_orders[0].quantity"),
        ({"quantity": None}, "open_orders[0].quantity"),
        ({"quantity": D(0)}, "open_orders[0].quantity"),
        ({"quantity": D(-2)}, "open_orders[0].quantity"),
        ({"quantity": D("NaN")}, "open_orders[0].quantity"),
        ({"quantity": None, "notional": D("Infinity")}, "open_orders[0].notional"),
        ({"quantity": None, "notional": D(0)}, "open_orders[0].notional"),
        ({"side": Action.HOLD}, "open_orders[0].side"),
        ({"side": "BUY"}, "open_orders[0].side"),
        ({"order_id": 7}, "open_orders[0].order_id"),
    ],
)
def test_a_bad_open_order_is_a_failure_naming_field_and_symbol(
    changes: dict[str, Any], field: str
) -> None:
    order = attrs.evolve(
        OpenOrder(order_id="o-1", symbol="SPY", side=Action.BUY, quantity=D(1)), **changes
    )
    snapshot = Snapshot(cash=D(1000), prices={"SPY": D(500)}, open_orders=(order,))
    error = plan_rebalance(SPY_ONLY, snapshot).failure()
    assert (error.kind, error.context["field"], error.context["symbols"]) == (
        ErrorKind.INVALID_SNAPSHOT,
        field,
        "SPY",
    )


def test_an_open_order_for_a_symbol_without_a_price_is_a_missing_price() -> None:
    order = OpenOrder(order_id="o-1", symbol="QQQ", side=Action.BUY, quantity=D(1))
    snapshot = Snapshot(cash=D(1000), prices={"SPY": D(500)}, open_orders=(order,))
    error = plan_rebalance(SPY_ONLY, snapshot).failure()
    assert (error.kind, error.context["field"], error.context["symbols"]) == (
        ErrorKind.MISSING_PRICE,
        "open_orders[0].symbol",
        "QQQ",
    )


def test_a_pending_sale_beyond_the_holding_is_a_failure_naming_the_order() -> None:
    # 2 SPY held, 1 + 2 pending to sell: filled, the account is short 1, which the plan
    # could only buy back. The second sale (the first that is not covered) is named.
    first = OpenOrder(order_id="o-1", symbol="SPY", side=Action.SELL, quantity=D(1))
    second = OpenOrder(order_id="o-2", symbol="SPY", side=Action.SELL, notional=D(1000))
    snapshot = Snapshot(
        cash=D(0), positions={"SPY": D(2)}, prices={"SPY": D(500)}, open_orders=(first, second)
    )
    error = plan_rebalance(SPY_ONLY, snapshot).failure()
    assert (error.kind, error.context["field"], error.context["order_id"]) == (
        ErrorKind.INVALID_SNAPSHOT,
        "open_orders[1].notional",
        "o-2",
    )
    assert error.context["symbols"] == "SPY"


def test_a_pending_sale_of_exactly_the_holding_nets_to_flat() -> None:
    # 2 SPY held, 2 pending to sell: as if flat with 1,000 cash; SPY's target buys 1,000.
    pending = OpenOrder(order_id="o-1", symbol="SPY", side=Action.SELL, quantity=D(2))
    snapshot = Snapshot(
        cash=D(0), positions={"SPY": D(2)}, prices={"SPY": D(500)}, open_orders=(pending,)
    )
    assert lines(SPY_ONLY, snapshot) == [("SPY", Action.BUY, D("1000.00"), Reason.REBALANCE)]


def test_with_shorts_allowed_a_pending_sale_beyond_the_holding_nets_to_a_short() -> None:
    # 2 SPY held, 3 pending to sell at 500: short 1, cash 1,500; target −0.5 of V = 1,000
    # is −500 = short 1 share: nothing to trade.
    pending = OpenOrder(order_id="o-1", symbol="SPY", side=Action.SELL, quantity=D(3))
    snapshot = Snapshot(
        cash=D(0),
        positions={"SPY": D(2)},
        prices={"SPY": D(500), "QQQ": D(100)},
        open_orders=(pending,),
    )
    allocation = Allocation(
        target_weights={"SPY": D("-0.5"), "QQQ": D("1.5")}, correlation_id="orders"
    )
    policy = SizingPolicy(allow_short=True, max_gross_exposure=D(2))
    plan = plan_rebalance(allocation, snapshot, policy).unwrap()
    spy = next(i for i in plan.items if i.symbol == "SPY")
    assert (spy.action, spy.quantity) == (Action.HOLD, D(0))


def test_open_orders_that_are_not_open_order_records_are_a_failure() -> None:
    snapshot = Snapshot(cash=D(1000), prices={"SPY": D(500)}, open_orders=("o-1",))  # type: ignore[arg-type]
    error = plan_rebalance(SPY_ONLY, snapshot).failure()
    assert (error.kind, error.context["field"]) == (
        ErrorKind.INVALID_SNAPSHOT,
        "open_orders[0].order",
    )


@st.composite
def accounts_with_orders(draw: st.DrawFn) -> tuple[Allocation, Snapshot, Snapshot, bool]:
    """An account with open orders on priced symbols, the same account once they filled,
    and whether a pending sale takes a long or flat position short."""
    allocation, snapshot = draw(accounts())
    symbols = sorted(snapshot.prices)
    orders = []
    oversold = False
    positions = dict(snapshot.positions)
    cash = snapshot.cash
    for n in range(draw(st.integers(min_value=0, max_value=3)) if symbols else 0):
        symbol = draw(st.sampled_from(symbols))
        side = draw(st.sampled_from([Action.BUY, Action.SELL]))
        amount = draw(st.decimals(min_value="0.01", max_value="50", places=2))
        by_notional = draw(st.booleans())
        price = snapshot.prices[symbol]
        sign = 1 if side is Action.BUY else -1
        with localcontext(CORE_CONTEXT):  # the planner's precision, as the netting uses
            shares = amount / price if by_notional else amount
            value = amount if by_notional else amount * price
            before = positions.get(symbol, D(0))
            positions[symbol] = before + sign * shares
            oversold = oversold or before >= 0 > positions[symbol]
            cash -= sign * value
        orders.append(
            OpenOrder(
                order_id=f"o-{n}",
                symbol=symbol,
                side=side,
                quantity=None if by_notional else amount,
                notional=amount if by_notional else None,
            )
        )
    pending = attrs.evolve(snapshot, open_orders=tuple(orders))
    filled = attrs.evolve(snapshot, positions=positions, cash=cash)
    return allocation, pending, filled, oversold


@given(accounts_with_orders(), policies)
def test_a_plan_with_open_orders_is_the_plan_after_they_fill(
    account: tuple[Allocation, Snapshot, Snapshot, bool], policy: SizingPolicy
) -> None:
    """Re-planning while orders are open must not trade what those orders already trade;
    a pending sale that would go short without shorts allowed is refused instead."""
    allocation, pending, filled, oversold = account
    result = plan_rebalance(allocation, pending, policy)
    if oversold and not policy.allow_short:
        error = result.failure()
        assert error.kind is ErrorKind.INVALID_SNAPSHOT
        assert str(error.context["field"]).startswith("open_orders[")
    else:
        assert result == plan_rebalance(allocation, filled, policy)
