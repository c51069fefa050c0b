"""What executing a plan did, order by order, and how buys are sized to the cash there is.

Pure records and one pure sizing rule; the shell that places the orders is
`portfolio.orders.execute`.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TypeVar, TypeVarTuple

import attrs
from returns.result import Failure, Result

from portfolio.orders.intents import OrderIntent
from portfolio.orders.state import OrderState, OrderStatus
from portfolio.records.asset_facts import under_broker_minimum
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import CORE_CONTEXT, ZERO, truncate_shares, whole_shares
from portfolio.records.plan import Action, RebalancePlan
from portfolio.records.snapshot import OpenOrder, Snapshot

__all__ = [
    "ExecutedOrder",
    "ExecutionReport",
    "Step",
    "WaitPolicy",
    "buy_budget",
    "committed_cash",
    "guarded",
    "in_lots",
    "order_cost",
    "size_buys",
]

T = TypeVar("T")
_WHOLE = Decimal(1)
Args = TypeVarTuple("Args")


class Step(enum.Enum):
    """What the shell did with one intent."""

    SUBMITTED = "submitted"  # placed in this run
    ALREADY_SUBMITTED = (
        "already_submitted"  # the broker had it from an earlier run: not placed again
    )
    FAILED = "failed"  # the submission failed; `error` says why
    SKIPPED_AFTER_FAILURE = "skipped_after_failure"  # an earlier failure made placing it unsafe
    SKIPPED_CLOSE_NOT_FILLED = "skipped_close_not_filled"  # a flip's open leg, close unfilled
    SKIPPED_NO_CASH = "skipped_no_cash"  # a buy the cash that arrived could not pay for
    # A buy the broker had from an earlier run, placed smaller than the plan (its sells had
    # not all filled then); the cash for the rest is there now. Not placed again: plan again.
    SHORT_OF_PLAN = "short_of_plan"


@attrs.frozen(kw_only=True)
class ExecutedOrder:
    """One intent and what became of it.

    `intent` is the order as placed (a buy may be resized to the cash that arrived), or
    for an order found at the broker (ALREADY_SUBMITTED, SHORT_OF_PLAN) the plan's
    intent, `state` saying what the broker has (an earlier run may have resized it);
    `state` the broker's last report (None if it never had the order); `error` the
    failure of the submission, or of the last read while waiting (None again once a
    later read succeeds). An order whose submission's answer was lost but that a read
    by its client id then found is SUBMITTED, without an error.
    """

    intent: OrderIntent
    step: Step
    state: OrderState | None = None
    error: PortfolioError | None = None

    @property
    def filled(self) -> bool:
        """True when the broker reports the order completely filled, and the plan's part done.

        A buy an earlier run placed smaller than the plan (SHORT_OF_PLAN) filled as an
        order, but not as the plan's buy: it is not `filled`.
        """
        return (
            self.state is not None
            and self.state.status is OrderStatus.FILLED
            and self.step is not Step.SHORT_OF_PLAN
        )


@attrs.frozen(kw_only=True)
class ExecutionReport:
    """Every intent of a plan, in order (sells first), with its final state.

    `stopped` is the failure after which nothing more was placed (None when every
    intent was considered). `submitted` counts the orders placed by this run.
    """

    plan_id: str
    orders: tuple[ExecutedOrder, ...]
    stopped: PortfolioError | None = None

    @property
    def complete(self) -> bool:
        """True when every order is filled: the account now holds what the plan asked."""
        return not self.stopped and all(order.filled for order in self.orders)

    @property
    def submitted(self) -> int:
        """How many orders this run placed (0 when re-running an executed plan)."""
        return sum(1 for order in self.orders if order.step is Step.SUBMITTED)


@attrs.frozen(kw_only=True)
class WaitPolicy:
    """How long to wait for orders to become final, in seconds.

    Each phase (sells, then buys) polls its open orders after `first_delay`, then after
    delays growing by `factor` up to `max_delay`, and gives up after `timeout`.
    """

    timeout: float = 60.0
    first_delay: float = 0.25
    factor: float = 2.0
    max_delay: float = 5.0


def committed_cash(open_orders: tuple[OpenOrder, ...], prices: Mapping[str, Decimal]) -> Decimal:
    """Cash that open buy orders will still spend: Σ notional, or quantity × price."""
    with decimal.localcontext(CORE_CONTEXT):
        return sum(
            (
                o.notional
                if o.notional is not None
                else (o.quantity or ZERO) * prices.get(o.symbol, ZERO)
                for o in open_orders
                if o.side is Action.BUY
            ),
            ZERO,
        )


def buy_budget(
    plan: RebalancePlan, intents: tuple[OrderIntent, ...], after_sells: Snapshot
) -> Decimal:
    """What the buys may spend: the cash now, less open buys' cost, less the plan's reserve.

    The reserve is the cash the plan means to keep: cash before + sells − buys, at the
    plan's prices, over the intents (≥ 0). When the sells brought what the plan expected,
    the budget is exactly the buys' cost; when they brought less, it is that much less.
    """
    prices = {item.symbol: item.price for item in plan.items}
    with decimal.localcontext(CORE_CONTEXT):
        flow = sum(
            (
                (i.quantity or ZERO)
                * prices.get(i.symbol, ZERO)
                * (1 if i.side is Action.SELL else -1)
                for i in intents
            ),
            ZERO,
        )
        reserve = max(plan.cash_before + flow, ZERO)
        committed = committed_cash(after_sells.open_orders, after_sells.prices)
        return after_sells.cash - committed - reserve


def guarded(
    call: Callable[[*Args], Result[T, PortfolioError]], *args: *Args
) -> Result[T, PortfolioError]:
    """`call(*args)`; an exception (which a port must never raise) becomes BROKER_BAD_RESPONSE."""
    try:
        return call(*args)
    except Exception as exc:  # noqa: BLE001 - a port that raises gave a broken answer
        return Failure(raised(exc))


def raised(exc: Exception) -> PortfolioError:
    """BROKER_BAD_RESPONSE for a port that raised `exc` instead of returning a Failure."""
    return PortfolioError.of(
        ErrorKind.BROKER_BAD_RESPONSE,
        "the broker raised instead of returning a Failure",
        error=repr(exc),
    )


def size_buys(
    buys: tuple[OrderIntent, ...],
    budget: Decimal,
    prices: Mapping[str, Decimal],
    minimums: Mapping[str, Decimal] | None = None,
    lots: Mapping[str, Decimal | None] | None = None,
) -> tuple[OrderIntent | None, ...]:
    """The buys cut to `budget` (account currency) at `prices`, in the buys' order.

    Buys that close a short come first: they keep their size while the budget covers
    them all. The other buys share what is left, all scaled by one factor so that
    Σ quantity × price ≤ budget. Scaled quantities are rounded toward zero, to the lot
    their symbol trades in (`lots`, as `portfolio.asset_facts.quantity_step` gives it:
    None for nine-decimal fractions, 1 for whole shares, or an increment), so a
    fractionable buy is scaled as a fraction even when its planned quantity is whole.
    A symbol `lots` does not name, and a cover of a short, keeps the quantity's own
    kind: whole shares stay whole, fractions go to nine decimals. Notionals go to cents.
    A buy becomes None when it is scaled to nothing or below its symbol's broker
    minimum (`minimums`, account currency), when it has no price, and, with every
    other buy, when the closes alone do not fit.

    >>> from portfolio.records.plan import Action
    >>> buy = OrderIntent(client_order_id="b", symbol="X", side=Action.BUY, quantity=Decimal(10))
    >>> size_buys((buy,), Decimal(450), {"X": Decimal(100)})[0].quantity
    Decimal('4')
    >>> size_buys((buy,), Decimal(450), {"X": Decimal(100)}, lots={"X": None})[0].quantity
    Decimal('4.500000000')
    """
    floor = minimums or {}
    known = lots or {}
    with decimal.localcontext(CORE_CONTEXT):
        priced = tuple(b if b.notional is not None or b.symbol in prices else None for b in buys)
        sized = _within(tuple(b for b in priced if b is not None), budget, prices, known)
        by_id = {b.client_order_id: b for b in sized if b is not None}
        return tuple(
            None
            if (b := by_id.get(old.client_order_id)) is None
            or (b != old and under_broker_minimum(order_cost(b, prices), floor.get(b.symbol, ZERO)))
            else b
            for old in buys
        )


def _within(
    buys: tuple[OrderIntent, ...],
    budget: Decimal,
    prices: Mapping[str, Decimal],
    lots: Mapping[str, Decimal | None],
) -> tuple[OrderIntent | None, ...]:
    """Closes first at full size while they fit, the rest scaled by one factor."""
    close_cost = sum((order_cost(b, prices) for b in buys if b.closes_position), ZERO)
    other_cost = sum((order_cost(b, prices) for b in buys if not b.closes_position), ZERO)
    if close_cost + other_cost <= budget:
        return buys
    budget = max(budget, ZERO)
    if close_cost > budget:
        factor = budget / close_cost
        return tuple(_scaled(b, factor, lots) if b.closes_position else None for b in buys)
    factor = (budget - close_cost) / other_cost if other_cost else ZERO
    return tuple(b if b.closes_position else _scaled(b, factor, lots) for b in buys)


def order_cost(buy: OrderIntent, prices: Mapping[str, Decimal]) -> Decimal:
    """What a buy costs at `prices`: its notional, or its quantity × its symbol's price."""
    if buy.notional is not None:
        return buy.notional
    return (buy.quantity or ZERO) * prices[buy.symbol]


def _scaled(
    buy: OrderIntent, factor: Decimal, lots: Mapping[str, Decimal | None]
) -> OrderIntent | None:
    if buy.notional is not None:
        notional = (buy.notional * factor).quantize(Decimal("0.01"), rounding=decimal.ROUND_DOWN)
        return attrs.evolve(buy, notional=notional) if notional > 0 else None
    quantity = buy.quantity or ZERO
    if buy.closes_position or buy.symbol not in lots:  # a cover, or nothing known: its kind
        lot = _WHOLE if quantity == whole_shares(quantity) else None
    else:
        lot = lots[buy.symbol]
    rounded = in_lots(quantity * factor, lot)
    return attrs.evolve(buy, quantity=rounded, closes_position=False) if rounded > 0 else None


def in_lots(quantity: Decimal, lot: Decimal | None) -> Decimal:
    """`quantity` toward zero to a multiple of `lot` (shares); None: nine decimals.

    >>> in_lots(Decimal("0.01107"), Decimal("0.0001")), in_lots(Decimal("2.5"), Decimal(1))
    (Decimal('0.0110'), Decimal('2'))
    >>> in_lots(Decimal("2.5"), None)
    Decimal('2.500000000')
    """
    if lot is None:
        return truncate_shares(quantity)
    if lot == _WHOLE:
        return whole_shares(quantity)
    with decimal.localcontext(CORE_CONTEXT):
        return (quantity / lot).to_integral_value(rounding=decimal.ROUND_DOWN) * lot
