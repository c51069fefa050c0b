"""Input files → the library's records: weights, sizing policy, account snapshot.

Each loader reads one JSON or TOML file (see `documents`) and returns the record or an
`InputError` that names the file and the key path. Loaders check shape and numbers
only; the library checks meaning (weights summing above 1, a missing price) and
answers with a `PortfolioError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import attrs
from returns.result import Failure, Result, Success

from adapters.cli.documents import BadValueError, read_document, shown, to_decimal, to_mapping
from adapters.cli.tax_inputs import tax_policy_from
from adapters.cli.terminal import InputError
from portfolio import Allocation, Asset, SizingPolicy, Snapshot, validate

__all__ = [
    "load_policy",
    "load_snapshot",
    "load_targets",
    "load_weights",
    "policy_from",
    "require_targets",
    "snapshot_from",
    "weights_from",
]

T = TypeVar("T")

_SNAPSHOT_KEYS = frozenset({"cash", "positions", "prices", "assets", "as_of"})
#: Every `Asset` field but the symbol, with its default: its type for `_like`.
_ASSET_FIELDS = {
    field.name: field.default for field in attrs.fields(Asset) if field.name != "symbol"
}


def weights_from(document: object) -> Mapping[str, Decimal]:
    """`{"SPY": "0.6", "QQQ": 0.4}` → symbol → weight (fractions of the portfolio value)."""
    return _decimals(document, "")


def policy_from(document: object) -> SizingPolicy:
    """`{"min_trade_amount": "5", "band": "0.05", "fractional": false}` → a SizingPolicy.

    Keys are SizingPolicy's field names; missing keys keep their defaults.
    """
    fields = {field.name: field.default for field in attrs.fields(SizingPolicy)}
    values: dict[str, object] = {}
    for key, value in to_mapping(document, "").items():
        if key not in fields:
            known = ", ".join(fields)
            raise BadValueError(where=key, problem=f"unknown policy field (known: {known})")
        if key == "tax":  # the [tax] table (docs/tax.md)
            values[key] = tax_policy_from(value)
            continue
        values[key] = _like(default=fields[key], value=value, where=key)
    return SizingPolicy(**values)  # type: ignore[arg-type]  # each value typed like its default


def snapshot_from(document: object) -> Snapshot:
    """`{"cash": "10000", "positions": {...}, "prices": {...}, "assets": {...}}` → a Snapshot.

    `cash` and `prices` are required; `positions` (signed shares), `assets` (per symbol
    any `Asset` field: the `fractionable` / `tradable` / `shortable` flags, `asset_class`,
    `min_order_notional`, `quantity_increment`) and `as_of` (ISO 8601) are optional.
    """
    doc = to_mapping(document, "")
    unknown = sorted(set(doc) - _SNAPSHOT_KEYS)
    if unknown:
        known = ", ".join(sorted(_SNAPSHOT_KEYS))
        raise BadValueError(where=unknown[0], problem=f"unknown key (known: {known})")
    for required in ("cash", "prices"):
        if required not in doc:
            raise BadValueError(where=required, problem="missing")
    assets = to_mapping(doc.get("assets", {}), "assets")
    return Snapshot(
        cash=to_decimal(doc["cash"], "cash"),
        positions=_decimals(doc.get("positions", {}), "positions"),
        prices=_decimals(doc["prices"], "prices"),
        assets={str(symbol): _asset(str(symbol), facts) for symbol, facts in assets.items()},
        as_of=_datetime(doc.get("as_of"), "as_of"),
    )


def load_weights(path: Path) -> Result[Mapping[str, Decimal], InputError]:
    """Read a weights file (JSON or TOML)."""
    return _load(path, weights_from)


def load_targets(path: Path, *, liquidate_all: bool) -> Result[Mapping[str, Decimal], InputError]:
    """Read a weights file to plan on: see `require_targets`."""
    return load_weights(path).bind(
        lambda weights: require_targets(weights, str(path), liquidate_all=liquidate_all)
    )


def require_targets(
    weights: Mapping[str, Decimal], source: str, *, liquidate_all: bool
) -> Result[Mapping[str, Decimal], InputError]:
    """Weights with no non-zero entry sell the whole account: only with `--liquidate-all`.

    And `--liquidate-all` only with such weights, so the flag never hides a target.
    """
    targeted = any(weights.values())
    if targeted and liquidate_all:
        problem = "--liquidate-all needs a weights file without a non-zero weight ({} or zeros)"
        return Failure(InputError(source=source, problem=problem))
    if not targeted and not liquidate_all:
        problem = (
            "no non-zero weight: the plan would sell every position; "
            "pass --liquidate-all if that is what you want"
        )
        return Failure(InputError(source=source, problem=problem))
    return Success(weights)


def load_policy(path: Path) -> Result[SizingPolicy, InputError]:
    """Read a sizing-policy file (JSON or TOML); a value out of range names its field."""
    return _load(path, policy_from).bind(lambda policy: _in_range(policy, str(path)))


def _in_range(policy: SizingPolicy, source: str) -> Result[SizingPolicy, InputError]:
    """The library's own policy rules, checked before any account is read.

    `validate` on an empty allocation and an empty account can only fail on the policy.
    """
    nothing = Allocation(target_weights={}, correlation_id="policy-check")
    checked = validate(nothing, Snapshot(cash=Decimal(0), prices={}), policy)
    return checked.map(lambda _: policy).alt(
        lambda error: InputError(
            source=source, where=error.context.get("field", ""), problem=error.message
        )
    )


def load_snapshot(path: Path) -> Result[Snapshot, InputError]:
    """Read an account snapshot file (JSON, or TOML)."""
    return _load(path, snapshot_from)


def _load(path: Path, build: Callable[[object], T]) -> Result[T, InputError]:
    return read_document(path).bind(lambda document: convert(document, build, str(path)))


def convert(document: object, build: Callable[[object], T], source: str) -> Result[T, InputError]:
    """Run `build` on a parsed document; a BadValueError becomes an InputError for `source`."""
    try:
        return Success(build(document))
    except BadValueError as bad:
        return Failure(InputError(source=source, where=bad.where, problem=bad.problem))


def _decimals(document: object, where: str) -> dict[str, Decimal]:
    prefix = f"{where}." if where else ""
    return {
        str(symbol): to_decimal(value, f"{prefix}{symbol}")
        for symbol, value in to_mapping(document, where or "top level").items()
    }


def _asset(symbol: str, facts: object) -> Asset:
    """An `Asset` from its fields; the library checks their ranges (`check_asset_facts`)."""
    given = to_mapping(facts, f"assets.{symbol}")
    unknown = sorted(set(given) - set(_ASSET_FIELDS))
    if unknown:
        known = ", ".join(_ASSET_FIELDS)
        raise BadValueError(
            where=f"assets.{symbol}.{unknown[0]}", problem=f"unknown field (known: {known})"
        )
    checked = {
        name: _like(default=_ASSET_FIELDS[name], value=value, where=f"assets.{symbol}.{name}")
        for name, value in given.items()
    }
    return Asset(symbol=symbol, **checked)  # type: ignore[arg-type]  # each typed like its default


def _like(*, default: object, value: object, where: str) -> object:
    """Convert `value` to the type of a field's default: bool, Decimal or str.

    A field whose default is None (`quantity_increment`) takes a number or null.
    """
    if default is None:
        return None if value is None else to_decimal(value, where)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise BadValueError(where=where, problem=f"expected true or false, got {shown(value)}")
        return value
    if isinstance(default, Decimal):
        return to_decimal(value, where)
    if not isinstance(value, str):
        raise BadValueError(where=where, problem=f"expected a string, got {shown(value)}")
    return value


def _datetime(value: object, where: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):  # TOML has a datetime type of its own
        return value
    text = value.isoformat() if isinstance(value, date | time) else value
    try:
        return datetime.fromisoformat(text)  # type: ignore[arg-type]  # a TypeError is caught
    except (TypeError, ValueError):
        problem = f"not an ISO 8601 date-time: {shown(value)}"
        raise BadValueError(where=where, problem=problem) from None
