"""Symbol spelling at the Alpaca boundary: one name per instrument in the snapshot.

Alpaca's market-data API names a crypto pair `BTC/USD`; its positions endpoint names
the same holding `BTCUSD`. The snapshot always uses the slash form for crypto, so a
crypto weight and a crypto holding are one symbol. A requested symbol is crypto when
it contains a slash; a held one when Alpaca says its asset class is `crypto`.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["CRYPTO_QUOTE_CURRENCIES", "chunks", "crypto_symbol", "is_crypto", "requested"]

#: Quote currencies of Alpaca's crypto pairs, longest first so `USDT` wins over `USD`.
CRYPTO_QUOTE_CURRENCIES = ("USDT", "USDC", "USD", "BTC")


def requested(symbols: Iterable[object]) -> frozenset[str]:
    """The requested symbols, stripped and upper-cased; blanks dropped.

    >>> sorted(requested([" spy", "btc/usd", ""]))
    ['BTC/USD', 'SPY']
    """
    cleaned = (str(symbol).strip().upper() for symbol in symbols)
    return frozenset(symbol for symbol in cleaned if symbol)


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


def chunks(symbols: Iterable[str], size: int) -> tuple[tuple[str, ...], ...]:
    """Sorted symbols in consecutive groups of at most `size` (one request each).

    >>> chunks(["C", "A", "B"], 2)
    (('A', 'B'), ('C',))
    """
    ordered = sorted(symbols)
    return tuple(tuple(ordered[i : i + size]) for i in range(0, len(ordered), size))
