"""What trading costs: basis points of the traded value, with a minimum per order."""

from __future__ import annotations

import decimal
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal

import attrs

from portfolio.records.errors import PortfolioError
from portfolio.records.money import CORE_CONTEXT, ZERO, is_bounded, truncate_shares

__all__ = ["BPS", "CostModel", "cost_problem"]

#: Basis points in one (10,000 bps = 100 %).
BPS = Decimal(10_000)
#: Rounds toward −∞, so that an affordable amount is never rounded up past the cash.
_FLOOR = decimal.Context(prec=CORE_CONTEXT.prec, rounding=ROUND_FLOOR)


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

    def affordable(self, cash: Decimal, price: Decimal, *, whole: bool) -> Decimal:
        """The largest buy quantity (whole shares or 1E-9 steps) whose value + fee ≤ cash.

        The fee min(n, max(min_fee, r·n)) has three regimes of n; the solution of
        n + fee(n) = cash lies in the one that its thresholds select.
        """
        if cash <= 0:
            return ZERO
        rate, floor_fee = self.bps / BPS, self.min_fee
        if cash <= 2 * floor_fee or rate >= 1:
            budget = _FLOOR.divide(cash, Decimal(2))
        elif rate == 0 or cash - floor_fee <= _FLOOR.divide(floor_fee, rate):
            budget = cash - floor_fee
        else:
            budget = _FLOOR.divide(cash, 1 + rate)
        shares = _FLOOR.divide(budget, price)
        return shares.to_integral_value(rounding=ROUND_DOWN) if whole else truncate_shares(shares)

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
