"""The orders endpoints of the local Alpaca (`tests/alpaca_server.py`): a small order desk.

POST /v2/orders places a market order and (by default) fills it at once at the
server's last trade price, moving the account's cash and positions; GET
/v2/orders:by_client_order_id and GET /v2/orders/{id} read orders back. As Alpaca
does, it refuses a client id seen before (422 "client_order_id must be unique"), a sale
of more than a long position holds (403 "insufficient qty available": an order may not
cross zero) and a buy of fractions of an asset listed as not fractionable (422 "qty
must be integer"). Numbers are read as sent, never through a float; `bodies` keeps
every POST body as it arrived. `next_status` makes the next orders stay `accepted`,
fill half (`partially_filled`) or come back `rejected`; `hang_after_placing` places
the next order and then never answers.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["OrderDesk"]

CREATED = "2024-06-03T19:59:59.123456Z"


class OrderDesk:
    """Orders kept in the server's order book (`book()`, the list GET /v2/orders shows).

    `price_of` gives the fill price, `settle` moves the account (cash, positions), `held`
    the signed quantity held of a symbol.
    """

    def __init__(
        self,
        book: Callable[[], list[dict[str, Any]]],
        price_of: Callable[[str], Decimal | None],
        settle: Callable[[str, Decimal, Decimal], None],
        held: Callable[[str], Decimal] = lambda _: Decimal(0),
        fractionable: Callable[[str], bool] = lambda _: True,
    ) -> None:
        self._book, self._price_of, self._settle, self._held = book, price_of, settle, held
        self._fractionable = fractionable
        self.bodies: list[str] = []  # every POST body, as it arrived
        self.next_status: deque[str] = deque()
        self.hang_after_placing = 0
        self._lock = threading.Lock()

    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        """Every order in the book, by id."""
        return {order["id"]: order for order in self._book()}

    def by_client_id(self, client_order_id: str) -> dict[str, Any] | None:
        return next((o for o in self._book() if o["client_order_id"] == client_order_id), None)

    def get(self, path: str, params: Mapping[str, str]) -> tuple[int, object]:
        """GET an order by client id or by id; any other path is not an endpoint (404)."""
        if path == "/v2/orders:by_client_order_id":
            found = self.by_client_id(params.get("client_order_id", ""))
        elif path.startswith("/v2/orders/"):
            found = self.orders.get(path.removeprefix("/v2/orders/"))
        else:
            return 404, {"code": 40410000, "message": "endpoint not found"}
        if found is None:
            return 404, {"code": 40410000, "message": "order not found"}
        return 200, found

    def post(self, body: Mapping[str, Any]) -> tuple[int, object, bool]:
        """(status, payload, hang): place the order unless its client id is known."""
        with self._lock:
            client_id = str(body.get("client_order_id") or uuid.uuid4())
            if self.by_client_id(client_id) is not None:
                return 422, {"code": 40010001, "message": "client_order_id must be unique"}, False
            price = self._price_of(str(body.get("symbol")))
            if price is None:
                return 422, {"code": 40010001, "message": "asset not found"}, False
            refusal = self._beyond_held(body)
            if refusal is not None:
                return 403, {"code": 40310000, "message": refusal}, False
            symbol = str(body.get("symbol"))
            if body.get("side") == "buy" and not self._fractionable(symbol) and not _whole(body):
                return 422, {"code": 40010001, "message": "qty must be integer"}, False
            order = _order(body, client_id)
            self._book().append(order)
            self._execute(
                order, price, self.next_status.popleft() if self.next_status else "filled"
            )
            hang = self.hang_after_placing > 0
            self.hang_after_placing -= 1 if hang else 0
            return 200, order, hang

    def _beyond_held(self, body: Mapping[str, Any]) -> str | None:
        """Alpaca's message for a sale of more than a long position holds, else None."""
        held, qty = self._held(str(body.get("symbol"))), body.get("qty")
        if body.get("side") != "sell" or qty is None or held <= 0 or Decimal(str(qty)) <= held:
            return None
        return f"insufficient qty available for order (requested: {qty}, available: {held})"

    def fill_open(self) -> None:
        """Fill what is left of every open order at the current prices."""
        for order in self.orders.values():
            if order["status"] in {"accepted", "new", "partially_filled"}:
                price = self._price_of(order["symbol"]) or Decimal(0)
                self._execute(order, price, "filled")

    def _execute(self, order: dict[str, Any], price: Decimal, status: str) -> None:
        if order["qty"] is None:  # a notional order: its shares at this price
            order["qty"] = str((Decimal(order["notional"]) / price).quantize(Decimal("1E-9")))
        qty, done = Decimal(order["qty"]), Decimal(order["filled_qty"])
        match status:
            case "filled":
                shares = qty - done
            case "partially_filled":
                shares = (
                    (qty / 2).to_integral_value() if qty == qty.to_integral_value() else qty / 2
                )
            case _:
                order["status"] = status
                return
        signed = shares if order["side"] == "buy" else -shares
        self._settle(order["symbol"], signed, price)
        order["filled_qty"] = str(done + shares)
        order["filled_avg_price"] = str(price)
        order["status"] = status if shares else "accepted"


def _whole(body: Mapping[str, Any]) -> bool:
    """An order for whole shares (a notional order, without a qty, buys fractions)."""
    qty = body.get("qty")
    if qty is None:
        return False
    number = Decimal(str(qty))
    return number == number.to_integral_value()


def _order(body: Mapping[str, Any], client_id: str) -> dict[str, Any]:
    qty = body.get("qty")
    return {
        "id": str(uuid.uuid4()),
        "client_order_id": client_id,
        "created_at": CREATED,
        "updated_at": CREATED,
        "submitted_at": CREATED,
        "filled_at": None,
        "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415",
        "symbol": body.get("symbol"),
        "asset_class": "crypto" if "/" in str(body.get("symbol")) else "us_equity",
        "notional": None if body.get("notional") is None else str(body["notional"]),
        "qty": None if qty is None else str(Decimal(str(qty))),
        "filled_qty": "0",
        "filled_avg_price": None,
        "order_class": "",
        "order_type": "market",
        "type": "market",
        "side": body.get("side"),
        "time_in_force": body.get("time_in_force"),
        "limit_price": None,
        "stop_price": None,
        "status": "accepted",
        "extended_hours": False,
        "legs": None,
    }
