"""The imperative shell: read a snapshot through the port, plan once, log what happened.

With `portfolio.orders.execute` (which places a plan's orders), this is the only module of
`portfolio` that does anything impure (logging, calling the broker, the clock). It is
straight-line code: the decisions live in `plan_rebalance` and `order_intents`.

Logging uses the standard `logging` module on the logger `portfolio.service`. Each
event's message reads `event [correlation_id=…] key=value …`, and the same fields
are on the `LogRecord` as attributes (`event`, `correlation_id`, counts, totals) for
structured handlers. The `portfolio` logger has a `NullHandler`, so nothing is
printed unless the application configures logging.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from returns.functions import tap
from returns.result import Failure, Result, Success

from portfolio.orders.execute import execute_plan
from portfolio.orders.execution import ExecutionReport, WaitPolicy, guarded, raised
from portfolio.orders.intents import OrderIntent, order_intents
from portfolio.orders.staleness import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_PRICE_MOVE,
    check_fresh,
    recorded_snapshot,
)
from portfolio.orders.state import OrderState
from portfolio.records.allocation import Allocation, CombinedAllocation
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.plan import RebalancePlan
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Snapshot
from portfolio.steps.planner import plan_rebalance
from portfolio.tax.groups import substitute_symbols
from portfolio.tax.policy import TaxPolicy

if TYPE_CHECKING:  # a type-only import: ports depends on portfolio, never the reverse at run time
    from ports import BrokerPort, OrderPort

__all__ = ["PortfolioService"]

logging.getLogger("portfolio").addHandler(logging.NullHandler())
_log = logging.getLogger(__name__)


class PortfolioService:
    """Reads the account through a `BrokerPort` and builds a rebalance plan.

    >>> from decimal import Decimal as D
    >>> from adapters.fake import FakeBroker
    >>> broker = FakeBroker(cash=D(10000), prices={"SPY": D(500), "QQQ": D(400)})
    >>> service = PortfolioService(broker)
    >>> weights = {"SPY": D("0.6"), "QQQ": D("0.4")}
    >>> plan = service.create_rebalance_plan(
    ...     Allocation(target_weights=weights, correlation_id="doc"), "doc"
    ... ).unwrap()
    >>> [(item.symbol, item.action.value, item.trade_amount) for item in plan.items]
    [('QQQ', 'BUY', Decimal('4000.00')), ('SPY', 'BUY', Decimal('6000.00'))]
    """

    def __init__(  # noqa: PLR0913 - the ports, the policy and the injected clock
        self,
        broker: BrokerPort,
        policy: SizingPolicy = SizingPolicy(),  # noqa: B008 - a frozen record is a safe default
        *,
        orders: OrderPort | None = None,
        wait: WaitPolicy = WaitPolicy(),  # noqa: B008 - a frozen record is a safe default
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Plan with `policy` on snapshots read from `broker`; place orders through `orders`.

        `orders` defaults to `broker` when it takes orders too (FakeBroker, AlpacaBroker).
        `wait` bounds how long `execute` waits for orders; `clock` (seconds) and `sleep`
        are injected so that tests never wait.
        """
        self._broker = broker
        self._policy = policy
        self._orders = orders if orders is not None else _order_port(broker)
        self._wait, self._clock, self._sleep = wait, clock, sleep

    def create_rebalance_plan(
        self, allocation: Allocation | CombinedAllocation, correlation_id: str
    ) -> Result[RebalancePlan, PortfolioError]:
        """Read a snapshot for the allocation's symbols, plan once; never raises.

        The plan carries `correlation_id` (this call's, like its log lines), not the
        allocation's own.

        A broker failure (or a broker that raises, which the port forbids) and a planning
        failure come back as the Failure, logged at WARNING with the correlation id.
        """
        log = _Events(correlation_id)
        return (
            _symbols_of(allocation, self._policy)
            .map(tap(log.started))
            .bind(lambda symbols: self._snapshot(symbols, log))
            .map(tap(log.snapshot_read))
            .bind(lambda snapshot: self._plan(allocation, correlation_id, snapshot))
            .map(tap(log.plan_built))
            .alt(tap(log.plan_failed))
        )

    def execute(
        self,
        plan: RebalancePlan,
        *,
        max_price_move: Decimal = DEFAULT_MAX_PRICE_MOVE,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> Result[ExecutionReport, PortfolioError]:
        """Place the approved plan's orders, exactly, or nothing when the account moved on.

        The account is read again first; the plan is refused with Failure(PLAN_STALE),
        nothing placed, when a planned symbol's position differs from the one the plan
        was made from, a price moved more than `max_price_move` (0.02 = 2 %), the plan is
        older than `max_age` (the fresh snapshot's `as_of` minus the plan's), or an open
        order touches a planned symbol (`portfolio.orders.staleness`). The orders are the plan's
        own (`order_intents` on the account the plan records), placed as
        `portfolio.orders.execute` does: sells, wait, re-read the cash, buys sized to it, wait.

        Re-running a plan places nothing twice: an order the broker already has (found by
        its client id) is never placed again, and its symbol's position and its open
        order are this plan's own doing, so a run that stopped part-way is finished by
        running the plan again (while its prices and age still pass). Failure only when
        nothing was placed: INVALID_PLAN for a plan that does not record what it was made
        from (built by hand, or saved before schema_version 2).
        """
        orders = self._order_port_for(plan, "execute")
        log = _Events(plan.correlation_id)
        log.info("execute.start", plan_id=plan.plan_id, trades=len(plan.trades))
        result = orders.bind(
            lambda port: self._fits(plan, port, (max_price_move, max_age)).bind(
                lambda made_from: execute_plan(
                    plan,
                    made_from,
                    self._broker,
                    port,
                    wait=self._wait,
                    clock=self._clock,
                    sleep=self._sleep,
                )
            )
        )
        return result.map(tap(log.executed)).alt(tap(log.plan_failed))

    def verify(
        self,
        plan: RebalancePlan,
        *,
        max_price_move: Decimal = DEFAULT_MAX_PRICE_MOVE,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> Result[tuple[OrderIntent, ...], PortfolioError]:
        """The orders `execute` would place now (sells first), or why it would refuse.

        The same reads and checks as `execute`, placing nothing: a dry run of an approved
        plan. Orders of the plan the broker already has are listed too (`execute` skips them).
        """
        limits = (max_price_move, max_age)
        return self._order_port_for(plan, "verify").bind(
            lambda port: self._fits(plan, port, limits).bind(
                lambda made_from: order_intents(plan, made_from)
            )
        )

    def _snapshot(self, symbols: tuple[str, ...], log: _Events) -> Result[Snapshot, PortfolioError]:
        """The broker's snapshot; a broker that raises (the port forbids it) is a Failure."""
        try:
            return self._broker.get_snapshot(symbols)
        except Exception as exc:  # noqa: BLE001 - a port that raises gave a broken answer
            log.broker_raised(exc)
            return Failure(raised(exc))

    def _plan(
        self, allocation: Allocation | CombinedAllocation, correlation_id: str, snapshot: Snapshot
    ) -> Result[RebalancePlan, PortfolioError]:
        """The plan of `snapshot`, carrying this call's correlation id."""
        return plan_rebalance(
            allocation.with_correlation_id(correlation_id), snapshot, self._policy
        )

    def _order_port_for(self, plan: object, method: str) -> Result[OrderPort, PortfolioError]:
        """The order port, or BROKER_UNAVAILABLE; TypeError for something that is not a plan."""
        if not isinstance(plan, RebalancePlan):
            msg = f"{method}(plan) takes a RebalancePlan, got {type(plan).__name__}"
            raise TypeError(msg)
        if self._orders is None:
            return Failure(
                PortfolioError.of(
                    ErrorKind.BROKER_UNAVAILABLE, "this broker takes no orders: pass orders="
                )
            )
        return Success(self._orders)

    def _fits(
        self, plan: RebalancePlan, orders: OrderPort, limits: tuple[Decimal, timedelta]
    ) -> Result[Snapshot, PortfolioError]:
        """Read the account again; the snapshot the plan records when the plan still fits."""
        held = plan.held if isinstance(plan.held, Mapping) else {}
        symbols = tuple(sorted({item.symbol for item in plan.items} | held.keys()))
        return guarded(self._broker.get_snapshot, symbols).bind(
            lambda now: recorded_snapshot(plan, now).bind(
                lambda made_from: self._checked(plan, now, made_from, orders, limits).map(
                    lambda _: made_from
                )
            )
        )

    def _checked(
        self,
        plan: RebalancePlan,
        now: Snapshot,
        made_from: Snapshot,
        orders: OrderPort,
        limits: tuple[Decimal, timedelta],
    ) -> Result[RebalancePlan, PortfolioError]:
        """`check_fresh` on the fresh snapshot, the plan's own orders at the broker exempt."""
        found: list[OrderState] = []
        for intent in order_intents(plan, made_from).value_or(()):
            match guarded(orders.get_order, intent.client_order_id):
                case Failure(error):
                    return Failure(error)
                case Success(OrderState() as state):
                    found.append(state)
        return check_fresh(
            plan,
            now,
            placed=frozenset(state.symbol for state in found),
            own_orders=frozenset(state.order_id for state in found),
            max_price_move=limits[0],
            max_age=limits[1],
        )


def _symbols_of(allocation: object, policy: object) -> Result[tuple[str, ...], PortfolioError]:
    """The symbols to read, or INVALID_ALLOCATION for something that is not an allocation.

    The allocation's symbols, then the tax policy's substitutes (`substitute_symbols`):
    a harvest or a held buy goes only to a substitute the snapshot prices. A
    `CombinedAllocation` must hold an `Allocation` (its fields are data, so checked).
    """
    inner = allocation.allocation if isinstance(allocation, CombinedAllocation) else allocation
    if isinstance(inner, Allocation):
        tax = policy.tax if isinstance(policy, SizingPolicy) else None
        if not isinstance(tax, TaxPolicy):
            return Success(inner.symbols)
        targeted = frozenset(inner.symbols)
        extra = (s for s in substitute_symbols(tax) if s not in targeted)
        return Success((*inner.symbols, *extra))
    return Failure(
        PortfolioError.of(
            ErrorKind.INVALID_ALLOCATION,
            "expected an Allocation or a CombinedAllocation",
            got=type(inner).__name__,
        )
    )


def _order_port(broker: object) -> OrderPort | None:
    """The broker itself when it takes orders too (has `submit_order` and `get_order`)."""
    takes_orders = all(
        callable(getattr(broker, name, None)) for name in ("submit_order", "get_order")
    )
    return cast("OrderPort", broker) if takes_orders else None


class _Events:
    """The service's log events for one call, all carrying its correlation id."""

    def __init__(self, correlation_id: str) -> None:
        self._correlation_id = correlation_id

    def info(self, event: str, **fields: object) -> None:
        self._emit(logging.INFO, event, fields)

    def started(self, symbols: tuple[str, ...]) -> None:
        self.info("plan.start", symbols=len(symbols))

    def snapshot_read(self, snapshot: Snapshot) -> None:
        self.info(
            "snapshot.read",
            positions=len(snapshot.positions),
            prices=len(snapshot.prices),
            cash=snapshot.cash,
        )

    def plan_built(self, plan: RebalancePlan) -> None:
        self.info(
            "plan.built",
            plan_id=plan.plan_id,
            items=len(plan.items),
            trades=len(plan.trades),
            total_value=plan.total_value,
            total_buys=plan.total_buys,
            total_sells=plan.total_sells,
            cash_after=plan.cash_after,
        )

    def executed(self, report: ExecutionReport) -> None:
        self.info(
            "execute.done",
            plan_id=report.plan_id,
            orders=len(report.orders),
            submitted=report.submitted,
            filled=sum(1 for order in report.orders if order.filled),
            stopped=report.stopped.kind.name if report.stopped else "no",
        )

    def broker_raised(self, exc: Exception) -> None:
        self._emit(logging.ERROR, "broker.raised", {"error": repr(exc)})

    def plan_failed(self, error: PortfolioError) -> None:
        fields = {"error_kind": error.kind.name, "error": str(error)}
        self._emit(logging.WARNING, "plan.failed", fields)

    def _emit(self, level: int, event: str, fields: Mapping[str, object]) -> None:
        text = " ".join(f"{key}={_text(value)}" for key, value in fields.items())
        _log.log(
            level,
            "%s [correlation_id=%s] %s",
            event,
            self._correlation_id,
            text,
            extra={"event": event, "correlation_id": self._correlation_id, **fields},
        )


def _text(value: object) -> str:
    return str(value) if isinstance(value, Decimal | int | str) else repr(value)
