"""A connection the server drops without an answer: reads are sent once more, orders never.

Alpaca, like our local server, closes a kept-alive connection it has let idle; a request
that goes out on it just then gets no answer ("Remote end closed connection without
response"). `Fault.dropped()` makes the local server do exactly that to one request,
and the real alpaca-py clients talk to it over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests
from alpaca_server import AlpacaServer, Fault, closed_port_url
from urllib3.exceptions import ProtocolError

from adapters.alpaca import AlpacaBroker
from adapters.alpaca.transport import dropped
from portfolio import (
    Action,
    Allocation,
    ErrorKind,
    OrderIntent,
    OrderStatus,
    PortfolioService,
    Step,
)

D = Decimal
KEY, SECRET = "PKDROPS0123456789ABC", "dropsSECRET/0123456789abcdefghijklmnopq"
ACCOUNT, POSITIONS, ORDERS = "/v2/account", "/v2/positions", "/v2/orders"
BY_CLIENT_ID = "/v2/orders:by_client_order_id"


@pytest.fixture
def server() -> Iterator[AlpacaServer]:
    with AlpacaServer(KEY, SECRET) as running:
        running.set_cash("1000")
        running.hold("SPY", "2")
        running.trades.update({"SPY": 100.0})
        running.list_asset("SPY")
        yield running


@pytest.fixture
def broker(server: AlpacaServer) -> Iterator[AlpacaBroker]:
    alpaca = AlpacaBroker(
        KEY, SECRET, trading_url=server.url, data_url=server.url, timeout=2.0, sleep=lambda _: None
    )
    alpaca.get_snapshot(["SPY"]).unwrap()  # the connection is now kept alive between reads
    yield alpaca
    alpaca.close()


def buy(client_id: str = "rb-drop-t-SPY") -> OrderIntent:
    return OrderIntent(client_order_id=client_id, symbol="SPY", side=Action.BUY, quantity=D(2))


@pytest.mark.parametrize("path", [ACCOUNT, POSITIONS, ORDERS])
def test_a_read_dropped_once_is_sent_again_and_the_snapshot_is_read(
    server: AlpacaServer, broker: AlpacaBroker, path: str
) -> None:
    before = server.count(path)
    server.fail(path, Fault.dropped(), method="GET")
    snapshot = broker.get_snapshot(["SPY"]).unwrap()
    assert (snapshot.cash, snapshot.positions) == (D(1000), {"SPY": D(2)})
    assert server.count(path) - before == 2  # the dropped one and the one sent again


def test_a_read_dropped_twice_is_broker_unavailable_after_one_more_try(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    before = server.count(POSITIONS)
    server.fail(POSITIONS, Fault.dropped(), times=2)
    error = broker.get_snapshot(["SPY"]).failure()
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.BROKER_UNAVAILABLE, POSITIONS)
    assert "RemoteDisconnected" in str(error.context["detail"])
    assert server.count(POSITIONS) - before == 2  # once more, not until it works


def test_an_order_read_by_client_id_through_a_drop_is_found(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    placed = broker.submit_order(buy()).unwrap()
    server.fail(BY_CLIENT_ID, Fault.dropped())
    found = broker.get_order("rb-drop-t-SPY").unwrap()
    assert found is not None
    assert (found.order_id, found.status) == (placed.order_id, OrderStatus.FILLED)
    assert server.count(BY_CLIENT_ID) == 2


def test_a_dropped_submission_is_not_sent_again(server: AlpacaServer, broker: AlpacaBroker) -> None:
    """The POST fails; what the broker did with it is read back by client id, not re-sent."""
    server.fail(ORDERS, Fault.dropped(), method="POST")
    error = broker.submit_order(buy()).failure()
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.BROKER_UNAVAILABLE, ORDERS)
    posts = [r for r in server.requests if r.method == "POST"]
    assert len(posts) == 1
    assert broker.get_order("rb-drop-t-SPY").unwrap() is None  # this drop placed nothing
    assert server.desk.orders == {}


def test_an_execution_polling_through_a_dropped_connection_reports_no_error(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    """The run that saw BROKER_UNAVAILABLE while polling: now the poll reads the order again."""
    server.desk.next_status.append("accepted")
    waits = [0]

    def sleep(_: float) -> None:
        waits[0] += 1
        if waits[0] == 1:
            server.fail(BY_CLIENT_ID, Fault.dropped())
        if waits[0] == 2:
            server.desk.fill_open()

    service = PortfolioService(broker, clock=lambda: float(waits[0]), sleep=sleep)
    allocation = Allocation(target_weights={"SPY": D("0.5")}, correlation_id="p")
    plan = service.create_rebalance_plan(allocation, "p").unwrap()
    report = service.execute(plan).unwrap()
    (order,) = report.orders  # 1000 + 2 × 100 = 1200; half is 600, 4 shares more than held
    assert (order.intent.quantity, order.step, order.filled, order.error) == (
        D(4),
        Step.SUBMITTED,
        True,
        None,
    )
    assert report.complete
    assert server.take_fault(BY_CLIENT_ID, "GET") is None  # the drop was met
    assert len([r for r in server.requests if r.method == "POST"]) == 1


def test_a_refused_connection_is_not_a_drop() -> None:
    """Nothing listens: BROKER_UNAVAILABLE at once, as before (no second try)."""
    alpaca = AlpacaBroker(KEY, SECRET, trading_url=closed_port_url(), data_url=closed_port_url())
    error = alpaca.get_snapshot(["SPY"]).failure()
    alpaca.close()
    assert "RemoteDisconnected" not in str(error.context["detail"])
    with pytest.raises(requests.ConnectionError) as refused:
        requests.get(closed_port_url(), timeout=1)
    assert not dropped(refused.value)


@pytest.mark.parametrize(
    ("exc", "is_drop"),
    [
        (requests.ConnectionError(ProtocolError("aborted", ConnectionResetError(104))), True),
        (requests.ConnectionError(ProtocolError("aborted", BrokenPipeError(32))), True),
        (requests.ConnectionError(ConnectionRefusedError(111)), False),
        (requests.ConnectTimeout("no connection in time"), False),
        (requests.ReadTimeout("no answer in time"), False),
    ],
)
def test_what_counts_as_a_drop(exc: Exception, *, is_drop: bool) -> None:
    assert dropped(exc) is is_drop
