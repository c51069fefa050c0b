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
from collections.abc import Mapping
from decimal import Decimal

import attrs
from returns.result import Failure, Result, Success

from portfolio.errors import ErrorKind, PortfolioError
from portfolio.money import ZERO, whole_shares
from portfolio.plan import Action, PlanItem, Reason, RebalancePlan
from portfolio.snapshot import Snapshot

__all__ = ["MAX_CLIENT_ORDER_ID", "Leg", "OrderIntent", "client_order_id", "order_intents"]

#: Alpaca's limit on the length of a client order id, in characters.
MAX_CLIENT_ORDER_ID = 128
_LONGEST_PART = 40


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
    most 86 characters and still differs for another plan or symbol.

    >>> client_order_id("0123abcd", "SPY", Leg.CLOSE)
    'rb-0123abcd-c-SPY'
    >>> long_symbol, long_plan = client_order_id("0123abcd", "X" * 200, Leg.OPEN), "p" * 500
    >>> len(long_symbol), len(client_order_id(long_plan, "SPY", Leg.TRADE))
    (54, 49)
    """
    named = f"rb-{plan_id}-{leg.value}-{symbol}"
    if len(named) <= MAX_CLIENT_ORDER_ID:
        return named
    return f"rb-{_fitted(plan_id)}-{leg.value}-{_fitted(symbol)}"


def _fitted(part: str) -> str:
    """`part` itself when at most 40 characters, else `h` + 39 hex digits of its SHA-256."""
    if len(part) <= _LONGEST_PART:
        return part
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

    Failure(INVALID_PLAN) when the plan was not made from this snapshot (another as-of,
    or a held symbol the plan does not cover, or a traded symbol it does not price), when
    a trade's quantity is not a finite number of the trade's sign (a non-positive
    quantity), or when a traded symbol is not tradable; the error names the symbols.
    """
    given: tuple[object, object] = (plan, snapshot)
    if not isinstance(given[0], RebalancePlan) or not isinstance(given[1], Snapshot):
        msg = "order_intents(plan, snapshot) takes a RebalancePlan and a Snapshot"
        raise TypeError(msg)
    problem = _shape(plan, snapshot) or _mismatch(plan, snapshot) or _bad_trades(plan, snapshot)
    if problem is not None:
        return Failure(problem)
    intents = [
        intent
        for item in plan.trades
        for intent in _intents(plan.plan_id, item, snapshot.positions.get(item.symbol, ZERO))
    ]
    return Success(
        tuple(i for i in intents if i.side is Action.SELL)
        + tuple(i for i in intents if i.side is Action.BUY)
    )


def _shape(plan: RebalancePlan, snapshot: Snapshot) -> PortfolioError | None:
    """INVALID_PLAN / INVALID_SNAPSHOT for records holding something of the wrong type."""
    items: object = plan.items
    if not isinstance(items, tuple) or not all(map(_well_formed, items)):
        return _invalid("the plan's items must be PlanItems with a symbol, an action and a reason")
    positions: object = snapshot.positions
    if not isinstance(positions, Mapping) or not all(
        isinstance(q, Decimal) and q.is_finite() for q in positions.values()
    ):
        return PortfolioError.invalid_snapshot("positions must map symbols to finite Decimals")
    tables: tuple[object, object] = (snapshot.prices, snapshot.assets)
    if not all(isinstance(table, Mapping) for table in tables):
        return PortfolioError.invalid_snapshot("prices and assets must be mappings")
    return None


def _mismatch(plan: RebalancePlan, snapshot: Snapshot) -> PortfolioError | None:
    """INVALID_PLAN when the plan cannot have been made from this snapshot."""
    if plan.as_of != snapshot.as_of:
        return _invalid(
            "the plan was not made from this snapshot: another as-of",
            plan_as_of=plan.as_of,
            snapshot_as_of=snapshot.as_of,
        )
    covered = {item.symbol for item in plan.items}
    held = sorted(s for s, q in snapshot.positions.items() if q != 0 and s not in covered)
    if held:
        return _invalid(
            "the plan was not made from this snapshot: it does not cover held symbols",
            symbols=",".join(held),
        )
    unpriced = sorted({i.symbol for i in plan.trades if i.symbol not in snapshot.prices})
    if unpriced:
        return _invalid(
            "the plan was not made from this snapshot: traded symbols without a price",
            symbols=",".join(unpriced),
        )
    not_held = sorted(
        i.symbol
        for i in plan.trades
        if i.reason is Reason.LIQUIDATE and not snapshot.positions.get(i.symbol)
    )
    if not_held:
        return _invalid(
            "the plan liquidates symbols this snapshot does not hold", symbols=",".join(not_held)
        )
    return None


def _bad_trades(plan: RebalancePlan, snapshot: Snapshot) -> PortfolioError | None:
    """INVALID_PLAN for a quantity that is not of the trade's sign, or an untradable symbol."""
    wrong = sorted(item.symbol for item in plan.trades if not _signed_right(item))
    if wrong:
        return _invalid(
            "a trade's quantity must be a finite number > 0 (BUY) or < 0 (SELL)",
            symbols=",".join(wrong),
        )
    blocked = sorted(
        item.symbol
        for item in plan.trades
        if getattr(snapshot.assets.get(item.symbol), "tradable", True) is not True
    )
    if blocked:
        return _invalid("the broker does not trade these symbols", symbols=",".join(blocked))
    return None


def _well_formed(item: object) -> bool:
    if not isinstance(item, PlanItem):
        return False
    fields: tuple[object, object, object] = (item.symbol, item.action, item.reason)
    return (
        isinstance(fields[0], str)
        and isinstance(fields[1], Action)
        and isinstance(fields[2], Reason)
    )


def _signed_right(item: PlanItem) -> bool:
    quantity: object = item.quantity
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        return False
    return quantity > 0 if item.action is Action.BUY else quantity < 0


def _intents(plan_id: str, item: PlanItem, held: Decimal) -> tuple[OrderIntent, ...]:
    """The one or two orders for one trade, given the signed quantity held now."""
    symbol = item.symbol
    after = ZERO if item.reason is Reason.LIQUIDATE else held + item.quantity
    if held and (after == 0 or (after > 0) != (held > 0)):
        close = _intent(plan_id, symbol, Leg.CLOSE, -held, closes=True)
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
        quantity=abs(change),
        closes_position=closes,
    )


def _invalid(message: str, **context: object) -> PortfolioError:
    return PortfolioError.of(ErrorKind.INVALID_PLAN, message, **context)
