"""Open orders: checked, then netted into the account as if filled at the snapshot's prices.

A pending buy adds its quantity to what is held and takes its cost from the cash; a
pending sell takes its quantity away and adds its proceeds. So the portfolio value is
unchanged, and a plan made while orders are open is the plan made after they fill at
these prices: re-planning never trades twice. A notional order counts as notional ÷ price
shares.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, localcontext

from returns.result import Failure, Result, Success

from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import CORE_CONTEXT, ZERO, is_bounded
from portfolio.records.plan_item import Action
from portfolio.records.snapshot import OpenOrder, price_problem

__all__ = ["check_open_orders", "net_open_orders", "netted_account"]


def netted_account(
    orders: object,
    held: Mapping[str, Decimal],
    cash: Decimal,
    prices: Mapping[str, object],
    *,
    allow_short: bool = False,
) -> Result[tuple[dict[str, Decimal], Decimal], PortfolioError]:
    """Held quantities and cash once the open orders fill; a Failure names a bad order or price.

    `prices` has upper-cased keys; the prices of the orders' symbols are checked here.
    Unless shorts are allowed, pending sales that would take a long (or flat) position
    short are refused, naming the order: filled, they would leave a short the plan could
    only buy back, trading twice.
    """
    return check_open_orders(orders, prices).bind(
        lambda checked: _netted(checked, held, cash, prices, allow_short=allow_short)
    )


def _netted(
    orders: tuple[OpenOrder, ...],
    held: Mapping[str, Decimal],
    cash: Decimal,
    prices: Mapping[str, object],
    *,
    allow_short: bool,
) -> Result[tuple[dict[str, Decimal], Decimal], PortfolioError]:
    symbols = {order.symbol for order in orders}
    problem = price_problem(prices, tuple(sorted(symbols)), symbols)
    if problem is None and not allow_short:
        problem = _oversold(orders, held, prices)  # type: ignore[arg-type] # prices checked
    if problem is not None:
        return Failure(problem)
    return Success(net_open_orders(orders, held, cash, prices))  # type: ignore[arg-type] # checked


def _oversold(
    orders: tuple[OpenOrder, ...], held: Mapping[str, Decimal], prices: Mapping[str, Decimal]
) -> PortfolioError | None:
    """INVALID_SNAPSHOT naming the first sale that takes a long or flat position short.

    Orders fill in the order given; a position short before the orders is left alone.
    """
    running = dict(held)
    with localcontext(CORE_CONTEXT):
        for position, order in enumerate(orders):
            symbol, before = order.symbol, running.get(order.symbol, ZERO)
            quantity = order.quantity or (order.notional or ZERO) / prices[symbol]
            running[symbol] = before + (-quantity if order.side is Action.SELL else quantity)
            if order.side is Action.SELL and before >= 0 > running[symbol]:
                field = "quantity" if order.quantity is not None else "notional"
                return PortfolioError.invalid_snapshot(
                    "pending sales exceed what is held: filled, they leave a short position, "
                    "and the policy does not allow shorts (cancel the order, or allow_short)",
                    field=f"open_orders[{position}].{field}",
                    symbols=symbol,
                    order_id=order.order_id,
                )
    return None


def check_open_orders(
    orders: object, prices: Mapping[str, object]
) -> Result[tuple[OpenOrder, ...], PortfolioError]:
    """The orders with upper-cased symbols; a Failure names the first bad field and symbol.

    Each must be an `OpenOrder` with a string id, a symbol that has a price, side BUY or
    SELL, and exactly one of `quantity` and `notional`, a finite Decimal in (0, 1E+15].
    """
    if not isinstance(orders, tuple):
        return Failure(
            PortfolioError.invalid_snapshot(
                "open_orders must be a tuple of OpenOrder", field="open_orders"
            )
        )
    checked: list[OpenOrder] = []
    for position, order in enumerate(orders):
        problem = _problem(order, prices)
        if problem is not None:
            field, message = problem
            symbol = getattr(order, "symbol", "?")
            kind = ErrorKind.MISSING_PRICE if field == "symbol" else ErrorKind.INVALID_SNAPSHOT
            return Failure(
                PortfolioError.of(
                    kind, message, field=f"open_orders[{position}].{field}", symbols=symbol
                )
            )
        checked.append(_normal(order))
    return Success(tuple(checked))


def _problem(  # noqa: PLR0911 - one return per check, in the order they apply
    order: object, prices: Mapping[str, object]
) -> tuple[str, str] | None:
    """(field, message) of the first thing wrong with one order, or None."""
    if not isinstance(order, OpenOrder):
        return "order", "open_orders must hold OpenOrder records"
    order_id: object = order.order_id
    if not isinstance(order_id, str):
        return "order_id", "an open order's id must be a string"
    symbol: object = order.symbol
    if not isinstance(symbol, str) or not symbol or symbol.upper() not in prices:
        return "symbol", "an open order's symbol must have a price in the snapshot"
    if order.side not in {Action.BUY, Action.SELL}:
        return "side", "an open order's side must be Action.BUY or Action.SELL"
    if (order.quantity is None) == (order.notional is None):
        return "quantity", "an open order needs exactly one of quantity and notional"
    field = "quantity" if order.quantity is not None else "notional"
    amount: object = order.quantity if order.quantity is not None else order.notional
    if not (is_bounded(amount) and amount > ZERO):
        return field, f"an open order's {field} must be a finite Decimal in (0, 1E+15]"
    return None


def _normal(order: OpenOrder) -> OpenOrder:
    if order.symbol.isupper():
        return order
    return OpenOrder(
        order_id=order.order_id,
        symbol=order.symbol.upper(),
        side=order.side,
        quantity=order.quantity,
        notional=order.notional,
    )


def net_open_orders(
    orders: tuple[OpenOrder, ...],
    held: Mapping[str, Decimal],
    cash: Decimal,
    prices: Mapping[str, Decimal],
    *,
    notional_shares: Callable[[Decimal], Decimal] | None = None,
) -> tuple[dict[str, Decimal], Decimal]:
    """(held quantities, cash) once every checked order has filled at `prices` (50 digits).

    A notional order counts as notional ÷ price shares, exact to 50 digits, or as
    `notional_shares(notional ÷ price)` when given (e.g. `truncate_shares`: the shares a
    closing order can name). Positions that net to zero are left out.

    >>> from decimal import Decimal as D
    >>> buy = OpenOrder(order_id="1", symbol="SPY", side=Action.BUY, notional=D(250))
    >>> net_open_orders((buy,), {"SPY": D(1)}, D(1000), {"SPY": D(500)})
    ({'SPY': Decimal('1.5')}, Decimal('750'))
    """
    netted = dict(held)
    with localcontext(CORE_CONTEXT):
        for order in orders:
            price = prices[order.symbol]
            if order.quantity is not None:
                quantity, value = order.quantity, order.quantity * price
            else:
                value = order.notional or ZERO
                quantity = value / price
                if notional_shares is not None:
                    quantity = notional_shares(quantity)
            if order.side is Action.SELL:
                quantity, value = -quantity, -value
            netted[order.symbol] = netted.get(order.symbol, ZERO) + quantity
            cash -= value
    return {s: q for s, q in netted.items() if q != ZERO}, cash
