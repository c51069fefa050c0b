"""Reading JSON and TOML input files into plain values, with every number an exact Decimal.

Numbers may be written as JSON/TOML numbers or as strings (`0.6` or `"0.6"`); both are
read without passing through a float, so `"0.1"` is `Decimal("0.1")` exactly. NaN,
infinities, booleans and numbers whose exponent no Decimal can hold are refused as
numbers, and so are numbers written with more than 4,300 digits. A JSON object
may not name a key twice. An empty file, a document nested too deeply and text that is
not UTF-8 are refused too. Every problem is an `InputError` naming the file and the key
path; a value quoted in a message is cut short, so the message stays one short line.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

from returns.result import Failure, Result, Success

from adapters.cli.terminal import InputError
from portfolio.formats.json_values import BadValueError
from portfolio.records.typed_fields import kind, shown
from portfolio.records.typed_fields import number as to_decimal

__all__ = [
    "MAX_DIGITS",
    "BadValueError",
    "decode_json",
    "parse_document",
    "read_document",
    "shown",
    "to_decimal",
    "to_mapping",
]

#: The most digits a number may be written with: Python's limit on reading an integer,
#: which TOML's reader meets first; JSON is held to the same.
MAX_DIGITS = 4300
_TOO_LONG = f"a number with more than {MAX_DIGITS:,} digits"


def read_document(path: Path) -> Result[object, InputError]:
    """Read a `.toml` file as TOML and anything else as JSON (UTF-8, a leading BOM ignored)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return Failure(InputError(source=str(path), problem="no such file"))
    except UnicodeDecodeError:
        return Failure(InputError(source=str(path), problem="not UTF-8 text"))
    except OSError as exc:
        return Failure(InputError(source=str(path), problem=exc.strerror or "cannot be read"))
    return parse_document(text, str(path), toml=path.suffix.lower() == ".toml")


def parse_document(text: str, source: str, *, toml: bool = False) -> Result[object, InputError]:
    """Parse JSON (or TOML) text; numbers become Decimals with their exact digits."""
    if not text.strip() and not toml:
        return Failure(InputError(source=source, problem="empty file (expected a JSON document)"))
    try:
        return Success(_toml(text) if toml else decode_json(text))
    except BadValueError as bad:
        return Failure(InputError(source=source, where=bad.where, problem=bad.problem))


def decode_json(text: str | bytes, *, position: bool = True) -> object:
    """A JSON document whose numbers are exact Decimals; raises `BadValueError`.

    `position`: name the line and column of a syntax error (off for a one-line record).
    """
    try:
        return json.loads(
            text,
            parse_float=_number,
            parse_int=_number,
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_keys,
        )
    except UnicodeDecodeError:
        raise BadValueError(where="", problem="not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}" if position else ""
        raise BadValueError(where=where, problem=f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise BadValueError(where="", problem="not valid JSON: nested too deeply") from None


def _toml(text: str) -> object:
    try:
        return tomllib.loads(text, parse_float=_number)
    except tomllib.TOMLDecodeError as exc:
        raise BadValueError(where="", problem=f"not valid TOML: {exc}") from None
    except RecursionError:
        raise BadValueError(where="", problem="not valid TOML: nested too deeply") from None
    except ValueError:  # tomllib reads integers with int(): Python's 4,300-digit limit
        raise BadValueError(where="", problem=f"not valid TOML: {_TOO_LONG}") from None


def _number(text: str) -> Decimal:
    """A JSON/TOML number's text as an exact Decimal; its exponent must fit a Decimal."""
    if len(text) > MAX_DIGITS:
        raise BadValueError(where="", problem=_TOO_LONG)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise BadValueError(where="", problem=f"number out of range: {shown(text)}") from None


def _refuse_constant(name: str) -> object:
    raise BadValueError(where="", problem=f"{name} is not a number this tool accepts")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object as a dict; a key given twice is refused (JSON would keep the last)."""
    document: dict[str, object] = {}
    for key, value in pairs:
        if key in document:
            raise BadValueError(where=key, problem="key given twice")
        document[key] = value
    return document


def to_mapping(value: object, where: str) -> Mapping[str, object]:
    """A JSON object / TOML table, or a BadValueError naming the place."""
    if not isinstance(value, Mapping):
        raise BadValueError(
            where=where, problem=f"expected an object of key/value pairs, got {kind(value)}"
        )
    return value
