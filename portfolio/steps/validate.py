"""Step 1, validate: check the inputs once, so that later steps need not.

Each record's rules live beside the record (`allocation_problem`, `policy_problem`,
`snapshot_problem`, `price_problem`); this step applies them in order and wraps the
first problem once, as a `Failure`. It runs in two parts so that a `Planner` can check
an allocation and a policy once and many snapshots after: `prepare` (allocation ×
policy → `Prepared`), then `check_snapshot` (`Prepared` × snapshot → `Checked`, plan id
included). `validate` is the two in a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime
from decimal import Decimal, localcontext
from itertools import repeat
from operator import mul as _times

import attrs
from returns.result import Failure, Result, Success

from portfolio.allocation import Allocation, CombinedAllocation, allocation_problem, upper_weights
from portfolio.errors import ErrorKind, PortfolioError
from portfolio.frozen import FrozenDict
from portfolio.money import CORE_CONTEXT, ZERO, to_cents
from portfolio.plan import freeze_metadata_mapping
from portfolio.policy import SizingPolicy, policy_problem
from portfolio.snapshot import (
    Asset,
    Snapshot,
    freeze_assets,
    freeze_decimals,
    held_quantities,
    price_problem,
    snapshot_problem,
)
from portfolio.steps.plan_id import IdSeed, plan_id
from portfolio.symbol_keys import upper_keys

__all__ = ["Checked", "Prepared", "check_snapshot", "prepare", "validate"]


@attrs.frozen(kw_only=True)
class Prepared:
    """An allocation and a policy that passed their rules, ready for any snapshot.

    `weights` has upper-cased symbols; `targeted` is their sorted tuple; `metadata`
    carries a combined allocation's attribution. `seed` is the plan id's fixed part.
    """

    correlation_id: str
    policy: SizingPolicy
    portfolio_value: Decimal | None
    weights: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    targeted: tuple[str, ...]
    metadata: Mapping[str, object] = attrs.field(converter=freeze_metadata_mapping)
    seed: IdSeed = attrs.field(eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Checked:
    """Validated, normalised inputs: upper-case symbols, every needed price present.

    `symbols` is the sorted universe (targeted ∪ held); `weights`, `quantities` and
    `prices` have an entry for every one of them (0 where untargeted or not held).
    `total_value` is V in cents; `cash` in account currency. `plan_id` is derived
    from all of these by the plan id step (`portfolio.steps.plan_id`).
    """

    correlation_id: str
    as_of: datetime | None
    policy: SizingPolicy
    cash: Decimal
    total_value: Decimal
    symbols: tuple[str, ...]
    weights: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    quantities: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    prices: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    assets: Mapping[str, Asset] = attrs.field(converter=freeze_assets)
    metadata: Mapping[str, object] = attrs.field(
        factory=FrozenDict, converter=freeze_metadata_mapping
    )
    plan_id: str


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


def prepare(
    allocation: Allocation | CombinedAllocation, policy: SizingPolicy
) -> Result[Prepared, PortfolioError]:
    """Check the allocation under the policy, once; the first problem is the Failure."""
    metadata: Mapping[str, object] = FrozenDict()
    if isinstance(allocation, CombinedAllocation):
        metadata = FrozenDict({"strategy_attribution": allocation.attribution})
        allocation = allocation.allocation
    problem = _argument_problem(allocation, Allocation, ErrorKind.INVALID_ALLOCATION, "allocation")
    problem = problem or _argument_problem(policy, SizingPolicy, ErrorKind.INVALID_POLICY, "policy")
    problem = problem or policy_problem(policy) or allocation_problem(allocation, policy)
    if problem is not None:
        return Failure(problem)
    weights = upper_weights(allocation)
    targeted = tuple(sorted(weights))
    return Success(
        Prepared(
            correlation_id=allocation.correlation_id,
            policy=policy,
            portfolio_value=allocation.portfolio_value,
            weights=weights,
            targeted=targeted,
            metadata=metadata,
            seed=IdSeed(allocation.correlation_id, policy, weights, targeted),
        )
    )


def _argument_problem(
    value: object, kind: type, error: ErrorKind, name: str
) -> PortfolioError | None:
    """A top-level argument of the wrong type (which mypy refuses at the call site)."""
    if isinstance(value, kind):
        return None
    return PortfolioError.of(error, f"{name} must be a {kind.__name__}", got=type(value).__name__)


def check_snapshot(prepared: Prepared, snapshot: Snapshot) -> Result[Checked, PortfolioError]:
    """Check a snapshot against a prepared allocation: the validated inputs, or the Failure."""
    problem = _argument_problem(snapshot, Snapshot, ErrorKind.INVALID_SNAPSHOT, "snapshot")
    problem = problem or snapshot_problem(snapshot)
    if problem is not None:
        return Failure(problem)
    held = held_quantities(snapshot)
    weights = prepared.weights
    universe: AbstractSet[str] = weights.keys()
    if held.keys() <= universe:
        symbols = prepared.targeted
    else:
        universe = weights.keys() | held.keys()
        symbols = tuple(sorted(universe))
        weights = FrozenDict(zip(symbols, map(weights.get, symbols, repeat(ZERO)), strict=True))
    prices: Mapping[str, Decimal] = upper_keys(snapshot.prices)  # type: ignore[assignment]
    assets: Mapping[str, Asset] = upper_keys(snapshot.assets)  # type: ignore[assignment]
    problem = price_problem(prices, symbols, universe) or _short_problem(
        weights, assets, prepared.policy
    )
    if problem is not None:
        return Failure(problem)
    price_column = tuple(map(prices.__getitem__, symbols))
    with localcontext(CORE_CONTEXT):
        value = prepared.portfolio_value
        if value is None:
            value = snapshot.cash + sum(
                map(_times, held.values(), map(prices.__getitem__, held)), ZERO
            )
        value = to_cents(value)
    if value < 0:
        return Failure(PortfolioError.invalid_snapshot("portfolio value is negative", value=value))
    return Success(
        _checked(prepared, snapshot, symbols, weights, held, price_column, assets, value)
    )


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


def _checked(  # noqa: PLR0913, PLR0917 - the parts validation has gathered
    prepared: Prepared,
    snapshot: Snapshot,
    symbols: tuple[str, ...],
    weights: Mapping[str, Decimal],
    held: dict[str, Decimal],
    prices: tuple[Decimal, ...],
    assets: Mapping[str, Asset],
    value: Decimal,
) -> Checked:
    """The validated record, its plan id included."""
    cash = snapshot.cash
    identity = plan_id(
        prepared.seed,
        as_of=snapshot.as_of,
        cash=cash,
        total_value=value,
        symbols=symbols,
        prices=prices,
        held=held,
        assets=assets,
    )
    return Checked(
        correlation_id=prepared.correlation_id,
        as_of=snapshot.as_of,
        policy=prepared.policy,
        cash=cash,
        total_value=value,
        symbols=symbols,
        weights=weights,
        quantities=FrozenDict(zip(symbols, map(held.get, symbols, repeat(ZERO)), strict=True)),
        prices=FrozenDict(zip(symbols, prices, strict=True)),
        assets=FrozenDict(assets),
        metadata=prepared.metadata,
        plan_id=identity,
    )
