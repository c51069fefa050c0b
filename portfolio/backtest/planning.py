"""The planner as the backtest uses it: prepared once per allocation, then asked per bar.

The rules are `plan_rebalance`'s (no second planner): `Planner.prepare` validates the
allocation and the policy once, `planner.plan_trusted` plans each bar (the fold's
account as it is, without a snapshot or a plan id; `portfolio.backtest.lazy` names the
plans when they are read). A targeted
symbol without a price yet (or any more) is taken out of the allocation first, by the
rule of `MissingData.late_listing` (see `portfolio.backtest.gaps`).
"""

from __future__ import annotations

import decimal
from collections.abc import Collection, Mapping
from decimal import Decimal

import attrs
from returns.result import Result

from portfolio.backtest.gaps import LateListing
from portfolio.records.allocation import Allocation, CombinedAllocation
from portfolio.records.errors import PortfolioError
from portfolio.records.policy import SizingPolicy
from portfolio.steps.planner import Planner

__all__ = ["prepare", "target_weights", "without"]

#: Spread weights are rounded down, so that they never add up to more than before.
_DOWN = decimal.Context(prec=28, rounding=decimal.ROUND_DOWN, traps=[])


def prepare(
    allocation: Allocation | CombinedAllocation, policy: SizingPolicy
) -> Result[Planner, PortfolioError]:
    """Check the allocation and the policy once; plan any number of snapshots with them."""
    return Planner.prepare(allocation, policy)


def target_weights(allocation: Allocation | CombinedAllocation) -> Mapping[str, Decimal]:
    """Upper-cased finite weights; bad ones are left for the planner to report."""
    given: object = allocation
    inner = given.allocation if isinstance(given, CombinedAllocation) else given
    weights: object = inner.target_weights if isinstance(inner, Allocation) else {}
    if not isinstance(weights, Mapping):
        return {}
    return {
        str(symbol).upper(): weight
        for symbol, weight in weights.items()
        if isinstance(weight, Decimal) and weight.is_finite()
    }


def without(
    allocation: Allocation | CombinedAllocation, unpriced: Collection[str], rule: LateListing
) -> Allocation | CombinedAllocation:
    """The allocation without the `unpriced` symbols: their weight in cash, or spread.

    Spreading scales the remaining weights by (total ÷ remaining total), rounded down.
    """
    inner = allocation.allocation if isinstance(allocation, CombinedAllocation) else allocation
    valid = target_weights(allocation)
    if len(valid) != len(inner.target_weights):
        return allocation  # bad weights: the planner reports them
    weights = {
        symbol: weight
        for symbol, weight in inner.target_weights.items()
        if str(symbol).upper() not in unpriced
    }
    if rule is LateListing.SPREAD:
        weights = _spread(weights, sum(valid.values(), Decimal(0)))
    trimmed = attrs.evolve(inner, target_weights=weights)
    if isinstance(allocation, CombinedAllocation):
        return attrs.evolve(allocation, allocation=trimmed)
    return trimmed


def _spread(weights: Mapping[str, Decimal], total: Decimal) -> dict[str, Decimal]:
    with decimal.localcontext(_DOWN):
        kept = sum(weights.values(), Decimal(0))
        if kept <= 0:
            return dict(weights)
        return {symbol: weight * total / kept for symbol, weight in weights.items()}
