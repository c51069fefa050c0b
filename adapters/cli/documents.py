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
from collections.abc import Callable, Mapping
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
    A number refused (out of range, too long, `NaN`) is named by its key path.
    """

    def parse(number: _Hook, constant: _Hook) -> object:
        return json.loads(
            text,
            parse_float=number,
            parse_int=number,
            parse_constant=constant,
            object_pairs_hook=_unique_keys,
        )

    try:
        return _named_numbers(parse)
    except UnicodeDecodeError:
        raise BadValueError(where="", problem="not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}" if position else ""
        raise BadValueError(where=where, problem=f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise BadValueError(where="", problem="not valid JSON: nested too deeply") from None


def _toml(text: str) -> object:
    def parse(number: _Hook, _constant: _Hook) -> object:
        return tomllib.loads(text, parse_float=number)  # nan and inf come as numbers

    try:
        return _named_numbers(parse)
    except tomllib.TOMLDecodeError as exc:
        raise BadValueError(where="", problem=f"not valid TOML: {exc}") from None
    except RecursionError:
        raise BadValueError(where="", problem="not valid TOML: nested too deeply") from None
    except ValueError:  # tomllib reads integers with int(): Python's 4,300-digit limit
        raise BadValueError(where="", problem=f"not valid TOML: {_TOO_LONG}") from None


#: A parser's hook for a number's (or a constant's) text.
_Hook = Callable[[str], object]


class _NumberRefusedError(BadValueError):
    """A number the parser's hook refused: its key is not known there."""


def _named_numbers(parse: Callable[[_Hook, _Hook], object]) -> object:
    """`parse(number, constant)` with our hooks; a refused number is named by its key path.

    The hooks know no key, so a refused number is found again by a second parse that
    keeps it in place (`_Kept`); a good document is parsed once and pays nothing for it.
    """
    try:
        return parse(_number, _refuse_constant)
    except _NumberRefusedError as refused:
        kept = _Kept()
        try:
            document = parse(kept.number, kept.constant)
        except (BadValueError, ValueError, RecursionError):  # a later fault: the first one
            raise refused from None
        where = ".".join(_path_to(document, kept.first))
        raise BadValueError(where=where, problem=refused.problem) from None


class _Kept:
    """Hooks that keep a refused number in place, as a marker whose path can be found."""

    def __init__(self) -> None:
        self.first: object = None

    def number(self, text: str) -> object:
        try:
            return _number(text)
        except _NumberRefusedError:
            return self._marker()

    def constant(self, _name: str) -> object:
        return self._marker()

    def _marker(self) -> object:
        marker = object()
        self.first = self.first if self.first is not None else marker
        return marker


def _path_to(document: object, target: object) -> tuple[str, ...]:
    """The keys (and list indices) that lead from `document` to `target`; () if none do.

    Depth first, without recursion: a document may be nested as deep as the parser went.
    """
    stack: list[tuple[tuple[str, ...], object]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if value is target:
            return path
        match value:
            case dict():
                children = list(value.items())
            case list():
                children = list(enumerate(value))
            case _:
                continue
        stack.extend(((*path, str(key)), child) for key, child in reversed(children))
    return ()


def _number(text: str) -> Decimal:
    """A JSON/TOML number's text as an exact Decimal; its exponent must fit a Decimal."""
    if len(text) > MAX_DIGITS:
        raise _NumberRefusedError(where="", problem=_TOO_LONG)
    try:
        return Decimal(text)
    except InvalidOperation:
        problem = f"number out of range: {shown(text)}"
        raise _NumberRefusedError(where="", problem=problem) from None


def _refuse_constant(name: str) -> object:
    raise _NumberRefusedError(where="", problem=f"{name} is not a number this tool accepts")


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
