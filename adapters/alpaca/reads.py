"""One function per thing a snapshot needs from Alpaca, each a call through `Caller` plus a parse.

Every request goes through alpaca-py's `get` (auth headers, base URL, error → APIError)
so that the adapter, not the SDK, decides about pages and query strings. Every function
raises `BrokerFailure` (caught by `AlpacaBroker.get_snapshot`) and returns plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from functools import partial
from itertools import chain
from urllib.parse import quote

import attrs

from adapters.alpaca import facts, open_orders, parse
from adapters.alpaca.failure import BrokerFailure, bad_response
from adapters.alpaca.fields import field, object_of
from adapters.alpaca.prices import PriceSource
from adapters.alpaca.symbols import query_chunks, symbols_query
from adapters.alpaca.transport import Clients
from portfolio.records.snapshot import Asset, OpenOrder

__all__ = [
    "ACCOUNT",
    "ASSETS",
    "INITIAL_QUERY_BYTES",
    "MAX_PAGES",
    "MIN_QUERY_BYTES",
    "ORDERS",
    "POSITIONS",
    "Call",
    "QueryBudget",
    "read_account",
    "read_crypto_facts",
    "read_crypto_prices",
    "read_equity_facts",
    "read_holdings",
    "read_open_orders",
    "read_stock_prices",
]

ACCOUNT, POSITIONS, ORDERS, ASSETS = "/v2/account", "/v2/positions", "/v2/orders", "/v2/assets"
#: Bytes of `symbols=` in the first price request: 5,000 tickers of up to five letters.
INITIAL_QUERY_BYTES = 32_768
#: Below this a 414 is not answered by smaller requests any more: the read fails.
MIN_QUERY_BYTES = 1_024
#: Pages of one latest-data request followed at most (Alpaca sends one, without a token).
MAX_PAGES = 10
_TOO_LONG = frozenset({"414", "431"})  # URI Too Long, Request Header Fields Too Large

#: `Caller.call`: (endpoint, fetch) → raw JSON.
Call = Callable[[str, Callable[[], object]], object]
_Get = Callable[[str, str], object]  # (path, query) → raw JSON


@attrs.define
class QueryBudget:
    """Bytes of symbols a latest-data request may carry; halved each time a server says 414.

    Kept by the broker, so a limit learnt once is not paid for again.
    """

    size: int = INITIAL_QUERY_BYTES


def read_account(clients: Clients, call: Call) -> parse.Account:
    """Cash, currency and blocking flags of the account."""
    return parse.account(call(ACCOUNT, partial(clients.trading.get, "/account")), ACCOUNT)


def read_holdings(
    clients: Clients, call: Call, wanted: Collection[str]
) -> tuple[parse.Holding, ...]:
    """Every open position (crypto spelled as in `wanted`, else `BASE/QUOTE`)."""
    raw = call(POSITIONS, partial(clients.trading.get, "/positions"))
    return parse.holdings(raw, POSITIONS, wanted)


def read_open_orders(clients: Clients, call: Call, known: Collection[str]) -> tuple[OpenOrder, ...]:
    """Every open order, in one request (a full page of 500 is refused, not truncated)."""
    query = {"status": "open", "limit": open_orders.MAX_OPEN_ORDERS, "nested": "true"}
    raw = call(ORDERS, partial(clients.trading.get, "/orders", query))
    return open_orders.open_orders(raw, ORDERS, known)


def read_stock_prices(  # noqa: PLR0913 - the request's parts, all needed
    clients: Clients,
    call: Call,
    symbols: Collection[str],
    *,
    source: PriceSource,
    feed: str,
    budget: QueryBudget,
) -> dict[str, Decimal]:
    """Latest stock prices from `feed`, as few requests as the URL limit allows."""
    endpoint = source.stock_endpoint
    path = endpoint.removeprefix("/v2")
    return _prices(
        call,
        endpoint,
        clients.stocks.get,
        path=path,
        symbols=symbols,
        source=source,
        budget=budget,
        extra=f"feed={feed}",
    )


def read_crypto_prices(
    clients: Clients,
    call: Call,
    symbols: Collection[str],
    *,
    source: PriceSource,
    budget: QueryBudget,
) -> dict[str, Decimal]:
    """Latest crypto prices (US feed) for `BASE/QUOTE` pairs."""
    endpoint = source.crypto_endpoint
    path = endpoint.removeprefix("/v1beta3")
    return _prices(
        call,
        endpoint,
        clients.crypto.get,
        path=path,
        symbols=symbols,
        source=source,
        budget=budget,
        extra="",
    )


def read_equity_facts(clients: Clients, call: Call, stocks: frozenset[str]) -> dict[str, Asset]:
    """Facts for `stocks` from the active-asset list (one request; none without stocks)."""
    if not stocks:
        return {}
    raw = call(ASSETS, partial(clients.trading.get, "/assets", {"status": "active"}))
    return facts.equity_facts(raw, ASSETS, stocks)


def read_crypto_facts(
    clients: Clients, call: Call, pairs: frozenset[str], prices: Mapping[str, Decimal]
) -> dict[str, Asset]:
    """Facts for crypto `pairs` from the active crypto list (one request; none without pairs)."""
    if not pairs:
        return {}
    query = {"status": "active", "asset_class": "crypto"}
    raw = call(ASSETS, partial(clients.trading.get, "/assets", query))
    return facts.crypto_facts(raw, ASSETS, pairs, prices)


def _prices(  # noqa: PLR0913 - one request's parts
    call: Call,
    endpoint: str,
    get: _Get,
    *,
    path: str,
    symbols: Collection[str],
    source: PriceSource,
    budget: QueryBudget,
    extra: str,
) -> dict[str, Decimal]:
    key = "trades" if source is PriceSource.LATEST_TRADE else "quotes"
    prices: dict[str, Decimal] = {}
    pending = list(query_chunks(symbols, budget.size))
    while pending:
        group = pending.pop(0)
        query = "&".join(filter(None, [f"symbols={symbols_query(group)}", extra]))
        try:
            latest = _paged(call, endpoint, partial(get, path), query, key)
        except BrokerFailure as failed:
            if failed.error.context.get("status") not in _TOO_LONG:
                raise
            if budget.size <= MIN_QUERY_BYTES:
                raise
            budget.size = max(budget.size // 2, MIN_QUERY_BYTES)
            pending = list(query_chunks([*group, *chain.from_iterable(pending)], budget.size))
            continue
        prices |= parse.latest_prices(latest, endpoint, source)
    return prices


def _paged(
    call: Call, endpoint: str, get: Callable[[str], object], query: str, key: str
) -> dict[str, object]:
    """The `key` objects of every page, following `next_page_token` at most MAX_PAGES times."""
    merged: dict[str, object] = {}
    token: object = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        page = query if token is None else f"{query}&page_token={quote(str(token), safe='')}"
        body = object_of(call(endpoint, partial(get, page)), endpoint, "body")
        merged |= object_of(field(body, key, endpoint), endpoint, key)
        token = body.get("next_page_token")
        if token is None:
            return merged
        if not isinstance(token, str) or token in seen:
            raise bad_response(endpoint, "next_page_token repeats itself", field="next_page_token")
        seen.add(token)
    raise bad_response(
        endpoint, f"still a next_page_token after {MAX_PAGES} pages", pages=MAX_PAGES
    )
