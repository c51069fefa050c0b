"""Alpaca's raw JSON → the few values a snapshot needs, checked field by field.

Only the fields used are read, so a new enum value anywhere else (an exchange, an
asset class, an account status) cannot break reading. The trading API sends money
and quantities as strings: they are converted exactly with `Decimal(text)`. The data
API sends prices as JSON numbers (floats): they become `Decimal(str(x))`. A missing
field or a value of the wrong JSON type raises a BROKER_BAD_RESPONSE naming the endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

import attrs

from adapters.alpaca.failure import bad_response
from adapters.alpaca.prices import PriceSource
from adapters.alpaca.symbols import crypto_symbol
from portfolio.snapshot import Asset

__all__ = ["Holding", "asset_facts", "cash", "holdings", "latest_prices"]


@attrs.frozen(kw_only=True)
class Holding:
    """One position: snapshot symbol, signed quantity (shares or coins; short < 0)."""

    symbol: str
    quantity: Decimal
    crypto: bool


def cash(account: object, endpoint: str) -> Decimal:
    """The account's cash (account currency; negative on margin), from its decimal string."""
    record = _object(account, endpoint, "account")
    return _string_decimal(_field(record, "cash", endpoint), endpoint, "cash")


def holdings(positions: object, endpoint: str, requested: Iterable[str]) -> tuple[Holding, ...]:
    """Every position, crypto symbols in their slash spelling; shorts have negative quantity."""
    if not isinstance(positions, list):
        raise bad_response(endpoint, f"expected a list, got {type(positions).__name__}")
    known = tuple(requested)
    held = []
    for entry in positions:
        position = _object(entry, endpoint, "position")
        symbol = _string(_field(position, "symbol", endpoint), endpoint, "symbol").upper()
        quantity = _string_decimal(_field(position, "qty", endpoint), endpoint, "qty")
        if position.get("side") == "short" and quantity > 0:
            quantity = -quantity
        crypto = position.get("asset_class") == "crypto"
        if crypto:
            symbol = crypto_symbol(symbol, known)
        held.append(Holding(symbol=symbol, quantity=quantity, crypto=crypto))
    return tuple(held)


def latest_prices(latest: object, endpoint: str, source: PriceSource) -> dict[str, Decimal]:
    """Prices per symbol from a latest-trades or latest-quotes body, as unwrapped by alpaca-py.

    A quote midpoint needs a positive bid and ask; a one-sided quote gives no price.
    """
    by_symbol = _object(latest, endpoint, "latest data")
    prices: dict[str, Decimal] = {}
    for symbol, entry in by_symbol.items():
        record = _object(entry, endpoint, f"entry for {symbol}")
        if source is PriceSource.LATEST_TRADE:
            prices[str(symbol).upper()] = _number(_field(record, "p", endpoint), endpoint, "p")
            continue
        ask = _number(_field(record, "ap", endpoint), endpoint, "ap")
        bid = _number(_field(record, "bp", endpoint), endpoint, "bp")
        if ask > 0 and bid > 0:
            prices[str(symbol).upper()] = (ask + bid) / 2
    return prices


def asset_facts(assets: object, endpoint: str, wanted: frozenset[str]) -> dict[str, Asset]:
    """Tradable / fractionable / shortable for the wanted symbols found in the asset list."""
    if not isinstance(assets, list):
        raise bad_response(endpoint, f"expected a list, got {type(assets).__name__}")
    facts: dict[str, Asset] = {}
    for entry in assets:
        asset = _object(entry, endpoint, "asset")
        symbol = _string(_field(asset, "symbol", endpoint), endpoint, "symbol").upper()
        if symbol in wanted:
            facts[symbol] = Asset(
                symbol=symbol,
                tradable=_flag(asset, "tradable", endpoint),
                fractionable=_flag(asset, "fractionable", endpoint),
                shortable=_flag(asset, "shortable", endpoint),
            )
    return facts


def _object(value: object, endpoint: str, what: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise bad_response(endpoint, f"{what} is {type(value).__name__}, not an object")
    return value


def _field(record: Mapping[str, object], name: str, endpoint: str) -> object:
    if name not in record:
        raise bad_response(endpoint, f"missing field {name!r}", field=name)
    return record[name]


def _string(value: object, endpoint: str, name: str) -> str:
    if not isinstance(value, str):
        raise bad_response(endpoint, f"{name} is {type(value).__name__}, not a string", field=name)
    return value


def _string_decimal(value: object, endpoint: str, name: str) -> Decimal:
    text = _string(value, endpoint, name)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise bad_response(endpoint, f"{name} is not a decimal", field=name) from None
    if not amount.is_finite():
        raise bad_response(endpoint, f"{name} is not finite", field=name)
    return amount


def _number(value: object, endpoint: str, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_response(endpoint, f"{name} is {type(value).__name__}, not a number", field=name)
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise bad_response(endpoint, f"{name} is not finite", field=name)
    return amount


def _flag(record: Mapping[str, object], name: str, endpoint: str) -> bool:
    value = _field(record, name, endpoint)
    if not isinstance(value, bool):
        raise bad_response(endpoint, f"{name} is {type(value).__name__}, not a boolean", field=name)
    return value
