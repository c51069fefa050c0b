"""`AlpacaBroker`: the `BrokerPort` on Alpaca, in five requests for stocks (+2 for crypto).

Per snapshot: the account, the positions, the open orders, the latest prices of every
requested, held and ordered symbol (as many symbols a request as the URL limit allows;
crypto pairs from the crypto endpoint), and the active-asset lists for the facts.
Every failure comes back as a `Failure(PortfolioError)`; see `read_snapshot`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Mapping

from returns.result import Failure, Result, Success

from adapters.alpaca import orders
from adapters.alpaca.failure import BrokerFailure
from adapters.alpaca.lots import LotWarning
from adapters.alpaca.prices import PriceSource
from adapters.alpaca.read_snapshot import read_snapshot
from adapters.alpaca.reads import QueryBudget
from adapters.alpaca.settings import AlpacaSettings, read_env
from adapters.alpaca.symbols import requested, unnameable
from adapters.alpaca.transport import Caller, Clients, connect
from portfolio.orders.intents import OrderIntent
from portfolio.orders.state import OrderState
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.snapshot import Snapshot
from ports import OrderPort

__all__ = ["AlpacaBroker"]


class AlpacaBroker:
    """Reads an Alpaca account as a `Snapshot`. Paper trading unless `paper=False`.

    Construction sends nothing and never fails; unusable settings are reported by
    `get_snapshot` as an INVALID_CONFIG Failure. `timeout` is seconds for a whole
    snapshot (every request, body and retry wait); `max_retries` bounds the retries of
    one request after a 429 (waiting Retry-After, else until X-RateLimit-Reset, else
    `backoff · 2^attempt` seconds, through `sleep`). `close()` drops the HTTP
    connections. The keys appear in no repr, log line or error.

    With `read_lots=True` each snapshot also reads the account's fills and carries the
    lots rebuilt from them, first in first out, and the trades of the last
    `wash_sale_days` days (pass your `TaxPolicy.wash_sale_days`); a held symbol whose
    lots do not match its position gets none, and `lot_warnings` says which and why
    (see adapters.alpaca.lots and docs/alpaca.md).
    """

    __slots__ = ("_budget", "_clients", "_settings", "_sleep", "_warnings")

    def __init__(  # noqa: PLR0913 - the documented settings, all keyword-only
        self,
        api_key: str,
        secret_key: str,
        *,
        paper: bool = True,
        feed: str = "iex",
        trading_url: str | None = None,
        data_url: str | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        price: PriceSource = PriceSource.LATEST_TRADE,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        read_lots: bool = False,
        wash_sale_days: int = 30,
    ) -> None:
        """Keep the settings; the clients are built on the first `get_snapshot`."""
        self._settings = AlpacaSettings(
            api_key=api_key,
            secret_key=secret_key,
            paper=paper,
            feed=feed,
            trading_url=trading_url,
            data_url=data_url,
            timeout=timeout,
            max_retries=max_retries,
            price=price,
            backoff=backoff,
            read_lots=read_lots,
            wash_sale_days=wash_sale_days,
        )
        self._sleep = sleep
        self._clients: Clients | None = None
        self._budget = QueryBudget()
        self._warnings: tuple[LotWarning, ...] = ()

    @classmethod
    def from_env(  # noqa: PLR0913 - the environment plus the documented settings
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        paper: bool = True,
        feed: str = "iex",
        timeout: float = 10.0,
        max_retries: int = 3,
        price: PriceSource = PriceSource.LATEST_TRADE,
        read_lots: bool = False,
        wash_sale_days: int = 30,
    ) -> Result[AlpacaBroker, PortfolioError]:
        """A broker from APCA_API_KEY_ID, APCA_API_SECRET_KEY and, when set, APCA_API_BASE_URL.

        `environ` defaults to `os.environ`. A missing key is a Failure(BROKER_UNAVAILABLE)
        naming it, an unusable setting a Failure(INVALID_CONFIG); nothing is sent.
        """
        found = read_env(os.environ if environ is None else environ)
        return found.bind(
            lambda env: _checked(
                cls(
                    env["api_key"] or "",
                    env["secret_key"] or "",
                    paper=paper,
                    feed=feed,
                    trading_url=env["trading_url"],
                    data_url=env["data_url"],
                    timeout=timeout,
                    max_retries=max_retries,
                    price=price,
                    read_lots=read_lots,
                    wash_sale_days=wash_sale_days,
                )
            )
        )

    def __repr__(self) -> str:
        """Where and how this broker reads; never the keys."""
        s = self._settings
        where = s.trading_url or ("paper" if s.paper else "live")
        return f"AlpacaBroker({where}, feed={s.feed!r}, price={s.price}, timeout={s.timeout})"

    @property
    def settings(self) -> AlpacaSettings:
        """The settings (their repr hides the keys)."""
        return self._settings

    @property
    def lot_warnings(self) -> tuple[LotWarning, ...]:
        """The held symbols the last `get_snapshot` gave no lots, and why (`read_lots` only)."""
        return self._warnings

    def close(self) -> None:
        """Close the HTTP connections; the next `get_snapshot` opens new ones."""
        if self._clients is not None:
            self._clients.session.close()
            self._clients = None

    def get_snapshot(self, symbols: Collection[str]) -> Result[Snapshot, PortfolioError]:
        """Cash, positions, open orders, prices for `symbols` + every holding, and asset facts.

        Crypto pairs are spelled `BTC/USD` in `symbols` and in the snapshot; a string is
        one symbol. Any symbol without a price is a Failure(MISSING_PRICE) listing them
        all, never a partial snapshot.
        """
        self._warnings = ()
        wanted = requested(symbols)
        if bad := unnameable(wanted):
            return Failure(
                PortfolioError.of(
                    ErrorKind.MISSING_PRICE,
                    "no price for symbols no Alpaca request can name (a comma, a space, or a "
                    "character outside printable ASCII)",
                    symbols=", ".join(map(ascii, bad)),
                )
            )
        try:
            snapshot, self._warnings = self._read(wanted)
        except BrokerFailure as failed:
            return Failure(failed.shown(self._settings.secrets))
        return Success(snapshot)

    def submit_order(self, intent: OrderIntent) -> Result[OrderState, PortfolioError]:
        """Place a market order for `intent` (the `OrderPort`; see adapters.alpaca.orders)."""
        return orders.submit_order(
            self._connect, Caller(settings=self._settings, sleep=self._sleep), intent
        )

    def get_order(self, client_order_id: str) -> Result[OrderState | None, PortfolioError]:
        """The order placed under `client_order_id`, or None (the `OrderPort`)."""
        return orders.get_order(
            self._connect, Caller(settings=self._settings, sleep=self._sleep), client_order_id
        )

    def _read(self, wanted: frozenset[str]) -> tuple[Snapshot, tuple[LotWarning, ...]]:
        clients = self._connect()
        call = Caller(settings=self._settings, session=clients.session, sleep=self._sleep).call
        with clients.session.within(self._settings.timeout):
            return read_snapshot(clients, call, wanted, self._settings, self._budget)

    def _connect(self) -> Clients:
        if self._clients is None:
            checked = self._settings.checked()
            if isinstance(checked, Failure):
                raise BrokerFailure(checked.failure())
            self._clients = connect(self._settings)
        return self._clients


def _checked(broker: AlpacaBroker) -> Result[AlpacaBroker, PortfolioError]:
    return broker.settings.checked().map(lambda _: broker)


_orders: type[OrderPort] = AlpacaBroker
