"""Alpaca's asset list → `Asset` facts: tradable, fractionable, shortable, minimums, increments.

Read from the active-asset list, one request per asset class, never one per symbol:

- equities: a fractionable stock takes orders in steps of 1E-9 shares (`quantity_increment`
  None, the planner's default) and Alpaca refuses fractional orders under $1, so its
  `min_order_notional` is 1; a stock that is not fractionable trades in whole shares,
  with no minimum.
- crypto: `min_trade_increment` (coins) is the quantity step, and `min_order_size`
  (coins) times the snapshot's price is the smallest order in dollars.

A wanted symbol missing from the list is recorded as neither tradable nor fractionable.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from adapters.alpaca.failure import bad_response
from adapters.alpaca.fields import flag, object_of, optional_decimal, text_field
from adapters.alpaca.symbols import CRYPTO, EQUITY, OPTION, crypto_symbol
from portfolio.records.snapshot import Asset

__all__ = [
    "FRACTIONAL_MIN_NOTIONAL",
    "crypto_facts",
    "equity_facts",
    "not_tradable",
    "option_fact",
]

#: Alpaca's smallest fractional (or notional) equity order, in dollars.
FRACTIONAL_MIN_NOTIONAL = Decimal(1)


def equity_facts(raw: object, endpoint: str, wanted: frozenset[str]) -> dict[str, Asset]:
    """Facts for the wanted stocks (every one of them: absent ones are not tradable)."""
    facts: dict[str, Asset] = {}
    for symbol, asset in _listed(raw, endpoint, wanted, crypto=False):
        tradable = flag(asset, "tradable", endpoint)
        fractionable = flag(asset, "fractionable", endpoint)
        facts[symbol] = Asset(
            symbol=symbol,
            tradable=tradable,
            fractionable=fractionable,
            shortable=flag(asset, "shortable", endpoint),
            asset_class=str(asset.get("class") or EQUITY),
            min_order_notional=FRACTIONAL_MIN_NOTIONAL if fractionable else Decimal(0),
            quantity_increment=optional_decimal(asset, "min_trade_increment", endpoint),
        )
    for symbol in wanted - facts.keys():
        facts[symbol] = Asset(symbol=symbol, tradable=False, fractionable=False)
    return facts


def crypto_facts(
    raw: object, endpoint: str, wanted: frozenset[str], prices: Mapping[str, Decimal]
) -> dict[str, Asset]:
    """Facts for the wanted pairs; the minimum order is `min_order_size × price` dollars."""
    facts: dict[str, Asset] = {}
    for symbol, asset in _listed(raw, endpoint, wanted, crypto=True):
        least = optional_decimal(asset, "min_order_size", endpoint)
        price = prices.get(symbol)
        facts[symbol] = Asset(
            symbol=symbol,
            tradable=flag(asset, "tradable", endpoint),
            fractionable=flag(asset, "fractionable", endpoint),
            shortable=False,
            asset_class=CRYPTO,
            min_order_notional=least * price if least and price else Decimal(0),
            quantity_increment=optional_decimal(asset, "min_trade_increment", endpoint),
        )
    for symbol in wanted - facts.keys():
        facts[symbol] = Asset(symbol=symbol, tradable=False, asset_class=CRYPTO)
    return facts


def option_fact(symbol: str) -> Asset:
    """An option contract: held and valued, never traded by this library."""
    return Asset(symbol=symbol, tradable=False, fractionable=False, asset_class=OPTION)


def not_tradable(assets: Mapping[str, Asset]) -> dict[str, Asset]:
    """The same facts with nothing tradable (a blocked account)."""
    return {symbol: attrs.evolve(fact, tradable=False) for symbol, fact in assets.items()}


def _listed(
    raw: object, endpoint: str, wanted: frozenset[str], *, crypto: bool
) -> list[tuple[str, Mapping[str, object]]]:
    if not isinstance(raw, list):
        raise bad_response(endpoint, f"expected a list, got {type(raw).__name__}")
    found = []
    for entry in raw:
        asset = object_of(entry, endpoint, "asset")
        symbol = text_field(asset, "symbol", endpoint).upper()
        if crypto:
            symbol = crypto_symbol(symbol, wanted)
        if symbol in wanted:
            found.append((symbol, asset))
    return found
