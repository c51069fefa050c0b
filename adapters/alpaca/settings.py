"""How to reach Alpaca: keys, URLs, feed, time-out and retry budget, read from the environment.

The keys are held with `repr=False`: no repr, log line or error ever shows them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs
from alpaca.data.enums import DataFeed
from returns.result import Failure, Result, Success

from adapters.alpaca.prices import PriceSource
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.tax.policy import MAX_WASH_SALE_DAYS

__all__ = [
    "ENV_BASE_URL",
    "ENV_DATA_URL",
    "ENV_KEY_ID",
    "ENV_SECRET_KEY",
    "AlpacaSettings",
    "read_env",
]

ENV_KEY_ID = "APCA_API_KEY_ID"
ENV_SECRET_KEY = "APCA_API_SECRET_KEY"  # noqa: S105 - the variable's name, not a secret
ENV_BASE_URL = "APCA_API_BASE_URL"
ENV_DATA_URL = "APCA_API_DATA_URL"


@attrs.frozen(kw_only=True)
class AlpacaSettings:
    """Everything needed to build the clients.

    `timeout` is seconds for a whole snapshot read: every request, every body byte and
    every wait before a retry end by then. `max_retries` is how many times one request
    is repeated after a 429; `backoff` is the first wait in seconds when a 429 says
    nothing of when to come back (doubling each time). `trading_url` and `data_url`
    replace Alpaca's hosts (scheme and host, no `/v2`). Keys are printable ASCII
    without spaces: anything else could not travel in an HTTP header. `read_lots`
    rebuilds the snapshot's lots from the account's fills, and `wash_sale_days` is how
    many days back its `recent_trades` go (the tax policy's, 0 to 366).
    """

    api_key: str = attrs.field(repr=False)
    secret_key: str = attrs.field(repr=False)
    paper: bool = True
    feed: str = "iex"
    trading_url: str | None = None
    data_url: str | None = None
    timeout: float = 10.0
    max_retries: int = 3
    price: PriceSource = PriceSource.LATEST_TRADE
    backoff: float = 0.5
    read_lots: bool = False
    wash_sale_days: int = 30

    @property
    def secrets(self) -> tuple[str, str]:
        """The two values that must never be shown."""
        return (self.api_key, self.secret_key)

    def checked(self) -> Result[AlpacaSettings, PortfolioError]:
        """These settings, or an INVALID_CONFIG naming (never showing) every unusable one."""
        problems = {
            "api_key": not _key(self.api_key),
            "secret_key": not _key(self.secret_key),
            "feed": self.feed not in {feed.value for feed in DataFeed},
            "timeout": not _positive(self.timeout),
            "max_retries": not _count(self.max_retries),
            "backoff": not (_positive(self.backoff) or self.backoff == 0),
            "trading_url": not _url(self.trading_url),
            "data_url": not _url(self.data_url),
            "price": not _is_source(self.price),
            "read_lots": not isinstance(self.read_lots, bool),
            "wash_sale_days": not _days(self.wash_sale_days),
        }
        bad = [name for name, wrong in problems.items() if wrong]
        if bad:
            return Failure(
                PortfolioError.of(
                    ErrorKind.INVALID_CONFIG,
                    f"unusable Alpaca setting(s): {', '.join(bad)}",
                    settings=",".join(bad),
                )
            )
        return Success(self)


def read_env(environ: Mapping[str, str]) -> Result[dict[str, str | None], PortfolioError]:
    """Keys and URLs from the standard APCA_* variables; a missing key is a Failure.

    `APCA_API_BASE_URL` (optional) becomes `trading_url`, with a trailing `/v2` dropped;
    `APCA_API_DATA_URL` (optional) becomes `data_url`.
    """
    missing = [name for name in (ENV_KEY_ID, ENV_SECRET_KEY) if not environ.get(name, "").strip()]
    if missing:
        return Failure(
            PortfolioError.of(
                ErrorKind.BROKER_UNAVAILABLE,
                f"Alpaca keys not set: {', '.join(missing)}",
                missing=",".join(missing),
            )
        )
    return Success(
        {
            "api_key": environ[ENV_KEY_ID].strip(),
            "secret_key": environ[ENV_SECRET_KEY].strip(),
            "trading_url": _base_url(environ.get(ENV_BASE_URL)),
            "data_url": _base_url(environ.get(ENV_DATA_URL)),
        }
    )


def _base_url(value: str | None) -> str | None:
    url = (value or "").strip().rstrip("/")
    url = url.removesuffix("/v2")
    return url or None


def _key(value: object) -> bool:
    """A non-empty run of visible ASCII characters: no control character, space or other."""
    return isinstance(value, str) and bool(value) and all("!" <= char <= "~" for char in value)


def _positive(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _days(value: object) -> bool:
    return _count(value) and isinstance(value, int) and value <= MAX_WASH_SALE_DAYS


def _is_source(value: object) -> bool:
    return isinstance(value, PriceSource)


def _url(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.startswith(("http://", "https://")))
