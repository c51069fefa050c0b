"""Order intents: the orders that carry out a plan, sells first, flips in two legs, stable ids."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.pipeline import is_successful

from portfolio import (
    Action,
    Allocation,
    Asset,
    ErrorKind,
    OpenOrder,
    OrderIntent,
    PlanItem,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    order_intents,
    plan_rebalance,
)
from portfolio.orders.intents import MAX_CLIENT_ORDER_ID, Leg, client_order_id

D = Decimal
SHORTS = SizingPolicy(allow_short=True, max_gross_exposure=D(2))


def plan_for(
    snapshot: Snapshot, weights: dict[str, Decimal], policy: SizingPolicy | None = None
) -> RebalancePlan:
    allocation = Allocation(target_weights=weights, correlation_id="orders")
    return plan_rebalance(allocation, snapshot, policy or SizingPolicy()).unwrap()


def summary(intents: tuple[OrderIntent, ...]) -> list[tuple[str, str, Decimal | None, bool]]:
    return [(i.side.value, i.symbol, i.quantity, i.closes_position) for i in intents]


def test_buys_from_cash_are_one_order_each() -> None:
    snapshot = Snapshot(cash=D(10_000), prices={"SPY": D(500), "QQQ": D(400)})
    plan = plan_for(snapshot, {"SPY": D("0.6"), "QQQ": D("0.4")})
    intents = order_intents(plan, snapshot).unwrap()
    assert summary(intents) == [("BUY", "QQQ", D(10), False), ("BUY", "SPY", D(12), False)]
    assert all(i.notional is None for i in intents)


def test_sells_come_before_buys() -> None:
    snapshot = Snapshot(cash=D(0), positions={"SPY": D(20)}, prices={"SPY": D(500), "AAA": D(400)})
    plan = plan_for(snapshot, {"SPY": D("0.5"), "AAA": D("0.5")})
    assert summary(order_intents(plan, snapshot).unwrap()) == [
        ("SELL", "SPY", D(10), False),
        ("BUY", "AAA", D("12.5"), False),
    ]


def test_a_liquidation_sells_exactly_the_held_quantity() -> None:
    snapshot = Snapshot(
        cash=D(0), positions={"SPY": D("3.333333333")}, prices={"SPY": D(3), "QQQ": D(1)}
    )
    plan = plan_for(snapshot, {"QQQ": D(1)})
    assert plan.item("SPY").reason is Reason.LIQUIDATE  # type: ignore[union-attr]
    sells = [i for i in order_intents(plan, snapshot).unwrap() if i.side is Action.SELL]
    assert summary(tuple(sells)) == [("SELL", "SPY", D("3.333333333"), True)]


def test_a_flip_is_a_close_then_an_open_with_shorts_in_whole_shares() -> None:
    """Long 10 SPY → −3.7 target: close 10, open a short of 3 (0.7 dropped); short → long QQQ."""
    snapshot = Snapshot(
        cash=D(1000),
        positions={"SPY": D(10), "QQQ": D(-3)},
        prices={"SPY": D(100), "QQQ": D(50), "IWM": D(20)},
    )
    # value 1000 + 1000 − 150 = 1850: SPY −370 = −3.7 sh, QQQ 555 = 11.1 sh, IWM 370 = 18.5 sh
    plan = plan_for(snapshot, {"SPY": D("-0.2"), "QQQ": D("0.3"), "IWM": D("0.2")}, SHORTS)
    assert summary(order_intents(plan, snapshot).unwrap()) == [
        ("SELL", "SPY", D(10), True),
        ("SELL", "SPY", D(3), False),
        ("BUY", "IWM", D("18.5"), False),
        ("BUY", "QQQ", D(3), True),
        ("BUY", "QQQ", D("11.1"), False),
    ]


def test_client_ids_are_stable_per_plan_and_differ_between_plans() -> None:
    snapshot = Snapshot(cash=D(1000), positions={"SPY": D(5)}, prices={"SPY": D(100), "X": D(7)})
    first = order_intents(plan_for(snapshot, {"X": D(1)}), snapshot).unwrap()
    again = order_intents(plan_for(snapshot, {"X": D(1)}), snapshot).unwrap()
    other = order_intents(plan_for(snapshot, {"X": D("0.5")}), snapshot).unwrap()
    assert [i.client_order_id for i in first] == [i.client_order_id for i in again]
    assert not {i.client_order_id for i in first} & {i.client_order_id for i in other}


def test_a_very_long_symbol_still_gives_a_short_unique_id() -> None:
    long_a, long_b = "A" * 120, "A" * 119 + "B"
    snapshot = Snapshot(cash=D(1000), prices={long_a: D(10), long_b: D(10)})
    plan = plan_for(snapshot, {long_a: D("0.5"), long_b: D("0.5")})
    ids = [i.client_order_id for i in order_intents(plan, snapshot).unwrap()]
    assert len(set(ids)) == 2
    assert all(len(i) <= MAX_CLIENT_ORDER_ID for i in ids)


# -- bad input ---------------------------------------------------------------------------------

ACCOUNT = Snapshot(
    cash=D(1000),
    positions={"SPY": D(4)},
    prices={"SPY": D(100), "QQQ": D(50)},
    as_of=datetime(2024, 6, 28, 20, tzinfo=UTC),
)


def test_a_plan_from_another_moment_is_refused() -> None:
    plan = plan_for(ACCOUNT, {"QQQ": D("0.5")})
    later = attrs.evolve(ACCOUNT, as_of=datetime(2024, 7, 1, 20, tzinfo=UTC))
    error = order_intents(plan, later).failure()
    assert error.kind is ErrorKind.INVALID_PLAN
    assert error.context["snapshot_as_of"] == "2024-07-01 20:00:00+00:00"


def test_a_plan_that_does_not_cover_a_holding_is_refused() -> None:
    plan = plan_for(ACCOUNT, {"QQQ": D("0.5")})
    more = attrs.evolve(ACCOUNT, positions={"SPY": D(4), "TLT": D(1)}, prices={"TLT": D(9)})
    error = order_intents(plan, more).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_PLAN, "TLT")


def test_a_traded_symbol_without_a_price_is_refused() -> None:
    plan = plan_for(ACCOUNT, {"QQQ": D("0.5")})
    unpriced = attrs.evolve(ACCOUNT, prices={"SPY": D(100)})
    assert order_intents(plan, unpriced).failure().context["symbols"] == "QQQ"


def test_liquidating_what_is_not_held_is_refused() -> None:
    plan = plan_for(ACCOUNT, {"QQQ": D("0.5")})
    sold = attrs.evolve(ACCOUNT, positions={})
    error = order_intents(plan, sold).failure()
    assert "does not hold" in error.message
    assert error.context["symbols"] == "SPY"


def with_quantity(item: PlanItem, quantity: Decimal) -> PlanItem:
    """The same decision with another quantity (PlanItem built by keyword, as every record)."""
    fields = (
        *("symbol", "action", "trade_amount", "price", "current_value", "target_value"),
        *("current_weight", "target_weight", "reason"),
    )
    return PlanItem(quantity=quantity, **{name: getattr(item, name) for name in fields})


@pytest.mark.parametrize("quantity", [D(0), D(-3), D("NaN"), D("Infinity")])
def test_a_buy_without_a_positive_quantity_is_refused(quantity: Decimal) -> None:
    plan = plan_for(ACCOUNT, {"SPY": D("0.4"), "QQQ": D("0.5")})
    items = tuple(with_quantity(i, quantity) if i.symbol == "QQQ" else i for i in plan.items)
    error = order_intents(attrs.evolve(plan, items=items), ACCOUNT).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_PLAN, "QQQ")


def test_an_untradable_symbol_is_refused() -> None:
    plan = plan_for(ACCOUNT, {"QQQ": D("0.5")})
    blocked = attrs.evolve(ACCOUNT, assets={"QQQ": Asset(symbol="QQQ", tradable=False)})
    error = order_intents(plan, blocked).failure()
    assert (error.context["symbols"], "not trade" in error.message) == ("QQQ", True)


def test_records_holding_garbage_are_failures_not_exceptions() -> None:
    plan = plan_for(ACCOUNT, {"QQQ": D("0.5")})
    garbage: object = {"SPY": "4"}
    bad = attrs.evolve(ACCOUNT, positions=garbage)  # type: ignore[arg-type] # the point
    assert order_intents(plan, bad).failure().kind is ErrorKind.INVALID_SNAPSHOT
    broken = attrs.evolve(plan, items=("not an item",))  # type: ignore[arg-type] # the point
    assert order_intents(broken, ACCOUNT).failure().kind is ErrorKind.INVALID_PLAN


def test_wrong_argument_types_raise_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="RebalancePlan and a Snapshot"):
        order_intents(ACCOUNT, ACCOUNT)  # type: ignore[arg-type] # the point


# -- properties --------------------------------------------------------------------------------

SYMBOLS = ("AAA", "BBB", "CCC", "DDD")


@st.composite
def long_short_plans(draw: st.DrawFn) -> tuple[RebalancePlan, Snapshot]:
    """A long/short account (some positions fractional) and a plan made from it."""
    held = draw(
        st.dictionaries(
            st.sampled_from(SYMBOLS),
            st.decimals(min_value=-200, max_value=200, places=draw(st.sampled_from([0, 3]))),
        )
    )
    snapshot = Snapshot(
        cash=draw(st.decimals(min_value=0, max_value=100_000, places=2)),
        positions={s: q for s, q in held.items() if q},
        prices={s: draw(st.decimals(min_value=1, max_value=500, places=2)) for s in SYMBOLS},
    )
    weights = draw(
        st.dictionaries(
            st.sampled_from(SYMBOLS), st.decimals(min_value="-0.4", max_value="0.4", places=2)
        )
    )
    policy = attrs.evolve(SHORTS, fractional=draw(st.booleans()), min_trade_amount=D(0))
    allocation = Allocation(target_weights=weights, correlation_id="prop")
    plan = plan_rebalance(allocation, snapshot, policy)
    assume(is_successful(plan))  # a negative account value cannot be planned on
    return plan.unwrap(), snapshot


@given(long_short_plans())
def test_every_sell_comes_before_every_buy(case: tuple[RebalancePlan, Snapshot]) -> None:
    """Sells bring the cash the buys spend, so no buy may be sent before a sell."""
    sides = [i.side for i in order_intents(*case).unwrap()]
    assert sides == sorted(sides, key=lambda side: side is Action.BUY)


@given(long_short_plans())
def test_no_order_crosses_zero_and_shorts_are_whole(case: tuple[RebalancePlan, Snapshot]) -> None:
    """Brokers refuse an order that flips a position in one go, and fractional short sales."""
    plan, snapshot = case
    position = dict(snapshot.positions)
    for intent in order_intents(plan, snapshot).unwrap():
        assert intent.quantity is not None
        assert intent.quantity > 0
        assert intent.notional is None
        before = position.get(intent.symbol, D(0))
        after = before + (intent.quantity if intent.side is Action.BUY else -intent.quantity)
        assert before * after >= 0, "crosses zero"
        assert intent.closes_position == (before != 0 and after == 0)
        if after < 0 and intent.side is Action.SELL:
            assert intent.quantity == intent.quantity.to_integral_value()
        position[intent.symbol] = after


@given(long_short_plans())
def test_the_orders_reach_the_plan_up_to_the_dropped_short_fraction(
    case: tuple[RebalancePlan, Snapshot],
) -> None:
    """Carrying out every intent leaves each position where the plan puts it, shorts truncated."""
    plan, snapshot = case
    position = dict(snapshot.positions)
    for intent in order_intents(plan, snapshot).unwrap():
        signed = intent.quantity if intent.side is Action.BUY else -intent.quantity  # type: ignore[operator]
        position[intent.symbol] = position.get(intent.symbol, D(0)) + signed  # type: ignore[operator]
    for item in plan.trades:
        held = snapshot.positions.get(item.symbol, D(0))
        planned = D(0) if item.reason is Reason.LIQUIDATE else held + item.quantity
        reached = position.get(item.symbol, D(0))
        assert abs(planned - reached) < 1
        assert planned * reached >= 0
        assert abs(reached) <= abs(planned)


@given(long_short_plans())
def test_client_ids_are_unique_and_fit_alpaca(case: tuple[RebalancePlan, Snapshot]) -> None:
    """A repeated or over-long client id would make the broker refuse or merge orders."""
    ids = [i.client_order_id for i in order_intents(*case).unwrap()]
    assert len(ids) == len(set(ids))
    assert all(len(i) <= MAX_CLIENT_ORDER_ID and case[0].plan_id in i for i in ids)


def test_long_plan_ids_sharing_a_prefix_still_give_different_short_ids() -> None:
    first = client_order_id("p" * 200 + "a", "SPY", Leg.TRADE)
    second = client_order_id("p" * 200 + "b", "SPY", Leg.TRADE)
    assert first != second
    assert max(len(first), len(second)) <= MAX_CLIENT_ORDER_ID


def test_a_liquidation_sells_what_is_left_once_open_sells_fill() -> None:
    """20 SPY held, 4 already being sold: liquidating sells the other 16, closing the position."""
    snapshot = Snapshot(
        cash=D(1000),
        positions={"SPY": D(20)},
        prices={"SPY": D(100), "QQQ": D(50)},
        open_orders=(OpenOrder(order_id="o1", symbol="SPY", side=Action.SELL, quantity=D(4)),),
    )
    plan = plan_for(snapshot, {"QQQ": D("0.5")})
    sells = [i for i in order_intents(plan, snapshot).unwrap() if i.side is Action.SELL]
    assert summary(tuple(sells)) == [("SELL", "SPY", D(16), True)]


def test_a_trade_against_an_open_order_is_refused() -> None:
    snapshot = Snapshot(
        cash=D(1000),
        positions={"AAA": D(10)},
        prices={"AAA": D(10)},
        open_orders=(OpenOrder(order_id="o1", symbol="AAA", side=Action.BUY, quantity=D(5)),),
    )
    plan = plan_for(snapshot, {"AAA": D("0.01")})  # sells AAA while a buy is pending
    error = order_intents(plan, snapshot).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_PLAN, "AAA")
    assert "open orders" in error.message


def test_an_open_order_holding_garbage_is_a_failure() -> None:
    plan = plan_for(ACCOUNT, {"QQQ": D("0.5")})
    garbage = OpenOrder(order_id="o", symbol="QQQ", side=Action.HOLD, quantity=D(1))
    bad = attrs.evolve(ACCOUNT, open_orders=(garbage,))
    error = order_intents(plan, bad).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_SNAPSHOT, "QQQ")


def test_a_snapshot_keyed_in_lower_case_gives_the_orders_its_plan_names() -> None:
    """The planner reads `spy` as SPY; so do the orders (before: INVALID_PLAN, "it does
    not cover held symbols [symbols=spy]"). 20 SPY held, 4 being sold, cash 1,000: V =
    3,000, QQQ's 0.5 buys 30 whole shares at 50, and the other 16 SPY are liquidated, as
    in upper case."""
    lower = Snapshot(
        cash=D(1000),
        positions={"spy": D(20)},
        prices={"spy": D(100), "qqq": D(50)},
        assets={"qqq": Asset(symbol="QQQ", fractionable=False)},
        open_orders=(OpenOrder(order_id="o1", symbol="spy", side=Action.SELL, quantity=D(4)),),
    )
    upper = Snapshot(
        cash=D(1000),
        positions={"SPY": D(20)},
        prices={"SPY": D(100), "QQQ": D(50)},
        assets={"QQQ": Asset(symbol="QQQ", fractionable=False)},
        open_orders=(OpenOrder(order_id="o1", symbol="SPY", side=Action.SELL, quantity=D(4)),),
    )
    plan = plan_for(lower, {"QQQ": D("0.5")})
    assert plan == plan_for(upper, {"QQQ": D("0.5")})
    intents = order_intents(plan, lower).unwrap()
    assert intents == order_intents(plan, upper).unwrap()
    assert summary(intents) == [("SELL", "SPY", D(16), True), ("BUY", "QQQ", D(30), False)]
