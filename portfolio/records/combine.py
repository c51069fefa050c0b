"""Several strategies' sleeves netted into one allocation, with per-symbol attribution."""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, localcontext

from returns.result import Failure, Result, Success

from portfolio.records.allocation import Allocation, CombinedAllocation
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import CORE_CONTEXT, ZERO, is_bounded
from portfolio.records.policy import MAX_GROSS_EXPOSURE
from portfolio.records.symbol_keys import key_problem, upper_keys

__all__ = ["combine_allocations"]


def combine_allocations(
    sleeves: Mapping[str, Allocation], correlation_id: str
) -> Result[CombinedAllocation, PortfolioError]:
    """Sum portfolio-level sleeve weights per symbol and record who contributed what.

    `attribution[symbol][strategy]` = the strategy's weight / the combined weight
    (symbols that net to exactly 0 keep weight 0, so holdings are sold, and get no
    attribution). The combined allocation has no `portfolio_value`, and the latest
    `as_of` of its sleeves. Sleeve weights must be finite Decimals of magnitude at most
    10 (the largest gross exposure a policy allows); a Failure names the others.

    >>> from decimal import Decimal as D
    >>> combined = combine_allocations({
    ...     "momentum": Allocation(target_weights={"AAPL": D("0.30")}, correlation_id="m"),
    ...     "mean_reversion": Allocation(target_weights={"AAPL": D("0.20")}, correlation_id="r"),
    ... }, "corr-123").unwrap()
    >>> combined.allocation.target_weights["AAPL"], dict(combined.attribution["AAPL"])
    (Decimal('0.50'), {'mean_reversion': Decimal('0.4'), 'momentum': Decimal('0.6')})
    """
    problem = _sleeves_problem(sleeves, correlation_id)
    if problem is not None:
        return Failure(problem)
    contributions: dict[str, dict[str, Decimal]] = {}
    for strategy in sorted(sleeves):
        for symbol, weight in upper_keys(sleeves[strategy].target_weights).items():
            contributions.setdefault(symbol, {})[strategy] = weight  # type: ignore[assignment] # checked
    try:
        with localcontext(CORE_CONTEXT):
            combined = {s: sum(parts.values(), ZERO) for s, parts in sorted(contributions.items())}
            attribution = {
                s: {k: w / combined[s] for k, w in sorted(parts.items()) if w != 0}
                for s, parts in sorted(contributions.items())
                if combined[s] != 0
            }
    except decimal.DecimalException:  # shares of a combined weight that nets to almost 0
        return _fail(
            ErrorKind.INVALID_WEIGHTS,
            "sleeve weights net to a combined weight too small to attribute",
        )
    stamps = [a.as_of for a in sleeves.values() if isinstance(a.as_of, datetime)]
    try:
        as_of = max(stamps) if stamps else None
    except TypeError:  # naive and aware datetimes do not compare
        return _fail(ErrorKind.INVALID_ALLOCATION, "sleeves mix naive and aware as_of datetimes")
    allocation = Allocation(target_weights=combined, correlation_id=correlation_id, as_of=as_of)
    return Success(CombinedAllocation(allocation=allocation, attribution=attribution))


def _sleeves_problem(sleeves: object, correlation_id: object) -> PortfolioError | None:
    """The first problem with the sleeves: their kinds, their keys, their weights."""
    if not isinstance(correlation_id, str):
        return PortfolioError.of(ErrorKind.INVALID_ALLOCATION, "correlation_id must be a string")
    if not isinstance(sleeves, Mapping) or not sleeves:
        return PortfolioError.of(
            ErrorKind.INVALID_ALLOCATION, "sleeves must be a non-empty mapping"
        )
    for strategy in sorted(sleeves, key=str):
        sleeve = sleeves[strategy]
        if not isinstance(strategy, str) or not isinstance(sleeve, Allocation):
            return PortfolioError.of(
                ErrorKind.INVALID_ALLOCATION,
                "sleeves must map strategy names to Allocation records",
                strategy=repr(strategy),
            )
        weights = sleeve.target_weights
        problem = key_problem(weights, "target_weights", ErrorKind.INVALID_WEIGHTS)
        if problem is not None:
            return problem
        bad = sorted(
            str(s).upper() for s, w in weights.items() if not is_bounded(w, MAX_GROSS_EXPOSURE)
        )
        if bad:
            return PortfolioError.invalid_weights(
                "weights must be finite Decimals of magnitude at most 10", bad, strategy=strategy
            )
    return None


def _fail(kind: ErrorKind, message: str, **context: object) -> Failure[PortfolioError]:
    return Failure(PortfolioError.of(kind, message, **context))
