"""What a backtest reports without failing: gaps, listings, splits, unpriced substitutes."""

from __future__ import annotations

import enum
from datetime import date

import attrs

__all__ = ["BacktestWarning", "WarningKind"]


class WarningKind(enum.Enum):
    """What a warning is about."""

    LATE_LISTING = "late_listing"
    CARRIED_FORWARD = "carried_forward"
    STOPPED_TRADING = "stopped_trading"
    SUSPECTED_SPLIT = "suspected_split"
    UNPRICED_SUBSTITUTE = "unpriced_substitute"


@attrs.frozen(kw_only=True)
class BacktestWarning:
    """One thing about the data a user should know: on `date`, about `symbol`.

    For CARRIED_FORWARD, one warning per gap: `date` is the gap's first bar and `count`
    the number of bars in a row whose close was carried; for the other kinds `count` is 1.
    """

    kind: WarningKind
    symbol: str
    date: date
    message: str
    count: int = 1

    def __str__(self) -> str:
        """One line for a terminal: date, symbol, message."""
        return f"{self.date.isoformat()} {self.symbol}: {self.message}"
