"""Errors as values: every failure of the library is a `PortfolioError` inside a `Failure`.

An error has a `kind` to branch on, a human `message`, and a `context` of strings
(symbols, fields, endpoints) for logs. Nothing here is ever raised.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

import attrs

from portfolio.records.frozen import FrozenDict

__all__ = ["ErrorKind", "PortfolioError"]


class ErrorKind(enum.Enum):
    """What went wrong, coarse enough to branch on."""

    INVALID_WEIGHTS = "invalid_weights"
    INVALID_ALLOCATION = "invalid_allocation"
    MISSING_PRICE = "missing_price"
    INVALID_PRICE = "invalid_price"
    INVALID_SNAPSHOT = "invalid_snapshot"
    INVALID_POLICY = "invalid_policy"
    INVALID_PLAN = "invalid_plan"
    INVALID_BARS = "invalid_bars"
    INVALID_SCHEDULE = "invalid_schedule"
    INVALID_CONFIG = "invalid_config"
    BROKER_UNAVAILABLE = "broker_unavailable"
    BROKER_RATE_LIMITED = "broker_rate_limited"
    BROKER_BAD_RESPONSE = "broker_bad_response"
    ORDER_REJECTED = "order_rejected"
    TIMEOUT = "timeout"
    #: A worker of `plan_many` died or its executor refused the work; the account was not planned.
    WORKER_FAILED = "worker_failed"
    #: An approved plan no longer fits the account (`orders.staleness`); nothing was placed.
    PLAN_STALE = "plan_stale"


def _freeze_context(context: Mapping[str, str] | None) -> Mapping[str, str]:
    if not isinstance(context, Mapping):
        return FrozenDict()
    return FrozenDict({str(key): str(value) for key, value in context.items()})


@attrs.frozen(kw_only=True)
class PortfolioError:
    """A failure with a kind, a one-line message and string context.

    >>> err = PortfolioError.missing_price(["QQQ", "SPY"])
    >>> err.kind, err.context["symbols"]
    (<ErrorKind.MISSING_PRICE: 'missing_price'>, 'QQQ,SPY')
    """

    kind: ErrorKind
    message: str
    context: Mapping[str, str] = attrs.field(factory=FrozenDict, converter=_freeze_context)

    def __str__(self) -> str:
        """One line: kind, message and context, for logs and the command line."""
        details = " ".join(f"{key}={value}" for key, value in sorted(self.context.items()))
        return f"{self.kind.name}: {self.message}" + (f" [{details}]" if details else "")

    @classmethod
    def of(cls, kind: ErrorKind, message: str, **context: object) -> PortfolioError:
        """Build an error, turning every context value into a string."""
        return cls(kind=kind, message=message, context={k: str(v) for k, v in context.items()})

    @classmethod
    def invalid_weights(
        cls, message: str, symbols: Iterable[str] = (), **context: object
    ) -> PortfolioError:
        """Weights that cannot be planned: NaN, negative without shorting, too large."""
        return cls.of(ErrorKind.INVALID_WEIGHTS, message, symbols=_join(symbols), **context)

    @classmethod
    def missing_price(cls, symbols: Iterable[str]) -> PortfolioError:
        """Every symbol that needs a price and has none, sorted."""
        listed = sorted(symbols)
        return cls.of(
            ErrorKind.MISSING_PRICE,
            f"no price for {len(listed)} symbol(s) that are targeted or held",
            symbols=",".join(listed),
        )

    @classmethod
    def invalid_price(cls, symbols: Iterable[str], **context: object) -> PortfolioError:
        """Prices that are not finite Decimals in (0, MAX_PRICE]."""
        return cls.of(
            ErrorKind.INVALID_PRICE,
            "prices must be finite Decimals between 1E-9 and 1E+15",
            symbols=_join(symbols),
            **context,
        )

    @classmethod
    def invalid_snapshot(cls, message: str, **context: object) -> PortfolioError:
        """Cash or positions that cannot be planned on."""
        return cls.of(ErrorKind.INVALID_SNAPSHOT, message, **context)

    @classmethod
    def invalid_policy(cls, message: str, **context: object) -> PortfolioError:
        """A SizingPolicy field out of range or of the wrong type."""
        return cls.of(ErrorKind.INVALID_POLICY, message, **context)


def _join(symbols: Iterable[str]) -> str:
    return ",".join(sorted(str(s) for s in symbols))
