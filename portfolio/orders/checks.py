"""Does a plan fit the snapshot it is to be carried out on? The checks before `order_intents`.

Every check returns the first problem as a `PortfolioError` naming the symbols, or
None. What is held counts the snapshot's open orders as filled, as the planner does.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from returns.pipeline import is_successful

from portfolio.orders.open_orders import check_open_orders, net_open_orders
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import ZERO, truncate_shares
from portfolio.records.plan import Action, PlanItem, Reason, RebalancePlan
from portfolio.records.snapshot import Snapshot

__all__ = ["fit_problem", "held_once_filled"]


def fit_problem(plan: RebalancePlan, snapshot: Snapshot) -> PortfolioError | None:
    """The first reason the plan's orders cannot be derived on this snapshot, or None."""
    return (
        _shape(plan, snapshot)
        or _orders_problem(snapshot)
        or _mismatch(plan, snapshot)
        or _bad_trades(plan, snapshot)
        or _against_open_orders(plan, snapshot)
    )


def held_once_filled(snapshot: Snapshot) -> dict[str, Decimal]:
    """Signed shares held once the open orders fill: positions + open buys − open sells.

    The planner's netting (`portfolio.open_orders.net_open_orders`), with a notional
    order counted as notional ÷ price shares to 1E-9, toward zero: the shares a closing
    order can name. Positions that net to zero are left out.
    """
    netted, _ = net_open_orders(
        snapshot.open_orders,
        snapshot.positions,
        ZERO,
        snapshot.prices,
        notional_shares=truncate_shares,
    )
    return netted


def _orders_problem(snapshot: Snapshot) -> PortfolioError | None:
    """The open orders' own rules (`orders.open_orders`), the planner's: the first problem."""
    checked = check_open_orders(snapshot.open_orders, snapshot.prices)
    return None if is_successful(checked) else checked.failure()


def _against_open_orders(plan: RebalancePlan, snapshot: Snapshot) -> PortfolioError | None:
    """INVALID_PLAN for a trade against a pending order of its symbol (a sell while buying)."""
    pending = {(order.symbol, order.side) for order in snapshot.open_orders}
    other = {Action.BUY: Action.SELL, Action.SELL: Action.BUY}
    crossed = sorted(i.symbol for i in plan.trades if (i.symbol, other[i.action]) in pending)
    if crossed:
        return _invalid(
            "the plan trades against open orders of these symbols: wait for them to fill, or "
            "cancel them, and plan again",
            symbols=",".join(crossed),
        )
    return None


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
    held = sorted(s for s, q in held_once_filled(snapshot).items() if q != 0 and s not in covered)
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
        if i.reason is Reason.LIQUIDATE and not held_once_filled(snapshot).get(i.symbol)
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


def _invalid(message: str, **context: object) -> PortfolioError:
    return PortfolioError.of(ErrorKind.INVALID_PLAN, message, **context)
