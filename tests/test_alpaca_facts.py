"""What AlpacaBroker reads beyond prices: open orders, asset facts, options, blocked accounts."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from alpaca_server import AlpacaServer, Fault
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.alpaca import AlpacaBroker
from portfolio import Action, Asset, ErrorKind, OpenOrder

KEY, SECRET = "PKFACTS0123456789ABCD", "factsSECRET/0123456789abcdefghijklmnop"
ORDERS = "/v2/orders"
D = Decimal


@pytest.fixture
def server() -> Iterator[AlpacaServer]:
    with AlpacaServer(KEY, SECRET) as alpaca:
        alpaca.set_cash("1000")
        alpaca.trades.update({"AAPL": 190.0, "SPY": 500.0, "BTC/USD": 60000.0, "ETH/USD": 3000.0})
        alpaca.list_asset("AAPL")
        alpaca.list_asset("SPY", fractionable=False)
        yield alpaca


@pytest.fixture
def broker(server: AlpacaServer) -> Iterator[AlpacaBroker]:
    alpaca = AlpacaBroker(KEY, SECRET, trading_url=server.url, data_url=server.url, timeout=5.0)
    yield alpaca
    alpaca.close()


def test_open_orders_are_read_in_one_request_as_what_is_left_to_fill(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    bought = server.place("AAPL", "buy", qty="10", filled_qty="4", filled_avg_price="189.5")
    sold = server.place("SPY", "sell", qty="3")
    notional = server.place("AAPL", "buy", notional="250", filled_qty="0.5", filled_avg_price="190")
    server.place("SPY", "buy", qty="2", filled_qty="2", status="filled")  # not open
    server.place("SPY", "buy", qty="5", filled_qty="5", status="partially_filled")  # nothing left
    server.place("AAPL240621C00190000", "buy", qty="1", asset_class="us_option")

    snapshot = broker.get_snapshot(["AAPL"]).unwrap()

    assert snapshot.open_orders == (
        OpenOrder(order_id=bought, symbol="AAPL", side=Action.BUY, quantity=D(6)),  # 10 − 4
        OpenOrder(order_id=sold, symbol="SPY", side=Action.SELL, quantity=D(3)),
        # 250 − 0.5 × 190 = 155 dollars still to buy
        OpenOrder(order_id=notional, symbol="AAPL", side=Action.BUY, notional=D("155.0")),
    )
    assert snapshot.prices["SPY"] == D("500.0")  # an ordered symbol is priced too
    (request,) = [e for e in server.requests if e.path == ORDERS]
    assert request.params == {"status": "open", "limit": "500", "nested": "true"}


def test_a_crypto_order_uses_the_slash_spelling(server: AlpacaServer, broker: AlpacaBroker) -> None:
    order = server.place("BTCUSD", "buy", qty="0.01", asset_class="crypto")
    server.list_crypto("BTC/USD")
    snapshot = broker.get_snapshot([]).unwrap()
    assert snapshot.open_orders == (
        OpenOrder(order_id=order, symbol="BTC/USD", side=Action.BUY, quantity=D("0.01")),
    )
    assert snapshot.prices == {"BTC/USD": D("60000.0")}


def test_a_full_page_of_open_orders_is_refused_not_truncated(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    for _ in range(500):
        server.place("SPY", "buy", qty="1")
    error = broker.get_snapshot([]).failure()
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.BROKER_BAD_RESPONSE, ORDERS)


@pytest.mark.parametrize(
    ("order", "field"),
    [
        ({"id": "x", "symbol": "SPY", "side": "short", "qty": "1"}, "side"),
        ({"id": "x", "symbol": "SPY", "side": "buy"}, "qty"),
        ({"id": "x", "symbol": "SPY", "side": "buy", "qty": 1}, "qty"),
        ({"symbol": "SPY", "side": "buy", "qty": "1"}, "id"),
    ],
)
def test_an_unreadable_order_is_a_bad_response_naming_the_field(
    server: AlpacaServer, broker: AlpacaBroker, order: dict[str, object], field: str
) -> None:
    server.fail(ORDERS, Fault.json([order]))
    error = broker.get_snapshot([]).failure()
    assert (error.kind, error.context["field"]) == (ErrorKind.BROKER_BAD_RESPONSE, field)


def test_crypto_facts_come_from_the_crypto_list_in_one_request(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.list_crypto("BTC/USD", min_order_size="0.0001", min_trade_increment="0.00001")
    server.list_crypto("ETH/USD", min_order_size="0.001", min_trade_increment="0.0001")
    snapshot = broker.get_snapshot(["BTC/USD", "ETH/USD", "SPY"]).unwrap()
    assert snapshot.assets["BTC/USD"] == Asset(
        symbol="BTC/USD",
        asset_class="crypto",
        min_order_notional=D("6.00000"),  # 0.0001 BTC × 60,000
        quantity_increment=D("0.00001"),
    )
    assert snapshot.assets["ETH/USD"].min_order_notional == D("3.000")  # 0.001 × 3,000
    assert snapshot.assets["SPY"] == Asset(symbol="SPY", fractionable=False, shortable=True)
    assert server.count("/v2/assets") == 2  # equities, then crypto: never one per symbol


def test_a_pair_missing_from_the_crypto_list_is_not_tradable(broker: AlpacaBroker) -> None:
    assets = broker.get_snapshot(["BTC/USD"]).unwrap().assets
    assert assets == {"BTC/USD": Asset(symbol="BTC/USD", tradable=False, asset_class="crypto")}


def test_an_option_position_is_valued_per_contract_and_not_tradable(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.hold("AAPL240621C00190000", "2", asset_class="us_option", price="3.15")

    snapshot = broker.get_snapshot(["AAPL"]).unwrap()

    assert snapshot.positions == {"AAPL240621C00190000": D(2)}
    assert snapshot.prices["AAPL240621C00190000"] == D(315)  # 3.15 × 100 shares a contract
    assert snapshot.assets["AAPL240621C00190000"] == Asset(
        symbol="AAPL240621C00190000", tradable=False, fractionable=False, asset_class="us_option"
    )
    assert snapshot.equity == D(1630)  # 1,000 cash + 2 × 315
    stock_prices = [e for e in server.requests if e.path == "/v2/stocks/trades/latest"]
    assert [e.symbols for e in stock_prices] == [["AAPL"]]  # the contract is not asked for


@pytest.mark.parametrize("flag", ["trading_blocked", "account_blocked", "trade_suspended_by_user"])
def test_a_blocked_account_is_read_with_nothing_tradable(
    server: AlpacaServer, broker: AlpacaBroker, flag: str
) -> None:
    server.account[flag] = True
    server.hold("AAPL", "1")
    server.list_crypto("BTC/USD")
    snapshot = broker.get_snapshot(["SPY", "BTC/USD"]).unwrap()
    assert sorted(snapshot.assets) == ["AAPL", "BTC/USD", "SPY"]
    assert not [fact for fact in snapshot.assets.values() if fact.tradable]
    assert snapshot.cash == D(1000)


def test_an_account_without_crypto_trading_cannot_trade_crypto(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.account["crypto_status"] = "INACTIVE"
    server.list_crypto("BTC/USD")
    assets = broker.get_snapshot(["SPY", "BTC/USD"]).unwrap().assets
    assert (assets["BTC/USD"].tradable, assets["SPY"].tradable) == (False, True)


def test_an_account_in_another_currency_is_refused(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.account["currency"] = "EUR"
    error = broker.get_snapshot(["SPY"]).failure()
    assert (error.kind, error.context["currency"]) == (ErrorKind.INVALID_SNAPSHOT, "EUR")
    assert server.count() == 1  # nothing is priced in dollars for a euro account


@pytest.mark.parametrize(
    ("requested", "held"), [(["ETH/BTC"], None), ([], "ETHBTC"), (["SOL/USDT"], None)]
)
def test_a_pair_quoted_in_another_currency_is_refused(
    server: AlpacaServer, broker: AlpacaBroker, requested: list[str], held: str | None
) -> None:
    server.trades.update({"ETH/BTC": 0.05, "SOL/USDT": 150.0})
    if held:
        server.hold(held, "2", asset_class="crypto", exchange="CRYPTO")
    error = broker.get_snapshot(requested).failure()
    assert error.kind is ErrorKind.INVALID_SNAPSHOT
    assert error.context["symbols"] in {"ETH/BTC", "SOL/USDT"}
    assert not [e for e in server.requests if e.path.startswith("/v1beta3")]


quantities = st.decimals(min_value=0, max_value=1000, places=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=st.lists(st.tuples(st.sampled_from(["buy", "sell"]), quantities, quantities)))
def test_open_orders_hold_exactly_what_is_left_to_fill(
    orders: list[tuple[str, D, D]],
) -> None:
    """Re-planning must count pending shares once: qty − filled, and nothing when none is left."""
    with AlpacaServer(KEY, SECRET) as server:
        server.trades["SPY"] = 500.0
        placed = [
            (server.place("SPY", side, qty=str(qty), filled_qty=str(min(filled, qty))), side, qty)
            for side, qty, filled in orders
        ]
        broker = AlpacaBroker(KEY, SECRET, trading_url=server.url, data_url=server.url)
        snapshot = broker.get_snapshot([]).unwrap()
        broker.close()
    expected = tuple(
        OpenOrder(order_id=order_id, symbol="SPY", side=Action[side.upper()], quantity=left)
        for (order_id, side, qty), (_, _, filled) in zip(placed, orders, strict=True)
        if (left := qty - min(filled, qty)) > 0
    )
    assert snapshot.open_orders == expected
