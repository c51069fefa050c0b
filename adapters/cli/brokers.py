"""Opening the broker a command reads the account from: a file, the fake one, or Alpaca.

The Alpaca adapter (and alpaca-py behind it) is imported only when asked for, so the
other commands start fast and work without the `alpaca` extra.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import attrs
from returns.result import Failure, Result, Success

from adapters.cli.report import Problem
from adapters.cli.terminal import InputError
from adapters.fake import FakeBroker
from portfolio import PortfolioError, Snapshot
from ports import BrokerPort

if TYPE_CHECKING:
    from adapters.alpaca import AlpacaBroker

__all__ = ["KEY_VARIABLES", "FileAccount", "LotWarningsShown", "alpaca_broker", "fake_broker"]

#: The environment variables alpaca-py and `AlpacaBroker.from_env()` read the keys from.
KEY_VARIABLES = ("APCA_API_KEY_ID", "APCA_API_SECRET_KEY")


@attrs.frozen
class FileAccount:
    """A snapshot file as a read-only broker port: every read answers the file, exactly.

    So that a snapshot file is planned on the same path as a broker's account (the
    shell's one call), with nothing added or left out: the plan is the file's own.
    """

    snapshot: Snapshot

    def get_snapshot(self, symbols: Collection[str]) -> Result[Snapshot, PortfolioError]:
        """The file's snapshot, whatever `symbols` asks for (the planner checks prices)."""
        del symbols  # the file holds what it holds
        return Success(self.snapshot)


_: type[BrokerPort] = FileAccount  # mypy fails the day the class drifts from the port


def fake_broker(snapshot: Snapshot, *, clock: datetime | None = None) -> BrokerPort:
    """An in-memory broker holding the account `snapshot` describes, as `plan` reads it.

    Its cash, positions, prices, asset facts, tax lots, recent trades and `as_of`: an
    undated snapshot stays undated (no made-up "prices as of", no holding period
    counted to a made-up day), unless `clock` gives it a moment.
    """
    return FakeBroker(
        cash=snapshot.cash,
        positions=snapshot.positions,
        prices=snapshot.prices,
        assets=snapshot.assets,
        lots=snapshot.lots,
        recent_trades=snapshot.recent_trades,
        as_of=snapshot.as_of if snapshot.as_of is not None else clock,
    )


def alpaca_broker(
    environ: Mapping[str, str],
    *,
    live: bool = False,
    read_lots: bool = False,
    wash_sale_days: int = 30,
    warn: Callable[[str], None] | None = None,
) -> Result[BrokerPort, Problem]:
    """`AlpacaBroker.from_env(environ)`: paper unless `live`; APCA_API_BASE_URL may differ.

    Missing keys are a bad input (exit 2) naming the variables, found before alpaca-py
    loads: every command that reads Alpaca opens it here.
    With `read_lots`, the snapshots carry lots rebuilt from the fills and the trades of
    the last `wash_sale_days`; each symbol refused lots is told to `warn`, one line each.
    """
    missing = [name for name in KEY_VARIABLES if not environ.get(name, "").strip()]
    if missing:
        problem = (
            f"{' / '.join(missing)} not set: export your Alpaca paper-trading keys "
            "(see docs/alpaca.md), or try the bundled sample without keys: portfolio demo"
        )
        return Failure(InputError(source="Alpaca", problem=problem))
    try:
        from adapters.alpaca import AlpacaBroker  # noqa: PLC0415 - heavy, optional extra
    except ImportError:
        hint = "needs the alpaca extra: pip install 'portfolio-rebalancer[alpaca]'"
        return Failure(InputError(source="Alpaca", problem=hint))  # `validate` has no --broker
    opened = AlpacaBroker.from_env(
        environ, paper=not live, read_lots=read_lots, wash_sale_days=wash_sale_days
    )
    match opened:
        case Success(broker):
            return Success(broker if warn is None else LotWarningsShown(broker, warn))
        case Failure(error):
            return Failure(error)
    return Failure(InputError(source="Alpaca", problem="unexpected result"))


class LotWarningsShown:
    """An Alpaca broker whose lot warnings are told to `warn` after each snapshot."""

    def __init__(self, broker: AlpacaBroker, warn: Callable[[str], None]) -> None:
        """Wrap `broker`; `warn` takes one line."""
        self._broker = broker
        self._warn = warn

    def get_snapshot(self, symbols: Collection[str]) -> Result[Snapshot, PortfolioError]:
        """The broker's snapshot; then one `warning:` line per symbol it gave no lots."""
        snapshot = self._broker.get_snapshot(symbols)
        for warning in self._broker.lot_warnings:
            self._warn(f"warning: no lots for {warning}")
        return snapshot
