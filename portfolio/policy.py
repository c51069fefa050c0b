"""How trades are sized and when they are skipped: `SizingPolicy` and what makes one valid."""

from __future__ import annotations

import decimal
from decimal import Decimal

import attrs

from portfolio.errors import PortfolioError
from portfolio.money import MAX_AMOUNT, ROUNDING_MODES, ZERO, all_within, is_bounded

__all__ = ["MAX_GROSS_EXPOSURE", "SizingPolicy", "policy_problem"]

_ONE = Decimal(1)
#: Largest Σ|weight| a policy may allow (10× leverage); beyond is a typo, not a strategy.
MAX_GROSS_EXPOSURE = Decimal(10)
_AMOUNT_NAMES = (
    "min_trade_amount",
    "min_trade_pct",
    "cash_reserve_pct",
    "band",
    "relative_band",
    "max_gross_exposure",
)


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

    A policy is checked by `policy_problem` (the planner does it once per plan, or once
    per `Planner`); the constructor accepts anything.
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


def policy_problem(policy: SizingPolicy) -> PortfolioError | None:
    """The first field out of range or of the wrong type, as INVALID_POLICY naming it; or None.

    >>> policy_problem(SizingPolicy(band=Decimal(2))).context["field"]
    'band'
    """
    problem = _amount_problem(policy)
    if problem is not None:
        return problem
    for name in ("fractional", "allow_short"):
        if type(getattr(policy, name)) is not bool:
            return _bad(name, "a bool", getattr(policy, name))
    if not _is_rounding_mode(policy.rounding):
        return _bad("rounding", "one of the decimal module's ROUND_* modes", policy.rounding)
    return None


def _amount_problem(policy: SizingPolicy) -> PortfolioError | None:
    """The numeric fields: finite Decimals ≥ 0, then each one's range."""
    if not all_within(policy.amounts, ZERO, MAX_AMOUNT):  # NaN, floats, negatives, too large
        for name in _AMOUNT_NAMES:
            value = getattr(policy, name)
            if not (is_bounded(value) and value >= 0):
                return _bad(name, "a finite Decimal ≥ 0", value)
    for name in ("min_trade_pct", "cash_reserve_pct"):
        if not getattr(policy, name) < _ONE:
            return _bad(name, "a Decimal in [0, 1)", getattr(policy, name))
    for name in ("band", "relative_band"):
        if not getattr(policy, name) <= _ONE:
            return _bad(name, "a Decimal in [0, 1]", getattr(policy, name))
    if not ZERO < policy.max_gross_exposure <= MAX_GROSS_EXPOSURE:
        return _bad("max_gross_exposure", "a Decimal in (0, 10]", policy.max_gross_exposure)
    return None


def _is_rounding_mode(rounding: object) -> bool:
    return isinstance(rounding, str) and rounding in ROUNDING_MODES


def _bad(field: str, expected: str, value: object) -> PortfolioError:
    return PortfolioError.invalid_policy(
        f"SizingPolicy.{field} must be {expected}", field=field, value=repr(value)
    )
