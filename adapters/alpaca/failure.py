"""The adapter's one internal exception, and the errors it carries.

Inside the adapter a failed step raises `BrokerFailure` so the reading code stays
straight-line; `AlpacaBroker.get_snapshot` is the only place that catches it and
returns its `PortfolioError` in a `Failure`. It never leaves the package.
"""

from __future__ import annotations

from portfolio.errors import ErrorKind, PortfolioError

__all__ = ["BrokerFailure", "bad_response", "redact"]


class BrokerFailure(Exception):  # noqa: N818 - it carries a failure value, it is not an error type
    """Carries a `PortfolioError` from a failed step to the adapter's boundary."""

    def __init__(self, error: PortfolioError) -> None:
        """Wrap `error`."""
        super().__init__(error.kind.name)
        self.error = error


def bad_response(endpoint: str, problem: str, **context: object) -> BrokerFailure:
    """A response that cannot be read: wrong status, not JSON, a field missing or mistyped."""
    return BrokerFailure(
        PortfolioError.of(
            ErrorKind.BROKER_BAD_RESPONSE,
            f"unreadable response from {endpoint}: {problem}",
            endpoint=endpoint,
            **context,
        )
    )


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every secret replaced by `***`, cut to 300 characters.

    >>> redact("key=PKABC failed", ("PKABC",))
    'key=*** failed'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[:300]
