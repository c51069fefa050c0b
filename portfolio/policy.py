"""How trades are sized and when they are skipped."""

from __future__ import annotations

import decimal
from decimal import Decimal

import attrs

__all__ = ["SizingPolicy"]


@attrs.frozen(kw_only=True)
class SizingPolicy:
    """Trade sizing and threshold rules. See docs/policy.md for worked examples.

    - `min_trade_amount`: skip trades smaller than this, in account currency (≥ 0).
    - `min_trade_pct`: skip trades smaller than this fraction of the portfolio value (0 ≤ x < 1).
      The larger of the two minimums applies. Liquidations are never skipped.
    - `cash_reserve_pct`: fraction of the portfolio value kept in cash (0 ≤ x < 1).
    - `band`: absolute tolerance in weight points (0.05 = five points); 0 = off.
    - `relative_band`: tolerance as a fraction of the target weight (0.25 = 25 %); 0 = off.
      When both are set the smaller band applies (the 5/25 rule).
    - `fractional`: trade fractional shares (assets may still say they are not fractionable).
    - `allow_short`: accept negative target weights.
    - `max_gross_exposure`: largest Σ|weight| accepted (1 = fully invested, no leverage).
    - `rounding`: a `decimal` rounding mode for target values (default ROUND_HALF_EVEN).
    """

    min_trade_amount: Decimal = Decimal("1.00")
    min_trade_pct: Decimal = Decimal(0)
    cash_reserve_pct: Decimal = Decimal(0)
    band: Decimal = Decimal(0)
    relative_band: Decimal = Decimal(0)
    fractional: bool = True
    allow_short: bool = False
    max_gross_exposure: Decimal = Decimal(1)
    rounding: str = decimal.ROUND_HALF_EVEN

    @property
    def amounts(self) -> tuple[Decimal, ...]:
        """The six numeric fields, in declaration order (checked together, hashed together)."""
        return (
            self.min_trade_amount,
            self.min_trade_pct,
            self.cash_reserve_pct,
            self.band,
            self.relative_band,
            self.max_gross_exposure,
        )
