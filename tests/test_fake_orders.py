"""FakeBroker as an OrderPort: fills at its prices, refuses what Alpaca refuses, fills once."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from adapters.fake import FakeBroker, Method, OrderOutcome
from portfolio import (
    Action,
    Allocation,
    Asset,
    ErrorKind,
    OpenOrder,
    OrderIntent,
    OrderStatus,
    PortfolioService,
)

D = Decimal


def order(
    side: Action, quantity: str | None = None, symbol: str = "SPY", notional: str | None = None
) -> OrderIntent:
    return OrderIntent(
        client_order_id=f"id-{side.value}-{symbol}-{quantity}-{notional}",
        symbol=symbol,
        side=side,
        quantity=None if quantity is None else D(quantity),
        notional=None if notional is None else D(notional),
    )


def broker(**assets: Asset) -> FakeBroker:
    return FakeBroker(
        cash=D(1000), positions={"SPY": D(5)}, prices={"SPY": D(100), "QQQ": D(50)}, assets=assets
    )


def test_an_order_fills_at_the_fake_price_and_moves_cash_and_position() -> None:
    fake = broker()
    state = fake.submit_order(order(Action.BUY, "2.5")).unwrap()
    assert (state.status, state.filled_quantity, state.average_price) == (
        OrderStatus.FILLED,
        D("2.5"),
        D(100),
    )
    assert (fake.account.cash, fake.account.positions["SPY"]) == (D(750), D("7.5"))


def test_a_notional_order_buys_what_the_amount_pays_for() -> None:
    fake = broker()
    state = fake.submit_order(order(Action.BUY, notional="125", symbol="QQQ")).unwrap()
    assert (state.filled_quantity, fake.account.cash) == (D("2.5"), D(875))


def test_a_client_id_seen_before_returns_the_order_and_never_fills_twice() -> None:
    fake = broker()
    first = fake.submit_order(order(Action.SELL, "2")).unwrap()
    again = fake.submit_order(order(Action.SELL, "2")).unwrap()
    assert again == first
    assert fake.account.positions["SPY"] == 3
    assert fake.get_order(first.client_order_id).unwrap() == first
    assert fake.get_order("unknown").unwrap() is None


@pytest.mark.parametrize(
    ("intent", "assets"),
    [
        (order(Action.SELL, "6"), {}),  # long 5 → short 1 in one order
        (order(Action.BUY, "11"), {}),  # 1,100 with 1,000 in cash
        (order(Action.SELL, "1.5", symbol="QQQ"), {}),  # a fractional short sale
        (order(Action.SELL, "1", symbol="QQQ"), {"QQQ": Asset(symbol="QQQ")}),  # not shortable
        (order(Action.BUY, "1", symbol="QQQ"), {"QQQ": Asset(symbol="QQQ", tradable=False)}),
        (order(Action.BUY, "1", symbol="TLT"), {}),  # no price
    ],
)
def test_orders_alpaca_refuses_are_rejected_and_change_nothing(
    intent: OrderIntent, assets: dict[str, Asset]
) -> None:
    fake = broker(**assets)
    before = fake.account
    assert fake.submit_order(intent).unwrap().status is OrderStatus.REJECTED
    assert fake.account == before


def test_a_whole_share_short_of_a_shortable_asset_is_accepted() -> None:
    fake = broker(QQQ=Asset(symbol="QQQ", shortable=True))
    fake.submit_order(order(Action.SELL, "2", symbol="QQQ")).unwrap()
    assert (fake.account.positions["QQQ"], fake.account.cash) == (D(-2), D(1100))


def test_a_partial_fill_leaves_an_open_order_in_the_snapshot_until_filled() -> None:
    fake = broker()
    fake.next_orders(OrderOutcome.PARTIAL)
    state = fake.submit_order(order(Action.BUY, "4")).unwrap()
    assert (state.status, state.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, D(2))
    assert fake.get_snapshot(["SPY"]).unwrap().open_orders == (
        OpenOrder(order_id=state.order_id, symbol="SPY", side=Action.BUY, quantity=D(2)),
    )
    fake.fill_open_orders()
    assert fake.get_order(state.client_order_id).unwrap().status is OrderStatus.FILLED  # type: ignore[union-attr]
    assert (fake.account.open_orders, fake.account.positions["SPY"]) == ((), D(9))


def test_open_buys_reserve_their_cash() -> None:
    fake = broker()
    fake.next_orders(OrderOutcome.OPEN)
    fake.submit_order(order(Action.BUY, "6")).unwrap()
    assert fake.submit_order(order(Action.BUY, "5")).unwrap().status is OrderStatus.REJECTED


def test_an_open_buy_that_prices_outgrew_fills_what_the_cash_pays_for() -> None:
    fake = broker()
    fake.next_orders(OrderOutcome.OPEN)
    state = fake.submit_order(order(Action.BUY, "10")).unwrap()
    fake.set_prices({"SPY": D(200)})
    fake.fill_open_orders()
    final = fake.get_order(state.client_order_id).unwrap()
    assert final is not None
    assert (final.status, final.filled_quantity, fake.account.cash) == (
        OrderStatus.CANCELED,
        D(5),
        D(0),
    )


def test_a_lost_answer_is_a_timeout_but_the_order_is_placed() -> None:
    fake = broker()
    fake.next_orders(OrderOutcome.LOST)
    assert fake.submit_order(order(Action.SELL, "1")).failure().kind is ErrorKind.TIMEOUT
    assert fake.account.positions["SPY"] == 4


def test_a_fault_for_one_method_waits_for_that_method() -> None:
    fake = broker()
    fake.fail_next(ErrorKind.BROKER_UNAVAILABLE, method=Method.SUBMIT_ORDER)
    assert fake.get_snapshot(["SPY"]).unwrap().cash == 1000
    assert fake.pending == (1, 0)
    assert fake.submit_order(order(Action.SELL, "1")).failure().kind is ErrorKind.BROKER_UNAVAILABLE
    assert (fake.orders, fake.pending) == ({}, (0, 0))


def test_a_string_is_one_symbol_not_its_letters() -> None:
    fake = FakeBroker(prices={"AAPL": D(200), "A": D(100), "P": D(1), "L": D(1)})
    assert dict(fake.get_snapshot("AAPL").unwrap().prices) == {"AAPL": D(200)}


@pytest.mark.parametrize("name", ["positions", "prices", "assets"])
def test_a_table_that_is_not_a_mapping_is_a_clear_type_error(name: str) -> None:
    with pytest.raises(TypeError, match=rf"FakeBroker: {name} must be a mapping of symbols"):
        FakeBroker(**{name: 1})  # type: ignore[arg-type] # the point


def test_the_snapshot_prices_the_symbols_of_open_orders() -> None:
    fake = broker()
    fake.next_orders(OrderOutcome.OPEN)
    fake.submit_order(order(Action.BUY, "1", symbol="QQQ")).unwrap()
    snapshot = fake.get_snapshot(["SPY"]).unwrap()
    assert [o.symbol for o in snapshot.open_orders] == ["QQQ"]
    assert snapshot.prices["QQQ"] == 50


@pytest.mark.parametrize("plan", ["not a plan", None])
def test_fill_answers_what_is_no_plan_with_a_failure_and_logs_no_symbol(plan: object) -> None:
    """fill_plan's refusal, never an AttributeError from reading the plan's lots first."""
    broker = FakeBroker(cash=Decimal(100), prices={"SPY": Decimal(10)})
    error = broker.fill(plan).failure()  # type: ignore[arg-type]  # garbage on purpose
    assert error.kind is ErrorKind.INVALID_PLAN
    assert (broker.calls[-1].method, broker.calls[-1].symbols, broker.calls[-1].ok) == (
        Method.FILL,
        (),
        False,
    )
    assert broker.account.cash == Decimal(100)


def test_fill_refuses_a_hand_built_plan_with_a_symbol_twice_and_changes_nothing() -> None:
    """The fake fills through fill_plan, so a plan of SPY twice is INVALID_PLAN, not two buys."""
    broker = FakeBroker(cash=Decimal(100), prices={"SPY": Decimal(10)})
    made = PortfolioService(broker).create_rebalance_plan(
        Allocation(target_weights={"SPY": Decimal("0.5")}, correlation_id="c"), "p"
    )
    plan = made.unwrap()
    twice = attrs.evolve(
        plan, items=plan.items * 2, cash_after=plan.cash_after - plan.items[0].trade_amount
    )
    error = broker.fill(twice).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_PLAN, "SPY")
    assert (broker.account.cash, broker.account.positions, broker.fills) == (Decimal(100), {}, [])
    assert broker.calls[-1].ok is False
    assert broker.fill(plan).unwrap().snapshot.positions == {"SPY": Decimal(5)}
