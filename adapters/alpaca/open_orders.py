"""Alpaca's open orders (`GET /v2/orders?status=open`) → `OpenOrder` records: what is still to fill.

A quantity order still has `qty − filled_qty` shares (or coins) to fill; a notional
order still has `notional − filled_qty × filled_avg_price` dollars. An order with
nothing left is dropped. Bracket and OCO exits are read rolled up under their parent
(`nested=true`) and not counted: they only close what the parent opens. Option orders
are left out, as the library neither plans nor trades options.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from adapters.alpaca.failure import bad_response
from adapters.alpaca.fields import object_of, optional_decimal, text_field
from adapters.alpaca.symbols import CRYPTO, OPTION, crypto_symbol
from portfolio.records.plan import Action
from portfolio.records.snapshot import OpenOrder

__all__ = ["MAX_OPEN_ORDERS", "open_orders"]

#: Alpaca's largest page of orders; a full page may hide more, so it is refused.
MAX_OPEN_ORDERS = 500

_SIDES = {"buy": Action.BUY, "sell": Action.SELL}


def open_orders(raw: object, endpoint: str, known: Iterable[str]) -> tuple[OpenOrder, ...]:
    """Every open stock or crypto order with something left to fill, in Alpaca's order."""
    if not isinstance(raw, list):
        raise bad_response(endpoint, f"expected a list, got {type(raw).__name__}")
    if len(raw) >= MAX_OPEN_ORDERS:
        raise bad_response(
            endpoint, f"{len(raw)} open orders fill a whole page: more may be left unread"
        )
    pairs = tuple(known)
    found = []
    for entry in raw:
        order = object_of(entry, endpoint, "order")
        asset_class = str(order.get("asset_class") or "")
        if asset_class == OPTION:
            continue
        pending = _pending(order, endpoint, pairs if asset_class == CRYPTO else None)
        if pending is not None:
            found.append(pending)
    return tuple(found)


def _pending(
    order: Mapping[str, object], endpoint: str, pairs: tuple[str, ...] | None
) -> OpenOrder | None:
    symbol = text_field(order, "symbol", endpoint).upper()
    if pairs is not None:
        symbol = crypto_symbol(symbol, pairs)
    side = _SIDES.get(text_field(order, "side", endpoint))
    if side is None:
        raise bad_response(endpoint, "side is neither buy nor sell", field="side")
    order_id = text_field(order, "id", endpoint)
    filled = optional_decimal(order, "filled_qty", endpoint) or Decimal(0)
    quantity = optional_decimal(order, "qty", endpoint)
    if quantity is not None:
        left = quantity - filled
        return (
            OpenOrder(order_id=order_id, symbol=symbol, side=side, quantity=left)
            if left > 0
            else None
        )
    notional = optional_decimal(order, "notional", endpoint)
    if notional is None:
        raise bad_response(endpoint, "an order with neither qty nor notional", field="qty")
    average = optional_decimal(order, "filled_avg_price", endpoint) or Decimal(0)
    left = notional - filled * average
    return (
        OpenOrder(order_id=order_id, symbol=symbol, side=side, notional=left) if left > 0 else None
    )
