"""Symbol keys: upper-cased, non-empty, without whitespace, and without collisions."""

from __future__ import annotations

import re
from collections.abc import Mapping

from portfolio.errors import ErrorKind, PortfolioError

__all__ = ["normalise_keys"]


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
    if not mapping or "" in mapping:
        return not mapping
    try:
        joined = "\x00".join(mapping)  # type: ignore[arg-type] # a non-str key raises TypeError
    except TypeError:
        return False
    return (
        joined == joined.upper()
        and joined.count("\x00") == len(mapping) - 1
        and "\x00\x00" not in joined
        and not joined.startswith("\x00")
        and not joined.endswith("\x00")
        and _SPACE.search(joined) is None
    )
