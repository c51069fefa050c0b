"""AlpacaBroker reading snapshots through the real alpaca-py clients from a local Alpaca."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from alpaca_server import AlpacaServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.alpaca import AlpacaBroker, PriceSource
from portfolio import Asset, ErrorKind
from ports import BrokerPort

KEY, SECRET = "PKTEST0123456789ABCD", "secretTEST/0123456789abcdefghijklmnopqrs"
D = Decimal
STOCK_PATHS = [
    "/v2/account",
    "/v2/positions",
    "/v2/orders",
    "/v2/stocks/trades/latest",
    "/v2/assets",
]
ONE_DOLLAR = Decimal(1)  # Alpaca's smallest fractional equity order


@pytest.fixture
def server() -> Iterator[AlpacaServer]:
    with AlpacaServer(KEY, SECRET) as alpaca:
        yield alpaca


def broker_for(server: AlpacaServer, **options: object) -> AlpacaBroker:
    return AlpacaBroker(
        KEY,
        SECRET,
        trading_url=server.url,
        data_url=server.url,
        timeout=2.0,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def broker(server: AlpacaServer) -> Iterator[AlpacaBroker]:
    alpaca = broker_for(server)
    yield alpaca
    alpaca.close()


def test_alpaca_broker_is_a_broker_port() -> None:
    port: type[BrokerPort] = AlpacaBroker
    assert port is AlpacaBroker


def test_happy_path_reads_cash_positions_prices_and_assets_exactly(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.set_cash("1000.50")
    server.hold("AAPL", "10")
    server.hold("MSFT", "-3", side="short")
    server.hold("BTCUSD", "0.5", asset_class="crypto", exchange="CRYPTO")
    server.trades.update({"AAPL": 190.12, "MSFT": 410.5, "SPY": 500.1, "BTC/USD": 64000.25})
    server.list_asset("AAPL")
    server.list_asset("MSFT", shortable=False)
    server.list_asset("SPY", fractionable=False)
    server.list_crypto("BTC/USD", min_order_size="0.000018", min_trade_increment="0.000000001")

    snapshot = broker.get_snapshot(["spy", " BTC/USD"]).unwrap()

    assert snapshot.cash == Decimal("1000.50")
    assert snapshot.positions == {
        "AAPL": Decimal(10),
        "BTC/USD": Decimal("0.5"),
        "MSFT": Decimal(-3),
    }
    assert snapshot.prices == {
        "AAPL": Decimal("190.12"),
        "BTC/USD": Decimal("64000.25"),
        "MSFT": Decimal("410.5"),
        "SPY": Decimal("500.1"),
    }
    assert snapshot.assets == {
        "AAPL": Asset(symbol="AAPL", shortable=True, min_order_notional=ONE_DOLLAR),
        "BTC/USD": Asset(
            symbol="BTC/USD",
            asset_class="crypto",
            min_order_notional=D("1.15200450"),  # 0.000018 BTC × 64000.25
            quantity_increment=D("1E-9"),
        ),
        "MSFT": Asset(symbol="MSFT", shortable=False, min_order_notional=ONE_DOLLAR),
        "SPY": Asset(symbol="SPY", fractionable=False, shortable=True),
    }
    assert snapshot.open_orders == ()
    # 1000.50 + 10·190.12 − 3·410.5 + 0.5·64000.25 = 1000.50 + 1901.20 − 1231.50 + 32000.125
    assert snapshot.equity == Decimal("33670.325")
    assert snapshot.as_of is not None
    assert snapshot.as_of.tzinfo is not None
    assert all(entry.authorised for entry in server.requests)


def test_a_short_sent_with_a_positive_quantity_is_still_negative(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.hold("TSLA", "4", side="short")
    server.trades["TSLA"] = 180.0
    server.list_asset("TSLA")
    assert broker.get_snapshot([]).unwrap().positions == {"TSLA": Decimal(-4)}


def test_floats_from_the_data_api_keep_their_shortest_decimal_form(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.trades.update({"A": 0.1 + 0.2, "B": 1e-05, "C": 12})
    for symbol in "ABC":
        server.list_asset(symbol)
    prices = broker.get_snapshot(["A", "B", "C"]).unwrap().prices
    assert prices == {
        "A": Decimal("0.30000000000000004"),
        "B": Decimal("0.00001"),
        "C": Decimal(12),
    }


def test_500_stock_symbols_take_five_requests(server: AlpacaServer, broker: AlpacaBroker) -> None:
    symbols = [f"S{n:03d}" for n in range(500)]
    server.set_cash("100000")
    server.hold("S007", "5")
    for n, symbol in enumerate(symbols):
        server.trades[symbol] = 10 + n / 4
        server.list_asset(symbol)

    snapshot = broker.get_snapshot(symbols).unwrap()

    assert len(snapshot.prices) == 500
    assert snapshot.prices["S499"] == Decimal("134.75")  # 10 + 499/4
    assert [entry.path for entry in server.requests] == STOCK_PATHS
    assert len(server.requests[3].symbols) == 500


def test_crypto_adds_exactly_two_requests(server: AlpacaServer, broker: AlpacaBroker) -> None:
    symbols = [f"S{n:03d}" for n in range(500)]
    for symbol in symbols:
        server.trades[symbol] = 1.0
        server.list_asset(symbol)
    server.trades["ETH/USD"] = 3000.5
    broker.get_snapshot([*symbols, "ETH/USD"]).unwrap()
    assert server.count() == 7  # the 5 of stocks + crypto prices + the crypto asset list
    assert server.count("/v1beta3/crypto/us/latest/trades") == 1
    assert [e.params.get("asset_class") for e in server.requests if e.path == "/v2/assets"] == [
        None,
        "crypto",
    ]


def test_5000_held_symbols_take_five_requests(server: AlpacaServer, broker: AlpacaBroker) -> None:
    symbols = [f"T{n:04d}" for n in range(5000)]
    for symbol in symbols:
        server.hold(symbol, "1")
        server.trades[symbol] = 5.0
        server.list_asset(symbol)

    snapshot = broker.get_snapshot(symbols).unwrap()

    assert len(snapshot.prices) == len(snapshot.positions) == 5000
    assert [entry.path for entry in server.requests] == STOCK_PATHS  # one price request


def test_a_414_splits_the_price_request_and_the_limit_is_remembered(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    symbols = [f"T{n:04d}" for n in range(5000)]  # 30,000 bytes of symbols
    server.trades.update(dict.fromkeys(symbols, 5.0))
    server.max_url_bytes = 10_000  # a proxy that refuses longer request targets

    first = broker.get_snapshot(symbols).unwrap()
    price_requests = [e for e in server.requests if e.path == "/v2/stocks/trades/latest"]
    # 32,768 → 414; 16,384 → 414 (both halves re-split at once); 8,192 bytes: 4 requests pass.
    assert [len(e.symbols) for e in price_requests] == [5000, 2730, 1365, 1365, 1365, 905]
    assert len(first.prices) == 5000

    before = server.count()
    broker.get_snapshot(symbols).unwrap()
    again = [e for e in server.requests[before:] if e.path == "/v2/stocks/trades/latest"]
    assert [len(e.symbols) for e in again] == [1365, 1365, 1365, 905]  # no 414 any more


def test_a_crypto_weight_and_a_crypto_holding_are_one_symbol(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.hold("BTCUSD", "0.25", asset_class="crypto", exchange="CRYPTO")
    server.trades.update({"BTC/USD": 60000.0})
    server.list_crypto("BTC/USD")

    snapshot = broker.get_snapshot(["btc/usd"]).unwrap()

    assert snapshot.positions == {"BTC/USD": Decimal("0.25")}
    assert snapshot.prices == {"BTC/USD": Decimal("60000.0")}
    assert snapshot.assets["BTC/USD"].asset_class == "crypto"
    (crypto_request,) = [e for e in server.requests if e.path.startswith("/v1beta3")]
    assert crypto_request.symbols == ["BTC/USD"]
    assert [e.params for e in server.requests if e.path == "/v2/assets"] == [
        {"status": "active", "asset_class": "crypto"}  # no stock: no equity list
    ]


def test_quote_midpoint_prices(server: AlpacaServer) -> None:
    server.quotes.update({"AAPL": (189.98, 190.02), "BTC/USD": (64000.0, 64001.0)})
    server.list_asset("AAPL")
    broker = broker_for(server, price=PriceSource.QUOTE_MIDPOINT)

    prices = broker.get_snapshot(["AAPL", "BTC/USD"]).unwrap().prices

    assert prices == {"AAPL": Decimal("190.00"), "BTC/USD": Decimal("64000.5")}
    paths = {e.path for e in server.requests}
    assert {"/v2/stocks/quotes/latest", "/v1beta3/crypto/us/latest/quotes"} <= paths
    broker.close()


def test_a_one_sided_quote_is_a_missing_price(server: AlpacaServer) -> None:
    server.quotes.update({"AAPL": (0, 190.02), "MSFT": (410.0, 410.2)})
    broker = broker_for(server, price=PriceSource.QUOTE_MIDPOINT)
    error = broker.get_snapshot(["AAPL", "MSFT"]).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.MISSING_PRICE, "AAPL")
    broker.close()


def test_the_configured_feed_is_sent(server: AlpacaServer) -> None:
    server.trades["SPY"] = 500.0
    broker = broker_for(server, feed="sip")
    broker.get_snapshot(["SPY"]).unwrap()
    (price_request,) = [e for e in server.requests if e.path == "/v2/stocks/trades/latest"]
    assert price_request.params["feed"] == "sip"
    broker.close()


def test_new_enum_values_do_not_break_reading(server: AlpacaServer, broker: AlpacaBroker) -> None:
    server.account["status"] = "SOME_STATUS_ALPACA_ADDS_LATER"
    server.account["crypto_status"] = "ANOTHER_NEW_ONE"
    server.hold("NEWCO", "7", exchange="MOONX", asset_class="us_tokenized_equity")
    server.positions[0]["side"] = "sideways"
    server.list_asset("NEWCO", exchange="MOONX")
    server.trades["NEWCO"] = 12.5

    snapshot = broker.get_snapshot([]).unwrap()

    assert snapshot.positions == {"NEWCO": Decimal(7)}
    assert snapshot.assets == {
        "NEWCO": Asset(symbol="NEWCO", shortable=True, min_order_notional=ONE_DOLLAR)
    }


def test_a_stock_missing_from_the_active_list_is_not_tradable(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.trades["OLDCO"] = 1.5
    server.list_asset("OLDCO", status="inactive", tradable=False)
    assets = broker.get_snapshot(["OLDCO"]).unwrap().assets
    assert assets == {"OLDCO": Asset(symbol="OLDCO", tradable=False, fractionable=False)}


def test_an_empty_account_with_no_symbols_takes_three_requests(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    snapshot = broker.get_snapshot([]).unwrap()
    assert (snapshot.cash, snapshot.positions, snapshot.prices) == (Decimal(0), {}, {})
    assert server.count() == 3  # account, positions, open orders


def test_a_string_is_one_symbol_not_its_letters(server: AlpacaServer, broker: AlpacaBroker) -> None:
    server.trades.update({"AAPL": 190.0, "A": 1.0, "P": 2.0, "L": 3.0})
    server.list_asset("AAPL")
    snapshot = broker.get_snapshot("AAPL").unwrap()
    assert snapshot.prices == {"AAPL": Decimal("190.0")}
    (price_request,) = [e for e in server.requests if e.path == "/v2/stocks/trades/latest"]
    assert price_request.symbols == ["AAPL"]


def test_connections_are_reused_across_snapshots(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.trades["SPY"] = 500.0
    first = broker.get_snapshot(["SPY"]).unwrap()
    second = broker.get_snapshot(["SPY"]).unwrap()
    assert (first.prices, first.cash) == (second.prices, second.cash)
    assert server.count() == 10


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prices=st.dictionaries(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=5),
        st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False),
        max_size=30,
    )
)
def test_every_requested_price_arrives_as_the_shortest_decimal_of_its_float(
    prices: dict[str, float],
) -> None:
    """A float's repr is the shortest decimal that round-trips: exactly what a snapshot holds."""
    with AlpacaServer(KEY, SECRET) as server:
        server.trades.update(prices)
        broker = broker_for(server)
        snapshot = broker.get_snapshot(list(prices)).unwrap()
        broker.close()
        assert snapshot.prices == {s: Decimal(repr(p)) for s, p in prices.items()}
        assert server.count() <= 5
