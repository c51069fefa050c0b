"""Step 1a, prepare: check an allocation under a policy once, for any number of snapshots.

The allocation's rules live beside `Allocation` (`allocation_problem`), the policy's
beside `SizingPolicy` (`policy_problem`); this step applies them and wraps the first
problem once, as a `Failure`. It also digests the plan id's fixed part (`IdSeed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext

import attrs
from returns.result import Failure, Result, Success

from portfolio.records.allocation import (
    Allocation,
    CombinedAllocation,
    allocation_problem,
    upper_weights,
)
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.money import CORE_CONTEXT, ZERO
from portfolio.records.plan import freeze_metadata_mapping
from portfolio.records.policy import SizingPolicy, policy_problem
from portfolio.records.snapshot import freeze_decimals
from portfolio.steps.plan_id import IdSeed
from portfolio.steps.rules import Thresholds

__all__ = ["Prepared", "argument_problem", "prepare", "rebased"]


@attrs.frozen(kw_only=True)
class Prepared:
    """An allocation and a policy that passed their rules, ready for any snapshot.

    `weights` has upper-cased symbols; `targeted` is their sorted tuple and
    `weight_column` their weights in that order; `metadata` carries a combined
    allocation's attribution. `seed` is the plan id's fixed part. `headroom` is
    1 − Σ weights when no weight is signed (None otherwise): what lets the targets'
    rounding skip its sum (`steps.targets.target_column`). `limits` are the policy's
    thresholds when the portfolio value does not enter them (`Thresholds.fixed`).
    """

    correlation_id: str
    policy: SizingPolicy
    portfolio_value: Decimal | None
    weights: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    targeted: tuple[str, ...]
    weight_column: tuple[Decimal, ...]
    metadata: Mapping[str, object] = attrs.field(converter=freeze_metadata_mapping)
    seed: IdSeed = attrs.field(eq=False, repr=False)
    headroom: Decimal | None = attrs.field(default=None, eq=False, repr=False)
    limits: Thresholds | None = attrs.field(default=None, eq=False, repr=False)


_FIELDS = tuple(field.name for field in attrs.fields(Prepared))


def rebased(prepared: Prepared, correlation_id: str) -> Prepared:
    """The same model under another correlation id, its plan id's seed rebased.

    Its other fields passed their rules and converters when it was prepared, so they are
    shared as they are (`attrs.evolve` would convert the weights again: a tenth of a
    shared-model plan of 20 symbols).
    """
    model = object.__new__(Prepared)
    for name in _FIELDS:
        object.__setattr__(model, name, getattr(prepared, name))
    object.__setattr__(model, "correlation_id", correlation_id)
    object.__setattr__(model, "seed", prepared.seed.rebased(correlation_id))
    return model


def prepare(
    allocation: Allocation | CombinedAllocation, policy: SizingPolicy
) -> Result[Prepared, PortfolioError]:
    """Check the allocation under the policy, once; the first problem is the Failure."""
    metadata: Mapping[str, object] = FrozenDict()
    if isinstance(allocation, CombinedAllocation):
        metadata = FrozenDict({"strategy_attribution": allocation.attribution})
        allocation = allocation.allocation
    problem = argument_problem(allocation, Allocation, ErrorKind.INVALID_ALLOCATION, "allocation")
    problem = problem or argument_problem(policy, SizingPolicy, ErrorKind.INVALID_POLICY, "policy")
    problem = problem or policy_problem(policy) or allocation_problem(allocation, policy)
    if problem is not None:
        return Failure(problem)
    weights = upper_weights(allocation)
    targeted = tuple(sorted(weights))
    column = tuple(map(weights.__getitem__, targeted))
    return Success(
        Prepared(
            correlation_id=allocation.correlation_id,
            policy=policy,
            portfolio_value=allocation.portfolio_value,
            weights=weights,
            targeted=targeted,
            weight_column=column,
            metadata=metadata,
            seed=IdSeed(
                allocation.correlation_id, policy, weights, targeted, allocation.portfolio_value
            ),
            headroom=_headroom(column),
            limits=Thresholds.fixed(policy),
        )
    )


def _headroom(weights: tuple[Decimal, ...]) -> Decimal | None:
    """1 − Σ weights when no weight is signed (long only), else None; checked weights."""
    if any(map(Decimal.is_signed, weights)):
        return None
    with localcontext(CORE_CONTEXT):
        return 1 - sum(weights, ZERO)


def argument_problem(
    value: object, kind: type, error: ErrorKind, name: str
) -> PortfolioError | None:
    """A top-level argument of the wrong type (which mypy refuses at the call site)."""
    if isinstance(value, kind):
        return None
    return PortfolioError.of(error, f"{name} must be a {kind.__name__}", got=type(value).__name__)
