"""The execution shell: a plan's orders through the ports, sells first, waiting in between.

Straight-line: the intents come from the pure `order_intents`, the buy sizes from the
pure `size_buys`; this module only places, reads and waits. The clock and the sleep
are injected, so tests never wait.

What stops the rest: a submission that fails without an answer (time-out, broker
unreachable, rate limited, a response we cannot read) may or may not have placed the
order. It is read back once by its client id: found, it is reported as submitted
(only the answer was lost); when that read does not find it, nothing more is placed
in this run (re-running the plan is safe: client ids are stable and an order the
broker already has is never placed again). A failed snapshot read after the sells
stops the buys. Everything else — a rejected order, a sell still
open at the time-out, a flip whose close did not fill — is reported for its order and
the rest goes on: buys are sized to the cash that really arrived.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
from returns.result import Failure, Result, Success

from portfolio.orders.execution import (
    ExecutedOrder,
    ExecutionReport,
    Step,
    WaitPolicy,
    buy_budget,
    guarded,
    order_cost,
    size_buys,
)
from portfolio.orders.intents import OrderIntent, order_intents
from portfolio.orders.state import OrderState, OrderStatus
from portfolio.records.asset_facts import broker_minimum, quantity_step
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import ZERO
from portfolio.records.plan import Action, RebalancePlan
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Snapshot
from portfolio.steps.rules import Thresholds, below_floor

if TYPE_CHECKING:  # ports depends on portfolio, never the reverse at run time
    from ports import BrokerPort, OrderPort

__all__ = ["execute_plan"]

#: A submission failing with one of these kinds may have placed the order anyway.
_UNKNOWN_OUTCOME = frozenset(
    {
        ErrorKind.TIMEOUT,
        ErrorKind.BROKER_UNAVAILABLE,
        ErrorKind.BROKER_RATE_LIMITED,
        ErrorKind.BROKER_BAD_RESPONSE,
    }
)


def execute_plan(  # noqa: PLR0913 - the ports, the snapshot and the injected clock
    plan: RebalancePlan,
    snapshot: Snapshot,
    broker: BrokerPort,
    orders: OrderPort,
    *,
    wait: WaitPolicy,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> Result[ExecutionReport, PortfolioError]:
    """Place `plan`'s orders (made from `snapshot`): sells, wait, re-read, sized buys, wait.

    Failure only when nothing was placed: the plan does not fit the snapshot. Once
    orders go out, every outcome is in the report.
    """
    run = _Run(broker=broker, orders=orders, wait=wait, clock=clock, sleep=sleep)
    return order_intents(plan, snapshot).map(lambda intents: run.execute(plan, intents))


class _Run:
    """One execution: the orders' outcomes so far, and the failure that stopped it."""

    def __init__(
        self,
        *,
        broker: BrokerPort,
        orders: OrderPort,
        wait: WaitPolicy,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self._broker, self._orders, self._wait_policy = broker, orders, wait
        self._clock, self._sleep = clock, sleep
        self._done: dict[str, ExecutedOrder] = {}
        self._closes: dict[tuple[str, Action], str] = {}  # (symbol, side) → the close's id
        self._stopped: PortfolioError | None = None

    def execute(self, plan: RebalancePlan, intents: tuple[OrderIntent, ...]) -> ExecutionReport:
        self._closes = {(i.symbol, i.side): i.client_order_id for i in intents if i.closes_position}
        sells = tuple(i for i in intents if i.side is Action.SELL)
        buys = tuple(i for i in intents if i.side is Action.BUY)
        for phase in _phases(sells):
            self._place(self._unknown(phase), phase)
        if buys and self._stopped is None:
            self._buy(plan, intents, buys)
        for intent in intents:  # whatever was never reached
            self._done.setdefault(intent.client_order_id, _skipped(intent))
        return ExecutionReport(
            plan_id=plan.plan_id,
            orders=tuple(self._done[i.client_order_id] for i in intents),
            stopped=self._stopped,
        )

    def _buy(
        self, plan: RebalancePlan, intents: tuple[OrderIntent, ...], buys: tuple[OrderIntent, ...]
    ) -> None:
        symbols = tuple(sorted({item.symbol for item in plan.items}))
        match guarded(self._broker.get_snapshot, symbols):
            case Failure(error):
                self._stopped = error
                return
            case Success(after_sells):
                pass
        new = self._unknown(buys)
        budget = buy_budget(plan, intents, after_sells)
        minimums = {s: broker_minimum(a) for s, a in after_sells.assets.items()}
        lots = _lots(plan, after_sells, new)
        sized = dict(
            zip(new, size_buys(new, budget, after_sells.prices, minimums, lots), strict=True)
        )
        for intent, resized in sized.items():
            if resized is None:
                self._done[intent.client_order_id] = ExecutedOrder(
                    intent=intent, step=Step.SKIPPED_NO_CASH
                )
        for phase in _phases(buys):
            self._place(tuple(r for i in phase if (r := sized.get(i)) is not None), phase)
        spent = sum(
            (order_cost(r, after_sells.prices) for r in sized.values() if r is not None), ZERO
        )
        self._short_of_plan(plan, buys, budget - spent, after_sells, minimums)

    def _short_of_plan(
        self,
        plan: RebalancePlan,
        buys: tuple[OrderIntent, ...],
        left: Decimal,
        after_sells: Snapshot,
        minimums: Mapping[str, Decimal],
    ) -> None:
        """SHORT_OF_PLAN: each buy found filled below the plan that the cash `left` could add to.

        An earlier run placed it smaller (its sells had not all filled); its client id is
        taken, so it is not placed again, but the report must not call the plan done
        while the cash for the rest sits in the account. A rest the cash left cannot buy
        (prices rose: the money went into fewer shares), or one below the smallest trade
        (the plan's minimum trade, `Thresholds.floor`: the policy's amount or percentage
        of the plan's value, and the broker's), leaves the buy as it is.
        """
        short = {
            intent.client_order_id: attrs.evolve(
                intent, quantity=intent.quantity - done.state.filled_quantity
            )
            for intent in buys
            if (done := self._done.get(intent.client_order_id)) is not None
            and done.step is Step.ALREADY_SUBMITTED
            and done.state is not None
            and done.state.status is OrderStatus.FILLED
            and intent.quantity is not None
            and done.state.filled_quantity < intent.quantity
        }
        if not short:
            return
        rests = tuple(short.values())
        limits = Thresholds.of(plan.policy or SizingPolicy(), plan.total_value)
        sized = size_buys(
            rests, left, after_sells.prices, minimums, _lots(plan, after_sells, rests)
        )
        for rest, buyable in zip(rests, sized, strict=True):
            floor = limits.floor(minimums.get(rest.symbol, ZERO))
            if buyable is not None and not below_floor(
                order_cost(buyable, after_sells.prices), floor
            ):
                done = self._done[rest.client_order_id]
                self._done[rest.client_order_id] = attrs.evolve(done, step=Step.SHORT_OF_PLAN)

    def _unknown(self, intents: tuple[OrderIntent, ...]) -> tuple[OrderIntent, ...]:
        """The intents the broker has no order for; the others are recorded as they stand."""
        new = []
        for intent in intents:
            if self._stopped is not None:
                break
            match guarded(self._orders.get_order, intent.client_order_id):
                case Success(None):
                    new.append(intent)
                case Success(state):
                    self._done[intent.client_order_id] = ExecutedOrder(
                        intent=intent, step=Step.ALREADY_SUBMITTED, state=state
                    )
                case Failure(error):
                    self._stopped = error
        return tuple(new)

    def _place(self, intents: tuple[OrderIntent, ...], phase: tuple[OrderIntent, ...]) -> None:
        """Submit each intent still safe to place, then wait for the phase's orders to be final."""
        for intent in intents:
            if self._stopped is not None:
                return
            if not self._close_filled(intent):
                self._done[intent.client_order_id] = ExecutedOrder(
                    intent=intent, step=Step.SKIPPED_CLOSE_NOT_FILLED
                )
                continue
            self._done[intent.client_order_id] = self._submit(intent)
        self._await(phase)

    def _submit(self, intent: OrderIntent) -> ExecutedOrder:
        match guarded(self._orders.submit_order, intent):
            case Success(state):
                return ExecutedOrder(intent=intent, step=Step.SUBMITTED, state=state)
            case Failure(error) if error.kind in _UNKNOWN_OUTCOME:
                found = guarded(self._orders.get_order, intent.client_order_id).value_or(None)
                if found is not None:  # placed by this run: only the answer was lost
                    return ExecutedOrder(intent=intent, step=Step.SUBMITTED, state=found)
                self._stopped = error
                return ExecutedOrder(intent=intent, step=Step.FAILED, error=error)
            case Failure(error):
                return ExecutedOrder(intent=intent, step=Step.FAILED, error=error)
        return ExecutedOrder(intent=intent, step=Step.FAILED)  # pragma: no cover - exhaustive

    def _close_filled(self, intent: OrderIntent) -> bool:
        """False for the open leg of a flip whose close leg is not (yet) filled."""
        close = self._closes.get((intent.symbol, intent.side))
        if close is None or close == intent.client_order_id:  # no flip, or the close itself
            return True
        done = self._done.get(close)
        return done is not None and done.filled

    def _await(self, intents: tuple[OrderIntent, ...]) -> None:
        """Poll the open orders with backoff until they are final or the time is up."""
        policy = self._wait_policy
        deadline, delay = self._clock() + policy.timeout, policy.first_delay
        while pending := [
            done
            for i in intents
            if (done := self._done.get(i.client_order_id)) is not None
            and done.state is not None
            and not done.state.status.is_final
        ]:
            if self._clock() + delay > deadline:
                return
            self._sleep(delay)
            delay = min(delay * policy.factor, policy.max_delay)
            for done in pending:
                client_id = done.intent.client_order_id
                read = guarded(self._orders.get_order, client_id)
                self._done[client_id] = _polled(done, read)


def _lots(
    plan: RebalancePlan, snapshot: Snapshot, buys: tuple[OrderIntent, ...]
) -> dict[str, Decimal | None] | None:
    """The lot each buy's symbol trades in under the plan's policy (None: no policy known)."""
    if plan.policy is None:  # a plan built by hand: each quantity keeps its own kind
        return None
    fractional = plan.policy.fractional
    return {
        b.symbol: quantity_step(snapshot.assets.get(b.symbol), fractional=fractional) for b in buys
    }


def _phases(intents: tuple[OrderIntent, ...]) -> tuple[tuple[OrderIntent, ...], ...]:
    """Everything but the open legs of flips, then those open legs (after their closes)."""
    closing = {i.symbol for i in intents if i.closes_position}
    opening = tuple(i for i in intents if i.symbol in closing and not i.closes_position)
    first = tuple(i for i in intents if i not in opening)
    return (first, opening) if opening else (first,)


def _polled(done: ExecutedOrder, read: Result[OrderState | None, PortfolioError]) -> ExecutedOrder:
    """The order updated by one read: its new state (no failure left), or the read's failure."""
    match read:
        case Success(OrderState() as state):
            return attrs.evolve(done, state=state, error=None)
        case Failure(error):
            return attrs.evolve(done, error=error)
    return done


def _skipped(intent: OrderIntent) -> ExecutedOrder:
    return ExecutedOrder(intent=intent, step=Step.SKIPPED_AFTER_FAILURE)
