"""What a strategy wants: target weights, as fractions of the portfolio value."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from portfolio.frozen import FrozenDict
from portfolio.snapshot import freeze_decimals

__all__ = ["Allocation", "CombinedAllocation"]


@attrs.frozen(kw_only=True)
class Allocation:
    """Target weights per symbol, as fractions of the portfolio value (cash included).

    Weights summing below 1 leave the rest in cash; they are never renormalised.
    `portfolio_value` (account currency) overrides the value read from the snapshot.
    """

    target_weights: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    correlation_id: str
    portfolio_value: Decimal | None = None
    as_of: datetime | None = None

    @property
    def symbols(self) -> tuple[str, ...]:
        """The targeted symbols, upper-cased and sorted (what the broker must price)."""
        weights: object = self.target_weights
        if not isinstance(weights, Mapping):
            return ()
        return tuple(sorted({str(symbol).upper() for symbol in weights}))

    def with_correlation_id(self, correlation_id: str) -> Allocation:
        """The same allocation under another correlation id (e.g. one rebalance cycle's)."""
        return attrs.evolve(self, correlation_id=correlation_id)


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
