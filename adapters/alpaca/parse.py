"""Alpaca's raw JSON → the account, the holdings and the latest prices, checked field by field.

Only the fields used are read, so a new enum value anywhere else (an exchange, an
asset class, an account status) cannot break reading. A missing field or a value of
the wrong JSON type raises a BROKER_BAD_RESPONSE naming the endpoint (see `fields`).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from adapters.alpaca.failure import bad_response
from adapters.alpaca.fields import (
    field,
    number,
    object_of,
    optional_decimal,
    string_decimal,
    text_field,
)
from adapters.alpaca.prices import PriceSource
from adapters.alpaca.symbols import CRYPTO, crypto_symbol

__all__ = ["BLOCKING_FLAGS", "Account", "Holding", "account", "holdings", "latest_prices"]


@attrs.frozen(kw_only=True)
class Account:
    """What the snapshot needs of the account: cash (in `currency`) and whether it may trade."""

    cash: Decimal
    currency: str
    blocked: tuple[str, ...]  # the flags set among trading_blocked, account_blocked, ...
    crypto_active: bool


@attrs.frozen(kw_only=True)
class Holding:
    """One position: snapshot symbol, signed quantity (shares, coins or contracts; short < 0).

    `market_value` is Alpaca's value of the whole position in account currency (signed);
    `cost_basis` what Alpaca says the position cost (account currency), when it says.
    """

    symbol: str
    quantity: Decimal
    asset_class: str
    market_value: Decimal | None = None
    cost_basis: Decimal | None = None


#: Account flags that stop every order.
BLOCKING_FLAGS = ("trading_blocked", "account_blocked", "trade_suspended_by_user")


def account(raw: object, endpoint: str) -> Account:
    """Cash (negative on margin), its currency, and the flags that block trading."""
    record = object_of(raw, endpoint, "account")
    cash = string_decimal(field(record, "cash", endpoint), endpoint, "cash")
    currency = text_field(record, "currency", endpoint).upper()
    blocked = tuple(name for name in BLOCKING_FLAGS if record.get(name) is True)
    crypto_status = record.get("crypto_status", "ACTIVE")
    return Account(
        cash=cash,
        currency=currency,
        blocked=blocked,
        crypto_active=crypto_status == "ACTIVE",
    )


def holdings(positions: object, endpoint: str, requested: Iterable[str]) -> tuple[Holding, ...]:
    """Every position, crypto symbols in their slash spelling; shorts have negative quantity."""
    if not isinstance(positions, list):
        raise bad_response(endpoint, f"expected a list, got {type(positions).__name__}")
    known = tuple(requested)
    held = []
    for entry in positions:
        position = object_of(entry, endpoint, "position")
        symbol = text_field(position, "symbol", endpoint).upper()
        quantity = string_decimal(field(position, "qty", endpoint), endpoint, "qty")
        if position.get("side") == "short" and quantity > 0:
            quantity = -quantity
        asset_class = str(position.get("asset_class") or "us_equity")
        if asset_class == CRYPTO:
            symbol = crypto_symbol(symbol, known)
        held.append(
            Holding(
                symbol=symbol,
                quantity=quantity,
                asset_class=asset_class,
                market_value=optional_decimal(position, "market_value", endpoint),
                cost_basis=optional_decimal(position, "cost_basis", endpoint),
            )
        )
    return tuple(held)


def latest_prices(latest: object, endpoint: str, source: PriceSource) -> dict[str, Decimal]:
    """Prices per symbol from the `trades` or `quotes` object of a latest-data body.

    A quote midpoint needs a positive bid and ask; a one-sided quote gives no price.
    """
    by_symbol = object_of(latest, endpoint, "latest data")
    prices: dict[str, Decimal] = {}
    for symbol, entry in by_symbol.items():
        record = object_of(entry, endpoint, f"entry for {symbol}")
        if source is PriceSource.LATEST_TRADE:
            prices[str(symbol).upper()] = number(field(record, "p", endpoint), endpoint, "p")
            continue
        ask = number(field(record, "ap", endpoint), endpoint, "ap")
        bid = number(field(record, "bp", endpoint), endpoint, "bp")
        if ask > 0 and bid > 0:
            prices[str(symbol).upper()] = (ask + bid) / 2
    return prices
