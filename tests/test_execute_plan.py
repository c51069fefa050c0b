"""Executing an approved plan: exactly its orders, or nothing when the account moved on.

Every case runs twice: on the fake broker, and on `AlpacaBroker` through real alpaca-py
clients against the local Alpaca server (127.0.0.1). The plan travels as JSON, as one
approved in review would, and is executed by a service that never saw it made.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

import pytest
from alpaca_server import AlpacaServer

from adapters.alpaca import AlpacaBroker
from adapters.fake import FakeBroker, OrderOutcome
from portfolio import (
    Action,
    Allocation,
    ErrorKind,
    OrderIntent,
    PortfolioService,
    RebalancePlan,
    Snapshot,
    Step,
    order_intents,
)
from portfolio.orders.staleness import recorded_snapshot
from ports import BrokerPort

D = Decimal
KEY, SECRET = "PKEXECPLAN0123456789", "execplanSECRET/0123456789abcdefghijklm"
WEIGHTS = {"SPY": D("0.5"), "AAA": D("0.5")}


class Desk(Protocol):
    """One account, cash 0 and 20 SPY at 500, AAA at 400, and ways to move it on."""

    broker: BrokerPort

    def placed(self) -> list[tuple[str, str, Decimal]]:
        """Every order the broker took from us: (side, symbol, quantity), oldest first."""

    def move_price(self, symbol: str, price: str) -> None: ...

    def trade_outside(self, symbol: str, side: Action, quantity: str, *, open_: bool) -> None:
        """Someone else trades the account: filled, or left open."""


class FakeDesk:
    def __init__(self) -> None:
        self.fake = FakeBroker(
            cash=D(0), positions={"SPY": D(20)}, prices={"SPY": D(500), "AAA": D(400)}
        )
        self.broker: BrokerPort = self.fake

    def placed(self) -> list[tuple[str, str, Decimal]]:
        return [
            (state.side.value, state.symbol, state.quantity or D(0))
            for state in self.fake.orders.values()
            if state.client_order_id.startswith("rb-")
        ]

    def move_price(self, symbol: str, price: str) -> None:
        self.fake.set_prices({symbol: D(price)})

    def trade_outside(self, symbol: str, side: Action, quantity: str, *, open_: bool) -> None:
        if open_:
            self.fake.next_orders(OrderOutcome.OPEN)
        intent = OrderIntent(
            client_order_id=f"manual-{symbol}", symbol=symbol, side=side, quantity=D(quantity)
        )
        self.fake.submit_order(intent).unwrap()


class AlpacaDesk:
    def __init__(self, server: AlpacaServer, broker: AlpacaBroker) -> None:
        self.server = server
        self.broker: BrokerPort = broker
        server.set_cash("0")
        server.hold("SPY", "20", price="500")
        server.trades.update({"SPY": 500.0, "AAA": 400.0})
        for symbol in ("SPY", "AAA"):
            server.list_asset(symbol)

    def placed(self) -> list[tuple[str, str, Decimal]]:
        return [
            (order["side"].upper(), order["symbol"], D(order["qty"]))
            for order in self.server.desk.orders.values()
            if str(order.get("client_order_id", "")).startswith("rb-")
        ]

    def move_price(self, symbol: str, price: str) -> None:
        self.server.trades[symbol] = float(price)

    def trade_outside(self, symbol: str, side: Action, quantity: str, *, open_: bool) -> None:
        if open_:
            self.server.place(symbol, side.value.lower(), qty=quantity)
            return
        held = next(p for p in self.server.positions if p["symbol"] == symbol)
        signed = D(quantity) if side is Action.BUY else -D(quantity)
        self.server.positions.remove(held)
        self.server.hold(symbol, str(D(held["qty"]) + signed), price=str(held["current_price"]))


@pytest.fixture(params=["fake", "alpaca"])
def desk(request: pytest.FixtureRequest) -> Iterator[Desk]:
    if request.param == "fake":
        yield FakeDesk()
        return
    with AlpacaServer(KEY, SECRET) as server:
        broker = AlpacaBroker(
            KEY,
            SECRET,
            trading_url=server.url,
            data_url=server.url,
            timeout=2,
            sleep=lambda _: None,
        )
        yield AlpacaDesk(server, broker)
        broker.close()


def approved(desk: Desk) -> RebalancePlan:
    """The plan as reviewed: made, written as JSON, read back."""
    service = PortfolioService(desk.broker)
    plan = service.create_rebalance_plan(
        Allocation(target_weights=WEIGHTS, correlation_id="review"), "review"
    ).unwrap()
    return RebalancePlan.from_json(plan.to_json()).unwrap()


def executor(desk: Desk) -> PortfolioService:
    """A service that never saw the plan made (another process, the next morning)."""
    return PortfolioService(desk.broker, sleep=lambda _: None)


def test_the_approved_plan_executed_unchanged_places_exactly_its_orders(desk: Desk) -> None:
    plan = approved(desk)
    assert [(i.action, i.symbol, i.quantity) for i in plan.trades] == [
        (Action.SELL, "SPY", D(-10)),
        (Action.BUY, "AAA", D("12.5")),
    ]
    report = executor(desk).execute(plan).unwrap()
    assert desk.placed() == [("SELL", "SPY", D(10)), ("BUY", "AAA", D("12.5"))]
    assert [o.step for o in report.orders] == [Step.SUBMITTED, Step.SUBMITTED]
    assert report.complete
    now = desk.broker.get_snapshot(("SPY", "AAA")).unwrap()
    assert (dict(now.positions), now.cash) == ({"SPY": D(10), "AAA": D("12.5")}, D(0))
    ids = [f"rb-{plan.plan_id}-t-SPY", f"rb-{plan.plan_id}-t-AAA"]
    assert [o.intent.client_order_id for o in report.orders] == ids


def test_running_the_plan_again_places_nothing(desk: Desk) -> None:
    plan = approved(desk)
    executor(desk).execute(plan).unwrap()
    again = executor(desk).execute(plan).unwrap()
    assert [o.step for o in again.orders] == [Step.ALREADY_SUBMITTED] * 2
    assert (again.submitted, again.complete) == (0, True)
    assert len(desk.placed()) == 2


def test_a_position_that_changed_is_refused_and_nothing_placed(desk: Desk) -> None:
    plan = approved(desk)
    desk.trade_outside("SPY", Action.SELL, "2", open_=False)
    error = executor(desk).execute(plan).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.PLAN_STALE, "SPY")
    assert error.context["SPY"] == "position 18, planned from 20"
    assert desk.placed() == []


def test_a_price_that_moved_more_than_the_tolerance_is_refused(desk: Desk) -> None:
    plan = approved(desk)
    desk.move_price("AAA", "410")  # +2.5 %
    error = executor(desk).execute(plan).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.PLAN_STALE, "AAA")
    assert error.context["AAA"] == "price 410, planned at 400 (+2.5%)"
    assert desk.placed() == []
    report = executor(desk).execute(plan, max_price_move=D("0.03")).unwrap()
    assert report.submitted == 2  # within a wider tolerance, the same orders go out
    assert desk.placed()[0] == ("SELL", "SPY", D(10))


def test_a_plan_older_than_the_limit_is_refused(desk: Desk) -> None:
    plan = approved(desk)
    document = json.loads(plan.to_json())
    made = datetime.fromisoformat(document["as_of"])
    document["as_of"] = (made - timedelta(days=2)).isoformat()
    old = RebalancePlan.from_json(json.dumps(document)).unwrap()
    error = executor(desk).execute(old).failure()
    assert (error.kind, error.context.get("symbols")) == (ErrorKind.PLAN_STALE, None)
    assert error.context["age"].startswith("the plan is 2 days")
    assert desk.placed() == []
    assert executor(desk).execute(old, max_age=timedelta(days=3)).unwrap().complete


def test_an_open_order_on_a_planned_symbol_is_refused(desk: Desk) -> None:
    plan = approved(desk)
    desk.trade_outside("SPY", Action.SELL, "1", open_=True)
    error = executor(desk).execute(plan).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.PLAN_STALE, "SPY")
    assert error.context["SPY"].startswith("an open SELL order (")
    assert desk.placed() == []


def test_a_plan_saved_before_schema_version_2_is_refused_with_a_clear_message(
    desk: Desk,
) -> None:
    document = json.loads(approved(desk).to_json())
    document["schema_version"] = 1
    del document["held"]
    old = RebalancePlan.from_json(json.dumps(document)).unwrap()
    error = executor(desk).execute(old).failure()
    assert error.kind is ErrorKind.INVALID_PLAN
    assert "saved before schema_version 2" in error.message
    assert desk.placed() == []


def test_a_run_that_stopped_is_finished_by_running_the_plan_again_while_it_is_fresh(
    desk: Desk,
) -> None:
    """The sell goes out; then the buy is refused (stale) while the price is off, not before."""
    plan = approved(desk)
    intents = order_intents(plan, recorded_snapshot(plan, Snapshot(cash=D(0))).unwrap())
    sell = intents.unwrap()[0]
    desk.broker.submit_order(sell).unwrap()  # type: ignore[attr-defined] # a run that stopped
    desk.move_price("AAA", "500")
    stale = executor(desk).execute(plan).failure()
    assert (stale.kind, stale.context["symbols"]) == (ErrorKind.PLAN_STALE, "AAA")
    assert "SPY" not in stale.context  # its position changed by the plan's own sell
    desk.move_price("AAA", "400")
    report = executor(desk).execute(plan).unwrap()
    assert [o.step for o in report.orders] == [Step.ALREADY_SUBMITTED, Step.SUBMITTED]
    assert desk.placed() == [("SELL", "SPY", D(10)), ("BUY", "AAA", D("12.5"))]
