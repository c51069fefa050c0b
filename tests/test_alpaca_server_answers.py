"""The local Alpaca of the tests answers what it cannot serve with a 4xx or 5xx, never a crash.

Before, an activity without `activity_type` (test data Alpaca never lists under a
type), a `page_size` that is not a number or a POST body that is not an object raised
in the server's thread: the connection closed with no answer, and the adapter saw
BROKER_UNAVAILABLE, "cannot reach Alpaca", instead of what Alpaca would have said.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal

import pytest
from alpaca_server import AlpacaServer

from adapters.alpaca import AlpacaBroker

KEY, SECRET = "PKSERVERANSWERS00000", "serveranswers-secret-000000000000000000"


@pytest.fixture
def server() -> Iterator[AlpacaServer]:
    with AlpacaServer(KEY, SECRET) as alpaca:
        yield alpaca


def ask(server: AlpacaServer, path: str, body: object = None) -> tuple[int, object]:
    """(status, JSON payload) of a GET, or of a POST of `body` as JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the local test server's http URL
        server.url + path,
        data=data,
        headers={"APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET},
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - as above
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_an_activity_without_a_type_is_under_no_type_and_the_rest_is_listed(
    server: AlpacaServer,
) -> None:
    fill = server.add_fill("SPY", "buy", "10", "100", "2026-01-05T15:00:00.123Z")
    server.activities.append({"id": "20260106150000000::untyped", "symbol": "SPY", "qty": "1"})
    status, listed = ask(server, "/v2/account/activities/FILL")
    assert status == 200
    assert isinstance(listed, list)
    assert [entry["id"] for entry in listed] == [fill]


def test_the_lots_are_read_past_an_activity_without_a_type(server: AlpacaServer) -> None:
    server.set_cash("0")
    server.hold("SPY", "10")
    server.positions[-1]["cost_basis"] = "1000"
    server.trades["SPY"] = 100.0
    server.list_asset("SPY")
    server.add_fill("SPY", "buy", "10", "100", "2026-01-05T15:00:00.123Z")
    server.activities.append({"id": "20260106150000000::untyped", "symbol": "SPY", "qty": "1"})
    broker = AlpacaBroker(
        KEY, SECRET, trading_url=server.url, data_url=server.url, read_lots=True, timeout=5.0
    )
    snapshot = broker.get_snapshot(["SPY"]).unwrap()
    assert snapshot.positions == {"SPY": Decimal(10)}
    assert sum(lot.quantity for lot in snapshot.lots["SPY"]) == Decimal(10)


@pytest.mark.parametrize("size", ["abc", "-1", "0", "101"])
def test_a_page_size_alpaca_would_refuse_is_a_422(server: AlpacaServer, size: str) -> None:
    status, answer = ask(server, f"/v2/account/activities/FILL?page_size={size}")
    assert status == 422
    assert "page_size" in answer["message"]  # type: ignore[index]


def test_a_post_body_that_is_not_an_order_is_an_answer_not_a_dropped_connection(
    server: AlpacaServer,
) -> None:
    status, answer = ask(server, "/v2/orders", body=["not", "an", "order"])
    assert 400 <= status < 600
    assert "message" in answer  # type: ignore[operator]
