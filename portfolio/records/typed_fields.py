"""A record's fields read from a plain mapping (a file's table), each by its attrs type.

The typed constructors `SizingPolicy.from_mapping` and `Asset.from_mapping` use
`typed_fields`: every value is read by the reader of its field's declared type (not
guessed from the field's default), and a value that does not fit raises `BadValueError`
(`portfolio.formats.json_values`) naming the field, which the constructor turns into one
`Failure`. Numbers are exact: a `Decimal`, an `int` or a decimal string, never a float.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from portfolio.formats.json_values import BadValueError, kind
from portfolio.records.money import decimal_text
from portfolio.records.plan_item import Action

__all__ = [
    "day",
    "flag",
    "number",
    "optional_number",
    "shown",
    "side",
    "text",
    "typed_fields",
]

#: The longest quotation of a bad value in a message, in characters.
_SHOWN = 40


def number(value: object, where: str) -> Decimal:
    """An exact, finite Decimal from a Decimal, an int or a numeric string (spaces ignored).

    >>> number(" 0.05 ", "band")
    Decimal('0.05')
    """
    match value:
        case bool():
            raise BadValueError(where, f"expected a number, got {str(value).lower()}")
        case Decimal():
            amount = value
        case int():
            amount = Decimal(value)
        case str():
            try:
                amount = decimal_text(value.strip())
            except InvalidOperation:
                raise BadValueError(where, f"not a number: {shown(value)}") from None
        case _:
            raise BadValueError(where, f"expected a number, got {kind(value)}")
    if not amount.is_finite():
        raise BadValueError(where, f"not a finite number: {shown(value)}")
    return amount


def optional_number(value: object, where: str) -> Decimal | None:
    """None for None (a file's null), else `number`."""
    return None if value is None else number(value, where)


def flag(value: object, where: str) -> bool:
    """True or false, nothing else (not 1, not "yes")."""
    if not isinstance(value, bool):
        raise BadValueError(where, f"expected true or false, got {shown(value)}")
    return value


def text(value: object, where: str) -> str:
    """A string, as it is."""
    if not isinstance(value, str):
        raise BadValueError(where, f"expected a string, got {shown(value)}")
    return value


def day(value: object, where: str) -> date:
    """A calendar date: a `date` (TOML writes one as it is) or ISO text, `2024-01-05`.

    >>> day("2024-01-05", "acquired")
    datetime.date(2024, 1, 5)
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BadValueError(where, f"expected an ISO date (YYYY-MM-DD), got {shown(value)}")


def side(value: object, where: str) -> Action:
    """BUY or SELL, in any case (a trade's side, never HOLD)."""
    if isinstance(value, str) and value.strip().upper() in {"BUY", "SELL"}:
        return Action(value.strip().upper())
    raise BadValueError(where, f"expected BUY or SELL, got {shown(value)}")


#: The reader of each field type a record of the core declares.
_READERS: dict[object, Callable[[object, str], object]] = {
    Decimal: number,
    Decimal | None: optional_number,
    bool: flag,
    str: text,
    date: day,
    Action: side,
}


def typed_fields(
    cls: type[Any],
    values: Mapping[str, object],
    *,
    noun: str,
    where: str = "",
    exclude: tuple[str, ...] = (),
) -> dict[str, object]:
    """Each value read by its field's type: keyword arguments for `cls`.

    `noun` names a field in a message ("policy field"); `where` is the mapping's place
    in its document ("assets.BTC/USD"), put before each field's name. A field of a type
    without a reader (a nested record) takes a value already of that type. Raises
    `BadValueError` for an unknown name or a value that does not fit; the `exclude`d
    fields are unknown names here (the caller gives them).
    """
    every = attrs.fields(attrs.resolve_types(cls))
    fields = {field.name: field for field in every if field.name not in exclude}
    prefix = f"{where}." if where else ""
    read: dict[str, object] = {}
    for name, value in values.items():
        place, field = prefix + name, fields.get(name)
        if field is None:
            known = ", ".join(fields)
            raise BadValueError(place, f"unknown {noun} (known: {known})")
        reader = _READERS.get(field.type)
        if reader is not None:
            read[name] = reader(value, place)
        elif isinstance(value, field.type):
            read[name] = value
        else:
            raise BadValueError(place, f"expected {field.type}, got {kind(value)}")
    return read


def shown(value: object) -> str:
    """`value` quoted for a message: its repr (a number as written), cut to 40 characters.

    A list or an object is named by its kind, never printed.

    >>> shown("9" * 100)
    "'99999999999999999999999999999999999999…"
    >>> shown([[1]])
    'a list'
    """
    if isinstance(value, Mapping | list | tuple):
        return kind(value)
    written = str(value) if isinstance(value, Decimal) else repr(value)
    return written if len(written) <= _SHOWN else written[: _SHOWN - 1] + "…"
