"""Opening the broker a command reads the account from: the fake one, or Alpaca.

The Alpaca adapter (and alpaca-py behind it) is imported only when asked for, so the
other commands start fast and work without the `alpaca` extra.
"""

from __future__ import annotations

from collections.abc import Mapping

from returns.result import Failure, Result, Success

from adapters.cli.report import Problem
from adapters.cli.terminal import InputError
from adapters.fake import FakeBroker
from portfolio import Snapshot
from ports import BrokerPort

__all__ = ["KEY_VARIABLES", "alpaca_broker", "fake_broker"]

#: The environment variables alpaca-py and `AlpacaBroker.from_env()` read the keys from.
KEY_VARIABLES = ("APCA_API_KEY_ID", "APCA_API_SECRET_KEY")


def fake_broker(snapshot: Snapshot) -> BrokerPort:
    """An in-memory broker holding `snapshot`'s cash, positions, prices and asset facts."""
    broker = FakeBroker(
        cash=snapshot.cash,
        positions=snapshot.positions,
        prices=snapshot.prices,
        assets=snapshot.assets,
    )
    broker.set_prices({}, as_of=snapshot.as_of)  # the snapshot's moment, when it names one
    return broker


def alpaca_broker(environ: Mapping[str, str]) -> Result[BrokerPort, Problem]:
    """`AlpacaBroker.from_env(environ)`: paper trading; APCA_API_BASE_URL may point elsewhere.

    Missing keys are a bad input (exit 2) naming the variables, found before alpaca-py loads.
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
    match AlpacaBroker.from_env(environ):
        case Success(broker):
            return Success(broker)
        case Failure(error):
            return Failure(error)
    return Failure(InputError(source="Alpaca", problem="unexpected result"))
