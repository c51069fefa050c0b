"""Symbol keys: upper-cased, non-empty, without whitespace, and without collisions.

A mapping keyed by symbols (weights, positions, prices, assets) is checked by
`key_problem`, then read through `upper_keys`. The common case, keys that are already
upper-case symbols, is recognised in C and costs one string join.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.frozen import FrozenDict

__all__ = ["key_problem", "upper_keys"]

_SPACE = re.compile(r"\s")


def key_problem(mapping: object, field: str, kind: ErrorKind) -> PortfolioError | None:
    """The first problem with `mapping`'s keys as an error of `kind`, or None.

    A symbol is a non-empty string without whitespace. Two keys that become equal when
    upper-cased ("spy" and "SPY") are ambiguous and refused.
    """
    if not (
        type(mapping) is FrozenDict or isinstance(mapping, Mapping)
    ):  # records hold FrozenDicts
        return PortfolioError.of(kind, f"{field} must be a mapping of symbol to value", field=field)
    if _already_normal(mapping):
        return None
    bad = sorted(repr(key) for key in mapping if not _is_symbol(key))
    if bad:
        return PortfolioError.of(
            kind, f"{field} has keys that are not symbols", field=field, keys=",".join(bad)
        )
    counts = Counter(key.upper() for key in mapping)
    collisions = sorted(symbol for symbol, count in counts.items() if count > 1)
    if collisions:
        return PortfolioError.of(
            kind,
            f"{field} has symbols that collide when upper-cased",
            field=field,
            symbols=",".join(collisions),
        )
    return None


def upper_keys(mapping: Mapping[str, object]) -> Mapping[str, object]:
    """The mapping with upper-cased keys (itself when they already are); keys checked before."""
    if _already_normal(mapping):
        return mapping
    return {key.upper(): value for key, value in mapping.items()}


def _is_symbol(key: object) -> bool:
    return isinstance(key, str) and bool(key) and _SPACE.search(key) is None


def _already_normal(mapping: Mapping[Any, object]) -> bool:
    """Fast path, all in C: every key a non-empty, upper-case, space-free str without NUL."""
    if not mapping or "" in mapping:
        return not mapping
    try:
        joined = "\x00".join(mapping)  # a non-str key raises TypeError
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
