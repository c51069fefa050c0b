"""What a strategy wants: target weights, as fractions of the portfolio value, and their rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal, localcontext

import attrs

from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.money import CORE_CONTEXT, ZERO, all_within, is_bounded
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import freeze_decimals
from portfolio.records.symbol_keys import key_problem, upper_keys

__all__ = ["Allocation", "CombinedAllocation", "allocation_problem", "upper_weights"]

#: Said when weights look like percentages (50 for half).
PERCENT_HINT = "weights are fractions: 0.5, not 50"
_HUNDRED = Decimal(100)


@attrs.frozen(kw_only=True)
class Allocation:
    """Target weights per symbol, as fractions of the portfolio value (cash included).

    Weights summing below 1 leave the rest in cash; they are never renormalised.
    `portfolio_value` (account currency) overrides the value read from the snapshot.

    Valid when `allocation_problem` finds nothing under the policy in use.
    """

    target_weights: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    correlation_id: str
    portfolio_value: Decimal | None = None
    as_of: datetime | None = None

    @property
    def symbols(self) -> tuple[str, ...]:
        """The targeted symbols, upper-cased and sorted (what the broker must price).

        Weights that are not a mapping (bad data, refused by the planner) have none.
        """
        return _symbols(self.target_weights)

    def with_correlation_id(self, correlation_id: str) -> Allocation:
        """The same allocation under another correlation id (e.g. one rebalance cycle's)."""
        return attrs.evolve(self, correlation_id=correlation_id)


def _symbols(weights: object) -> tuple[str, ...]:
    if not isinstance(weights, Mapping):
        return ()
    return tuple(sorted({str(symbol).upper() for symbol in weights}))


def _freeze_attribution(
    attribution: Mapping[str, Mapping[str, Decimal]],
) -> Mapping[str, Mapping[str, Decimal]]:
    return FrozenDict({symbol: FrozenDict(shares) for symbol, shares in attribution.items()})


@attrs.frozen(kw_only=True)
class CombinedAllocation:
    """Several strategies' weights netted into one allocation.

    `attribution[symbol][strategy]` is that strategy's share of the symbol's combined
    weight (the shares of one symbol sum to 1).
    """

    allocation: Allocation
    attribution: Mapping[str, Mapping[str, Decimal]] = attrs.field(converter=_freeze_attribution)

    @property
    def symbols(self) -> tuple[str, ...]:
        """The combined allocation's symbols."""
        return self.allocation.symbols

    @property
    def correlation_id(self) -> str:
        """The combined allocation's correlation id."""
        return self.allocation.correlation_id

    def with_correlation_id(self, correlation_id: str) -> CombinedAllocation:
        """The same combination under another correlation id."""
        return attrs.evolve(self, allocation=self.allocation.with_correlation_id(correlation_id))


def allocation_problem(allocation: Allocation, policy: SizingPolicy) -> PortfolioError | None:
    """The first problem with the allocation under `policy`, or None.

    A string `correlation_id`; `portfolio_value` None or in [0, 1E+15]; weights keyed by
    symbols, finite Decimals, non-negative unless shorting, each |w| and Σ|w| at most
    `max_gross_exposure` (INVALID_WEIGHTS naming every offending symbol).

    >>> policy = SizingPolicy()
    >>> allocation_problem(Allocation(target_weights={"SPY": Decimal(50), "QQQ": Decimal(50)},
    ...     correlation_id="c"), policy).message
    "a weight's magnitude exceeds max_gross_exposure; weights are fractions: 0.5, not 50"
    """
    if not _is_str(allocation.correlation_id):
        return _invalid("correlation_id must be a string")
    value = allocation.portfolio_value
    if value is not None and not (is_bounded(value) and value >= 0):
        return _invalid(
            "portfolio_value must be None or a finite Decimal in [0, 1E+15]",
            portfolio_value=value,
        )
    weights = allocation.target_weights
    problem = key_problem(weights, "target_weights", ErrorKind.INVALID_WEIGHTS)
    if problem is not None:
        return problem
    limit = policy.max_gross_exposure
    low = -limit if policy.allow_short else ZERO
    with localcontext(CORE_CONTEXT):
        if all_within(weights.values(), low, limit) and _gross(weights, policy) <= limit:
            return None  # the fast path, in C
    return _weight_problem(upper_keys(weights), policy)


def _gross(weights: Mapping[str, Decimal], policy: SizingPolicy) -> Decimal:
    """Σ|w| of weights within their bounds (no weight is negative unless shorting)."""
    if policy.allow_short:
        return sum(map(abs, weights.values()), ZERO)
    return sum(weights.values(), ZERO)


def upper_weights(allocation: Allocation) -> Mapping[str, Decimal]:
    """The weights under upper-cased symbols; for allocations without problems only."""
    return upper_keys(allocation.target_weights)  # type: ignore[return-value] # Decimals, checked


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _invalid(message: str, **context: object) -> PortfolioError:
    return PortfolioError.of(ErrorKind.INVALID_ALLOCATION, message, **context)


def looks_like_percent(weights: Iterable[Decimal], limit: Decimal) -> bool:
    """Weights written as percentages: each within ±100, gross more than twice the limit.

    Twice the limit, so that leverage written as a fraction (1.5 under a limit of 1) is
    told only that it exceeds `max_gross_exposure`, not that it may be a percentage.

    >>> [looks_like_percent(w, Decimal(1)) for w in ([Decimal(50), Decimal(50)],
    ...     [Decimal("1.5")], [Decimal(30)], [Decimal(150)])]
    [True, False, True, False]
    """
    magnitudes = [w.copy_abs() for w in weights]  # exact: copy_abs reads no context
    with localcontext(CORE_CONTEXT):  # every |w| ≤ 100: the sum cannot overflow
        return max(magnitudes, default=ZERO) <= _HUNDRED and sum(magnitudes, ZERO) > 2 * limit


def _weight_problem(weights: Mapping[str, object], policy: SizingPolicy) -> PortfolioError:
    """Which weights are wrong, and how (the slow path, only for bad weights)."""
    limit, shorts = policy.max_gross_exposure, policy.allow_short
    bad = [s for s, w in weights.items() if type(w) is not Decimal or not w.is_finite()]
    if bad:
        message = "weights must be finite Decimals (not float, NaN or infinity)"
        return PortfolioError.invalid_weights(message, bad)
    decimals: Mapping[str, Decimal] = weights  # type: ignore[assignment] # all Decimal, checked
    negative = [s for s, w in decimals.items() if w < ZERO and not shorts]
    if negative:
        message = "negative weights need SizingPolicy(allow_short=True)"
        return PortfolioError.invalid_weights(message, negative)
    hint = f"; {PERCENT_HINT}" if looks_like_percent(decimals.values(), limit) else ""
    too_big = [s for s, w in decimals.items() if not -limit <= w <= limit]
    if too_big:
        message = "a weight's magnitude exceeds max_gross_exposure" + hint
        return PortfolioError.invalid_weights(message, too_big, max_gross_exposure=limit)
    with localcontext(CORE_CONTEXT):  # every |w| ≤ 10 here: the sum cannot overflow
        gross = sum(map(abs, decimals.values()), ZERO)
    return PortfolioError.invalid_weights(
        "the sum of |weights| exceeds max_gross_exposure" + hint,
        decimals.keys(),
        gross_exposure=gross,
        max_gross_exposure=limit,
    )
