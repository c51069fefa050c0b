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
from portfolio.formats.json_values import BadValueError, kind
from portfolio.records.typed_fields import number as to_decimal
from portfolio.records.typed_fields import shown

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

    `position`: name the line and column of a syntax error; off for a one-line record,
    whose caller names its line in the file: the column alone is then in the problem.
    A number refused (out of range, too long, `NaN`) is named by its key path.
    """

    def parse(number: _Hook, constant: _Hook, pairs: _PairsHook) -> object:
        return json.loads(
            text,
            parse_float=number,
            parse_int=number,
            parse_constant=constant,
            object_pairs_hook=pairs,
        )

    try:
        return _named_places(parse)
    except UnicodeDecodeError:
        raise BadValueError(where="", problem="not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        if position:
            where, problem = f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}"
        else:
            where, problem = "", f"not valid JSON at column {exc.colno}: {exc.msg}"
        raise BadValueError(where=where, problem=problem) from None
    except RecursionError:
        raise BadValueError(where="", problem="not valid JSON: nested too deeply") from None


def _toml(text: str) -> object:
    def parse(number: _Hook, _constant: _Hook, _pairs: _PairsHook) -> object:
        return tomllib.loads(text, parse_float=number)  # nan and inf come as numbers

    try:
        return _named_places(parse)
    except tomllib.TOMLDecodeError as exc:
        raise BadValueError(where="", problem=f"not valid TOML: {exc}") from None
    except RecursionError:
        raise BadValueError(where="", problem="not valid TOML: nested too deeply") from None
    except ValueError:  # tomllib reads integers with int(): Python's 4,300-digit limit
        raise BadValueError(where="", problem=f"not valid TOML: {_TOO_LONG}") from None


class _PlaceUnknownError(BadValueError):
    """A value a parser's hook refused (a number, a key given twice): its path unknown there."""


#: A parser's hook for a number's (or a constant's) text, and for an object's pairs.
_Hook = Callable[[str], object]
_PairsHook = Callable[[list[tuple[str, object]]], object]


def _refuse_constant(name: str) -> object:
    raise _PlaceUnknownError(where="", problem=f"{name} is not a number this tool accepts")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object as a dict; a key given twice is refused (JSON would keep the last)."""
    document: dict[str, object] = {}
    for key, value in pairs:
        if key in document:
            raise _PlaceUnknownError(where=key, problem="key given twice")
        document[key] = value
    return document


class _Kept:
    """Hooks that keep the first refused value in place as a marker, to find its path."""

    def __init__(self) -> None:
        self.first: object = None
        self.key = ""  # of a key given twice: the marker stands for its object

    def number(self, text: str) -> object:
        try:
            return _number(text)
        except _PlaceUnknownError:
            return self._marker()

    def constant(self, name: str) -> object:
        del name
        return self._marker()

    def pairs(self, pairs: list[tuple[str, object]]) -> object:
        try:
            return _unique_keys(pairs)
        except _PlaceUnknownError as twice:
            marker = self._marker()
            if marker is self.first:
                self.key = twice.where
            return marker

    def _marker(self) -> object:
        marker = object()
        self.first = self.first if self.first is not None else marker
        return marker


def _named_places(parse: Callable[[_Hook, _Hook, _PairsHook], object]) -> object:
    """`parse(number, constant, pairs)`; a value a hook refuses is named by its path.

    The hooks know no path, so a refused value (`prices.SPY`) is found again by a second
    parse that keeps it in place (`_Kept`); a good document is parsed once, as before.
    """
    try:
        return parse(_number, _refuse_constant, _unique_keys)
    except _PlaceUnknownError as refused:
        kept = _Kept()
        try:
            document = parse(kept.number, kept.constant, kept.pairs)
        except (BadValueError, ValueError, RecursionError):  # a later fault: the first one
            raise refused from None
        path = None if kept.first is None else _path_to(document, kept.first)
        if path is None:  # inside an object given a key twice: named by that key alone
            raise refused from None
        where = ".".join([*path, *([kept.key] if kept.key else [])])
        raise BadValueError(where=where, problem=refused.problem) from None


def _path_to(document: object, target: object) -> tuple[str, ...] | None:
    """The keys (and list indices) that lead from `document` to `target`; None if none do.

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
    return None


def _number(text: str) -> Decimal:
    """A JSON/TOML number's text as an exact Decimal; its exponent must fit a Decimal."""
    if len(text) > MAX_DIGITS:
        raise _PlaceUnknownError(where="", problem=_TOO_LONG)
    try:
        return Decimal(text)
    except InvalidOperation:
        problem = f"number out of range: {shown(text)}"
        raise _PlaceUnknownError(where="", problem=problem) from None


def to_mapping(value: object, where: str) -> Mapping[str, object]:
    """A JSON object / TOML table, or a BadValueError naming the place."""
    if not isinstance(value, Mapping):
        raise BadValueError(
            where=where, problem=f"expected an object of key/value pairs, got {kind(value)}"
        )
    return value
