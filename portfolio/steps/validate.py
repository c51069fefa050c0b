"""Step 1b, validate: check a snapshot against a prepared allocation, so later steps need not.

The snapshot's rules live beside `Snapshot` (`snapshot_problem`, `price_problem`); this
step applies them and wraps the first problem once, as a `Failure`. Validation runs in
two parts so that a `Planner` checks an allocation and a policy once and many
snapshots after: `prepare` (steps/prepare.py: allocation × policy → `Prepared`), then
`columns` (`Prepared` × snapshot → `Columns`, plan id included). `validate` is the two
in a row, with the result as a `Checked` record of mappings.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime
from decimal import Decimal, localcontext
from itertools import repeat
from operator import mul as _times

from returns.result import Failure, Result, Success

from portfolio.orders.open_orders import netted_account
from portfolio.records.allocation import Allocation, CombinedAllocation
from portfolio.records.asset_facts import check_asset_facts
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import (
    CORE_CONTEXT,
    MAX_AMOUNT,
    MIN_PRICE,
    ZERO,
    all_within,
    core_cash,
    to_cents,
)
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import (
    Asset,
    Snapshot,
    account_problem,
    held_quantities,
    plain_snapshot,
    price_problem,
    snapshot_problem,
    upper_known,
)
from portfolio.steps.checked import Checked, Columns
from portfolio.steps.plan_id import IdSeed, plan_id
from portfolio.steps.prepare import Prepared, argument_problem, prepare

__all__ = [
    "Checked",
    "Columns",
    "as_result",
    "check_snapshot",
    "columns",
    "columns_or_error",
    "trusted_columns",
    "validate",
]


def validate(
    allocation: Allocation | CombinedAllocation,
    snapshot: Snapshot,
    policy: SizingPolicy = SizingPolicy(),  # noqa: B008 - a frozen record is a safe default
) -> Result[Checked, PortfolioError]:
    """Check allocation, snapshot and policy together; Failure names every bad symbol.

    >>> from decimal import Decimal as D
    >>> snap = Snapshot(cash=D(100), prices={"spy": D(10)})
    >>> nan = Allocation(target_weights={"SPY": D("NaN")}, correlation_id="c")
    >>> validate(nan, snap).failure().kind
    <ErrorKind.INVALID_WEIGHTS: 'invalid_weights'>
    """
    return prepare(allocation, policy).bind(lambda prepared: check_snapshot(prepared, snapshot))


def check_snapshot(prepared: Prepared, snapshot: Snapshot) -> Result[Checked, PortfolioError]:
    """Check a snapshot against a prepared allocation: the validated inputs, or the Failure."""
    with localcontext(CORE_CONTEXT):
        return columns(prepared, snapshot).map(Checked.of)


def columns(
    prepared: Prepared, snapshot: Snapshot, correlation_id: str | None = None
) -> Result[Columns, PortfolioError]:
    """Check a snapshot against a prepared allocation: the validated inputs as columns.

    Call inside the core context (`check_snapshot` and the planner do). Keys that are
    targeted symbols were checked by `prepare` and are not checked again. With
    `correlation_id`, the columns are named as those of the same allocation under that
    id (a shared model's account, `steps.shared_models`): the plan id's seed is rebased.
    """
    return as_result(columns_or_error(prepared, snapshot, correlation_id))


def as_result(checked: Columns | PortfolioError) -> Result[Columns, PortfolioError]:
    """The columns as a `Success`, the problem as a `Failure`."""
    return Failure(checked) if isinstance(checked, PortfolioError) else Success(checked)


def columns_or_error(
    prepared: Prepared, snapshot: Snapshot, correlation_id: str | None = None
) -> Columns | PortfolioError:
    """`columns`, unwrapped: for the planner, which wraps only the plan in a `Result`.

    A `Success` it would unwrap at once cost 5 thousand instructions a plan (`returns`
    builds one in Python), 0.7 % of a 20-symbol account on a shared model.
    """
    name = (prepared.correlation_id, prepared.seed)
    if correlation_id is not None and correlation_id != name[0]:
        name = (correlation_id, prepared.seed.rebased(correlation_id))
    known = prepared.weights.keys()
    if type(snapshot) is Snapshot and plain_snapshot(snapshot, known):  # the common case
        return _columns(
            prepared,
            snapshot.as_of,
            (snapshot.positions, snapshot.cash),
            snapshot.prices,
            {},
            name=name,
            targeted=True,  # `plain_snapshot` checked that every held symbol is targeted
        )
    problem = argument_problem(snapshot, Snapshot, ErrorKind.INVALID_SNAPSHOT, "snapshot")
    problem = problem or snapshot_problem(snapshot, known)
    if problem is not None:
        return problem
    held, cash = held_quantities(snapshot, known), snapshot.cash
    prices: Mapping[str, Decimal] = upper_known(snapshot.prices, known)  # type: ignore[assignment]
    assets: Mapping[str, Asset] = upper_known(snapshot.assets, known)  # type: ignore[assignment]
    if assets and (problem := check_asset_facts(assets)) is not None:
        return problem
    if snapshot.open_orders:  # netted as if filled at these prices (portfolio.orders.open_orders)
        netted = netted_account(
            snapshot.open_orders, held, cash, prices, allow_short=prepared.policy.allow_short
        )
        if not isinstance(netted, Success):
            return netted.failure()
        return _columns(prepared, snapshot.as_of, netted.unwrap(), prices, assets, name=name)
    return _columns(prepared, snapshot.as_of, (held, cash), prices, assets, name=name)


def trusted_columns(
    prepared: Prepared,
    account: tuple[Mapping[str, Decimal], Decimal],
    prices: Mapping[str, Decimal],
    as_of: datetime | None,
) -> Columns | PortfolioError:
    """`columns` of an account whose fields passed their rules already, without a plan id.

    For a caller that checked its inputs once, as the backtest does (its price table when
    it starts, then accounts that only plans and checked cash flows changed): `account`
    = (held, cash), held without zeros, every key upper-case. The rest is checked as in
    `columns` (the prices the plan needs, V); `plan_id` is left empty. Call inside the
    core context. `Planner.plan_trusted` reads it unwrapped (`columns_or_error`'s reason).
    """
    problem = account_problem(*account)
    if problem is not None:  # cash flows and trades may carry the account out of bounds
        return problem
    return _columns(prepared, as_of, account, prices, {}, name=None)


def _columns(  # noqa: PLR0913 - a snapshot's parts, and the plan's name
    prepared: Prepared,
    as_of: datetime | None,
    account: tuple[Mapping[str, Decimal], Decimal],
    prices: Mapping[str, Decimal],
    assets: Mapping[str, Asset],
    *,
    name: tuple[str, IdSeed] | None,
    targeted: bool = False,
) -> Columns | PortfolioError:
    """The columns of a snapshot whose fields passed their rules; `account` = (held, cash).

    Checks the prices the plan needs, short targets and V; call inside the core context.
    Cash with more than 34 decimals is rounded to them (`core_cash`), so that the plan's
    `cash_after = cash_before − Σ trade_amount` is exact. `name` = (correlation id, the
    plan id's seed); without it, the plan id is left empty (under the prepared id).
    `targeted`: every held symbol is known to be a targeted one (checked already).
    """
    held, cash = account[0], core_cash(account[1])
    known = prepared.weights.keys()
    problem: PortfolioError | None = None
    universe: AbstractSet[str] = known
    symbols, weight_column = prepared.targeted, prepared.weight_column
    if not targeted and not held.keys() <= universe:
        universe = known | held.keys()
        symbols = tuple(sorted(universe))
        weight_column = tuple(map(prepared.weights.get, symbols, repeat(ZERO)))
    price_column: tuple[Decimal, ...] = tuple(map(prices.get, symbols))  # type: ignore[arg-type]
    if not all_within(price_column, MIN_PRICE, MAX_AMOUNT):  # checked in C when all is well
        problem = price_problem(prices, symbols, universe)
    if prepared.policy.allow_short:  # the only policy with short targets to refuse
        problem = problem or _short_problem(prepared.weights, assets, prepared.policy)
    if problem is not None:
        return problem
    value = _portfolio_value(prepared.portfolio_value, cash, held, prices)
    if value <= 0 and (value < 0 or _equity(cash, held, prices) < 0):  # -0.004 is -0.00
        return PortfolioError.invalid_snapshot("portfolio value is negative", value=value)
    correlation_id, seed = name if name is not None else (prepared.correlation_id, None)
    return Columns(
        correlation_id=correlation_id,
        as_of=as_of,
        policy=prepared.policy,
        cash=cash,
        total_value=value,
        symbols=symbols,
        weights=weight_column,
        quantities=tuple(map(held.get, symbols, repeat(ZERO))),
        prices=price_column,
        assets=assets,
        metadata=prepared.metadata,
        plan_id=plan_id(
            seed,
            as_of=as_of,
            cash=cash,
            symbols=symbols,
            prices=price_column,
            held=held,
            assets=assets,
        )
        if seed is not None
        else "",
        headroom=prepared.headroom,
        limits=prepared.limits,
    )


def _portfolio_value(
    given: Decimal | None, cash: Decimal, held: Mapping[str, Decimal], prices: Mapping[str, Decimal]
) -> Decimal:
    """V in cents: the allocation's `portfolio_value`, or the equity (`_equity`).

    Call inside the core context.
    """
    if given is not None:
        return to_cents(given)
    return to_cents(_equity(cash, held, prices))


def _equity(cash: Decimal, held: Mapping[str, Decimal], prices: Mapping[str, Decimal]) -> Decimal:
    """Cash + Σ quantity × price (shorts negative), unrounded; call inside the core context.

    An account whose equity is below zero, by however little, cannot buy back its shorts.
    """
    return cash + sum(map(_times, held.values(), map(prices.__getitem__, held)), ZERO)


def _short_problem(
    weights: Mapping[str, Decimal], assets: Mapping[str, Asset], policy: SizingPolicy
) -> PortfolioError | None:
    """Short targets on assets the broker says cannot be shorted are refused."""
    if not policy.allow_short:
        return None
    refused = [s for s, w in weights.items() if w < 0 and s in assets and not assets[s].shortable]
    if not refused:
        return None
    return PortfolioError.invalid_weights("the broker says these cannot be shorted", refused)
