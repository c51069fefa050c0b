"""What a `plan-many` worker does: JSONL account lines in, JSONL result lines out, as text.

An input line is `{"account_id": …, "weights": {…}, "snapshot": {…}, "policy": {…}?}`
(the file formats of `portfolio plan`). Each non-blank line gives one `LineOutcome`:
`(line number, account id, output line, problem)`. A planned account has no problem; a
failed one has its `PortfolioError` as the problem and an `error` output line; a
malformed line has neither an account id nor an output line, and the problem names
the line and the field. Nothing here raises for bad input, and nothing touches a file:
the driver moves bytes in and text out.
"""

from __future__ import annotations

import functools
import json
import pickle
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from json import dumps
from typing import TypeVar

from returns.result import Failure, Success

from adapters.cli.documents import BadValueError, decode_json, to_mapping
from adapters.cli.loaders import (
    NO_TARGET,
    policy_from,
    snapshot_from,
    targets_nothing,
    weights_from,
)
from portfolio import (
    Allocation,
    PortfolioError,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
)
from portfolio.formats.json_values import plain
from portfolio.formats.plan_json import SCHEMA_VERSION
from portfolio.records.typed_fields import shown
from portfolio.steps.shared_models import SharedModels

__all__ = [
    "Chunk",
    "LineOutcome",
    "account_id_of",
    "blank",
    "error_line",
    "plan_line",
    "plan_line_json",
    "plan_lines",
    "plan_packed",
    "unpack",
]

#: (line number, account id or None, output line or None, problem or None).
LineOutcome = tuple[int, str | None, str | None, str | None]
#: (the first line's number, the lines, the default policy, `--liquidate-all`).
Chunk = tuple[int, bytes, SizingPolicy, bool]

T = TypeVar("T")
_KEYS = frozenset({"account_id", "weights", "snapshot", "policy"})
#: A byte-order mark in UTF-8, as Windows editors start a file with.
_BOM = b"\xef\xbb\xbf"


def plan_lines(chunk: Chunk) -> tuple[LineOutcome, ...]:
    """Plan consecutive raw lines (one bytes object), the first being line `chunk[0]`.

    Line numbers are 1-based; blank lines are skipped (and counted). Lines on the same
    model (weights and policy) have it prepared once for the chunk (`SharedModels`).
    """
    first, lines, policy, liquidate_all = chunk
    models = SharedModels()
    return tuple(
        plan_line(raw, first + offset, policy, models, liquidate_all=liquidate_all)
        for offset, raw in enumerate(lines.split(b"\n"))
        if not blank(raw)
    )


def blank(raw: bytes) -> bool:
    """A line with no account: white space, or a byte-order mark and white space.

    A byte-order mark means something only at the start of a file, but files saved by a
    Windows editor and joined with `cat` bring theirs to the start of a line: it is
    ignored there as at the file's start (`json.loads` of bytes skips it), so a line of
    nothing else is blank.
    """
    return not raw.strip().removeprefix(_BOM).strip()


def plan_packed(chunk: Chunk) -> bytes:
    """`plan_lines`, its outcomes packed into one bytes object: what a worker sends back.

    A Dask worker serializes a tuple result element by element (a pickle per line:
    ~40 µs per account more on the worker's event loop, measured); one bytes object
    travels as one frame, copied but not walked, on every hop.
    """
    return pickle.dumps(plan_lines(chunk), pickle.HIGHEST_PROTOCOL)


def unpack(packed: bytes) -> tuple[LineOutcome, ...]:
    """The outcomes `plan_packed` packed (bytes from our own workers only)."""
    outcomes: tuple[LineOutcome, ...] = pickle.loads(packed)  # noqa: S301 - made by plan_packed
    return outcomes


def plan_line(
    raw: bytes,
    number: int,
    policy: SizingPolicy,
    models: SharedModels | None = None,
    *,
    liquidate_all: bool = False,
) -> LineOutcome:
    """One account line → its outcome; the line's own `policy` replaces the given one.

    `models` remembers the models prepared so far (by default, none). Weights that
    target nothing sell the whole account: such a line is refused as malformed unless
    `liquidate_all` (`--liquidate-all`), as `portfolio plan` refuses such a file.
    """
    try:
        account_id, allocation, snapshot, own_policy = _parse(raw, liquidate_all=liquidate_all)
    except BadValueError as bad:
        place = f"line {number}" + (f": {bad.where}" if bad.where else "")
        return number, None, None, f"{place}: {bad.problem}"
    match (models or SharedModels()).plan(allocation, snapshot, own_policy or policy):
        case Success(plan):
            return number, account_id, plan_line_json(account_id, plan), None
        case Failure(error):
            return number, account_id, error_line(account_id, error), str(error)
    return number, None, None, f"line {number}: not planned"  # unreachable


def _parse(
    raw: bytes, *, liquidate_all: bool
) -> tuple[str, Allocation, Snapshot, SizingPolicy | None]:
    doc = to_mapping(decode_json(raw, position=False), "")
    unknown = sorted(set(doc) - _KEYS)
    if unknown:
        raise BadValueError(
            where=unknown[0], problem=f"unknown key (known: {', '.join(sorted(_KEYS))})"
        )
    account_id = doc.get("account_id")
    if not isinstance(account_id, str) or not account_id:
        got = "missing" if "account_id" not in doc else f"got {shown(account_id)}"
        raise BadValueError(where="account_id", problem=f"expected a non-empty string, {got}")
    weights = _inside("weights", doc, weights_from)
    if not liquidate_all and targets_nothing(weights):
        raise BadValueError(where="weights", problem=NO_TARGET)
    snapshot = _inside("snapshot", doc, snapshot_from)
    policy = _inside("policy", doc, policy_from) if "policy" in doc else None
    allocation = Allocation(target_weights=weights, correlation_id=account_id)
    return account_id, allocation, snapshot, policy


def _inside(key: str, doc: Mapping[str, object], build: Callable[[object], T]) -> T:
    """Build the value under `key`; a bad value's place is given from the line's top."""
    if key not in doc:
        raise BadValueError(where=key, problem="missing")
    try:
        return build(doc[key])
    except BadValueError as bad:
        where = key if bad.where in {"", "top level"} else f"{key}.{bad.where}"
        raise BadValueError(where=where, problem=bad.problem) from None


def account_id_of(raw: bytes) -> str | None:
    """The line's account id, if it has one (used to name the accounts of a lost chunk)."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    found = document.get("account_id") if isinstance(document, dict) else None
    return found if isinstance(found, str) else None


def error_line(account_id: str | None, error: PortfolioError) -> str:
    """`{"account_id": …, "error": {"kind": …, "message": …, "context": {…}}}`, one line."""
    body = {"kind": error.kind.value, "message": error.message, "context": dict(error.context)}
    return dumps({"account_id": account_id, "error": body}, separators=(",", ":"))


def plan_line_json(account_id: str, plan: RebalancePlan) -> str:
    """`{"account_id": …, "plan": …}` on one line; the plan exactly as `to_json()` has it.

    Hand-written for speed (`to_json()` indents, and costs more than planning a
    20-symbol account): names go through `json.dumps`, amounts are plain decimal texts,
    which need no escaping. A plan with metadata or a tax report takes the slow, general
    path, made compact by `_compact` so that its line reads as every other line.
    """
    if plan.metadata or plan.tax is not None:
        return f'{{"account_id":{dumps(account_id)},"plan":{_compact(plan.to_json())}}}'
    as_of = dumps(plan.as_of.isoformat()) if plan.as_of is not None else "null"
    items = ",".join(
        f'{{"symbol":{dumps(i.symbol)},"action":"{i.action.value}",'
        f'"trade_amount":"{_plain(i.trade_amount)}","quantity":"{_plain(i.quantity)}",'
        f'"price":"{_plain(i.price)}","current_value":"{_plain(i.current_value)}",'
        f'"target_value":"{_plain(i.target_value)}",'
        f'"current_weight":"{_plain(i.current_weight)}",'
        f'"target_weight":"{_plain(i.target_weight)}",'
        f'"skipped_amount":"{_plain(i.skipped_amount)}","reason":"{i.reason.value}"}}'
        for i in plan.items
    )
    pairs = ",".join(
        f'{dumps(symbol)}:"{_plain(shares)}"'
        for symbol, shares in sorted((plan.held or {}).items())
    )
    held = "" if plan.held is None else f',"held":{{{pairs}}}'
    return (
        f'{{"account_id":{dumps(account_id)},"plan":{{"schema_version":{SCHEMA_VERSION},'
        f'"plan_id":{dumps(plan.plan_id)},"correlation_id":{dumps(plan.correlation_id)},'
        f'"as_of":{as_of},"total_value":"{_plain(plan.total_value)}",'
        f'"cash_before":"{_plain(plan.cash_before)}","cash_after":"{_plain(plan.cash_after)}",'
        f'"policy":{_policy_json(plan.policy)},"items":[{items}],"metadata":{{}},"tax":null{held}}}}}'
    )


#: A JSON string (kept as it is) or a run of whitespace outside strings (dropped).
_STRING_OR_SPACE = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*")|[ \t\n\r]+')


def _compact(text: str) -> str:
    r"""`to_json()`'s text without the whitespace between tokens, as the fast path writes it.

    Strings keep every character: `{"a": "b: c"}` becomes `{"a":"b: c"}`. `to_json()`
    escapes every line break, control and non-ASCII character inside a string, so its
    line breaks and indentation are all layout; then, unless a string holds a quote
    (`\"`), every `": ` is a key's and loses its space. A quote takes the general path.
    """
    joined = "".join(line.strip() for line in text.splitlines())
    if '\\"' in joined:
        return _STRING_OR_SPACE.sub(r"\1", text)
    return joined.replace('": ', '":')


def _plain(value: Decimal) -> str:
    """`plain(value)`, in a fifth of its time: `str` already is plain unless it has an E."""
    text = str(value)
    return plain(value) if "E" in text else text


@functools.lru_cache(maxsize=64)
def _policy_json(policy: SizingPolicy | None) -> str:
    """The policy as `to_json()` writes it, compact; computed once per distinct policy."""
    if policy is None:
        return "null"
    zero = Decimal(0)
    bare = RebalancePlan(
        plan_id="", correlation_id="", items=(), total_value=zero, cash_before=zero,
        cash_after=zero, policy=policy,
    )  # fmt: skip
    return dumps(json.loads(bare.to_json())["policy"], separators=(",", ":"))
