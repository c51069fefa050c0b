"""Field checks shared by the validation step: policy ranges and symbol keys."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from portfolio.errors import ErrorKind, PortfolioError
from portfolio.money import MAX_AMOUNT, ROUNDING_MODES, is_bounded
from portfolio.policy import SizingPolicy

__all__ = ["check_policy", "normalise_keys"]

_ONE = Decimal(1)
#: Largest Σ|weight| a policy may allow (10× leverage); beyond is a typo, not a strategy.
MAX_GROSS_EXPOSURE = Decimal(10)


def check_policy(policy: SizingPolicy) -> PortfolioError | None:  # noqa: PLR0911 - one rule per field
    """Every SizingPolicy field in range and of the right type, or an INVALID_POLICY error."""
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


def normalise_keys(
    mapping: object, field: str, kind: ErrorKind
) -> dict[str, object] | PortfolioError:
    """Upper-case the symbol keys of `mapping`; bad or colliding keys are an error of `kind`.

    A symbol is a non-empty string without whitespace. Two keys that
    become equal when upper-cased ("spy" and "SPY") are ambiguous and refused.
    """
    if not isinstance(mapping, Mapping):
        return PortfolioError.of(kind, f"{field} must be a mapping of symbol to value", field=field)
    if _already_normal(mapping):
        return dict(mapping)
    normalised: dict[str, object] = {}
    bad: list[str] = []
    collisions: list[str] = []
    for key, value in mapping.items():
        if not isinstance(key, str) or not key or _SPACE.search(key):
            bad.append(repr(key))
            continue
        symbol = key.upper()
        if symbol in normalised:
            collisions.append(symbol)
        normalised[symbol] = value
    if bad:
        return PortfolioError.of(
            kind, f"{field} has keys that are not symbols", field=field, keys=",".join(sorted(bad))
        )
    if collisions:
        return PortfolioError.of(
            kind,
            f"{field} has symbols that collide when upper-cased",
            field=field,
            symbols=",".join(sorted(set(collisions))),
        )
    return normalised


_SPACE = re.compile(r"\s")


def _already_normal(mapping: Mapping[object, object]) -> bool:
    """Fast path, all in C: every key a non-empty, upper-case, space-free str without NUL."""
    keys = list(mapping)
    if "" in mapping or not all(type(key) is str for key in keys):
        return False
    joined = "\x00".join(keys)  # type: ignore[arg-type] # all str, just checked
    return (
        joined == joined.upper()
        and joined.count("\x00") == len(keys) - 1
        and "\x00\x00" not in joined
        and not joined.startswith("\x00")
        and not joined.endswith("\x00")
        and _SPACE.search(joined) is None
    )
