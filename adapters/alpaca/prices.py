"""Which market-data price the snapshot uses, and the endpoints that serve it."""

from __future__ import annotations

import enum

__all__ = ["PriceSource"]


class PriceSource(enum.Enum):
    """The price per share (or per coin) written into the snapshot.

    - `LATEST_TRADE`: the last trade's price (the default).
    - `QUOTE_MIDPOINT`: (best ask + best bid) / 2 of the latest quote; a quote with
      no bid or no ask gives no price, so the symbol is reported as MISSING_PRICE.
    """

    LATEST_TRADE = "latest_trade"
    QUOTE_MIDPOINT = "quote_midpoint"

    @property
    def stock_endpoint(self) -> str:
        """The stock data path this source reads, as it appears in errors."""
        if self is PriceSource.LATEST_TRADE:
            return "/v2/stocks/trades/latest"
        return "/v2/stocks/quotes/latest"

    @property
    def crypto_endpoint(self) -> str:
        """The crypto data path this source reads (US crypto feed)."""
        if self is PriceSource.LATEST_TRADE:
            return "/v1beta3/crypto/us/latest/trades"
        return "/v1beta3/crypto/us/latest/quotes"
