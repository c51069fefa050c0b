"""The fake broker's order desk: how one order fills against an in-memory account.

Pure functions over `Snapshot` and `OrderState`, used by `FakeBroker`. The desk refuses
what Alpaca refuses — a buy the free cash cannot pay for, one order that takes a
position across zero, a fractional short sale, a buy of fractions of an asset that is
not fractionable, an untradable or unpriced symbol — and
fills at the account's price, exactly (cash moves by quantity × price).
"""

from __future__ import annotations

import decimal
import enum
from collections import deque
from collections.abc import Iterable
from decimal import Decimal

import attrs

from portfolio.orders.intents import OrderIntent
from portfolio.orders.state import OrderState, OrderStatus
from portfolio.records.asset_facts import Asset
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.money import CORE_CONTEXT, ZERO, truncate_shares, whole_shares
from portfolio.records.plan import Action
from portfolio.records.snapshot import OpenOrder, Snapshot

__all__ = [
    "OrderDesk",
    "OrderOutcome",
    "fill",
    "half",
    "lost_answer",
    "open_orders",
    "place",
    "refusal",
    "remaining",
    "requested_quantity",
]


class OrderOutcome(enum.Enum):
    """What the fake does with the next order it accepts."""

    FILL = "fill"  # fills at once at the fake's price (the default)
    PARTIAL = "partial"  # half fills at once, the rest stays open
    OPEN = "open"  # accepted, nothing fills until `FakeBroker.fill_open_orders()`
    REJECT = "reject"  # rejected by the broker (status REJECTED, nothing fills)
    LOST = "lost"  # fills at once, but the answer is lost: submit returns Failure(TIMEOUT)


class OrderDesk:
    """The fake's orders: each by client id, the open ones apart, the outcomes still to come."""

    def __init__(self) -> None:
        """No orders yet; every order fills at once until `outcomes` says otherwise."""
        self.orders: dict[str, OrderState] = {}
        self.outcomes: deque[OrderOutcome] = deque()
        self._open: dict[str, OrderState] = {}

    def open_orders(self) -> tuple[OpenOrder, ...]:
        """The orders still open, as the snapshot shows them."""
        return open_orders(self._open.values())

    def place(self, account: Snapshot, intent: OrderIntent) -> tuple[Snapshot, OrderState, bool]:
        """(the account after, the order, whether its answer is lost); a known id is kept."""
        known = self.orders.get(intent.client_order_id)
        if known is not None:
            return account, known, False
        outcome = self.outcomes.popleft() if self.outcomes else OrderOutcome.FILL
        order_id = f"fake-{len(self.orders) + 1:06d}"
        account, state = place(account, intent, order_id, outcome, tuple(self._open.values()))
        self.orders[intent.client_order_id] = state
        if not state.status.is_final:
            self._open[intent.client_order_id] = state
        return account, state, outcome is OrderOutcome.LOST

    def fill_open(self, account: Snapshot) -> Snapshot:
        """Fill what is left of every open order; the account after."""
        for client_id, state in self._open.items():
            account, self.orders[client_id] = fill(account, state, remaining(state))
        self._open.clear()
        return account


def requested_quantity(intent: OrderIntent, price: Decimal) -> Decimal:
    """The intent's shares: its quantity, or its notional / price truncated to 1E-9 shares."""
    if intent.quantity is not None:
        return intent.quantity
    with decimal.localcontext(CORE_CONTEXT):
        return truncate_shares((intent.notional or ZERO) / price)


def remaining(state: OrderState) -> Decimal:
    """Shares still to fill (0 for a final order)."""
    if state.status.is_final or state.quantity is None:
        return ZERO
    return state.quantity - state.filled_quantity


def open_orders(states: Iterable[OrderState]) -> tuple[OpenOrder, ...]:
    """The orders still open, as the snapshot's `OpenOrder`s (shares still to fill)."""
    return tuple(
        OpenOrder(order_id=s.order_id, symbol=s.symbol, side=s.side, quantity=remaining(s))
        for s in states
        if remaining(s) > 0
    )


def refusal(account: Snapshot, intent: OrderIntent, pending: Iterable[OrderState]) -> str | None:
    """Why the broker refuses this order now, or None to accept it."""
    price = account.prices.get(intent.symbol)
    asset = account.assets.get(intent.symbol)
    amounts = [a for a in (intent.quantity, intent.notional) if a is not None]
    if price is None:
        return "no price for the symbol"
    if asset is not None and not asset.tradable:
        return "the asset is not tradable"
    if len(amounts) != 1 or not amounts[0].is_finite() or amounts[0] <= 0:
        return "exactly one of quantity and notional, > 0"
    if intent.side is Action.BUY and _fraction_of_whole_only(intent, asset):
        return "the asset is not fractionable: whole shares only"
    return _position_refusal(account, intent, requested_quantity(intent, price), tuple(pending))


def _position_refusal(
    account: Snapshot, intent: OrderIntent, shares: Decimal, pending: tuple[OrderState, ...]
) -> str | None:
    """Refusals that depend on what is held, open and affordable."""
    symbol, asset = intent.symbol, account.assets.get(intent.symbol)
    held = account.positions.get(symbol, ZERO) + sum(
        (_signed(o) for o in pending if o.symbol == symbol), ZERO
    )
    reserved = sum(
        (
            remaining(o) * account.prices.get(o.symbol, ZERO)
            for o in pending
            if o.side is Action.BUY
        ),
        ZERO,
    )
    after = held + shares if intent.side is Action.BUY else held - shares
    shorting = intent.side is Action.SELL and after < 0
    reasons = {
        "one order may not take a position across zero": held
        and after
        and (after > 0) != (held > 0),
        "short sales are in whole shares": shorting and shares != whole_shares(shares),
        "the asset is not shortable": shorting and asset is not None and not asset.shortable,
        "insufficient buying power": intent.side is Action.BUY
        and shares * account.prices[symbol] > account.cash - reserved,
    }
    return next((reason for reason, refused in reasons.items() if refused), None)


def _fraction_of_whole_only(intent: OrderIntent, asset: Asset | None) -> bool:
    """An order for fractions (or a notional) of an asset that is not fractionable."""
    quantity = intent.quantity
    whole = quantity is not None and quantity == whole_shares(quantity)
    return asset is not None and not asset.fractionable and not whole


def _signed(order: OrderState) -> Decimal:
    left = remaining(order)
    return left if order.side is Action.BUY else -left


def place(
    account: Snapshot,
    intent: OrderIntent,
    order_id: str,
    outcome: OrderOutcome,
    pending: tuple[OrderState, ...],
) -> tuple[Snapshot, OrderState]:
    """Accept (and fill as `outcome` says) or reject a new order: the account after, the order."""
    refused = refusal(account, intent, pending)
    price = account.prices.get(intent.symbol, Decimal(1))
    state = OrderState(
        order_id=order_id,
        client_order_id=intent.client_order_id,
        symbol=intent.symbol,
        side=intent.side,
        status=OrderStatus.ACCEPTED,
        quantity=requested_quantity(intent, price) if refused is None else intent.quantity,
        notional=intent.notional,
    )
    if refused is not None or outcome is OrderOutcome.REJECT:
        return account, attrs.evolve(state, status=OrderStatus.REJECTED)
    if outcome is OrderOutcome.OPEN:
        return account, state
    shares = state.quantity or ZERO
    return fill(account, state, half(shares) if outcome is OrderOutcome.PARTIAL else shares)


def lost_answer(intent: OrderIntent) -> PortfolioError:
    """The TIMEOUT a submission gets when the order was placed but the answer never came."""
    return PortfolioError.of(
        ErrorKind.TIMEOUT,
        "the fake broker placed the order but its answer was lost",
        broker="fake",
        client_order_id=intent.client_order_id,
    )


def half(shares: Decimal) -> Decimal:
    """Half the shares, whole if they are whole, else to 1E-9 (toward zero)."""
    if shares == whole_shares(shares):
        return whole_shares(shares / 2)
    return truncate_shares(shares / 2)


def fill(account: Snapshot, state: OrderState, shares: Decimal) -> tuple[Snapshot, OrderState]:
    """Fill `shares` more of the order at the account's price (as much as cash allows).

    A buy the cash cannot pay for in full fills what it can (in the order's own
    granularity) and the rest is canceled, so cash never goes negative.
    """
    price = account.prices[state.symbol]
    with decimal.localcontext(CORE_CONTEXT):
        canceled = state.side is Action.BUY and shares * price > account.cash
        if canceled:
            shares = _affordable(account.cash, price, whole=shares == whole_shares(shares))
        signed = shares if state.side is Action.BUY else -shares
        positions = dict(account.positions)
        position = positions.pop(state.symbol, ZERO) + signed
        if position:
            positions[state.symbol] = position
        filled = state.filled_quantity + shares
        paid = state.filled_value + shares * price
        average = paid / filled if filled else None
    status = _status(state, filled, canceled=canceled)
    after = attrs.evolve(
        account,
        cash=account.cash - signed * price,
        positions=FrozenDict(positions),
    )
    return after, attrs.evolve(state, filled_quantity=filled, average_price=average, status=status)


def _status(state: OrderState, filled: Decimal, *, canceled: bool) -> OrderStatus:
    if canceled:
        return OrderStatus.CANCELED
    if state.quantity is not None and filled >= state.quantity:
        return OrderStatus.FILLED
    return OrderStatus.PARTIALLY_FILLED if filled else OrderStatus.ACCEPTED


def _affordable(cash: Decimal, price: Decimal, *, whole: bool) -> Decimal:
    if cash <= 0:
        return ZERO
    shares = cash / price
    return whole_shares(shares) if whole else truncate_shares(shares)
