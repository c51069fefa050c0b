"""The HTTP edge: alpaca-py clients with a time-out, our own 429 retry, every exception a value.

alpaca-py sends requests with no time-out and retries a 429 or 504 three times with a
fixed 3-second sleep, ignoring Retry-After. Both are replaced here, through the only
handles alpaca-py offers (its clients' `_session` and `_retry` attributes): one
`requests.Session` with a default time-out is shared by the three clients, and the
SDK's own retry loop is switched off so that `Caller.call` is the only one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import attrs
import requests
from alpaca.common.exceptions import APIError
from alpaca.data.historical.crypto import CryptoHistoricalDataClient
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.trading.client import TradingClient

from adapters.alpaca.failure import BrokerFailure, bad_response, redact
from adapters.alpaca.retry import MAX_RETRY_WAIT, rate_limited, wait_before_retry
from adapters.alpaca.settings import AlpacaSettings
from portfolio.errors import ErrorKind, PortfolioError

__all__ = ["Caller", "Clients", "TimeoutSession", "connect"]

_log = logging.getLogger(__name__)

_RATE_LIMITED = 429


class TimeoutSession(requests.Session):
    """A `requests.Session` whose requests time out after `timeout` seconds by default."""

    def __init__(self, timeout: float) -> None:
        """Use `timeout` seconds for connecting and for each read."""
        super().__init__()
        self.timeout = timeout

    def request(
        self,
        method: str | bytes,
        url: str | bytes,
        *args: Any,  # noqa: ANN401 - passed through to requests unchanged
        **kwargs: Any,  # noqa: ANN401 - same
    ) -> requests.Response:
        """Send as `requests.Session.request` does, with the default time-out when none is given."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, *args, **kwargs)


@attrs.frozen(kw_only=True)
class Clients:
    """The three alpaca-py clients (raw JSON mode) and the session they share."""

    trading: TradingClient
    stocks: StockHistoricalDataClient
    crypto: CryptoHistoricalDataClient
    session: TimeoutSession


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
                ErrorKind.BROKER_UNAVAILABLE,
                "alpaca-py refused the settings",
                detail=redact(str(exc), settings.secrets),
            )
        ) from None
    session = TimeoutSession(settings.timeout)
    for client in (trading, stocks, crypto):
        client._session.close()  # noqa: SLF001 - replaced by the shared session with a time-out
        client._session = session  # noqa: SLF001 - alpaca-py has no time-out option
        client._retry = 0  # noqa: SLF001 - Caller.call retries 429s; the SDK must not as well
    return Clients(trading=trading, stocks=stocks, crypto=crypto, session=session)


@attrs.frozen(kw_only=True)
class Caller:
    """Runs one alpaca-py call, retrying 429s, and turns every exception into a BrokerFailure."""

    settings: AlpacaSettings
    sleep: Callable[[float], None]

    def call(self, endpoint: str, fetch: Callable[[], object]) -> object:
        """`fetch()`'s raw JSON, or a BrokerFailure naming `endpoint`.

        A 429 is retried up to `max_retries` times, waiting Retry-After seconds when
        the response says so and `backoff · 2^attempt` otherwise.
        """
        attempt = 0
        while True:
            try:
                return fetch()
            except APIError as exc:
                if exc.status_code != _RATE_LIMITED:
                    raise self._failure(endpoint, exc) from None
                wait = self._wait(exc, attempt)
                if attempt >= self.settings.max_retries or wait > MAX_RETRY_WAIT:
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
        header = response.headers.get("Retry-After") if response is not None else None
        return wait_before_retry(
            header if isinstance(header, str) else None, attempt, self.settings.backoff
        )

    def _failure(self, endpoint: str, exc: Exception) -> BrokerFailure:
        detail = redact(f"{type(exc).__name__}: {exc}", self.settings.secrets)
        match exc:
            case requests.exceptions.JSONDecodeError():
                return bad_response(endpoint, "body is not JSON")
            case requests.Timeout():
                return _unavailable(ErrorKind.TIMEOUT, endpoint, "no answer in time", detail)
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


def _unavailable(kind: ErrorKind, endpoint: str, message: str, detail: str) -> BrokerFailure:
    return BrokerFailure(
        PortfolioError.of(kind, f"{message}: {endpoint}", endpoint=endpoint, detail=detail)
    )
