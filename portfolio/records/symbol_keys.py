"""Symbol keys: upper-cased, non-empty, printable, without whitespace or collisions.

A mapping keyed by symbols (weights, positions, prices, assets) is checked by
`key_problem`, then read through `upper_keys`. The common case, keys that are already
upper-case symbols, is recognised in C and costs one string join.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.frozen import FrozenDict

__all__ = ["is_symbol", "key_problem", "upper_keys"]


def key_problem(mapping: object, field: str, kind: ErrorKind) -> PortfolioError | None:
    """The first problem with `mapping`'s keys as an error of `kind`, or None.

    A symbol is a non-empty string without whitespace or control characters (terminal
    escapes, bidirectional overrides, zero-width marks: what `str.isprintable` refuses),
    which no broker lists and which would change what a table or a file shows. Two keys
    that become equal when upper-cased ("spy" and "SPY") are ambiguous and refused.
    """
    if not (
        type(mapping) is FrozenDict or isinstance(mapping, Mapping)
    ):  # records hold FrozenDicts
        return PortfolioError.of(kind, f"{field} must be a mapping of symbol to value", field=field)
    if _already_normal(mapping):
        return None
    bad = sorted(repr(key) for key in mapping if not is_symbol(key))
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


def is_symbol(key: object) -> bool:
    """A symbol: a non-empty str, printable, without a space (the one rule for every symbol).

    `isprintable` refuses every other whitespace and every control character.
    """
    return isinstance(key, str) and bool(key) and key.isprintable() and " " not in key


def _already_normal(mapping: Mapping[Any, object]) -> bool:
    """Fast path, all in C: every key a non-empty, upper-case, printable str without a space.

    Joined by spaces: as many spaces as separators means no key holds one, and
    `isprintable` refuses every other whitespace and control character.
    """
    if not mapping or "" in mapping:
        return not mapping
    try:
        joined = " ".join(mapping)  # a non-str key raises TypeError
    except TypeError:
        return False
    return (
        joined == joined.upper() and joined.count(" ") == len(mapping) - 1 and joined.isprintable()
    )
