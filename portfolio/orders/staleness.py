"""Does an approved plan still fit the account? The pure check before a saved plan is executed.

A plan is reviewed, approved, and executed later, perhaps from its JSON. By then the
account may have moved on. `plan_drift` compares the plan with a fresh snapshot and lists
every difference that makes the plan's orders other than what was approved:

- a planned symbol's position differs from the one the plan was made from (`held`);
- a planned symbol's price moved more than `max_price_move` (a fraction: 0.02 = 2 %)
  from the plan's price, or has no price now;
- the plan is older than `max_age`: the snapshot's `as_of` minus the plan's (so no clock
  is read here; an unknown or incomparable `as_of` counts as too old), or its `as_of` is
  later than the snapshot's by more than `max_age` (a plan edited, or a clock off);
- an open order touches a planned symbol, unless the plan counted it: the planner
  counts open orders as filled, so when the position once the open orders fill is
  `held`, they are the plan's view (not when the plan trades the symbol against one).

`stale_problem` turns the differences into one `PLAN_STALE` error naming each symbol
and what changed. A plan checked against the snapshot it was made from never drifts.

Resuming: a plan whose orders are partly at the broker already (a run that stopped)
changed its own symbols' positions and may have left its own orders open. `placed`
(the symbols of which the plan has an order at the broker) and `own_orders` (those
orders' broker ids) exempt exactly that: the positions of placed symbols and the plan's
own open orders. Prices and age are checked for every symbol all the same.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from decimal import Context, Decimal, localcontext

import attrs
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from portfolio.formats.display import counted, duration
from portfolio.orders.checks import held_once_filled, plan_problem
from portfolio.orders.open_orders import check_open_orders
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import MAX_AMOUNT, MIN_PRICE, ZERO, is_bounded
from portfolio.records.plan import Action, PlanItem, RebalancePlan
from portfolio.records.snapshot import Snapshot, snapshot_problem

__all__ = [
    "DEFAULT_MAX_AGE",
    "DEFAULT_MAX_PRICE_MOVE",
    "Change",
    "Drift",
    "check_fresh",
    "plan_drift",
    "recorded_snapshot",
    "stale_problem",
]

#: The default tolerance of a price move since the plan: 2 %.
DEFAULT_MAX_PRICE_MOVE = Decimal("0.02")
#: The default age limit of a plan, measured between the snapshots' `as_of`.
DEFAULT_MAX_AGE = timedelta(days=1)
#: Wide enough that a relative move of two bounded prices is exact to far below a cent.
_RATIO = Context(prec=60, traps=[])


class Change(enum.Enum):
    """What no longer fits."""

    POSITION = "position"
    PRICE = "price"
    OPEN_ORDER = "open_order"
    AGE = "age"


@attrs.frozen(kw_only=True)
class Drift:
    """One difference between a plan and the account now: a symbol ("" for age), what, details."""

    symbol: str
    change: Change
    detail: str


def plan_drift(  # noqa: PLR0913 - the plan, the account, two limits and what a resumed run placed
    plan: RebalancePlan,
    snapshot: Snapshot,
    *,
    max_price_move: Decimal = DEFAULT_MAX_PRICE_MOVE,
    max_age: timedelta = DEFAULT_MAX_AGE,
    placed: AbstractSet[str] = frozenset(),
    own_orders: AbstractSet[str] = frozenset(),
) -> Result[tuple[Drift, ...], PortfolioError]:
    """Every difference between `plan` and `snapshot`, by symbol then kind (age last).

    Failure(INVALID_PLAN) for a plan that does not record what it was made from (`held`
    is None: built by hand, or read from a file older than schema_version 2), or whose
    items break a plan's own rules (`portfolio.orders.checks.plan_problem`: a symbol
    twice, a HOLD with a quantity, a price below `MIN_PRICE`, an amount that is not the
    quantity × price);
    INVALID_SNAPSHOT for a snapshot that breaks its rules; INVALID_CONFIG for a negative
    or non-finite `max_price_move` or a negative `max_age`. A limit of the wrong Python
    type raises TypeError.
    """
    problem = _limits_problem(max_price_move, max_age) or _inputs_problem(plan, snapshot)
    if problem is not None:
        return Failure(problem)
    held: Mapping[str, Decimal] = plan.held  # type: ignore[assignment] # checked above
    positions = {str(s).upper(): q for s, q in snapshot.positions.items()}
    prices = {str(s).upper(): p for s, p in snapshot.prices.items()}
    counted = _counted(snapshot, held)
    pending_fits = counted - _crossed(plan, snapshot)
    found: list[Drift] = []
    for symbol in sorted(held):
        now = positions.get(symbol, ZERO)
        if symbol not in placed and symbol not in counted and now != held[symbol]:
            detail = f"position {_text(now)}, planned from {_text(held[symbol])}"
            found.append(Drift(symbol=symbol, change=Change.POSITION, detail=detail))
    for item in sorted(plan.items, key=lambda i: i.symbol):
        moved = _price_drift(item.symbol, item.price, prices.get(item.symbol), max_price_move)
        found.extend(moved)
    planned = {item.symbol for item in plan.items} | held.keys()
    found.extend(
        Drift(
            symbol=order.symbol,
            change=Change.OPEN_ORDER,
            detail=f"an open {order.side.value} order ({order.order_id})",
        )
        for order in snapshot.open_orders
        if order.symbol in planned
        and order.order_id not in own_orders
        and order.symbol not in pending_fits
    )
    ordered = sorted(found, key=lambda d: (d.symbol, list(Change).index(d.change)))
    return Success((*ordered, *_age_drift(plan.as_of, snapshot.as_of, max_age)))


def _counted(snapshot: Snapshot, held: Mapping[str, Decimal]) -> frozenset[str]:
    """The planned symbols with open orders the plan counted: held once they fill is `held`.

    The planner counts open orders as filled, so a plan made while an order was pending
    records the position it will bring; while that order is still pending, the plan
    still fits.
    """
    if not snapshot.open_orders or not is_successful(
        check_open_orders(snapshot.open_orders, snapshot.prices)
    ):
        return frozenset()
    netted = {str(s).upper(): q for s, q in held_once_filled(snapshot).items()}
    pending = {order.symbol for order in snapshot.open_orders}
    return frozenset(s for s in pending & held.keys() if netted.get(s, ZERO) == held[s])


def _crossed(plan: RebalancePlan, snapshot: Snapshot) -> frozenset[str]:
    """The symbols the plan trades against an open order (a sell while a buy is pending)."""
    against = {
        (item.symbol, Action.SELL if item.action is Action.BUY else Action.BUY)
        for item in plan.trades
    }
    return frozenset(o.symbol for o in snapshot.open_orders if (o.symbol, o.side) in against)


def stale_problem(drift: tuple[Drift, ...]) -> PortfolioError | None:
    """One PLAN_STALE error naming each symbol and what changed, or None for no drift.

    The context says what changed, once: one entry per symbol with its differences,
    `symbols` (sorted, comma-separated) when a symbol changed, and `age` when the plan's
    age does not fit. The message counts them (`2 symbols changed and its age does not
    fit`), as MISSING_PRICE counts its symbols: the command line prints both.
    """
    if not drift:
        return None
    by_symbol: dict[str, list[str]] = {}
    for each in drift:
        by_symbol.setdefault(each.symbol or "age", []).append(each.detail)
    context = {key: "; ".join(details) for key, details in by_symbol.items()}
    symbols = sorted({d.symbol for d in drift if d.symbol})
    if symbols:
        context["symbols"] = ",".join(symbols)
    changed = [f"{counted(len(symbols), 'symbol')} changed"] if symbols else []
    changed += ["its age does not fit"] if "age" in by_symbol else []
    message = "the plan no longer fits the account, nothing placed: " + " and ".join(changed)
    return PortfolioError.of(ErrorKind.PLAN_STALE, message, **context)


def check_fresh(  # noqa: PLR0913 - as plan_drift
    plan: RebalancePlan,
    snapshot: Snapshot,
    *,
    max_price_move: Decimal = DEFAULT_MAX_PRICE_MOVE,
    max_age: timedelta = DEFAULT_MAX_AGE,
    placed: AbstractSet[str] = frozenset(),
    own_orders: AbstractSet[str] = frozenset(),
) -> Result[RebalancePlan, PortfolioError]:
    """The plan when it still fits `snapshot`; else Failure(PLAN_STALE) (or a `plan_drift` one).

    >>> from portfolio import Allocation, plan_rebalance
    >>> from datetime import datetime, timezone
    >>> account = Snapshot(cash=Decimal(1000), prices={"SPY": Decimal(100)},
    ...     as_of=datetime(2026, 1, 5, 21, tzinfo=timezone.utc))
    >>> allocation = Allocation(target_weights={"SPY": Decimal(1)}, correlation_id="doc")
    >>> made = plan_rebalance(allocation, account).unwrap()
    >>> check_fresh(made, account).unwrap() == made
    True
    >>> later = attrs.evolve(account, prices={"SPY": Decimal("103")})
    >>> check_fresh(made, later).failure().context["SPY"]
    'price 103, planned at 100 (+3%)'
    >>> check_fresh(made, later, max_price_move=Decimal("0.03")).unwrap() == made
    True
    """
    drift = plan_drift(
        plan,
        snapshot,
        max_price_move=max_price_move,
        max_age=max_age,
        placed=placed,
        own_orders=own_orders,
    )
    return drift.bind(
        lambda found: (
            Success(plan) if (problem := stale_problem(found)) is None else Failure(problem)
        )
    )


def _limits_problem(max_price_move: Decimal, max_age: timedelta) -> PortfolioError | None:
    given: tuple[object, object] = (max_price_move, max_age)
    if not isinstance(given[0], Decimal) or not isinstance(given[1], timedelta):
        msg = "max_price_move must be a Decimal and max_age a timedelta"
        raise TypeError(msg)
    if not max_price_move.is_finite() or max_price_move < 0:
        return PortfolioError.of(
            ErrorKind.INVALID_CONFIG,
            "max_price_move must be a finite fraction ≥ 0 (0.02 = 2 %)",
            max_price_move=max_price_move,
        )
    if max_age < timedelta(0):
        return PortfolioError.of(
            ErrorKind.INVALID_CONFIG, "max_age must not be negative", max_age=max_age
        )
    return None


def _inputs_problem(plan: RebalancePlan, snapshot: Snapshot) -> PortfolioError | None:
    given: tuple[object, object] = (plan, snapshot)
    if not isinstance(given[0], RebalancePlan) or not isinstance(given[1], Snapshot):
        msg = "plan_drift(plan, snapshot) takes a RebalancePlan and a Snapshot"
        raise TypeError(msg)
    return _held_problem(plan) or plan_problem(plan) or snapshot_problem(snapshot)


def _held_problem(plan: RebalancePlan) -> PortfolioError | None:
    """INVALID_PLAN for a plan without a (valid) record of the positions it was made from."""
    held: object = plan.held
    if isinstance(held, Mapping) and all(is_bounded(q) for q in held.values()):
        items: tuple[object, ...] = plan.items  # data: a plan built by hand may hold anything
        planned = {i.symbol for i in items if isinstance(i, PlanItem)}
        missing = sorted(planned - held.keys())
        if not missing:
            return None
        return PortfolioError.of(
            ErrorKind.INVALID_PLAN,
            "the positions the plan was made from (held) must name every planned symbol, "
            "0 for one not held: without it, a position taken since cannot be seen",
            plan_id=plan.plan_id,
            symbols=",".join(missing),
        )
    if isinstance(held, Mapping):
        unbounded = sorted(str(symbol) for symbol, q in held.items() if not is_bounded(q))
        return PortfolioError.of(
            ErrorKind.INVALID_PLAN,
            f"the positions the plan was made from (held) must be numbers of magnitude at "
            f"most {MAX_AMOUNT}, as a snapshot's are",
            plan_id=plan.plan_id,
            symbols=",".join(unbounded),
        )
    return PortfolioError.of(
        ErrorKind.INVALID_PLAN,
        "the plan does not record the positions it was made from (a plan built by hand, "
        "or saved before schema_version 2): plan again to execute it",
        plan_id=plan.plan_id,
    )


def _price_drift(
    symbol: str, planned: Decimal, now: Decimal | None, limit: Decimal
) -> tuple[Drift, ...]:
    if not (is_bounded(now) and now >= MIN_PRICE):
        detail = f"no valid price now, planned at {_text(planned)}"
        return (Drift(symbol=symbol, change=Change.PRICE, detail=detail),)
    with localcontext(_RATIO):
        move = (now - planned) / planned
    if abs(move) <= limit:
        return ()
    detail = f"price {_text(now)}, planned at {_text(planned)} ({_percent(move)})"
    return (Drift(symbol=symbol, change=Change.PRICE, detail=detail),)


def _age_drift(made: datetime | None, now: datetime | None, limit: timedelta) -> tuple[Drift, ...]:
    if made is None or now is None:
        detail = "the plan's age is unknown: the plan or the account has no as_of"
        return (Drift(symbol="", change=Change.AGE, detail=detail),)
    try:
        age = now - made
    except TypeError:  # one has a time zone, the other not
        detail = "the plan's age is unknown: one as_of has a time zone and the other not"
        return (Drift(symbol="", change=Change.AGE, detail=detail),)
    if -limit <= age <= limit:
        return ()
    if age < -limit:  # made after the account was read: the as_of was edited, or a clock is off
        detail = (
            f"the plan's as_of {made.isoformat()} is {duration(age)} later than the account's "
            f"{now.isoformat()}, beyond the limit {duration(limit)}"
        )
        return (Drift(symbol="", change=Change.AGE, detail=detail),)
    detail = (
        f"the plan is {duration(age)} old (as_of {made.isoformat()}), "
        f"the limit is {duration(limit)}"
    )
    return (Drift(symbol="", change=Change.AGE, detail=detail),)


def _text(value: Decimal) -> str:
    """A quantity or price without trailing zeros, in plain notation."""
    return f"{value.normalize():f}" if value else "0"


def _percent(move: Decimal) -> str:
    with localcontext(_RATIO):
        shown = (move * 100).quantize(Decimal("0.01")).normalize()
    return f"{'+' if move > 0 else ''}{shown:f}%"


def recorded_snapshot(plan: RebalancePlan, now: Snapshot) -> Result[Snapshot, PortfolioError]:
    """The snapshot the plan was made from, as far as the plan records it.

    Its cash is `cash_before`, its positions `held` (open orders already counted in),
    its prices the items' prices, its `as_of` the plan's; the asset facts are `now`'s
    (whether a symbol trades is the broker's answer today). `order_intents` on it gives
    the plan's orders as they were approved. Failure(INVALID_PLAN) without `held`.
    """
    problem = _held_problem(plan)
    if problem is not None:
        return Failure(problem)
    held: Mapping[str, Decimal] = plan.held  # type: ignore[assignment] # checked above
    return Success(
        Snapshot(
            cash=plan.cash_before,
            positions={symbol: quantity for symbol, quantity in held.items() if quantity},
            prices={item.symbol: item.price for item in plan.items},
            assets={s: a for s, a in now.assets.items() if str(s).upper() in held},
            as_of=plan.as_of,
        )
    )
