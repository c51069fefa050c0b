"""From a plan to broker orders: the order intents, sells first, as one pure function.

A plan says how many shares of each symbol to trade; a broker needs orders it will
accept. Two rules shape the translation (Alpaca's, and most brokers'): one order may
not take a position from long to short (or back), and short sales are in whole
shares. So a flip is two intents, a *close* of the held quantity and an *open* of the
rest, and every intent carries a `client_order_id` that names it for good: the same
plan gives the same ids on every run, so a broker can refuse a second submission.
"""

from __future__ import annotations

import enum
import hashlib
import re
from decimal import Decimal

import attrs
from returns.result import Failure, Result, Success

from portfolio.orders.checks import fit_problem, held_once_filled
from portfolio.records.errors import PortfolioError
from portfolio.records.money import CORE_CONTEXT, ZERO, whole_shares
from portfolio.records.plan import Action, PlanItem, Reason, RebalancePlan
from portfolio.records.snapshot import Snapshot, upper_keyed

__all__ = ["MAX_CLIENT_ORDER_ID", "Leg", "OrderIntent", "client_order_id", "order_intents"]

#: Alpaca's limit on the length of a client order id, in characters.
MAX_CLIENT_ORDER_ID = 128
_LONGEST_PART = 40
#: A plan id that goes into a client id as it is (the planner's are hex digits).
_PLAIN = re.compile(r"[A-Za-z0-9._-]+")


class Leg(enum.Enum):
    """Which part of a symbol's trade an order is: the whole trade, or one leg of a flip."""

    TRADE = "t"
    CLOSE = "c"
    OPEN = "o"


@attrs.frozen(kw_only=True)
class OrderIntent:
    """One order to send: a side and either `quantity` (shares, > 0) or `notional` (> 0).

    Exactly one of `quantity` and `notional` (account currency) is set.
    `closes_position` is True when the order brings the held position to exactly zero.
    `client_order_id` is unique within a plan, at most 128 characters and the same on
    every run of the same plan (see `client_order_id`).
    """

    client_order_id: str
    symbol: str
    side: Action
    quantity: Decimal | None = None
    notional: Decimal | None = None
    closes_position: bool = False


def client_order_id(plan_id: str, symbol: str, leg: Leg) -> str:
    """`rb-<plan id>-<leg>-<symbol>`; when that is too long, a part over 40 characters is hashed.

    A hashed part is `h` and the first 39 hex digits of its SHA-256, so the id stays at
    most 86 characters and still differs for another plan or symbol. A plan id that is
    not plain (empty, or holding anything but ASCII letters, digits, `.`, `_` and `-`:
    a space, a line break, a `/`, a lone surrogate, as a plan file edited by hand may)
    is hashed whatever its length, so that every id can be sent, printed and read back.

    >>> client_order_id("0123abcd", "SPY", Leg.CLOSE)
    'rb-0123abcd-c-SPY'
    >>> long_symbol, long_plan = client_order_id("0123abcd", "X" * 200, Leg.OPEN), "p" * 500
    >>> len(long_symbol), len(client_order_id(long_plan, "SPY", Leg.TRADE))
    (54, 49)
    >>> client_order_id("a b", "SPY", Leg.TRADE)
    'rb-hc8687a08aa5d6ed2044328fa6a697ab8e96dc34-t-SPY'
    """
    plan_part = plan_id if _PLAIN.fullmatch(plan_id) else _hashed(plan_id)
    named = f"rb-{plan_part}-{leg.value}-{symbol}"
    if len(named) <= MAX_CLIENT_ORDER_ID:
        return named
    return f"rb-{_fitted(plan_part)}-{leg.value}-{_fitted(symbol)}"


def _fitted(part: str) -> str:
    """`part` itself when at most 40 characters, else `h` + 39 hex digits of its SHA-256."""
    return part if len(part) <= _LONGEST_PART else _hashed(part)


def _hashed(part: str) -> str:
    return "h" + hashlib.sha256(part.encode("utf-8", "surrogatepass")).hexdigest()[:39]


def order_intents(
    plan: RebalancePlan, snapshot: Snapshot
) -> Result[tuple[OrderIntent, ...], PortfolioError]:
    """The orders that carry out `plan` on the account of `snapshot`: every SELL before any BUY.

    - A liquidation is one order of exactly the held quantity, `closes_position=True`.
    - A trade that crosses zero (long → short or short → long) is two orders: close the
      held quantity (`closes_position=True`), then open the rest. Shorts are opened in
      whole shares (a fractional remainder is dropped; nothing is opened if none is left).
    - Every other trade is one order of the plan's quantity.

    What is held counts the snapshot's open orders as filled (as the planner counts
    them): a liquidation sells what will be held once they fill.

    Failure(INVALID_PLAN) when the plan was not made from this snapshot (another as-of,
    or a held symbol the plan does not cover, or a traded symbol it does not price), when
    a trade's quantity is not a finite number of the trade's sign (a non-positive
    quantity), when a traded symbol is not tradable, or when a trade goes against an
    open order of its symbol (a sell while a buy is pending: wait for it or cancel it,
    then plan again), when its items break a plan's own rules (a symbol twice, a HOLD
    with a quantity, a liquidation of less than the position, a price below 1E-9, an
    amount that is not the quantity × price, a `cash_after` that does not add up: a
    plan edited by hand), or when a sale ends short under a policy without shorts; the
    error names the symbols. See `portfolio.orders.checks`.
    """
    given: tuple[object, object] = (plan, snapshot)
    if not isinstance(given[0], RebalancePlan) or not isinstance(given[1], Snapshot):
        msg = "order_intents(plan, snapshot) takes a RebalancePlan and a Snapshot"
        raise TypeError(msg)
    snapshot = upper_keyed(snapshot)  # as the planner reads it: a plan names upper-case symbols
    problem = fit_problem(plan, snapshot)
    if problem is not None:
        return Failure(problem)
    held = held_once_filled(snapshot)
    intents = [
        intent
        for item in plan.trades
        for intent in _intents(plan.plan_id, item, held.get(item.symbol, ZERO))
    ]
    return Success(
        tuple(i for i in intents if i.side is Action.SELL)
        + tuple(i for i in intents if i.side is Action.BUY)
    )


def _intents(plan_id: str, item: PlanItem, held: Decimal) -> tuple[OrderIntent, ...]:
    """The one or two orders for one trade, given the signed quantity held now."""
    symbol = item.symbol
    after = ZERO if item.reason is Reason.LIQUIDATE else CORE_CONTEXT.add(held, item.quantity)
    if held and (after == 0 or (after > 0) != (held > 0)):
        close = _intent(plan_id, symbol, Leg.CLOSE, held.copy_negate(), closes=True)  # exact
        rest = _opened(after)
        return (close,) if not rest else (close, _intent(plan_id, symbol, Leg.OPEN, rest))
    change = whole_shares(item.quantity) if after < 0 and item.quantity < 0 else item.quantity
    return (_intent(plan_id, symbol, Leg.TRADE, change),) if change else ()


def _opened(position: Decimal) -> Decimal:
    """A position to open: shorts in whole shares (toward zero), longs as they are."""
    return whole_shares(position) if position < 0 else position


def _intent(
    plan_id: str, symbol: str, leg: Leg, change: Decimal, *, closes: bool = False
) -> OrderIntent:
    return OrderIntent(
        client_order_id=client_order_id(plan_id, symbol, leg),
        symbol=symbol,
        side=Action.BUY if change > 0 else Action.SELL,
        quantity=change.copy_abs(),  # exact, whatever the caller's context
        closes_position=closes,
    )
