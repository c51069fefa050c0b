"""Checks on a SizingPolicy: every field in range and of the right type."""

from __future__ import annotations

from decimal import Decimal

from portfolio.errors import PortfolioError
from portfolio.money import MAX_AMOUNT, ROUNDING_MODES, ZERO, all_within, is_bounded
from portfolio.policy import SizingPolicy

__all__ = ["MAX_GROSS_EXPOSURE", "check_policy"]

_ONE = Decimal(1)
#: Largest Σ|weight| a policy may allow (10× leverage); beyond is a typo, not a strategy.
MAX_GROSS_EXPOSURE = Decimal(10)


def check_policy(policy: SizingPolicy) -> PortfolioError | None:
    """Every SizingPolicy field in range and of the right type, or an INVALID_POLICY error."""
    amounts = policy.amounts
    fractional: object = policy.fractional
    allow_short: object = policy.allow_short
    rounding: object = policy.rounding
    if (  # the fast path: one pass in C over the numbers, then the ranges
        all_within(amounts, ZERO, MAX_AMOUNT)
        and policy.min_trade_pct < _ONE
        and policy.cash_reserve_pct < _ONE
        and policy.band <= _ONE
        and policy.relative_band <= _ONE
        and ZERO < policy.max_gross_exposure <= MAX_GROSS_EXPOSURE
        and type(fractional) is bool
        and type(allow_short) is bool
        and type(rounding) is str
        and rounding in ROUNDING_MODES
    ):
        return None
    return _policy_error(policy)


def _policy_error(policy: SizingPolicy) -> PortfolioError | None:  # noqa: PLR0911 - one per field
    """The slow path: the first field that is wrong, named."""
    if not (is_bounded(policy.min_trade_amount, MAX_AMOUNT) and policy.min_trade_amount >= 0):
        return _bad("min_trade_amount", "a finite Decimal ≥ 0", policy.min_trade_amount)
    for name in ("min_trade_pct", "cash_reserve_pct"):
        value: object = getattr(policy, name)
        if not (is_bounded(value) and 0 <= value < _ONE):
            return _bad(name, "a Decimal in [0, 1)", value)
    for name in ("band", "relative_band"):
        value = getattr(policy, name)
        if not (is_bounded(value) and 0 <= value <= _ONE):
            return _bad(name, "a Decimal in [0, 1]", value)
    for name in ("fractional", "allow_short"):
        if not isinstance(getattr(policy, name), bool):
            return _bad(name, "a bool", getattr(policy, name))
    exposure: object = policy.max_gross_exposure
    if not (is_bounded(exposure) and 0 < exposure <= MAX_GROSS_EXPOSURE):
        return _bad("max_gross_exposure", "a Decimal in (0, 10]", exposure)
    rounding: object = policy.rounding
    if not isinstance(rounding, str) or rounding not in ROUNDING_MODES:
        return _bad("rounding", "one of the decimal module's ROUND_* modes", rounding)
    return None


def _bad(field: str, expected: str, value: object) -> PortfolioError:
    return PortfolioError.invalid_policy(
        f"SizingPolicy.{field} must be {expected}", field=field, value=repr(value)
    )
