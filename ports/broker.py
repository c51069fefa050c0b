"""The port through which the shell reads an account: shaped by what the core needs."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from returns.result import Result

from portfolio.records.errors import PortfolioError
from portfolio.records.snapshot import Snapshot

__all__ = ["BrokerPort"]


class BrokerPort(Protocol):
    """Reads one consistent snapshot of an account.

    `get_snapshot(symbols)` returns cash, every held position, prices for the requested
    symbols *and* every held symbol, and asset facts where the broker knows them, all
    read at one moment. Symbols are upper-case in the snapshot. Every failure
    (unreachable broker, rate limit, bad response, time-out, missing price) is a
    `Failure(PortfolioError)`; an implementation never raises.
    """

    def get_snapshot(self, symbols: Collection[str]) -> Result[Snapshot, PortfolioError]:
        """Read cash, positions, prices and asset facts for `symbols` plus every holding."""
        ...
