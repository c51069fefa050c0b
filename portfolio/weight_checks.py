"""Checks on target weights: finite Decimals, signs, gross exposure, shortability."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from portfolio.errors import PortfolioError
from portfolio.money import ZERO, all_within
from portfolio.policy import SizingPolicy
from portfolio.snapshot import Asset

__all__ = ["check_shortable", "check_weights"]


def check_weights(
    weights: dict[str, object], policy: SizingPolicy
) -> dict[str, Decimal] | PortfolioError:
    """Finite Decimal weights, non-negative unless shorting, Σ|w| ≤ max_gross_exposure."""
    limit = policy.max_gross_exposure
    low = -limit if policy.allow_short else ZERO
    if all_within(weights.values(), low, limit):
        decimals: dict[str, Decimal] = weights  # type: ignore[assignment] # all Decimal, just checked
        if sum(map(abs, decimals.values()), ZERO) <= limit:
            return decimals
    return _weight_error(weights, policy)


def _weight_error(
    weights: Mapping[str, object], policy: SizingPolicy
) -> dict[str, Decimal] | PortfolioError:
    checked: dict[str, Decimal] = {}
    not_finite: list[str] = []
    negative: list[str] = []
    too_big: list[str] = []
    limit, shorts, gross = policy.max_gross_exposure, policy.allow_short, ZERO
    for symbol, weight in weights.items():
        if type(weight) is not Decimal or not weight.is_finite():
            not_finite.append(symbol)
            continue
        if weight < ZERO and not shorts:
            negative.append(symbol)
        size = abs(weight)
        if size > limit:
            too_big.append(symbol)
        else:
            gross += size
        checked[symbol] = weight
    if not_finite:
        return PortfolioError.invalid_weights(
            "weights must be finite Decimals (not float, NaN or infinity)", not_finite
        )
    if negative:
        return PortfolioError.invalid_weights(
            "negative weights need SizingPolicy(allow_short=True)", negative
        )
    if too_big:
        return PortfolioError.invalid_weights(
            "a weight's magnitude exceeds max_gross_exposure", too_big, max_gross_exposure=limit
        )
    if gross > limit:
        return PortfolioError.invalid_weights(
            "the sum of |weights| exceeds max_gross_exposure",
            checked.keys(),
            gross_exposure=gross,
            max_gross_exposure=limit,
        )
    return checked


def check_shortable(
    weights: Mapping[str, Decimal], assets: Mapping[str, Asset]
) -> PortfolioError | None:
    """Short targets on assets the broker says cannot be shorted are refused."""
    refused = [s for s, w in weights.items() if w < 0 and s in assets and not assets[s].shortable]
    if refused:
        return PortfolioError.invalid_weights("the broker says these cannot be shorted", refused)
    return None
