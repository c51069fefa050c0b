"""An in-memory broker for tests, demos and backtests: a real fake, not a mock.

It keeps an account (cash, positions, prices, asset facts), answers `get_snapshot`
like a broker would, fills plans through the core's pure `fill_plan`, and can be told
to fail its next calls so users can test their own error handling.

>>> from decimal import Decimal as D
>>> from portfolio import ErrorKind
>>> broker = FakeBroker(cash=D(1000), positions={"SPY": D(2)}, prices={"SPY": D(500)})
>>> broker.get_snapshot(["QQQ"]).unwrap().positions
FrozenDict({'SPY': Decimal('2')})
>>> broker.fail_next(ErrorKind.TIMEOUT)
>>> broker.get_snapshot(["SPY"]).failure().kind
<ErrorKind.TIMEOUT: 'timeout'>
>>> len(broker.calls)
2
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TypeVar

import attrs
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from portfolio.errors import ErrorKind, PortfolioError
from portfolio.fill import CostModel, Fill, fill_plan
from portfolio.plan import RebalancePlan
from portfolio.snapshot import Asset, Snapshot
from ports import BrokerPort

__all__ = ["BrokerCall", "FakeBroker", "Method"]

T = TypeVar("T")
V = TypeVar("V")

#: The fake's default clock reading: fixed, so that plans built on it are reproducible.
DEFAULT_AS_OF = datetime(2024, 1, 2, 21, 0, tzinfo=UTC)
#: Moved prices are rounded to this step (a hundredth of a cent).
PRICE_STEP = Decimal("0.0001")


class Method(enum.Enum):
    """The fake's methods that count as calls to the broker."""

    GET_SNAPSHOT = "get_snapshot"
    FILL = "fill"


@attrs.frozen(kw_only=True)
class BrokerCall:
    """One call made to the fake: which method, the symbols asked for, and the outcome."""

    method: Method
    symbols: tuple[str, ...]
    ok: bool


class FakeBroker:
    """A broker account in memory. Symbols are upper-cased; amounts are Decimal.

    `calls` logs every `get_snapshot` and `fill` call in order (failed ones too);
    `fills` keeps every successful fill.
    """

    def __init__(
        self,
        *,
        cash: Decimal = Decimal(0),
        positions: Mapping[str, Decimal] | None = None,
        prices: Mapping[str, Decimal] | None = None,
        assets: Mapping[str, Asset] | None = None,
        as_of: datetime = DEFAULT_AS_OF,
    ) -> None:
        """Open an account with this cash, these positions (signed shares) and prices."""
        self._account = Snapshot(
            cash=cash,
            positions={s: q for s, q in _upper(positions or {}).items() if q != 0},
            prices=_upper(prices or {}),
            assets=_upper(assets or {}),
            as_of=as_of,
        )
        self._faults: deque[PortfolioError] = deque()
        self.calls: list[BrokerCall] = []
        self.fills: list[Fill] = []

    @property
    def account(self) -> Snapshot:
        """Everything the fake holds and knows, every price included (not logged as a call)."""
        return self._account

    def get_snapshot(self, symbols: Collection[str]) -> Result[Snapshot, PortfolioError]:
        """Cash, every position, prices and asset facts for `symbols` and every holding.

        A requested symbol the fake has no price for is absent from `prices`, so the
        planner reports it as MISSING_PRICE.
        """
        wanted = tuple(sorted({str(s).upper() for s in symbols}))
        account = self._account
        needed = set(wanted) | set(account.positions)
        result = self._fault_or(
            lambda: Snapshot(
                cash=account.cash,
                positions=account.positions,
                prices={s: p for s, p in account.prices.items() if s in needed},
                assets={s: a for s, a in account.assets.items() if s in needed},
                as_of=account.as_of,
            )
        )
        self.calls.append(
            BrokerCall(method=Method.GET_SNAPSHOT, symbols=wanted, ok=is_successful(result))
        )
        return result

    def fill(
        self, plan: RebalancePlan, costs: CostModel | None = None
    ) -> Result[Fill, PortfolioError]:
        """Execute the plan at the current prices (sells first), updating the account."""
        result = self._fault_or(lambda: None).bind(
            lambda _: fill_plan(self._account, plan, costs=costs)
        )
        result.map(self._settle)
        symbols = tuple(item.symbol for item in plan.trades)
        self.calls.append(BrokerCall(method=Method.FILL, symbols=symbols, ok=is_successful(result)))
        return result

    def fail_next(
        self,
        kind: ErrorKind,
        times: int = 1,
        message: str = "the fake broker was told to fail",
    ) -> None:
        """Make the next `times` calls (`get_snapshot` or `fill`) return Failure(kind)."""
        error = PortfolioError.of(kind, message, broker="fake")
        self._faults.extend([error] * times)

    def set_prices(self, prices: Mapping[str, Decimal], *, as_of: datetime | None = None) -> None:
        """Set these symbols' prices (others keep theirs); optionally move the clock."""
        self._account = attrs.evolve(
            self._account,
            prices={**self._account.prices, **_upper(prices)},
            as_of=self._account.as_of if as_of is None else as_of,
        )

    def move_prices(self, factors: Mapping[str, Decimal], *, as_of: datetime | None = None) -> None:
        """Multiply these symbols' prices by `factors` (1.05 = +5 %), rounded to 0.0001."""
        current = self._account.prices
        moved = {
            symbol: (current[symbol] * factor).quantize(PRICE_STEP, rounding=ROUND_HALF_EVEN)
            for symbol, factor in _upper(factors).items()
            if symbol in current
        }
        self.set_prices(moved, as_of=as_of)

    @property
    def request_count(self) -> int:
        """How many calls were made, failed ones included."""
        return len(self.calls)

    def _settle(self, filled: Fill) -> None:
        self._account = attrs.evolve(filled.snapshot, as_of=self._account.as_of)
        self.fills.append(filled)

    def _fault_or(self, make: Callable[[], T]) -> Result[T, PortfolioError]:
        return Failure(self._faults.popleft()) if self._faults else Success(make())


def _upper(mapping: Mapping[str, V]) -> dict[str, V]:
    return {str(key).upper(): value for key, value in mapping.items()}


_: type[BrokerPort] = FakeBroker
