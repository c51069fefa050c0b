"""What trading costs: basis points of the traded value, with a minimum per order."""

from __future__ import annotations

from decimal import Decimal

import attrs

from portfolio.errors import PortfolioError
from portfolio.money import ZERO, is_bounded

__all__ = ["BPS", "CostModel", "cost_problem"]

#: Basis points in one (10,000 bps = 100 %).
BPS = Decimal(10_000)


@attrs.frozen(kw_only=True)
class CostModel:
    """Trading costs: `bps` basis points of each order's traded value, at least `min_fee`.

    Both are finite Decimals ≥ 0 (`cost_problem` checks); `min_fee` is in account
    currency per order. An order's fee never
    exceeds its traded value (as some brokers cap commissions at a share of the trade),
    so a fill never turns non-negative cash negative. Fees are exact Decimals, not
    rounded to cents, so that the equity identity above holds exactly.

    >>> CostModel(bps=Decimal(5), min_fee=Decimal(1)).fee(Decimal(10_000))
    Decimal('5')
    >>> CostModel(bps=Decimal(5), min_fee=Decimal(1)).fee(Decimal("0.40"))
    Decimal('0.40')
    """

    bps: Decimal = Decimal(0)
    min_fee: Decimal = Decimal(0)

    def fee(self, traded_value: Decimal) -> Decimal:
        """The fee on one order of `traded_value` (account currency, sign ignored)."""
        value = abs(traded_value)
        if value == 0:
            return ZERO
        return min(value, max(self.min_fee, value * self.bps / BPS))


def cost_problem(model: object) -> PortfolioError | None:
    """INVALID_POLICY unless `model` is a CostModel whose fields are finite Decimals ≥ 0."""
    if not isinstance(model, CostModel):
        return PortfolioError.invalid_policy("costs must be a CostModel or None")
    if all(is_bounded(value) and value >= 0 for value in (model.bps, model.min_fee)):
        return None
    return PortfolioError.invalid_policy("cost model fields must be ≥ 0", costs=model)
