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
STOCK_PATHS = ["/v2/account", "/v2/positions", "/v2/stocks/trades/latest", "/v2/assets"]


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
        "AAPL": Asset(symbol="AAPL", shortable=True),
        "MSFT": Asset(symbol="MSFT", shortable=False),
        "SPY": Asset(symbol="SPY", fractionable=False, shortable=True),
    }
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


def test_500_stock_symbols_take_four_requests(server: AlpacaServer, broker: AlpacaBroker) -> None:
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
    assert len(server.requests[2].symbols) == 500


def test_crypto_adds_exactly_one_request(server: AlpacaServer, broker: AlpacaBroker) -> None:
    symbols = [f"S{n:03d}" for n in range(500)]
    for symbol in symbols:
        server.trades[symbol] = 1.0
        server.list_asset(symbol)
    server.trades["ETH/USD"] = 3000.5
    broker.get_snapshot([*symbols, "ETH/USD"]).unwrap()
    assert server.count() == 5
    assert server.count("/v1beta3/crypto/us/latest/trades") == 1


def test_more_than_1000_symbols_are_chunked(server: AlpacaServer, broker: AlpacaBroker) -> None:
    symbols = [f"T{n:04d}" for n in range(2345)]
    for symbol in symbols:
        server.trades[symbol] = 5.0

    snapshot = broker.get_snapshot(symbols).unwrap()

    price_requests = [e for e in server.requests if e.path == "/v2/stocks/trades/latest"]
    assert [len(e.symbols) for e in price_requests] == [1000, 1000, 345]
    assert sorted(s for e in price_requests for s in e.symbols) == symbols
    assert len(snapshot.prices) == 2345
    assert server.count() == 6  # account, positions, 3 × prices, assets


def test_a_crypto_weight_and_a_crypto_holding_are_one_symbol(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.hold("BTCUSD", "0.25", asset_class="crypto", exchange="CRYPTO")
    server.hold("ETHBTC", "2", asset_class="crypto", exchange="CRYPTO")
    server.trades.update({"BTC/USD": 60000.0, "ETH/BTC": 0.05})

    snapshot = broker.get_snapshot(["btc/usd"]).unwrap()

    assert snapshot.positions == {"BTC/USD": Decimal("0.25"), "ETH/BTC": Decimal(2)}
    assert snapshot.prices == {"BTC/USD": Decimal("60000.0"), "ETH/BTC": Decimal("0.05")}
    assert snapshot.assets == {}  # crypto facts are not read: no stock, no /v2/assets request
    (crypto_request,) = [e for e in server.requests if e.path.startswith("/v1beta3")]
    assert crypto_request.symbols == ["BTC/USD", "ETH/BTC"]
    assert server.count("/v2/assets") == 0


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
    server.list_asset("NEWCO", exchange="MOONX", asset_class="us_tokenized_equity")
    server.trades["NEWCO"] = 12.5

    snapshot = broker.get_snapshot([]).unwrap()

    assert snapshot.positions == {"NEWCO": Decimal(7)}
    assert snapshot.assets == {"NEWCO": Asset(symbol="NEWCO", shortable=True)}


def test_a_stock_missing_from_the_active_list_is_not_tradable(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.trades["OLDCO"] = 1.5
    server.list_asset("OLDCO", status="inactive", tradable=False)
    assets = broker.get_snapshot(["OLDCO"]).unwrap().assets
    assert assets == {"OLDCO": Asset(symbol="OLDCO", tradable=False, fractionable=False)}


def test_an_empty_account_with_no_symbols_takes_two_requests(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    snapshot = broker.get_snapshot([]).unwrap()
    assert (snapshot.cash, snapshot.positions, snapshot.prices) == (Decimal(0), {}, {})
    assert server.count() == 2


def test_connections_are_reused_across_snapshots(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.trades["SPY"] = 500.0
    first = broker.get_snapshot(["SPY"]).unwrap()
    second = broker.get_snapshot(["SPY"]).unwrap()
    assert (first.prices, first.cash) == (second.prices, second.cash)
    assert server.count() == 8


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
        assert server.count() <= 4
