"""Reading one field of Alpaca's raw JSON, checked: every wrong shape is a BROKER_BAD_RESPONSE.

The trading API sends money and quantities as strings: they are converted exactly with
`Decimal(text)`. The data API sends prices as JSON numbers (floats): they become
`Decimal(str(x))`, the shortest decimal that round-trips the float.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from adapters.alpaca.failure import bad_response

__all__ = [
    "field",
    "flag",
    "number",
    "object_of",
    "optional_decimal",
    "string",
    "string_decimal",
    "text_field",
]


def object_of(value: object, endpoint: str, what: str) -> Mapping[str, object]:
    """`value` as a JSON object, or a BROKER_BAD_RESPONSE saying what it was."""
    if not isinstance(value, Mapping):
        raise bad_response(endpoint, f"{what} is {type(value).__name__}, not an object")
    return value


def field(record: Mapping[str, object], name: str, endpoint: str) -> object:
    """The value of `name`; a missing field is a BROKER_BAD_RESPONSE naming it."""
    if name not in record:
        raise bad_response(endpoint, f"missing field {name!r}", field=name)
    return record[name]


def string(value: object, endpoint: str, name: str) -> str:
    """`value` as a string of text.

    A lone surrogate (JSON's escape for half a character) is no text: no URL, file or
    terminal takes one, and a symbol sent back in a price query raised on it.
    """
    if not isinstance(value, str):
        raise bad_response(endpoint, f"{name} is {type(value).__name__}, not a string", field=name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise bad_response(endpoint, f"{name} is not text (a lone surrogate)", field=name) from None
    return value


def text_field(record: Mapping[str, object], name: str, endpoint: str) -> str:
    """A required string field."""
    return string(field(record, name, endpoint), endpoint, name)


def string_decimal(value: object, endpoint: str, name: str) -> Decimal:
    """A finite decimal sent as a string (the trading API's money and quantities)."""
    text = string(value, endpoint, name)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise bad_response(endpoint, f"{name} is not a decimal", field=name) from None
    if not amount.is_finite():
        raise bad_response(endpoint, f"{name} is not finite", field=name)
    return amount


def optional_decimal(record: Mapping[str, object], name: str, endpoint: str) -> Decimal | None:
    """A decimal string field that may be absent or null (None then)."""
    value = record.get(name)
    return None if value is None else string_decimal(value, endpoint, name)


def number(value: object, endpoint: str, name: str) -> Decimal:
    """A finite JSON number (the data API's prices), as its shortest decimal."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_response(endpoint, f"{name} is {type(value).__name__}, not a number", field=name)
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise bad_response(endpoint, f"{name} is not finite", field=name)
    return amount


def flag(record: Mapping[str, object], name: str, endpoint: str) -> bool:
    """A required boolean field."""
    value = field(record, name, endpoint)
    if not isinstance(value, bool):
        raise bad_response(endpoint, f"{name} is {type(value).__name__}, not a boolean", field=name)
    return value
