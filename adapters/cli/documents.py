"""Reading JSON and TOML input files into plain values, with every number an exact Decimal.

Numbers may be written as JSON/TOML numbers or as strings (`0.6` or `"0.6"`); both are
read without passing through a float, so `"0.1"` is `Decimal("0.1")` exactly. NaN,
infinities and booleans are refused as numbers. Every problem is an `InputError`
naming the file and the key path.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

from returns.result import Failure, Result, Success

from adapters.cli.terminal import InputError

__all__ = ["BadValueError", "parse_document", "read_document", "to_decimal", "to_mapping"]


class BadValueError(Exception):
    """Internal: a bad value at a key path; turned into an `InputError` by the loader."""

    def __init__(self, *, where: str, problem: str) -> None:
        """Remember the key path and the problem."""
        super().__init__(where, problem)
        self.where = where
        self.problem = problem


def read_document(path: Path) -> Result[object, InputError]:
    """Read a `.toml` file as TOML and anything else as JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Failure(InputError(source=str(path), problem="no such file"))
    except UnicodeDecodeError:
        return Failure(InputError(source=str(path), problem="not UTF-8 text"))
    except OSError as exc:
        return Failure(InputError(source=str(path), problem=exc.strerror or "cannot be read"))
    return parse_document(text, str(path), toml=path.suffix.lower() == ".toml")


def parse_document(text: str, source: str, *, toml: bool = False) -> Result[object, InputError]:
    """Parse JSON (or TOML) text; floats become Decimals with their exact digits."""
    if toml:
        try:
            return Success(tomllib.loads(text, parse_float=Decimal))
        except tomllib.TOMLDecodeError as exc:
            return Failure(InputError(source=source, problem=f"not valid TOML: {exc}"))
    try:
        return Success(json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant))
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        return Failure(InputError(source=source, where=where, problem=f"not valid JSON: {exc.msg}"))
    except BadValueError as bad:
        return Failure(InputError(source=source, problem=bad.problem))
    except RecursionError:
        return Failure(InputError(source=source, problem="not valid JSON: nested too deeply"))


def _refuse_constant(name: str) -> object:
    raise BadValueError(where="", problem=f"{name} is not a number this tool accepts")


def to_decimal(value: object, where: str) -> Decimal:
    """An exact, finite Decimal from a JSON/TOML number or a numeric string."""
    match value:
        case bool():
            raise BadValueError(where=where, problem=f"expected a number, got {str(value).lower()}")
        case Decimal():
            amount = value
        case int():
            amount = Decimal(value)
        case float():
            amount = Decimal(str(value))
        case str():
            try:
                amount = Decimal(value.strip())
            except InvalidOperation:
                raise BadValueError(where=where, problem=f"not a number: {value!r}") from None
        case _:
            raise BadValueError(where=where, problem=f"expected a number, got {_kind(value)}")
    if not amount.is_finite():
        raise BadValueError(where=where, problem=f"not a finite number: {value!r}")
    return amount


def to_mapping(value: object, where: str) -> Mapping[str, object]:
    """A JSON object / TOML table, or a BadValueError naming the place."""
    if not isinstance(value, Mapping):
        raise BadValueError(
            where=where, problem=f"expected an object of key/value pairs, got {_kind(value)}"
        )
    return value


def _kind(value: object) -> str:
    match value:
        case Mapping():
            return "an object"
        case list():
            return "a list"
        case None:
            return "null"
        case _:
            return type(value).__name__
