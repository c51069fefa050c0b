"""Does a plan fit the snapshot it is to be carried out on? The checks before `order_intents`.

Every check returns the first problem as a `PortfolioError` naming the symbols, or
None. What is held counts the snapshot's open orders as filled, as the planner does.

`plan_problem` holds the rules of a plan on its own, the ones a plan read from a file
edited by hand can break (docs/policy.md, "The rules in plain words"): one item per
symbol, a HOLD of quantity 0, a traded price ≥ `MIN_PRICE`, and a trade amount that is
the quantity at the price (to a cent, and a billionth of a share at that price). The
quantity is what is placed, so a quantity edited without its amount (or the reverse)
is refused rather than one of the two silently ignored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Context, Decimal, localcontext

from returns.pipeline import is_successful

from portfolio.orders.open_orders import check_open_orders, net_open_orders
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import (
    CENT,
    MAX_PLAN_AMOUNT,
    MIN_PRICE,
    SHARE_QUANTUM,
    ZERO,
    is_bounded,
    truncate_shares,
)
from portfolio.records.plan import Action, PlanItem, Reason, RebalancePlan
from portfolio.records.snapshot import Snapshot

__all__ = ["fit_problem", "held_once_filled", "plan_problem"]

#: Wide enough for a plan's amounts (at most 1E+50) multiplied exactly, traps off.
_EXACT = Context(prec=120, traps=[])


def fit_problem(plan: RebalancePlan, snapshot: Snapshot) -> PortfolioError | None:
    """The first reason the plan's orders cannot be derived on this snapshot, or None."""
    return (
        _shape(plan, snapshot)
        or _orders_problem(snapshot)
        or _mismatch(plan, snapshot)
        or _bad_trades(plan, snapshot)
        or plan_problem(plan)
        or _unallowed_shorts(plan, snapshot)
        or _against_open_orders(plan, snapshot)
    )


def plan_problem(plan: RebalancePlan) -> PortfolioError | None:
    """INVALID_PLAN, naming the symbols, for a plan whose items break a plan's own rules.

    One item per symbol; a HOLD has quantity 0; a trade's price is ≥ `MIN_PRICE`; a
    trade's amount is its quantity × price within a cent plus a billionth of a share at
    that price (the planner derives one from the other, rounded to cents); `cash_after`
    is `cash_before − Σ trade_amount`, exactly. The items must
    be PlanItems with a symbol, an action and a reason, or that is the problem.
    """
    malformed = _items_problem(plan)
    if malformed is not None:
        return malformed
    items = plan.items
    if len({i.symbol for i in items}) != len(items):  # the Counter only to name them
        counted = Counter(i.symbol for i in items)
        twice = sorted(symbol for symbol, count in counted.items() if count > 1)
        return _invalid(
            "the plan has more than one item for these symbols", symbols=",".join(twice)
        )
    holds = sorted(i.symbol for i in items if i.action is Action.HOLD and i.quantity != 0)
    if holds:
        return _invalid(
            "a HOLD item's quantity must be 0 (a trade is a BUY or a SELL)", symbols=",".join(holds)
        )
    trades = plan.trades
    unpriced = sorted(i.symbol for i in trades if not _priced(i.price))
    if unpriced:
        return _invalid(
            f"a trade's price must be a number ≥ {MIN_PRICE}", symbols=",".join(unpriced)
        )
    with localcontext(_EXACT):
        disagree = sorted(i.symbol for i in trades if not _amount_agrees(i))
    if disagree:
        return _invalid(
            "a trade's amount is not its quantity × price: the quantity is what is placed, "
            "so one of the two was edited; plan again",
            symbols=",".join(disagree),
        )
    return _cash_problem(plan)


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
    items_problem = _items_problem(plan)
    if items_problem is not None:
        return items_problem
    positions: object = snapshot.positions
    if not isinstance(positions, Mapping) or not all(
        isinstance(q, Decimal) and q.is_finite() for q in positions.values()
    ):
        return PortfolioError.invalid_snapshot("positions must map symbols to finite Decimals")
    tables: tuple[object, object] = (snapshot.prices, snapshot.assets)
    if not all(isinstance(table, Mapping) for table in tables):
        return PortfolioError.invalid_snapshot("prices and assets must be mappings")
    return None


def _items_problem(plan: RebalancePlan) -> PortfolioError | None:
    items: object = plan.items
    if not isinstance(items, tuple) or not all(map(_well_formed, items)):
        return _invalid("the plan's items must be PlanItems with a symbol, an action and a reason")
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
    owned = held_once_filled(snapshot)
    liquidated = [i for i in plan.trades if i.reason is Reason.LIQUIDATE]
    not_held = sorted(i.symbol for i in liquidated if not owned.get(i.symbol))
    if not_held:
        return _invalid(
            "the plan liquidates symbols this snapshot does not hold", symbols=",".join(not_held)
        )
    partly = sorted(i.symbol for i in liquidated if not _whole_position(i, owned[i.symbol]))
    if partly:
        return _invalid(
            "a liquidation's quantity must be the whole position held (its opposite): these differ",
            symbols=",".join(partly),
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


def _unallowed_shorts(plan: RebalancePlan, snapshot: Snapshot) -> PortfolioError | None:
    """INVALID_PLAN for a sale that ends short when the plan's policy does not allow shorts.

    The planner never makes one (`allow_short=False`); a quantity edited by hand may.
    Held counts the open orders as filled; a billionth of a share is rounding.
    """
    policy = plan.policy
    if policy is None or policy.allow_short:
        return None
    owned = held_once_filled(snapshot)
    shorted = sorted(
        item.symbol
        for item in plan.trades
        if item.action is Action.SELL
        and item.reason is not Reason.LIQUIDATE
        and owned.get(item.symbol, ZERO) + item.quantity < -SHARE_QUANTUM
    )
    if shorted:
        return _invalid(
            "the plan sells these symbols short, but its policy does not allow shorts",
            symbols=",".join(shorted),
        )
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


def _cash_problem(plan: RebalancePlan) -> PortfolioError | None:
    """INVALID_PLAN when `cash_after` is not `cash_before − Σ trade_amount`, exactly."""
    amounts: tuple[object, ...] = (
        plan.cash_before,
        plan.cash_after,
        *(i.trade_amount for i in plan.items),
    )
    if not all(isinstance(a, Decimal) and a.is_finite() for a in amounts):
        return _invalid("the plan's cash and trade amounts must be finite numbers")
    with localcontext(_EXACT):
        left = plan.cash_before - sum((i.trade_amount for i in plan.items), ZERO)
    if left == plan.cash_after:
        return None
    return _invalid(
        "the plan's cash_after is not cash_before − Σ trade_amount: one of them was edited",
        cash_after=plan.cash_after,
        computed=left,
    )


def _priced(price: object) -> bool:
    return is_bounded(price, MAX_PLAN_AMOUNT) and price >= MIN_PRICE


def _amount_agrees(item: PlanItem) -> bool:
    """|quantity × price − trade_amount| ≤ a cent + a billionth of a share at the price.

    Call inside `_EXACT` (the products are exact there).
    """
    quantity: object = item.quantity
    amount: object = item.trade_amount
    if not (_finite(quantity) and _finite(amount)):
        return True  # not a number: `_bad_trades` names it
    gap = abs(item.quantity * item.price - item.trade_amount)
    return gap <= CENT + item.price * SHARE_QUANTUM


def _finite(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def _whole_position(item: PlanItem, held: Decimal) -> bool:
    """The liquidation trades the opposite of what is held, to a billionth of a share.

    (A notional open order counts as its shares to 1E-9 here, exactly in the planner.)
    """
    quantity: object = item.quantity
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        return True  # `_bad_trades` names it
    with localcontext(_EXACT):
        return abs(quantity + held) <= SHARE_QUANTUM


def _invalid(message: str, **context: object) -> PortfolioError:
    return PortfolioError.of(ErrorKind.INVALID_PLAN, message, **context)
