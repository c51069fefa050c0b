"""A small Alpaca look-alike on 127.0.0.1: real HTTP over real sockets, for the adapter's tests.

It speaks the endpoints `AlpacaBroker` uses, with bodies shaped like Alpaca's
documented responses (trading API: money as strings; data API: prices as numbers),
checks the APCA key headers, logs every request, and injects faults queued per path:
any status with any body (429 + Retry-After, HTML 5xx, malformed JSON, a body of your
own), a hang (accepts, never answers) or a trickle (one byte at a time). Open orders
and crypto asset facts are kept in their own blocks below; `max_url_bytes` makes it
answer 414 to longer request targets, as a proxy in front of Alpaca would. Use it as
a context manager; every wait in it is bounded.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from alpaca_order_desk import OrderDesk

from portfolio import Asset
from ports import BrokerPort

__all__ = ["AlpacaServer", "Fault", "Logged", "closed_port_url", "contract_factory"]

HANG_LIMIT = 10.0  # seconds a hanging handler waits at most (it stops early on close)
TRADE_TIME = "2024-06-03T19:59:59.123456789Z"


@dataclass(frozen=True)
class Fault:
    """One canned answer that replaces the next normal response of a path."""

    status: int = 500
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    hang: bool = False
    trickle: float = 0.0  # seconds between the body's bytes (0: send it at once)
    trickle_head: bool = False  # trickle the status line and headers too
    drop: bool = False  # close the connection without a word, as an idle keep-alive is closed

    @classmethod
    def dropped(cls) -> Fault:
        """The connection closed with no answer: a kept-alive one the server dropped as the
        request arrived (the client sees "Remote end closed connection without response").
        Nothing is done for the request: a dropped POST places no order."""
        return cls(drop=True)

    @classmethod
    def rate_limited(cls, retry_after: str | None = "0") -> Fault:
        headers = {} if retry_after is None else {"Retry-After": retry_after}
        return cls(status=429, body=b'{"message": "too many requests."}', headers=headers)

    @classmethod
    def html(cls, status: int = 502) -> Fault:
        page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
        return cls(status=status, body=page, content_type="text/html")

    @classmethod
    def malformed_json(cls) -> Fault:
        return cls(status=200, body=b'{"cash": "10', content_type="application/json")

    @classmethod
    def json(cls, payload: object, status: int = 200) -> Fault:
        return cls(status=status, body=json.dumps(payload).encode())

    @classmethod
    def hanging(cls) -> Fault:
        return cls(hang=True)

    @classmethod
    def trickled(cls, payload: object, every: float) -> Fault:
        """A 200 whose JSON body arrives one byte every `every` seconds."""
        return cls(status=200, body=json.dumps(payload).encode(), trickle=every)

    @classmethod
    def trickled_head(cls, payload: object, every: float) -> Fault:
        """A 200 whose status line, headers and body all arrive one byte every `every` s."""
        return cls(status=200, body=json.dumps(payload).encode(), trickle=every, trickle_head=True)

    @classmethod
    def rate_limit_reset(cls, reset: float) -> Fault:
        """A 429 with Alpaca's rate headers and no Retry-After; `reset` is epoch seconds."""
        headers = {
            "X-RateLimit-Limit": "200",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(reset)),
        }
        return cls(status=429, body=b'{"message": "too many requests."}', headers=headers)


@dataclass(frozen=True)
class Logged:
    """One request as the server saw it."""

    method: str
    path: str
    params: Mapping[str, str]
    authorised: bool

    @property
    def symbols(self) -> list[str]:
        return self.params["symbols"].split(",") if self.params.get("symbols") else []


class AlpacaServer:
    """The fake Alpaca. Mutate `account`, `positions`, `assets`, `trades`, `quotes` freely."""

    def __init__(self, api_key: str, secret_key: str) -> None:
        self.api_key, self.secret_key = api_key, secret_key
        self.account: dict[str, Any] = _account("0")
        self.positions: list[dict[str, Any]] = []
        self.assets: list[dict[str, Any]] = []
        self.trades: dict[str, Any] = {}  # data symbol → last trade price (stocks and crypto)
        self.quotes: dict[str, tuple[Any, Any]] = {}  # data symbol → (bid, ask)
        self.orders: list[dict[str, Any]] = []  # /v2/orders, any status
        self.max_url_bytes: int | None = None  # longer request targets get a 414
        self.activities: list[dict[str, Any]] = []  # /v2/account/activities, any order
        self._log: list[Logged] = []
        self._faults: dict[str, deque[tuple[str | None, Fault]]] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.alpaca = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.desk = OrderDesk(  # POST, by id
            lambda: self.orders,
            self.trade_price,
            self.settle,
            self.held_quantity,
            self.fractionable,
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.stopping.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def environ(self) -> dict[str, str]:
        """The `APCA_*` variables that point the adapter (and the CLI) at this server."""
        return {
            "APCA_API_KEY_ID": self.api_key,
            "APCA_API_SECRET_KEY": self.secret_key,
            "APCA_API_BASE_URL": self.url,
            "APCA_API_DATA_URL": self.url,
        }

    # -- account set-up -------------------------------------------------------
    def set_cash(self, cash: str) -> None:
        self.account = _account(cash)

    def hold(
        self,
        symbol: str,
        qty: str,
        *,
        side: str = "long",
        asset_class: str = "us_equity",
        exchange: str = "NASDAQ",
        price: str = "100",
    ) -> None:
        """Add a position the way /v2/positions shows it (crypto as `BTCUSD`)."""
        self.positions.append(
            _position(
                symbol, qty, side=side, asset_class=asset_class, exchange=exchange, price=price
            )
        )

    def list_asset(
        self,
        symbol: str,
        *,
        tradable: bool = True,
        fractionable: bool = True,
        shortable: bool = True,
        asset_class: str = "us_equity",
        exchange: str = "NASDAQ",
        status: str = "active",
    ) -> None:
        self.assets.append(
            {
                "id": f"00000000-0000-4000-8000-{len(self.assets):012d}",
                "class": asset_class,
                "exchange": exchange,
                "symbol": symbol,
                "name": f"{symbol} Inc. Common Stock",
                "status": status,
                "tradable": tradable,
                "marginable": True,
                "maintenance_margin_requirement": 30,
                "margin_requirement_long": "30",
                "margin_requirement_short": "100",
                "shortable": shortable,
                "easy_to_borrow": shortable,
                "fractionable": fractionable,
                "attributes": ["has_options"],
            }
        )

    # -- open orders and crypto facts ----------------------------------------
    def place(
        self,
        symbol: str,
        side: str,
        *,
        qty: str | None = None,
        notional: str | None = None,
        filled_qty: str = "0",
        filled_avg_price: str | None = None,
        asset_class: str = "us_equity",
        status: str = "new",
    ) -> str:
        """Add an order the way /v2/orders shows it; returns its id."""
        order = _order(len(self.orders), symbol, side, asset_class=asset_class, status=status)
        order |= {"qty": qty, "notional": notional, "filled_qty": filled_qty}
        order["filled_avg_price"] = filled_avg_price
        self.orders.append(order)
        return str(order["id"])

    def list_crypto(
        self,
        pair: str,
        *,
        min_order_size: str = "0.000018",
        min_trade_increment: str = "0.000000001",
        tradable: bool = True,
    ) -> None:
        """Add a crypto asset the way /v2/assets?asset_class=crypto shows it (`BTC/USD`)."""
        self.assets.append(
            _crypto_asset(len(self.assets), pair, min_order_size, min_trade_increment, tradable)
        )

    def _assets(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        wanted = params.get("status")
        kind = params.get("asset_class", "us_equity")  # Alpaca's default class
        listed = [a for a in self.assets if a["class"] == kind]
        return [a for a in listed if wanted in {None, a.get("status")}]

    def _orders(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        if params.get("status", "open") != "open":
            return self.orders
        limit = int(params.get("limit", "50"))
        return [o for o in self.orders if o["status"] in _OPEN_STATUSES][:limit]

    # -- account activities: GET /v2/account/activities/{type} ---------------
    def add_fill(
        self,
        symbol: str,
        side: str,
        qty: str,
        price: str,
        at: str,
        *,
        order: str | None = None,
        cum_qty: str | None = None,
        leaves_qty: str = "0",
    ) -> str:
        """Add a FILL activity as Alpaca documents it; `at` is its transaction_time (UTC).

        `order` names the order (a new one by default); a partial fill gives its
        `cum_qty` and `leaves_qty` (type partial_fill while shares are left). Returns its id.
        """
        number = len(self.activities)
        stamp = at.replace("-", "").replace(":", "").replace("T", "").replace("Z", "")
        stamp = stamp.replace(".", "")[:17].ljust(17, "0")
        activity = {
            "activity_type": "FILL",
            "id": f"{stamp}::8efc7b9a-8b2b-4000-9955-d36e7db{number:05d}",
            "transaction_time": at,
            "type": "partial_fill" if Decimal(leaves_qty) else "fill",
            "price": price,
            "qty": qty,
            "side": side,
            "symbol": symbol,
            "leaves_qty": leaves_qty,
            "order_id": order or f"904837e3-3b76-47ec-b432-046db62{number:05d}",
            "cum_qty": cum_qty or qty,
            "order_status": "partially_filled" if Decimal(leaves_qty) else "filled",
        }
        self.activities.append(activity)
        return str(activity["id"])

    def _activities(self, kind: str, params: Mapping[str, str]) -> tuple[int, object]:
        """A page of `kind` activities by id (`direction` desc unless asc), after `page_token`."""
        if params.get("direction", "desc") not in {"asc", "desc"}:
            return 422, {"code": 42210000, "message": "invalid direction"}
        size_text = params.get("page_size", "100")
        size = int(size_text) if size_text.isdigit() else 0
        if not 1 <= size <= 100:  # Alpaca's largest page
            return 422, {"code": 42210000, "message": "page_size must be in [1, 100]"}
        listed = sorted(  # an entry without a type (test data) is of no type asked for
            (a for a in self.activities if a.get("activity_type") == kind),
            key=lambda a: str(a["id"]),
            reverse=params.get("direction", "desc") == "desc",
        )
        token = params.get("page_token")
        if token is not None:
            ids = [str(a["id"]) for a in listed]
            listed = listed[ids.index(token) + 1 :] if token in ids else []
        return 200, listed[:size]

    # -- faults and the log ---------------------------------------------------
    def fail(self, path: str, fault: Fault, times: int = 1, method: str | None = None) -> None:
        """Answer the next `times` requests to `path` with `fault` (only `method`'s, if given)."""
        with self._lock:
            self._faults.setdefault(path, deque()).extend([(method, fault)] * times)

    def take_fault(self, path: str, method: str) -> Fault | None:
        """The first fault queued for `path` that applies to `method`, taken off the queue."""
        with self._lock:
            queue = self._faults.get(path, deque())
            for entry in queue:
                if entry[0] in {None, method}:
                    queue.remove(entry)
                    return entry[1]
            return None

    def record(self, entry: Logged) -> None:
        with self._lock:
            self._log.append(entry)

    @property
    def requests(self) -> list[Logged]:
        with self._lock:
            return list(self._log)

    def count(self, path: str | None = None) -> int:
        return sum(1 for entry in self.requests if path is None or entry.path == path)

    # -- orders: POST /v2/orders, GET /v2/orders:by_client_order_id, GET /v2/orders/{id} --
    def trade_price(self, symbol: str) -> Decimal | None:
        """The last trade price the order desk fills at."""
        price = self.trades.get(symbol)
        return None if price is None else Decimal(str(price))

    def fractionable(self, symbol: str) -> bool:
        """False for an asset listed as not fractionable (an unlisted one may be)."""
        listed = next((a for a in self.assets if a["symbol"] == symbol), None)
        return listed is None or bool(listed["fractionable"])

    def held_quantity(self, symbol: str) -> Decimal:
        """The signed quantity of `symbol` held (0 when there is no position)."""
        held = next((p for p in self.positions if p["symbol"] == symbol), None)
        return Decimal(0) if held is None else Decimal(held["qty"])

    def settle(self, symbol: str, shares: Decimal, price: Decimal) -> None:
        """Move cash and the position by a fill of `shares` (signed) at `price`."""
        with self._lock:
            self.set_cash(str(Decimal(self.account["cash"]) - shares * price))
            held = next((p for p in self.positions if p["symbol"] == symbol), None)
            quantity = shares + (Decimal(held["qty"]) if held else Decimal(0))
            if held is not None:
                self.positions.remove(held)
            if quantity:
                side = "short" if quantity < 0 else "long"
                self.hold(symbol, str(quantity), side=side, price=str(price))

    def respond_post(self, path: str, body: bytes) -> tuple[int, object, bool]:
        """(status, payload, hang) for a POST: only /v2/orders takes one."""
        if path != "/v2/orders":
            return 404, {"code": 40410000, "message": "endpoint not found"}, False
        self.desk.bodies.append(body.decode("utf-8", "replace"))
        try:
            order = json.loads(body, parse_float=Decimal)  # numbers as sent, never via float
        except ValueError:
            return 400, {"code": 40010000, "message": "malformed json"}, False
        return self.desk.post(order)

    # -- responses ------------------------------------------------------------
    def respond(self, path: str, params: Mapping[str, str]) -> tuple[int, object]:
        symbols = params.get("symbols", "").split(",") if params.get("symbols") else []
        trading: dict[str, Callable[[], object]] = {
            "/v2/account": lambda: self.account,
            "/v2/positions": lambda: self.positions,
            "/v2/assets": lambda: self._assets(params),
            "/v2/orders": lambda: self._orders(params),
        }
        if path in trading:
            return 200, trading[path]()
        if path.startswith("/v2/account/activities/"):
            return self._activities(path.rsplit("/", 1)[1], params)
        match path:
            case "/v2/stocks/trades/latest" | "/v1beta3/crypto/us/latest/trades":
                crypto = path.startswith("/v1beta3")
                return 200, {"trades": self._latest(symbols, crypto=crypto, shape=_trade)}
            case "/v2/stocks/quotes/latest" | "/v1beta3/crypto/us/latest/quotes":
                crypto = path.startswith("/v1beta3")
                return 200, {"quotes": self._latest(symbols, crypto=crypto, shape=_quote)}
        return self.desk.get(path, params)  # the orders endpoints, else 404

    def _latest(self, symbols: list[str], *, crypto: bool, shape: Any) -> dict[str, object]:
        table: Mapping[str, Any] = self.trades if shape is _trade else self.quotes
        return {
            s: shape(table[s], crypto=crypto)
            for s in symbols
            if s in table and ("/" in s) == crypto
        }


def _answered(
    respond: Callable[[str, Mapping[str, str]], tuple[int, object]],
    path: str,
    params: Mapping[str, str],
) -> tuple[int, object]:
    """`respond(path, params)`; a request it cannot answer is a 500, as Alpaca's would be.

    So that test data the server does not expect fails the request, not the server's
    thread (which closed the connection without an answer).
    """
    try:
        return respond(path, params)
    except Exception as exc:  # noqa: BLE001 - any bug in the fake is an answer, not a crash
        return 500, {"code": 50010000, "message": f"internal server error: {exc!r}"}


def _posted(alpaca: AlpacaServer, path: str, body: bytes) -> tuple[int, object, bool]:
    """`alpaca.respond_post(path, body)`; one it cannot answer is a 500, as `_answered`."""
    try:
        return alpaca.respond_post(path, body)
    except Exception as exc:  # noqa: BLE001 - any bug in the fake is an answer, not a crash
        return 500, {"code": 50010000, "message": f"internal server error: {exc!r}"}, False


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


ContractFactory = Callable[
    [Decimal, Mapping[str, Decimal], Mapping[str, Decimal], Mapping[str, Asset]], BrokerPort
]


@contextmanager
def contract_factory() -> Iterator[ContractFactory]:
    """A local Alpaca and a `(cash, positions, prices, assets) -> AlpacaBroker` factory loading it.

    For the BrokerPort contract tests. Every priced symbol is listed as an active asset
    (with `Asset`'s defaults unless `assets` says otherwise), as a real account lists
    every tradable stock. Brokers and server are closed on exit.
    """
    from adapters.alpaca import AlpacaBroker  # noqa: PLC0415 - alpaca-py only when used

    key, secret = "PKCONTRACT0123456789", "contractSECRET/0123456789abcdefghijklm"
    opened: list[AlpacaBroker] = []
    with AlpacaServer(key, secret) as server:

        def factory(
            cash: Decimal,
            positions: Mapping[str, Decimal],
            prices: Mapping[str, Decimal],
            assets: Mapping[str, Asset],
        ) -> BrokerPort:
            server.set_cash(str(cash))
            server.positions.clear()
            for symbol, qty in positions.items():
                server.hold(symbol, str(qty), side="short" if qty < 0 else "long")
            server.trades.clear()
            server.trades.update({symbol: float(price) for symbol, price in prices.items()})
            server.assets.clear()
            for symbol in prices:
                fact = assets.get(symbol, Asset(symbol=symbol))
                server.list_asset(
                    symbol,
                    tradable=fact.tradable,
                    fractionable=fact.fractionable,
                    shortable=fact.shortable,
                )
            broker = AlpacaBroker(key, secret, trading_url=server.url, data_url=server.url)
            opened.append(broker)
            return broker

        yield factory
        for broker in opened:
            broker.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    alpaca: AlpacaServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms delayed-ACK stall per request
    timeout = 5  # an idle keep-alive connection is dropped after this many seconds
    server: _Server

    def do_GET(self) -> None:
        alpaca = self.server.alpaca
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query))
        authorised = (
            self.headers.get("APCA-API-KEY-ID") == alpaca.api_key
            and self.headers.get("APCA-API-SECRET-KEY") == alpaca.secret_key
        )
        alpaca.record(Logged("GET", parts.path, params, authorised))
        if alpaca.max_url_bytes is not None and len(self.path) > alpaca.max_url_bytes:
            self._send(414, b"<html><body>414 Request-URI Too Large</body></html>", "text/html")
            return
        fault = alpaca.take_fault(parts.path, "GET")
        if fault is not None and fault.drop:
            self.close_connection = True
            return
        if fault is not None and fault.hang:
            alpaca.stopping.wait(HANG_LIMIT)
            self.close_connection = True
            return
        if fault is not None and fault.trickle:
            self._trickle(fault)
        elif fault is not None:
            self._send(fault.status, fault.body, fault.content_type, fault.headers)
        elif not authorised:
            self._send(401, b'{"code": 40110000, "message": "request is not authorized"}')
        else:
            status, payload = _answered(alpaca.respond, parts.path, params)
            self._send(status, json.dumps(payload).encode())

    def do_POST(self) -> None:
        """POST /v2/orders: the order desk, with the same auth, log and faults as GET."""
        alpaca = self.server.alpaca
        path = urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        authorised = (
            self.headers.get("APCA-API-KEY-ID") == alpaca.api_key
            and self.headers.get("APCA-API-SECRET-KEY") == alpaca.secret_key
        )
        alpaca.record(Logged("POST", path, {}, authorised))
        fault = alpaca.take_fault(path, "POST")
        if fault is not None and fault.drop:
            self.close_connection = True
            return
        if fault is not None and not fault.hang:
            self._send(fault.status, fault.body, fault.content_type, fault.headers)
            return
        if fault is None and not authorised:
            self._send(401, b'{"code": 40110000, "message": "request is not authorized"}')
            return
        status, payload, hang = _posted(alpaca, path, body) if fault is None else (0, {}, True)
        if hang:  # placed (or not, for a hanging fault), and never answered
            alpaca.stopping.wait(HANG_LIMIT)
            self.close_connection = True
            return
        self._send(status, json.dumps(payload).encode())

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, fault: Fault) -> None:
        head = (
            f"HTTP/1.1 {fault.status} OK\r\nContent-Type: {fault.content_type}\r\n"
            f"Content-Length: {len(fault.body)}\r\n\r\n"
        ).encode()
        if not fault.trickle_head:
            self.wfile.write(head)
            self.wfile.flush()
        for byte in (head if fault.trickle_head else b"") + fault.body:
            if self.server.alpaca.stopping.wait(fault.trickle):
                break
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:  # the client gave up: stop sending
                break
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        """Quiet: the request log is `AlpacaServer.requests`."""


def _account(cash: str) -> dict[str, Any]:
    return {
        "id": "904837e3-3b76-47ec-b432-046db621571b",
        "account_number": "PA3XB1ZQZ1A5",
        "status": "ACTIVE",
        "crypto_status": "ACTIVE",
        "currency": "USD",
        "cash": cash,
        "buying_power": cash,
        "regt_buying_power": cash,
        "daytrading_buying_power": "0",
        "non_marginable_buying_power": cash,
        "portfolio_value": cash,
        "equity": cash,
        "last_equity": cash,
        "long_market_value": "0",
        "short_market_value": "0",
        "initial_margin": "0",
        "maintenance_margin": "0",
        "multiplier": "1",
        "pattern_day_trader": False,
        "trading_blocked": False,
        "transfers_blocked": False,
        "account_blocked": False,
        "trade_suspended_by_user": False,
        "shorting_enabled": True,
        "daytrade_count": 0,
        "sma": "0",
        "created_at": "2024-01-02T15:04:05.123456Z",
    }


_OPEN_STATUSES = frozenset(
    {"new", "accepted", "pending_new", "partially_filled", "accepted_for_bidding", "held"}
)


def _order(number: int, symbol: str, side: str, *, asset_class: str, status: str) -> dict[str, Any]:
    """An order as GET /v2/orders returns it (the fields a caller may change set by `place`)."""
    return {
        "id": f"61e69015-8549-4bfd-b9c3-01e75843f{number:03d}",
        "client_order_id": f"eb9e2aaa-f71a-4f51-b5b4-52a6c565d{number:03d}",
        "created_at": "2024-06-03T19:50:01.123456Z",
        "updated_at": "2024-06-03T19:50:01.123456Z",
        "submitted_at": "2024-06-03T19:50:01.120000Z",
        "filled_at": None,
        "expired_at": None,
        "canceled_at": None,
        "failed_at": None,
        "replaced_at": None,
        "replaced_by": None,
        "replaces": None,
        "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415",
        "symbol": symbol,
        "asset_class": asset_class,
        "notional": None,
        "qty": None,
        "filled_qty": "0",
        "filled_avg_price": None,
        "order_class": "",
        "order_type": "market",
        "type": "market",
        "side": side,
        "position_intent": "buy_to_open" if side == "buy" else "sell_to_close",
        "time_in_force": "day",
        "limit_price": None,
        "stop_price": None,
        "status": status,
        "extended_hours": False,
        "legs": None,
        "trail_percent": None,
        "trail_price": None,
        "hwm": None,
        "subtag": None,
        "source": None,
        "expires_at": "2024-06-03T20:00:00Z",
    }


def _crypto_asset(
    number: int, pair: str, min_order_size: str, min_trade_increment: str, tradable: bool
) -> dict[str, Any]:
    base = pair.split("/", maxsplit=1)[0]
    return {
        "id": f"276e2673-764b-4ab6-a611-caf665ca6{number:03d}",
        "class": "crypto",
        "exchange": "CRYPTO",
        "symbol": pair,
        "name": f"{base} / US Dollar",
        "status": "active",
        "tradable": tradable,
        "marginable": False,
        "maintenance_margin_requirement": 100,
        "margin_requirement_long": "100",
        "margin_requirement_short": "100",
        "shortable": False,
        "easy_to_borrow": False,
        "fractionable": True,
        "attributes": [],
        "min_order_size": min_order_size,
        "min_trade_increment": min_trade_increment,
        "price_increment": "0.000000001",
    }


def _position(
    symbol: str, qty: str, *, side: str, asset_class: str, exchange: str, price: str
) -> dict[str, Any]:
    return {
        "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415",
        "symbol": symbol,
        "exchange": exchange,
        "asset_class": asset_class,
        "asset_marginable": True,
        "qty": qty,
        "qty_available": qty,
        "avg_entry_price": price,
        "side": side,
        "market_value": str(Decimal(qty) * Decimal(price) * _multiplier(asset_class)),
        "cost_basis": str(Decimal(qty) * Decimal(price) * _multiplier(asset_class)),
        "unrealized_pl": "0",
        "unrealized_plpc": "0",
        "unrealized_intraday_pl": "0",
        "unrealized_intraday_plpc": "0",
        "current_price": price,
        "lastday_price": price,
        "change_today": "0",
    }


def _multiplier(asset_class: str) -> int:
    """Shares per unit: an option contract is 100 shares."""
    return 100 if asset_class == "us_option" else 1


def _trade(price: Any, *, crypto: bool) -> dict[str, Any]:
    if crypto:
        return {"t": TRADE_TIME, "p": price, "s": 0.0123, "tks": "B", "i": 7265113}
    return {
        "t": TRADE_TIME,
        "x": "V",
        "p": price,
        "s": 100,
        "c": ["@"],
        "i": 52983525029461,
        "z": "C",
    }


def _quote(bid_ask: tuple[Any, Any], *, crypto: bool) -> dict[str, Any]:
    bid, ask = bid_ask
    if crypto:
        return {"t": TRADE_TIME, "bp": bid, "bs": 0.5, "ap": ask, "as": 0.4}
    return {
        "t": TRADE_TIME,
        "ax": "V",
        "ap": ask,
        "as": 2,
        "bx": "V",
        "bp": bid,
        "bs": 3,
        "c": ["R"],
        "z": "C",
    }
