"""The OrderPort contract: the same tests against FakeBroker and AlpacaBroker (local Alpaca).

A broker under contract starts from cash 1,000, 5 SPY at 100 and QQQ at 50, with
every order filling at once at those prices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Protocol, cast

import pytest
from alpaca_server import contract_factory

from adapters.fake import FakeBroker
from portfolio import Action, Asset, OrderIntent, OrderStatus
from ports import BrokerPort, OrderPort

D = Decimal
CASH, POSITIONS, PRICES = D(1000), {"SPY": D(5)}, {"SPY": D(100), "QQQ": D(50)}


class Broker(BrokerPort, OrderPort, Protocol):
    """A broker that reads snapshots and takes orders."""


def fake() -> Iterator[Broker]:
    yield cast("Broker", FakeBroker(cash=CASH, positions=POSITIONS, prices=PRICES))


def alpaca() -> Iterator[Broker]:
    with contract_factory() as factory:
        assets = {s: Asset(symbol=s) for s in PRICES}
        yield cast("Broker", factory(CASH, POSITIONS, PRICES, assets))


@pytest.fixture(params=[fake, alpaca], ids=["fake", "alpaca"])
def broker(request: pytest.FixtureRequest) -> Iterator[Broker]:
    opened: Callable[[], Iterator[Broker]] = request.param
    yield from opened()


def intent(side: Action, quantity: str, symbol: str = "SPY") -> OrderIntent:
    return OrderIntent(
        client_order_id=f"rb-contract-t-{symbol}-{side.value}",
        symbol=symbol,
        side=side,
        quantity=D(quantity),
    )


def test_an_order_fills_and_the_snapshot_shows_it(broker: Broker) -> None:
    state = broker.submit_order(intent(Action.SELL, "2")).unwrap()
    assert (state.side, state.status, state.filled_quantity) == (
        Action.SELL,
        OrderStatus.FILLED,
        D(2),
    )
    snapshot = broker.get_snapshot(["SPY"]).unwrap()
    assert (snapshot.cash, snapshot.positions["SPY"]) == (D(1200), D(3))


def test_the_same_client_id_twice_is_one_order(broker: Broker) -> None:
    first = broker.submit_order(intent(Action.BUY, "2.5", "QQQ")).unwrap()
    second = broker.submit_order(intent(Action.BUY, "2.5", "QQQ")).unwrap()
    assert second.order_id == first.order_id
    assert broker.get_snapshot(["QQQ"]).unwrap().positions["QQQ"] == D("2.5")


def test_orders_read_back_by_client_id_and_unknown_ids_are_none(broker: Broker) -> None:
    placed = broker.submit_order(intent(Action.BUY, "1")).unwrap()
    found = broker.get_order(placed.client_order_id).unwrap()
    assert found is not None
    assert (found.order_id, found.status) == (placed.order_id, OrderStatus.FILLED)
    assert broker.get_order("rb-never-placed").unwrap() is None
