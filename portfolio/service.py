"""The imperative shell: read a snapshot through the port, plan once, log what happened.

This is the only module of `portfolio` that does anything impure (logging, calling
the broker). It is straight-line code: the decisions live in `plan_rebalance`.

Logging uses the standard `logging` module on the logger `portfolio.service`. Each
event's message reads `event [correlation_id=…] key=value …`, and the same fields
are on the `LogRecord` as attributes (`event`, `correlation_id`, counts, totals) for
structured handlers. The `portfolio` logger has a `NullHandler`, so nothing is
printed unless the application configures logging.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from returns.functions import tap
from returns.result import Failure, Result, Success, safe

from portfolio.allocation import Allocation, CombinedAllocation
from portfolio.errors import ErrorKind, PortfolioError
from portfolio.plan import RebalancePlan
from portfolio.planner import plan_rebalance
from portfolio.policy import SizingPolicy
from portfolio.snapshot import Snapshot

if TYPE_CHECKING:  # a type-only import: ports depends on portfolio, never the reverse at run time
    from ports import BrokerPort

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

    def __init__(
        self,
        broker: BrokerPort,
        policy: SizingPolicy = SizingPolicy(),  # noqa: B008 - a frozen record is a safe default
    ) -> None:
        """Plan with `policy` on snapshots read from `broker`."""
        self._broker = broker
        self._policy = policy

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
        result = (
            _symbols_of(allocation)
            .map(tap(log.started))
            .bind(lambda symbols: safe(self._broker.get_snapshot)(symbols).alt(log.broker_raised))
            .bind(lambda snapshot_result: snapshot_result)
            .map(tap(log.snapshot_read))
            .bind(
                lambda snapshot: plan_rebalance(
                    allocation.with_correlation_id(correlation_id), snapshot, self._policy
                )
            )
        )
        return result.map(tap(log.plan_built)).alt(tap(log.plan_failed))


def _symbols_of(allocation: object) -> Result[tuple[str, ...], PortfolioError]:
    """The symbols to read, or INVALID_ALLOCATION for something that is not an allocation.

    A `CombinedAllocation` must hold an `Allocation` (its fields are data, so checked).
    """
    inner = allocation.allocation if isinstance(allocation, CombinedAllocation) else allocation
    if isinstance(inner, Allocation):
        return Success(inner.symbols)
    return Failure(
        PortfolioError.of(
            ErrorKind.INVALID_ALLOCATION,
            "expected an Allocation or a CombinedAllocation",
            got=type(inner).__name__,
        )
    )


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

    def broker_raised(self, exc: Exception) -> PortfolioError:
        self._emit(logging.ERROR, "broker.raised", {"error": repr(exc)})
        return PortfolioError.of(
            ErrorKind.BROKER_BAD_RESPONSE,
            "the broker raised instead of returning a Failure",
            error=repr(exc),
        )

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
