"""An in-memory broker for tests, demos and backtests: a real fake, not a mock.

It keeps an account (cash, positions, prices, asset facts, open orders), answers
`get_snapshot` like a broker would, fills plans through the core's pure `fill_plan`,
takes orders through the `OrderPort` (filling them at its prices, or as told: reject,
fill partly, stay open, lose the answer), and can be told to fail its next calls so
users can test their own error handling.

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

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TypeVar

import attrs
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from adapters import fake_orders
from adapters.fake_faults import BrokerCall, FaultQueue, Method
from adapters.fake_lots import LotBook
from adapters.fake_orders import OrderDesk, OrderOutcome
from portfolio.orders.fill import CostModel, Fill, fill_plan
from portfolio.orders.intents import OrderIntent
from portfolio.orders.state import OrderState
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.plan import PlanItem, RebalancePlan
from portfolio.records.snapshot import Asset, Snapshot
from portfolio.tax import LotMethod, LotSale, PastTrade, TaxLot
from ports import BrokerPort, OrderPort

__all__ = ["DEFAULT_AS_OF", "BrokerCall", "FakeBroker", "Method", "OrderDesk", "OrderOutcome"]

V = TypeVar("V")

#: The fake's default clock reading: fixed, so that plans built on it are reproducible.
DEFAULT_AS_OF = datetime(2024, 1, 2, 21, 0, tzinfo=UTC)
#: Moved prices are rounded to this step (a hundredth of a cent).
PRICE_STEP = Decimal("0.0001")


class FakeBroker:
    """A broker account in memory. Symbols are upper-cased; amounts are Decimal.

    `calls` logs every `get_snapshot`, `fill`, `submit_order` and `get_order` call in
    order (failed ones too); `fills` keeps every successful fill; `orders` every order
    placed, by client order id, as it stands now. Orders fill at once at the fake's
    price unless `next_orders` says otherwise; a client id seen before returns the
    existing order and never places a second one.
    """

    def __init__(  # noqa: PLR0913 - an account's parts, by keyword
        self,
        *,
        cash: Decimal = Decimal(0),
        positions: Mapping[str, Decimal] | None = None,
        prices: Mapping[str, Decimal] | None = None,
        assets: Mapping[str, Asset] | None = None,
        as_of: datetime | None = DEFAULT_AS_OF,
        lots: Mapping[str, Iterable[TaxLot]] | None = None,
        lot_method: LotMethod = LotMethod.FIFO,
        recent_trades: Iterable[PastTrade] = (),
    ) -> None:
        """Open an account with this cash, these positions (signed shares) and prices.

        `as_of`: the account's moment (None: an undated account, as a snapshot file
        without `as_of` is; its lots are then refused and its orders add no lots).
        `lots`: the tax lots of held symbols (a symbol held without them has an unknown
        basis); purchases add lots, sales relieve them by `lot_method`
        (`adapters.fake_lots`). `recent_trades`: trades made before the account opened.
        Values are kept as given (a zero quantity is no position): a NaN, a float or an
        amount out of bounds is refused by the planner, by name, as `INVALID_SNAPSHOT`
        or `INVALID_PRICE`. Only a table that is not a mapping is a TypeError here.
        """
        self._account = Snapshot(
            cash=cash,
            positions={s: q for s, q in _upper(positions, "positions").items() if not _zero(q)},
            prices=_upper(prices, "prices"),
            assets=_upper(assets, "assets"),
            as_of=as_of,
        )
        self._faults = FaultQueue()
        self.calls: list[BrokerCall] = []
        self.fills: list[Fill] = []
        self.desk = OrderDesk()
        self.book = LotBook(
            _upper(lots, "lots"), lot_method, recent_trades, unknown=self._account.positions
        )

    @property
    def account(self) -> Snapshot:
        """Everything the fake holds and knows, every price included (not logged as a call)."""
        return attrs.evolve(
            self._account,
            open_orders=self.desk.open_orders(),
            lots=self.book.lots,
            recent_trades=self.book.recent(self._account),
        )

    def get_snapshot(self, symbols: Collection[str]) -> Result[Snapshot, PortfolioError]:
        """Cash, positions, open orders; prices and facts for `symbols`, holdings and orders.

        A requested symbol the fake has no price for is absent from `prices`, so the
        planner reports it as MISSING_PRICE. A `str` is one symbol, not its letters.
        """
        wanted = tuple(sorted({str(s).upper() for s in _symbols(symbols)}))
        account = self.account
        needed = set(wanted) | set(account.positions) | {o.symbol for o in account.open_orders}
        result = self._faults.answer(
            Method.GET_SNAPSHOT,
            lambda: Snapshot(
                cash=account.cash,
                positions=account.positions,
                prices={s: p for s, p in account.prices.items() if s in needed},
                assets={s: a for s, a in account.assets.items() if s in needed},
                as_of=account.as_of,
                open_orders=account.open_orders,
                lots=account.lots,
                recent_trades=account.recent_trades,
            ),
        )
        self.calls.append(
            BrokerCall(method=Method.GET_SNAPSHOT, symbols=wanted, ok=is_successful(result))
        )
        return result

    def fill(
        self, plan: RebalancePlan, costs: CostModel | None = None
    ) -> Result[Fill, PortfolioError]:
        """Execute the plan at the current prices (sells first), updating the account."""
        result = self._faults.answer(Method.FILL, lambda: None).bind(
            lambda _: fill_plan(self._account, plan, costs=costs)
        )
        if isinstance(result, Success):  # the plan passed fill_plan's checks: read it
            named = () if plan.tax is None else plan.tax.sales  # the lots the plan chose
            self._settle(result.unwrap(), named)
        symbols = _trade_symbols(plan)
        self.calls.append(BrokerCall(method=Method.FILL, symbols=symbols, ok=is_successful(result)))
        return result

    @property
    def orders(self) -> Mapping[str, OrderState]:
        """Every order placed, by client order id, as it stands now."""
        return self.desk.orders

    def submit_order(self, intent: OrderIntent) -> Result[OrderState, PortfolioError]:
        """Place the order once per client id and fill it as `next_orders` says (default: now).

        An order the fake refuses (see `adapters.fake_orders.refusal`) comes back with
        status REJECTED; a client id seen before returns that order, unchanged.
        """
        result = self._faults.answer(Method.SUBMIT_ORDER, lambda: None).bind(
            lambda _: self._place(intent)
        )
        call = BrokerCall(
            method=Method.SUBMIT_ORDER, symbols=(intent.symbol,), ok=is_successful(result)
        )
        self.calls.append(call)
        return result

    def get_order(self, client_order_id: str) -> Result[OrderState | None, PortfolioError]:
        """The order placed under this client id as it stands now, or None."""
        orders = self.desk.orders
        result = self._faults.answer(Method.GET_ORDER, lambda: orders.get(client_order_id))
        self.calls.append(BrokerCall(method=Method.GET_ORDER, symbols=(), ok=is_successful(result)))
        return result

    def next_orders(self, *outcomes: OrderOutcome) -> None:
        """Decide what happens to the next orders placed, one outcome each, in order."""
        self.desk.outcomes.extend(outcomes)

    def fill_open_orders(self) -> None:
        """Fill what is left of every open order at the current prices (buys as cash allows)."""
        self._moved(self.desk.fill_open(self._account))

    def _place(self, intent: OrderIntent) -> Result[OrderState, PortfolioError]:
        account, state, lost = self.desk.place(self._account, intent)
        self._moved(account)
        return Failure(fake_orders.lost_answer(intent)) if lost else Success(state)

    def fail_next(
        self,
        kind: ErrorKind,
        times: int = 1,
        message: str = "the fake broker was told to fail",
        *,
        method: Method | None = None,
    ) -> None:
        """Make the next `times` calls (of `method`, or of any method) return Failure(kind).

        Faults are used in the order they were queued. A failed call changes nothing: a
        failed `submit_order` places no order.
        """
        error = PortfolioError.of(kind, message, broker="fake")
        self._faults.add(error, times, method=method)

    def set_prices(self, prices: Mapping[str, Decimal], *, as_of: datetime | None = None) -> None:
        """Set these symbols' prices (others keep theirs); optionally move the clock."""
        self._account = attrs.evolve(
            self._account,
            prices={**self._account.prices, **_upper(prices, "prices")},
            as_of=self._account.as_of if as_of is None else as_of,
        )

    def move_prices(self, factors: Mapping[str, Decimal], *, as_of: datetime | None = None) -> None:
        """Multiply these symbols' prices by `factors` (1.05 = +5 %), rounded to 0.0001."""
        current = self._account.prices
        moved = {
            symbol: (current[symbol] * factor).quantize(PRICE_STEP, rounding=ROUND_HALF_EVEN)
            for symbol, factor in _upper(factors, "factors").items()
            if symbol in current
        }
        self.set_prices(moved, as_of=as_of)

    @property
    def pending(self) -> tuple[int, int]:
        """How many faults (`fail_next`) and order outcomes (`next_orders`) are still queued."""
        return len(self._faults), len(self.desk.outcomes)

    @property
    def request_count(self) -> int:
        """How many calls were made, failed ones included."""
        return len(self.calls)

    def _settle(self, filled: Fill, named: Iterable[LotSale] = ()) -> None:
        self._moved(attrs.evolve(filled.snapshot, as_of=self._account.as_of), named)
        self.fills.append(filled)

    def _moved(self, account: Snapshot, named: Iterable[LotSale] = ()) -> None:
        """The account after a trade; the lots follow the positions (`named`: lots chosen)."""
        self.book.follow(self._account, account, named)
        self._account = account


def _symbols(symbols: Collection[str]) -> Iterable[str]:
    """A `str` is one symbol; anything else is a collection of them."""
    return (symbols,) if isinstance(symbols, str) else symbols


def _zero(quantity: object) -> bool:
    """True for a quantity of zero, which is no position.

    Anything else, a NaN or a string included, is kept for the planner to refuse by name;
    it is never compared with 0 (a signalling NaN would raise).
    """
    if isinstance(quantity, Decimal):
        return quantity.is_zero()
    return isinstance(quantity, int | float) and quantity == 0


def _trade_symbols(plan: object) -> tuple[str, ...]:
    """The symbols a plan trades, for the call log; none for what is no plan of items."""
    items: object = getattr(plan, "items", ())
    if not (isinstance(plan, RebalancePlan) and isinstance(items, tuple)):
        return ()
    if not all(isinstance(item, PlanItem) for item in items):
        return ()
    return tuple(item.symbol for item in plan.trades)


def _upper(mapping: Mapping[str, V] | None, name: str = "the argument") -> dict[str, V]:
    """Upper-cased keys; a table that is not a mapping is a clear TypeError."""
    given: object = mapping
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        msg = f"FakeBroker: {name} must be a mapping of symbols, got {type(given).__name__}"
        raise TypeError(msg)
    return {str(key).upper(): value for key, value in given.items()}


_: type[BrokerPort] = FakeBroker
_orders: type[OrderPort] = FakeBroker
