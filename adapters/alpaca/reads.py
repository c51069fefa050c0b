"""One function per thing a snapshot needs from Alpaca, each a call through `Caller` plus a parse.

Every function raises `BrokerFailure` (caught by `AlpacaBroker.get_snapshot`) and
returns plain values: Decimals, holdings, prices, asset facts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from decimal import Decimal
from functools import partial

from alpaca.data.enums import DataFeed
from alpaca.data.requests import (
    CryptoLatestQuoteRequest,
    CryptoLatestTradeRequest,
    StockLatestQuoteRequest,
    StockLatestTradeRequest,
)
from alpaca.trading.enums import AssetStatus
from alpaca.trading.requests import GetAssetsRequest

from adapters.alpaca import parse
from adapters.alpaca.prices import PriceSource
from adapters.alpaca.symbols import chunks
from adapters.alpaca.transport import Clients
from portfolio.snapshot import Asset

__all__ = [
    "ACCOUNT",
    "ASSETS",
    "MAX_SYMBOLS_PER_REQUEST",
    "POSITIONS",
    "Call",
    "read_assets",
    "read_cash",
    "read_crypto_prices",
    "read_holdings",
    "read_stock_prices",
]

#: Symbols per latest-price request (URLs stay under ~8 kB).
MAX_SYMBOLS_PER_REQUEST = 1000
ACCOUNT, POSITIONS, ASSETS = "/v2/account", "/v2/positions", "/v2/assets"

#: `Caller.call`: (endpoint, fetch) → raw JSON.
Call = Callable[[str, Callable[[], object]], object]
_Fetch = Callable[[list[str]], object]


def read_cash(clients: Clients, call: Call) -> Decimal:
    """The account's cash, in account currency."""
    return parse.cash(call(ACCOUNT, clients.trading.get_account), ACCOUNT)


def read_holdings(
    clients: Clients, call: Call, wanted: Collection[str]
) -> tuple[parse.Holding, ...]:
    """Every open position (crypto spelled as in `wanted`, else `BASE/QUOTE`)."""
    return parse.holdings(call(POSITIONS, clients.trading.get_all_positions), POSITIONS, wanted)


def read_stock_prices(
    clients: Clients, call: Call, symbols: Collection[str], source: PriceSource, feed: str
) -> dict[str, Decimal]:
    """Latest stock prices from `feed`, one request per 1,000 symbols; absent symbols left out."""
    data_feed = DataFeed(feed)

    def trades(group: list[str]) -> object:
        return clients.stocks.get_stock_latest_trade(
            StockLatestTradeRequest(symbol_or_symbols=group, feed=data_feed)
        )

    def quotes(group: list[str]) -> object:
        return clients.stocks.get_stock_latest_quote(
            StockLatestQuoteRequest(symbol_or_symbols=group, feed=data_feed)
        )

    fetch = trades if source is PriceSource.LATEST_TRADE else quotes
    return _prices(call, source.stock_endpoint, fetch, symbols, source)


def read_crypto_prices(
    clients: Clients, call: Call, symbols: Collection[str], source: PriceSource
) -> dict[str, Decimal]:
    """Latest crypto prices (US feed) for `BASE/QUOTE` pairs, one request per 1,000 pairs."""

    def trades(group: list[str]) -> object:
        return clients.crypto.get_crypto_latest_trade(
            CryptoLatestTradeRequest(symbol_or_symbols=group)
        )

    def quotes(group: list[str]) -> object:
        return clients.crypto.get_crypto_latest_quote(
            CryptoLatestQuoteRequest(symbol_or_symbols=group)
        )

    fetch = trades if source is PriceSource.LATEST_TRADE else quotes
    return _prices(call, source.crypto_endpoint, fetch, symbols, source)


def read_assets(clients: Clients, call: Call, stocks: frozenset[str]) -> dict[str, Asset]:
    """Facts for `stocks` from the active-asset list (one request; none if there are no stocks).

    A stock missing from Alpaca's active list is recorded as neither tradable nor fractionable.
    """
    if not stocks:
        return {}
    active = GetAssetsRequest(status=AssetStatus.ACTIVE)
    raw = call(ASSETS, lambda: clients.trading.get_all_assets(active))
    facts = parse.asset_facts(raw, ASSETS, stocks)
    for symbol in stocks - facts.keys():
        facts[symbol] = Asset(symbol=symbol, tradable=False, fractionable=False)
    return dict(sorted(facts.items()))


def _prices(
    call: Call, endpoint: str, fetch: _Fetch, symbols: Collection[str], source: PriceSource
) -> dict[str, Decimal]:
    prices: dict[str, Decimal] = {}
    for group in chunks(symbols, MAX_SYMBOLS_PER_REQUEST):
        raw = call(endpoint, partial(fetch, list(group)))
        prices |= parse.latest_prices(raw, endpoint, source)
    return prices
