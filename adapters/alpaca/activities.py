"""The account's fills: `GET /v2/account/activities/FILL`, every page, read into `Fill`s.

Alpaca lists trade activities newest first (`direction=desc`), `page_size` at a time
(100 at most); the next page starts after the id sent as `page_token`, the id of the
last activity of the page before. A page shorter than `page_size` is the last. At most
`MAX_FILL_PAGES` pages are read: a longer history comes back with `complete=False`,
and the lots built on it are refused (see `adapters.alpaca.lots`). Every page is read
within the snapshot's one deadline, like every other request.

Only the fields the lots need are read: `activity_type` (entries that are not FILL
are skipped), `id`, `symbol`, `side` (`buy`; `sell` or `sell_short`), `qty` and
`price` (strings), `transaction_time` and `order_id`. `type` (fill / partial_fill),
`cum_qty` and `leaves_qty` describe the order, not the execution, and are not needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import partial

import attrs

from adapters.alpaca.failure import bad_response
from adapters.alpaca.fields import field, object_of, string_decimal, text_field
from adapters.alpaca.reads import Call
from adapters.alpaca.transport import Clients
from portfolio.records.money import MAX_AMOUNT
from portfolio.records.plan_item import Action

__all__ = ["FILLS", "MAX_FILL_PAGES", "PAGE_SIZE", "Fill", "Fills", "fill", "read_fills"]

FILLS = "/v2/account/activities/FILL"
#: Activities a page asks for: Alpaca's largest page.
PAGE_SIZE = 100
#: Pages read at most (5,000 fills); a longer history is not rebuilt into lots.
MAX_FILL_PAGES = 50
_SIDES = {"buy": Action.BUY, "sell": Action.SELL, "sell_short": Action.SELL}


@attrs.frozen(kw_only=True)
class Fill:
    """One execution: `quantity` shares (> 0) of `symbol` bought or sold at `price` (USD).

    `at` is the transaction time (UTC); `order_id` the order it filled (in part).
    """

    activity_id: str
    symbol: str
    action: Action
    quantity: Decimal
    price: Decimal
    at: datetime
    order_id: str


@attrs.frozen(kw_only=True)
class Fills:
    """The fills read, oldest first; `complete` is False when the page cap cut the history."""

    fills: tuple[Fill, ...]
    complete: bool


def read_fills(clients: Clients, call: Call) -> Fills:
    """Every FILL activity of the account, following `page_token` up to MAX_FILL_PAGES pages."""
    newest_first: list[Fill] = []
    token: str | None = None
    for _ in range(MAX_FILL_PAGES):
        query: dict[str, str | int] = {"direction": "desc", "page_size": PAGE_SIZE}
        if token is not None:
            query["page_token"] = token
        page = _page(call(FILLS, partial(clients.trading.get, "/account/activities/FILL", query)))
        newest_first += [fill(entry) for entry in page if entry.get("activity_type") == "FILL"]
        if len(page) < PAGE_SIZE:
            return Fills(fills=tuple(reversed(newest_first)), complete=True)
        last = text_field(page[-1], "id", FILLS)
        if last == token:
            raise bad_response(FILLS, "the next page starts where the last one did", field="id")
        token = last
    return Fills(fills=tuple(reversed(newest_first)), complete=False)


def _page(raw: object) -> list[Mapping[str, object]]:
    if not isinstance(raw, list):
        raise bad_response(FILLS, f"expected a list, got {type(raw).__name__}")
    return [object_of(entry, FILLS, "activity") for entry in raw]


def fill(entry: Mapping[str, object]) -> Fill:
    """One FILL activity, checked field by field (a BROKER_BAD_RESPONSE names the field)."""
    side = text_field(entry, "side", FILLS)
    if side not in _SIDES:
        raise bad_response(FILLS, f"unknown side {side!r}", field="side")
    quantity = string_decimal(field(entry, "qty", FILLS), FILLS, "qty")
    price = string_decimal(field(entry, "price", FILLS), FILLS, "price")
    if not (0 < quantity <= MAX_AMOUNT and 0 < price <= MAX_AMOUNT):  # the core's bounds
        message = "a fill's qty and price must be > 0 and at most 1E+15"
        raise bad_response(FILLS, message, field="qty/price")
    return Fill(
        activity_id=text_field(entry, "id", FILLS),
        symbol=text_field(entry, "symbol", FILLS).upper(),
        action=_SIDES[side],
        quantity=quantity,
        price=price,
        at=_time(text_field(entry, "transaction_time", FILLS)),
        order_id=text_field(entry, "order_id", FILLS),
    )


def _time(text: str) -> datetime:
    """An RFC 3339 time with a zone (Alpaca sends `Z` and up to nanoseconds)."""
    head, dot, rest = text.partition(".")
    if dot:  # Python reads at most microseconds: cut the fraction to six digits
        digits = len(rest) - len(rest.lstrip("0123456789"))
        rest = rest[: min(digits, 6)] + rest[digits:]
    try:
        at = datetime.fromisoformat(f"{head}{dot}{rest}")  # 3.11 reads a `Z`
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        problem = f"not an RFC 3339 time with a zone: {text!r}"
        raise bad_response(FILLS, problem, field="transaction_time")
    return at
