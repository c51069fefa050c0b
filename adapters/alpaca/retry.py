"""How long to wait before repeating a rate-limited (HTTP 429) request, and when to give up."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from adapters.alpaca.failure import BrokerFailure
from portfolio.records.errors import ErrorKind, PortfolioError

__all__ = ["MAX_RETRY_WAIT", "rate_limit_reset", "rate_limited", "retry_after", "wait_before_retry"]

#: A Retry-After longer than this many seconds is not waited for: the read fails at once.
MAX_RETRY_WAIT = 60.0


def wait_before_retry(
    header: str | None, attempt: int, backoff: float, reset: str | None = None
) -> float:
    """Seconds to wait before retry number `attempt + 1` (attempt counts from 0).

    The server's Retry-After when it gives a readable one, else the time until its
    X-RateLimit-Reset (epoch seconds, when Alpaca's rate counter restarts), else
    `backoff · 2^attempt`.

    >>> wait_before_retry("0.05", 0, 0.5), wait_before_retry(None, 2, 0.5)
    (0.05, 2.0)
    >>> wait_before_retry(None, 0, 0.5, reset="1000000000")  # a reset in the past: now
    0.0
    """
    told = retry_after(header) if header is not None else None
    if told is None and reset is not None:
        told = rate_limit_reset(reset)
    return told if told is not None else backoff * 2**attempt


def rate_limit_reset(value: str) -> float | None:
    """Seconds until an X-RateLimit-Reset time (Unix epoch seconds); None if unreadable.

    >>> rate_limit_reset("soon"), rate_limit_reset("0")
    (None, 0.0)
    """
    try:
        when = float(value)
    except ValueError:
        return None
    if not math.isfinite(when):
        return None
    return max(when - datetime.now(UTC).timestamp(), 0.0)


def retry_after(value: str) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if unreadable.

    >>> retry_after("2"), retry_after("0.05"), retry_after("soon")
    (2.0, 0.05, None)
    >>> retry_after("Wed, 21 Oct 2015 07:28:00 GMT")  # in the past: now
    0.0
    """
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def rate_limited(endpoint: str, attempts: int, wait: float) -> BrokerFailure:
    """BROKER_RATE_LIMITED after `attempts` requests; `retry_after` is the wait refused, in s."""
    return BrokerFailure(
        PortfolioError.of(
            ErrorKind.BROKER_RATE_LIMITED,
            f"Alpaca rate limit on {endpoint} after {attempts} attempt(s)",
            endpoint=endpoint,
            attempts=attempts,
            retry_after=f"{wait:g}",
        )
    )
