"""JSON codec for rebalance plans: exact decimals both ways, Failure instead of exceptions.

The format is documented in docs/formats.md and described by `plan.schema.json`
(shipped beside this module). Record amounts are written as plain decimal strings
("0.0000000000", never "0E-10"; safe for any JSON reader); Decimals inside `metadata`
are written as JSON numbers with their exact digits and read back as Decimals, so
`RebalancePlan.from_json(plan.to_json())` equals the plan. This module knows the items
and the plan's fields by name; `portfolio.records.plan` builds the record.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypedDict

import attrs
from returns.result import Failure, Result, Success

from portfolio.formats.json_values import (
    BadValueError,
    as_type,
    datetime_at,
    decimal_at,
    encode,
    enum_at,
    known_keys,
    plain,
    unique_keys,
)
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import MAX_PLAN_AMOUNT
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.records.policy import SizingPolicy, policy_problem
from portfolio.tax.codec import report_document, report_from, tax_policy_document, tax_policy_from
from portfolio.tax.report import TaxReport

__all__ = ["SCHEMA_VERSION", "PlanFields", "PlanLike", "plan_fields_from_json", "plan_to_json"]

#: The version of the plan document `plan_to_json` writes. Documents without one are
#: read as 0.1.0 wrote them (no policy, no skipped amounts); version 1 has no `held`
#: (what the plan was made from), so such a plan reads but cannot be executed; version 2
#: has no `tax` (read as None); version 3 has no harvesting fields (`TaxPolicy.identical`,
#: `substitutes`, `harvest_threshold`, `harvest_min_loss`; `TaxReport.harvested_loss`,
#: `substituted`), read as their defaults.
SCHEMA_VERSION = 4
_READABLE = frozenset({0, 1, 2, 3, SCHEMA_VERSION})
#: The policy's flat fields; `tax` (a TaxPolicy or None) is written apart, when set.
_POLICY_FIELDS = {
    field.name: field.default for field in attrs.fields(SizingPolicy) if field.name != "tax"
}

_AMOUNT_FIELDS = (
    "trade_amount",
    "quantity",
    "price",
    "current_value",
    "target_value",
    "current_weight",
    "target_weight",
)


#: The keys a plan document of this version holds, and each item's: a plan file edited
#: by hand with any other (a misspelt field, a `limit_price` no order would carry) is
#: refused rather than read without it. Documents of earlier versions read as before.
_PLAN_KEYS = frozenset(
    {
        "schema_version", "plan_id", "correlation_id", "as_of", "total_value", "cash_before",
        "cash_after", "policy", "items", "metadata", "tax", "held",
    }
)  # fmt: skip
_ITEM_KEYS = frozenset({"symbol", "action", *_AMOUNT_FIELDS, "skipped_amount", "reason"})


class PlanLike(Protocol):
    """What the encoder reads from a plan."""

    @property
    def plan_id(self) -> str:
        """The plan's content-derived id."""

    @property
    def correlation_id(self) -> str:
        """The caller's correlation id."""

    @property
    def items(self) -> tuple[PlanItem, ...]:
        """The decisions, in plan order."""

    @property
    def total_value(self) -> Decimal:
        """V, account currency."""

    @property
    def cash_before(self) -> Decimal:
        """Cash before the trades."""

    @property
    def cash_after(self) -> Decimal:
        """Cash after the trades."""

    @property
    def as_of(self) -> datetime | None:
        """The snapshot's time."""

    @property
    def metadata(self) -> Mapping[str, object]:
        """JSON-like annotations."""

    @property
    def policy(self) -> SizingPolicy | None:
        """The policy the plan was made with, if known."""

    @property
    def held(self) -> Mapping[str, Decimal] | None:
        """The shares of each planned symbol the plan was made from, if known."""

    @property
    def tax(self) -> TaxReport | None:
        """What the plan's sales realize, under a tax policy."""


class PlanFields(TypedDict):
    """The fields of a parsed plan, ready for the `RebalancePlan` constructor."""

    plan_id: str
    correlation_id: str
    items: tuple[PlanItem, ...]
    total_value: Decimal
    cash_before: Decimal
    cash_after: Decimal
    as_of: datetime | None
    metadata: Mapping[str, object]
    policy: SizingPolicy | None
    held: Mapping[str, Decimal] | None
    tax: TaxReport | None


def plan_to_json(plan: PlanLike) -> str:
    """Serialise a plan; keys in a fixed order, two-space indentation."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "plan_id": plan.plan_id,
        "correlation_id": plan.correlation_id,
        "as_of": plan.as_of.isoformat() if plan.as_of is not None else None,
        "total_value": plain(plan.total_value),
        "cash_before": plain(plan.cash_before),
        "cash_after": plain(plan.cash_after),
        "policy": None if plan.policy is None else _policy_document(plan.policy),
        "items": [_item_document(item) for item in plan.items],
        "metadata": plan.metadata,
        "tax": None if plan.tax is None else report_document(plan.tax),
    }
    if plan.held is not None:  # absent, not null, when unknown: see docs/formats.md
        document["held"] = {symbol: plain(plan.held[symbol]) for symbol in sorted(plan.held)}
    return encode(document, 0)


def _item_document(item: PlanItem) -> dict[str, object]:
    return {
        "symbol": item.symbol,
        "action": item.action.value,
        "trade_amount": plain(item.trade_amount),
        "quantity": plain(item.quantity),
        "price": plain(item.price),
        "current_value": plain(item.current_value),
        "target_value": plain(item.target_value),
        "current_weight": plain(item.current_weight),
        "target_weight": plain(item.target_weight),
        "skipped_amount": _skipped(item),
        "reason": item.reason.value,
    }


def _policy_document(policy: SizingPolicy) -> dict[str, object]:
    """Every field by name: Decimals as plain strings, flags as booleans, names as strings."""
    document: dict[str, object] = {}
    for name in _POLICY_FIELDS:
        value = getattr(policy, name)
        document[name] = plain(value) if isinstance(value, Decimal) else value
    if policy.tax is not None:
        document["tax"] = tax_policy_document(policy.tax)
    return document


def _skipped(item: PlanItem) -> str | None:
    try:
        return plain(item.skipped_amount)
    except (TypeError, ArithmeticError):  # a hand-built item holding something else
        return None


def plan_fields_from_json(text: str | bytes) -> Result[PlanFields, PortfolioError]:
    """Parse a plan written by `plan_to_json`; Failure(INVALID_PLAN) names the bad field."""
    try:
        document = json.loads(text, parse_float=Decimal, object_pairs_hook=unique_keys)
    except BadValueError as bad:  # a key twice in one object
        return Failure(
            PortfolioError.of(ErrorKind.INVALID_PLAN, f"plan JSON: {bad.problem}", field=bad.where)
        )
    except json.JSONDecodeError as exc:  # a file cut short or edited: where it breaks
        if not exc.doc.strip():
            return Failure(PortfolioError.of(ErrorKind.INVALID_PLAN, "plan is not JSON: empty"))
        problem = f"plan is not JSON: {exc.msg}"
        at = {"line": exc.lineno, "column": exc.colno}
        return Failure(PortfolioError.of(ErrorKind.INVALID_PLAN, problem, **at))
    except (ValueError, TypeError, RecursionError, decimal.DecimalException) as exc:
        # DecimalException: a number like 1E+99999999999999999999 that no Decimal can hold
        return Failure(PortfolioError.of(ErrorKind.INVALID_PLAN, "plan is not JSON", error=exc))
    try:
        return Success(_plan(document))
    except BadValueError as bad:
        return Failure(
            PortfolioError.of(ErrorKind.INVALID_PLAN, f"plan JSON: {bad.problem}", field=bad.where)
        )


def _plan(document: object) -> PlanFields:
    doc = as_type(dict, document, "$")
    version = doc.get("schema_version", 0)
    if type(version) is not int or version not in _READABLE:
        where, problem = "schema_version", f"unsupported version {version!r}"
        raise BadValueError(where, problem)
    if version == SCHEMA_VERSION:  # keys no plan writes (a typo, a field added by hand)
        known_keys(doc, _PLAN_KEYS, "")
        for n, entry in enumerate(as_type(list, doc.get("items"), "items")):
            known_keys(as_type(dict, entry, f"items[{n}]"), _ITEM_KEYS, f"items[{n}].")
    return PlanFields(
        plan_id=as_type(str, doc.get("plan_id"), "plan_id"),
        correlation_id=as_type(str, doc.get("correlation_id"), "correlation_id"),
        items=tuple(
            _item(entry, f"items[{n}]")
            for n, entry in enumerate(as_type(list, doc.get("items"), "items"))
        ),
        total_value=_amount_at(doc.get("total_value"), "total_value"),
        cash_before=_amount_at(doc.get("cash_before"), "cash_before"),
        cash_after=_amount_at(doc.get("cash_after"), "cash_after"),
        as_of=datetime_at(doc.get("as_of"), "as_of"),
        metadata=as_type(dict, doc.get("metadata", {}), "metadata"),
        policy=_policy(doc.get("policy")),
        held=_held(doc.get("held")) if version >= 2 else None,
        tax=report_from(doc.get("tax")),
    )


def _held(value: object) -> dict[str, Decimal] | None:
    """`{"SPY": "10", …}` back into signed share quantities; absent or null: unknown."""
    if value is None:
        return None
    return {
        as_type(str, symbol, "held"): decimal_at(quantity, f"held.{symbol}")
        for symbol, quantity in as_type(dict, value, "held").items()
    }


def _item(entry: object, where: str) -> PlanItem:
    doc = as_type(dict, entry, where)
    amounts = {name: _amount_at(doc.get(name), f"{where}.{name}") for name in _AMOUNT_FIELDS}
    item = PlanItem(
        symbol=as_type(str, doc.get("symbol"), f"{where}.symbol"),
        action=enum_at(Action, doc.get("action"), f"{where}.action"),
        reason=enum_at(Reason, doc.get("reason"), f"{where}.reason"),
        **amounts,
    )
    if "skipped_amount" in doc:  # derived: it must agree with the amounts it comes from
        field = f"{where}.skipped_amount"
        written = decimal_at(doc["skipped_amount"], field)
        if written != item.skipped_amount:
            message = f"is {written}, but target − current − trade is {item.skipped_amount}"
            raise BadValueError(field, message)
    return item


def _amount_at(value: object, where: str) -> Decimal:
    """A plan's number: a finite Decimal of magnitude at most `MAX_PLAN_AMOUNT`.

    Larger numbers are no plan's: their differences and products could overflow.
    """
    amount = decimal_at(value, where)
    if not -MAX_PLAN_AMOUNT <= amount <= MAX_PLAN_AMOUNT:
        raise BadValueError(where, f"magnitude above {MAX_PLAN_AMOUNT}: {str(amount)[:40]}")
    return amount


def _policy(value: object) -> SizingPolicy | None:
    """The policy document back into a `SizingPolicy`; absent fields keep their defaults."""
    if value is None:
        return None
    doc = as_type(dict, value, "policy")
    fields: dict[str, Any] = {}
    for name, given in doc.items():
        where = f"policy.{name}"
        if name == "tax":
            fields[name] = tax_policy_from(given, where)
            continue
        if name not in _POLICY_FIELDS:
            raise BadValueError(where, "unknown SizingPolicy field")
        default = _POLICY_FIELDS[name]
        if isinstance(default, Decimal):
            fields[name] = decimal_at(given, where)
        else:
            fields[name] = as_type(
                type(default) if isinstance(default, bool) else str, given, where
            )
    policy = SizingPolicy(**fields)
    problem = policy_problem(policy)
    if problem is not None:
        where = f"policy.{problem.context.get('field', '?')}"
        raise BadValueError(where, problem.message)
    return policy
