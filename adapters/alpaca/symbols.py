"""Symbol spelling at the Alpaca boundary: one name per instrument in the snapshot.

Alpaca's market-data API names a crypto pair `BTC/USD`; its positions endpoint names
the same holding `BTCUSD`. The snapshot always uses the slash form for crypto, so a
crypto weight and a crypto holding are one symbol. A requested symbol is crypto when
it contains a slash; a held one when Alpaca says its asset class is `crypto`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote as url_quote

__all__ = [
    "CRYPTO",
    "CRYPTO_QUOTE_CURRENCIES",
    "EQUITY",
    "OPTION",
    "crypto_symbol",
    "is_crypto",
    "query_chunks",
    "quote_currency",
    "requested",
    "symbols_query",
    "unnameable",
]

#: Alpaca's asset classes the adapter treats apart; any other class is read like an equity.
EQUITY, CRYPTO, OPTION = "us_equity", "crypto", "us_option"

#: Quote currencies of Alpaca's crypto pairs, longest first so `USDT` wins over `USD`.
CRYPTO_QUOTE_CURRENCIES = ("USDT", "USDC", "USD", "BTC")


def requested(symbols: Iterable[object]) -> frozenset[str]:
    """The requested symbols, stripped and upper-cased; blanks dropped. A string is one symbol.

    >>> sorted(requested([" spy", "btc/usd", ""])), sorted(requested("AAPL"))
    (['BTC/USD', 'SPY'], ['AAPL'])
    """
    if isinstance(symbols, str):
        symbols = [symbols]
    cleaned = (str(symbol).strip().upper() for symbol in symbols)
    return frozenset(symbol for symbol in cleaned if symbol)


#: Printable ASCII without a space: what a symbol can be in Alpaca's URLs.
_PRINTABLE = re.compile(r"[!-~]+")


def unnameable(symbols: Iterable[str]) -> list[str]:
    """The symbols no Alpaca request can name, sorted.

    A comma (it separates the symbols of a `symbols=` list), a space, or a character
    outside printable ASCII (a lone surrogate cannot even be encoded to be sent).

    >>> unnameable(["SPY", "BTC/USD", "BRK.B", "QQQ,SPY", "S P", "ÉTÉ"])
    ['QQQ,SPY', 'S P', 'ÉTÉ']
    """
    return sorted(s for s in symbols if not _PRINTABLE.fullmatch(s) or "," in s)


def is_crypto(symbol: str) -> bool:
    """True for a pair in the data API's spelling (`BTC/USD`)."""
    return "/" in symbol


def crypto_symbol(position_symbol: str, known: Iterable[str] = ()) -> str:
    """The data-API spelling of a crypto position's symbol.

    A requested pair that compacts to the position's symbol wins (so any quote
    currency works when the caller names the pair); otherwise the symbol is split
    before a known quote currency. A symbol that cannot be split is kept as it is.

    >>> crypto_symbol("BTCUSD"), crypto_symbol("ETHBTC"), crypto_symbol("SOLUSDT")
    ('BTC/USD', 'ETH/BTC', 'SOL/USDT')
    >>> crypto_symbol("DOGEEUR", known=["DOGE/EUR"]), crypto_symbol("XYZ")
    ('DOGE/EUR', 'XYZ')
    """
    symbol = position_symbol.upper()
    if is_crypto(symbol):
        return symbol
    for pair in known:
        if is_crypto(pair) and pair.replace("/", "") == symbol:
            return pair
    for quote in CRYPTO_QUOTE_CURRENCIES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return f"{symbol[: -len(quote)]}/{quote}"
    return symbol


def quote_currency(pair: str) -> str:
    """The currency a `BASE/QUOTE` pair is priced in.

    >>> quote_currency("ETH/BTC"), quote_currency("BTC/USD")
    ('BTC', 'USD')
    """
    return pair.rpartition("/")[2]


def symbols_query(symbols: Iterable[str]) -> str:
    """The `symbols` value of a data request: comma-separated, commas and slashes unescaped.

    >>> symbols_query(["BTC/USD", "BRK.B"])
    'BTC/USD,BRK.B'
    """
    return ",".join(url_quote(symbol, safe="/") for symbol in symbols)


def query_chunks(symbols: Iterable[str], budget: int) -> tuple[tuple[str, ...], ...]:
    """Sorted symbols in consecutive groups whose `symbols_query` is at most `budget` bytes.

    A symbol longer than the budget still gets a group of its own.

    >>> query_chunks(["CC", "A", "BBB"], 6)
    (('A', 'BBB'), ('CC',))
    """
    groups: list[tuple[str, ...]] = []
    group: list[str] = []
    size = 0
    for symbol in sorted(symbols):
        cost = len(url_quote(symbol, safe="/")) + (1 if group else 0)
        if group and size + cost > budget:
            groups.append(tuple(group))
            group, size, cost = [], 0, cost - 1
        group.append(symbol)
        size += cost
    if group:
        groups.append(tuple(group))
    return tuple(groups)
