"""The HTTP edge: alpaca-py clients, one deadline for a whole snapshot, our own 429 retry.

alpaca-py sends requests with no time-out and retries a 429 or 504 three times with a
fixed 3-second sleep, ignoring Retry-After. Both are replaced here, through the only
handles alpaca-py offers (its clients' `_session` and `_retry` attributes): one
`DeadlineSession` is shared by the three clients, and the SDK's own retry loop is
switched off so that `Caller.call` is the only one (for 429s; a read whose kept-alive
connection the server dropped is sent once more by `DeadlineSession`). Every exception
becomes a value.
"""

from __future__ import annotations

import logging
import math
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import attrs
import requests
import urllib3
from alpaca.common.exceptions import APIError
from alpaca.data.historical.crypto import CryptoHistoricalDataClient
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.trading.client import TradingClient
from requests.adapters import HTTPAdapter

from adapters.alpaca import deadline
from adapters.alpaca.failure import BrokerFailure, bad_response, redact
from adapters.alpaca.retry import MAX_RETRY_WAIT, rate_limited, wait_before_retry
from adapters.alpaca.settings import AlpacaSettings
from portfolio.records.errors import ErrorKind, PortfolioError

__all__ = ["Caller", "Clients", "DeadlineSession", "connect", "dropped"]

_log = logging.getLogger(__name__)

_RATE_LIMITED = 429
_READ_SIZE = 65536


class DeadlineSession(requests.Session):
    """A `requests.Session` whose requests end by `deadline` (a `time.monotonic()` value).

    Outside `within`, there is no deadline and each request gets `timeout` seconds.

    Connecting, the headers (see `deadline`) and the whole body are bounded by the time
    left: a server that trickles its answer byte by byte is cut off at the deadline, not
    after one time-out per byte. Past the deadline a request is not sent at all.
    """

    def __init__(self, timeout: float) -> None:
        """No deadline until `within`; `timeout` seconds per request in any case."""
        super().__init__()
        self.timeout = timeout
        self.deadline = math.inf
        for adapter in self.adapters.values():
            if isinstance(adapter, HTTPAdapter):
                deadline.install(adapter)

    @contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Give every request made in this block `seconds` in total."""
        self.deadline = time.monotonic() + seconds
        try:
            yield
        finally:
            self.deadline = math.inf

    def remaining(self) -> float:
        """Seconds left before the deadline (≤ 0 once it has passed)."""
        return self.deadline - time.monotonic()

    def request(
        self,
        method: str | bytes,
        url: str | bytes,
        *args: Any,  # noqa: ANN401 - passed through to requests unchanged
        **kwargs: Any,  # noqa: ANN401 - same
    ) -> requests.Response:
        """Send as `requests.Session.request` does, then read the body within the deadline.

        A GET whose connection the server dropped without an answer (as Alpaca, and any
        server, closes a kept-alive connection it has let idle, sometimes just as the
        next request goes out on it) is sent once more, on a new connection, within the
        same deadline: a read is idempotent. Nothing else is sent again here: a POST may
        have placed its order before the connection went, so it fails, and the order is
        read back by its client id before it is ever submitted again.
        """
        try:
            return self._send(method, url, *args, **kwargs)
        except requests.exceptions.ConnectionError as exc:
            if not (_is_read(method) and dropped(exc) and self.remaining() > 0):
                raise
            _log.info("alpaca dropped the connection: sending GET %s once more", _path(url))
            return self._send(method, url, *args, **kwargs)

    def _send(
        self,
        method: str | bytes,
        url: str | bytes,
        *args: Any,  # noqa: ANN401 - passed through to requests unchanged
        **kwargs: Any,  # noqa: ANN401 - same
    ) -> requests.Response:
        left = self.remaining()
        if left <= 0:
            passed = "the snapshot's time-out has passed"
            raise requests.exceptions.Timeout(passed)
        kwargs["timeout"] = min(left, self.timeout)
        kwargs["stream"] = True
        with deadline.until(self.deadline):
            response = super().request(method, url, *args, **kwargs)
        try:
            body = self._body(response.raw)
        except BaseException:
            response.close()  # drops the half-read connection
            raise
        response._content = body  # noqa: SLF001 - what requests sets after its own read
        return response  # read to the end: urllib3 has put the connection back in its pool

    def _body(self, raw: urllib3.BaseHTTPResponse) -> bytes:
        parts: list[bytes] = []
        try:
            while True:
                left = min(self.remaining(), self.timeout)
                if left <= 0:
                    late = "body not read before the time-out"
                    raise requests.exceptions.ReadTimeout(late)
                sock = getattr(raw.connection, "sock", None)
                if isinstance(sock, socket.socket):
                    sock.settimeout(left)  # each read ends by the deadline too
                part = raw.read1(_READ_SIZE, decode_content=True)
                if not part:
                    return b"".join(parts)
                parts.append(part)
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.exceptions.ReadTimeout(str(exc)) from None
        except urllib3.exceptions.HTTPError as exc:
            raise requests.exceptions.ConnectionError(str(exc)) from None


def dropped(exc: BaseException) -> bool:
    """True when the server closed the connection under the request, with no answer.

    The exception or one it wraps (in its arguments, as requests and urllib3 wrap them,
    or as its cause) is a reset, an abort or a broken pipe; http.client's
    `RemoteDisconnected` is a reset. A refused connection, a time-out or a bad answer
    is not a drop.
    """
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _DROPS):
            return True
        pending.extend([*current.args, current.__cause__, current.__context__])
    return False


_DROPS = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


def _is_read(method: str | bytes) -> bool:
    name = method.decode("ascii", "replace") if isinstance(method, bytes) else method
    return name.upper() == "GET"


def _path(url: str | bytes) -> str:
    """The URL's path alone, for the log (no host, no query)."""
    text = url.decode("ascii", "replace") if isinstance(url, bytes) else url
    return urlsplit(text).path


@attrs.frozen(kw_only=True)
class Clients:
    """The three alpaca-py clients (raw JSON mode) and the session they share."""

    trading: TradingClient
    stocks: StockHistoricalDataClient
    crypto: CryptoHistoricalDataClient
    session: DeadlineSession


def connect(settings: AlpacaSettings) -> Clients:
    """Build the clients in raw-data mode; nothing is sent yet."""
    key, secret = settings.secrets
    try:
        trading = TradingClient(
            key, secret, paper=settings.paper, raw_data=True, url_override=settings.trading_url
        )
        stocks = StockHistoricalDataClient(
            key, secret, raw_data=True, url_override=settings.data_url
        )
        crypto = CryptoHistoricalDataClient(
            key, secret, raw_data=True, url_override=settings.data_url
        )
    except ValueError as exc:  # alpaca-py's own credential check
        raise BrokerFailure(
            PortfolioError.of(
                ErrorKind.INVALID_CONFIG,
                "alpaca-py refused the settings",
                detail=redact(str(exc), settings.secrets),
            )
        ) from None
    session = DeadlineSession(settings.timeout)
    for client in (trading, stocks, crypto):
        client._session.close()  # noqa: SLF001 - replaced by the shared session with a deadline
        client._session = session  # noqa: SLF001 - alpaca-py has no time-out option
        client._retry = 0  # noqa: SLF001 - Caller.call retries 429s; the SDK must not as well
    return Clients(trading=trading, stocks=stocks, crypto=crypto, session=session)


@attrs.frozen(kw_only=True)
class Caller:
    """Runs one alpaca-py call, retrying 429s, and turns every exception into a BrokerFailure."""

    settings: AlpacaSettings
    sleep: Callable[[float], None]
    session: DeadlineSession | None = None  # whose deadline bounds the retry waits

    def remaining(self) -> float:
        """Seconds left before the session's deadline (infinite without one)."""
        return math.inf if self.session is None else self.session.remaining()

    def call(self, endpoint: str, fetch: Callable[[], object]) -> object:
        """`fetch()`'s raw JSON, or a BrokerFailure naming `endpoint`.

        A 429 is retried up to `max_retries` times, waiting as `wait_before_retry`
        says; a wait that would end after the deadline (or beyond a minute) is not
        waited: the read fails at once as BROKER_RATE_LIMITED.
        """
        attempt = 0
        while True:
            try:
                return fetch()
            except APIError as exc:
                if exc.status_code != _RATE_LIMITED:
                    raise self._failure(endpoint, exc) from None
                wait = self._wait(exc, attempt)
                limit = min(MAX_RETRY_WAIT, self.remaining())
                if attempt >= self.settings.max_retries or wait > limit:
                    raise rate_limited(endpoint, attempt + 1, wait) from None
                _log.warning(
                    "alpaca rate limited: endpoint=%s retry=%d/%d wait=%.3fs",
                    endpoint,
                    attempt + 1,
                    self.settings.max_retries,
                    wait,
                )
                self.sleep(wait)
                attempt += 1
            except Exception as exc:  # noqa: BLE001 - the SDK's failures are open-ended; each becomes a value
                raise self._failure(endpoint, exc) from None

    def _wait(self, exc: APIError, attempt: int) -> float:
        response = exc.response
        headers = response.headers if response is not None else {}
        after, reset = headers.get("Retry-After"), headers.get("X-RateLimit-Reset")
        return wait_before_retry(
            after if isinstance(after, str) else None,
            attempt,
            self.settings.backoff,
            reset=reset if isinstance(reset, str) else None,
        )

    def _failure(self, endpoint: str, exc: Exception) -> BrokerFailure:
        detail = redact(f"{type(exc).__name__}: {exc}", self.settings.secrets)
        timed_out = self.remaining() <= 0
        match exc:
            case requests.exceptions.JSONDecodeError():
                return bad_response(endpoint, "body is not JSON")
            case requests.Timeout():
                return _timeout(endpoint, self.settings.timeout, detail)
            case requests.RequestException() if timed_out:
                return _timeout(endpoint, self.settings.timeout, detail)
            case requests.RequestException():
                return _unavailable(
                    ErrorKind.BROKER_UNAVAILABLE, endpoint, "cannot reach Alpaca", detail
                )
            case APIError():
                return bad_response(endpoint, f"HTTP {exc.status_code}", status=exc.status_code)
            case _:
                return bad_response(
                    endpoint, f"unexpected body ({type(exc).__name__})", detail=detail
                )


def _timeout(endpoint: str, seconds: float, detail: str) -> BrokerFailure:
    return _unavailable(ErrorKind.TIMEOUT, endpoint, f"no full answer within {seconds:g} s", detail)


def _unavailable(kind: ErrorKind, endpoint: str, message: str, detail: str) -> BrokerFailure:
    return BrokerFailure(
        PortfolioError.of(kind, f"{message}: {endpoint}", endpoint=endpoint, detail=detail)
    )
