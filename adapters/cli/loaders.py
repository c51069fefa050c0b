"""Input files → the library's records: weights, sizing policy, account snapshot.

Each loader reads one JSON or TOML file (see `documents`) and returns the record or an
`InputError` that names the file and the key path. Loaders check shape and numbers;
a policy and an asset's facts are read by the library's typed constructors
(`SizingPolicy.from_mapping`, `Asset.from_mapping`: each field by its type), and the
library checks meaning (weights summing above 1, a missing price) when it plans.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from adapters.cli.documents import BadValueError, read_document, shown, to_decimal, to_mapping
from adapters.cli.tax_inputs import tax_policy_from
from adapters.cli.terminal import InputError
from portfolio import Asset, PastTrade, PortfolioError, SizingPolicy, Snapshot, TaxLot
from portfolio.formats.json_values import kind
from portfolio.records.policy import policy_problem
from portfolio.records.typed_fields import typed_fields

__all__ = [
    "NO_TARGET",
    "load_policy",
    "load_snapshot",
    "load_targets",
    "load_weights",
    "policy_from",
    "require_targets",
    "snapshot_from",
    "targets_nothing",
    "weights_from",
]

T = TypeVar("T")

#: A weight quoted in a message is at most this long, as `shown` cuts any value.
_SHOWN = 40
_SNAPSHOT_KEYS = frozenset(
    {"cash", "positions", "prices", "assets", "as_of", "lots", "recent_trades"}
)


def weights_from(document: object) -> Mapping[str, Decimal]:
    """`{"SPY": "0.6", "QQQ": 0.4}` → symbol → weight (fractions of the portfolio value).

    A percentage (`"60%"`) is not a number here; the message says the fraction meant.
    """
    weights: dict[str, Decimal] = {}
    for symbol, value in to_mapping(document, "top level").items():
        try:
            weights[str(symbol)] = to_decimal(value, str(symbol))
        except BadValueError as error:
            raise BadValueError(error.where, error.problem + _as_fraction(value)) from None
    return weights


def _as_fraction(value: object) -> str:
    """For a weight written as a percentage (`"60%"`), the fraction it means; else ""."""
    text = value.strip() if isinstance(value, str) else ""
    if not (text.endswith("%") and len(text) <= _SHOWN):
        return ""
    try:
        fraction = (Decimal(text.removesuffix("%")) / 100).normalize()
    except ArithmeticError:  # not a number, or beyond any context
        return ""
    if not (fraction.is_finite() and abs(fraction) <= 100):
        return ""
    return f" (weights are fractions: {fraction:f}, not {text})"


def policy_from(document: object) -> SizingPolicy:
    """`{"min_trade_amount": "5", "band": "0.05", "fractional": false}` → a SizingPolicy.

    Keys are SizingPolicy's field names, each value read by its field's type
    (`SizingPolicy.from_mapping`); missing keys keep their defaults. Ranges are checked
    by `load_policy` (a policy file) or by the planner (a line's own policy).
    """
    table = to_mapping(document, "")
    if "tax" in table:  # the [tax] table (docs/tax.md), read by its own reader first
        table = {**table, "tax": tax_policy_from(table["tax"])}
    return _unwrapped(SizingPolicy.from_mapping(table))


def snapshot_from(document: object) -> Snapshot:
    """`{"cash": "10000", "positions": {...}, "prices": {...}, "assets": {...}}` → a Snapshot.

    `cash` and `prices` are required; `positions` (signed shares), `assets` (per symbol
    any `Asset` field: the `fractionable` / `tradable` / `shortable` flags, `asset_class`,
    `min_order_notional`, `quantity_increment`), `as_of` (ISO 8601), `lots` (per symbol
    a list of `TaxLot` fields) and `recent_trades` (a list of `PastTrade` fields) are
    optional. The library checks what the lots and trades mean (docs/tax.md, rule 5).
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
        lots=_lots(doc.get("lots", {})),
        recent_trades=_trades(doc.get("recent_trades", [])),
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
    targeted = not targets_nothing(weights)
    if targeted and liquidate_all:
        problem = "--liquidate-all needs a weights file without a non-zero weight ({} or zeros)"
        return Failure(InputError(source=source, problem=problem))
    if not targeted and not liquidate_all:
        return Failure(InputError(source=source, problem=NO_TARGET))
    return Success(weights)


#: Why weights that target nothing are refused without `--liquidate-all`.
NO_TARGET = (
    "no non-zero weight: the plan would sell every position; "
    "pass --liquidate-all if that is what you want"
)


def targets_nothing(weights: Mapping[str, Decimal]) -> bool:
    """Weights without a non-zero entry (`{}` or zeros): a plan on them sells everything.

    The rule `--liquidate-all` guards, in `plan`, `rebalance`, `validate` and `plan-many`.
    """
    return not any(weights.values())


def load_policy(path: Path) -> Result[SizingPolicy, InputError]:
    """Read a sizing-policy file (JSON or TOML); a value out of range names its field.

    The library's own policy rules (`policy_problem`) are checked before any account
    is read.
    """
    return _load(path, lambda document: _checked(policy_from(document)))


def _checked(policy: SizingPolicy) -> SizingPolicy:
    """The policy, or the library's reason to refuse it as a BadValueError naming the field."""
    problem = policy_problem(policy)
    if problem is not None:
        raise BadValueError(where=problem.context.get("field", ""), problem=problem.message)
    return policy


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
    return _unwrapped(Asset.from_mapping(symbol, to_mapping(facts, f"assets.{symbol}")))


def _lots(document: object) -> dict[str, tuple[TaxLot, ...]]:
    """`{"SPY": [{"quantity": "10", "cost": "412.50", "acquired": "2023-03-01"}]}` → lots."""
    lots: dict[str, tuple[TaxLot, ...]] = {}
    for symbol, entries in to_mapping(document, "lots").items():
        where = f"lots.{symbol}"
        listed = _listed(entries, where, "lots")
        lots[str(symbol)] = tuple(
            _record(TaxLot, entry, f"{where}[{n}]", _LOT_NEEDS) for n, entry in enumerate(listed)
        )
    return lots


def _trades(document: object) -> tuple[PastTrade, ...]:
    """The recent trades, each a table of `PastTrade` fields.

    `{"symbol": "QQQ", "action": "SELL", "quantity": "5", "price": "400",
    "on": "2024-05-20", "realized_gain": "-120"}`; `realized_gain` may be left out.
    """
    listed = _listed(document, "recent_trades", "trades")
    return tuple(
        _record(PastTrade, entry, f"recent_trades[{n}]", _TRADE_NEEDS)
        for n, entry in enumerate(listed)
    )


_LOT_NEEDS = ("quantity", "cost", "acquired")
_TRADE_NEEDS = ("symbol", "action", "quantity", "price", "on")
R = TypeVar("R")


def _listed(document: object, where: str, what: str) -> list[object]:
    if not isinstance(document, list):
        raise BadValueError(where=where, problem=f"expected a list of {what}, got {kind(document)}")
    return document


def _record(cls: type[R], entry: object, where: str, needs: tuple[str, ...]) -> R:
    """A lot or a trade from its table, each field read by its type; a missing one named."""
    fields = typed_fields(cls, to_mapping(entry, where), noun="field", where=where)
    missing = next((name for name in needs if name not in fields), None)
    if missing is not None:
        raise BadValueError(where=f"{where}.{missing}", problem="missing")
    return cls(**fields)


def _unwrapped(record: Result[T, PortfolioError]) -> T:
    """The library's record, or its refusal as a BadValueError naming the field."""
    if not is_successful(record):
        error = record.failure()
        raise BadValueError(where=error.context.get("field", ""), problem=error.message)
    return record.unwrap()


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
