"""Exact JSON values for the core's documents: plain decimals out, checked values in.

Writing: `encode` renders JSON-like data (mappings, sequences, Decimals, enums,
datetimes) with two-space indentation, Decimals as JSON numbers with their exact
digits; `plain` writes a Decimal in plain notation. Reading: `as_type`, `decimal_at`,
`datetime_at` and `enum_at` check one value and raise `BadValueError` naming where
it sits, which the document's reader turns into one `Failure`.
"""

from __future__ import annotations

import decimal
import enum
import json
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from portfolio.records.money import decimal_text

__all__ = [
    "BadValueError",
    "as_type",
    "datetime_at",
    "decimal_at",
    "encode",
    "enum_at",
    "kind",
    "known_keys",
    "plain",
    "unique_keys",
]

#: Numbers within this many digits of the decimal point are written in plain notation;
#: every number the planner makes is, and a hand-made 1E+999999 stays short.
_PLAIN_DIGITS = 40

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


def plain(value: object) -> str:
    """A Decimal in plain notation (`0.0000000000`, not `0E-10`) when it is near the point.

    Anything else (a non-finite or far-out Decimal, or garbage in a hand-built record)
    is written as its `str`, for the reader to judge.
    """
    if (
        isinstance(value, Decimal)
        and value.is_finite()
        and -_PLAIN_DIGITS <= value.as_tuple().exponent <= _PLAIN_DIGITS  # type: ignore[operator] # finite: an int
        and abs(value.adjusted()) <= _PLAIN_DIGITS
    ):
        return format(value, "f")
    return str(value)


def encode(value: object, level: int = 0) -> str:  # noqa: C901, PLR0911 - one branch per JSON type
    """JSON text for JSON-like data, nested `level` deep; non-JSON values as their `str`."""
    pad, inner = "  " * level, "  " * (level + 1)
    match value:
        case None | bool():
            return json.dumps(value)
        case str():
            return json.dumps(value)
        case int():
            return str(value)
        case Decimal() if value.is_finite():
            return plain(value)
        case Mapping() if value:
            fields = (
                f"{inner}{json.dumps(str(k))}: {encode(v, level + 1)}" for k, v in value.items()
            )
            return "{\n" + ",\n".join(fields) + f"\n{pad}}}"
        case Mapping():
            return "{}"
        case list() | tuple() if value:
            elements = (f"{inner}{encode(v, level + 1)}" for v in value)
            return "[\n" + ",\n".join(elements) + f"\n{pad}]"
        case list() | tuple():
            return "[]"
        case datetime():
            return json.dumps(value.isoformat())
        case enum.Enum():
            return encode(value.value, level)
        case _:
            # Not JSON (a non-finite Decimal, an arbitrary object): written as its text.
            return json.dumps(str(value))


class BadValueError(Exception):
    """Carries the failing field to the one place that turns it into a Failure (never escapes)."""

    def __init__(self, where: str, problem: str) -> None:
        """`where`: the field's path in the document; `problem`: what is wrong with it."""
        super().__init__(where, problem)
        self.where = where
        self.problem = problem


def unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """`json.loads`' object_pairs_hook: an object, unless a key appears twice in it.

    A document whose object holds a key twice says two things (the reader would keep the
    last silently): BadValueError at that key.
    """
    document: dict[str, object] = {}
    for key, value in pairs:
        if key in document:
            raise BadValueError(key, "this key appears twice in one object")
        document[key] = value
    return document


def known_keys(doc: Mapping[str, object], keys: Collection[str], where: str) -> None:
    """BadValueError at the first key of `doc` not in `keys` (a typo is never ignored)."""
    unknown = sorted(set(doc) - set(keys))
    if unknown:
        at, known = f"{where}{unknown[0]}", ", ".join(sorted(keys))
        raise BadValueError(at, f"unknown key (known: {known})")


def kind(value: object) -> str:
    """What a value is, in a message's words: "an object", "a list", "null", or its type."""
    return "an object" if isinstance(value, Mapping) else _kind_of_type(type(value))


def _kind_of_type(of: type) -> str:
    """What values of a type are, in `kind`'s words; a string is "a string"."""
    if issubclass(of, Mapping):
        return "an object"
    if issubclass(of, list):
        return "a list"
    if of is type(None):
        return "null"
    return "a string" if of is str else of.__name__


def as_type(kind_: type[T], value: object, where: str) -> T:
    """`value` if it is a `kind_`, else BadValueError at `where`, both named by `kind`."""
    if not isinstance(value, kind_):
        raise BadValueError(where, f"expected {_kind_of_type(kind_)}, got {kind(value)}")
    return value


def decimal_at(value: object, where: str) -> Decimal:
    """A finite Decimal from a decimal string, else BadValueError at `where`."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):  # a JSON number
        shown = str(value)[:40]
        raise BadValueError(where, f'expected a decimal string ("{shown}"), got a number')
    text = as_type(str, value, where)
    try:
        amount = decimal_text(text)
    except decimal.DecimalException:
        raise BadValueError(where, f"not a decimal: {text[:40]!r}") from None
    if not amount.is_finite():
        raise BadValueError(where, f"not finite: {text!r}")
    return amount


def datetime_at(value: object, where: str) -> datetime | None:
    """None, or a datetime from an ISO string, else BadValueError at `where`."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(as_type(str, value, where))
    except ValueError:
        raise BadValueError(where, f"not an ISO datetime: {value!r}") from None


def enum_at(kind: type[E], value: object, where: str) -> E:
    """The member of `kind` with this value, else BadValueError at `where`."""
    text = as_type(str, value, where)
    parse: Callable[[Any], E] = kind
    try:
        return parse(text)
    except ValueError:
        raise BadValueError(where, f"unknown {kind.__name__}: {text!r}") from None
