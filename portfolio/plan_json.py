"""JSON codec for rebalance plans: exact decimals both ways, Failure instead of exceptions.

Record amounts are written as decimal strings (safe for any JSON reader); Decimals
inside `metadata` are written as JSON numbers with their exact digits and read back
as Decimals, so `RebalancePlan.from_json(plan.to_json())` equals the plan. This module
knows the items and the plan's fields by name; `portfolio.plan` builds the record.
"""

from __future__ import annotations

import decimal
import enum
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypedDict, TypeVar

from returns.result import Failure, Result, Success

from portfolio.errors import ErrorKind, PortfolioError
from portfolio.plan_item import Action, PlanItem, Reason

__all__ = ["PlanFields", "PlanLike", "plan_fields_from_json", "plan_to_json"]

_AMOUNT_FIELDS = (
    "trade_amount",
    "quantity",
    "price",
    "current_value",
    "target_value",
    "current_weight",
    "target_weight",
)

T = TypeVar("T")


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


def plan_to_json(plan: PlanLike) -> str:
    """Serialise a plan; keys in a fixed order, two-space indentation."""
    document = {
        "plan_id": plan.plan_id,
        "correlation_id": plan.correlation_id,
        "as_of": plan.as_of.isoformat() if plan.as_of is not None else None,
        "total_value": str(plan.total_value),
        "cash_before": str(plan.cash_before),
        "cash_after": str(plan.cash_after),
        "items": [_item_document(item) for item in plan.items],
        "metadata": plan.metadata,
    }
    return _encode(document, 0)


def _item_document(item: PlanItem) -> dict[str, object]:
    return {
        "symbol": item.symbol,
        "action": item.action.value,
        "trade_amount": str(item.trade_amount),
        "quantity": str(item.quantity),
        "price": str(item.price),
        "current_value": str(item.current_value),
        "target_value": str(item.target_value),
        "current_weight": str(item.current_weight),
        "target_weight": str(item.target_weight),
        "reason": item.reason.value,
    }


def _encode(value: object, level: int) -> str:  # noqa: C901, PLR0911 - one branch per JSON type
    pad, inner = "  " * level, "  " * (level + 1)
    match value:
        case None | bool():
            return json.dumps(value)
        case str():
            return json.dumps(value)
        case int():
            return str(value)
        case Decimal() if value.is_finite():
            return str(value)
        case Mapping() if value:
            fields = (
                f"{inner}{json.dumps(str(k))}: {_encode(v, level + 1)}" for k, v in value.items()
            )
            return "{\n" + ",\n".join(fields) + f"\n{pad}}}"
        case Mapping():
            return "{}"
        case list() | tuple() if value:
            elements = (f"{inner}{_encode(v, level + 1)}" for v in value)
            return "[\n" + ",\n".join(elements) + f"\n{pad}]"
        case list() | tuple():
            return "[]"
        case datetime():
            return json.dumps(value.isoformat())
        case enum.Enum():
            return _encode(value.value, level)
        case _:
            # Not JSON (a non-finite Decimal, an arbitrary object): written as its text.
            return json.dumps(str(value))


class _BadPlanError(Exception):
    """Internal only: carries the failing field to the one place that turns it into a Failure."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(where, problem)
        self.where = where
        self.problem = problem


def plan_fields_from_json(text: str | bytes) -> Result[PlanFields, PortfolioError]:
    """Parse a plan written by `plan_to_json`; Failure(INVALID_PLAN) names the bad field."""
    try:
        document = json.loads(text, parse_float=Decimal)
    except (ValueError, TypeError, RecursionError, decimal.DecimalException) as exc:
        # DecimalException: a number like 1E+99999999999999999999 that no Decimal can hold
        return Failure(PortfolioError.of(ErrorKind.INVALID_PLAN, "plan is not JSON", error=exc))
    try:
        return Success(_plan(document))
    except _BadPlanError as bad:
        return Failure(
            PortfolioError.of(ErrorKind.INVALID_PLAN, f"plan JSON: {bad.problem}", field=bad.where)
        )


def _plan(document: object) -> PlanFields:
    doc = _as(dict, document, "$")
    return PlanFields(
        plan_id=_as(str, doc.get("plan_id"), "plan_id"),
        correlation_id=_as(str, doc.get("correlation_id"), "correlation_id"),
        items=tuple(
            _item(entry, f"items[{n}]")
            for n, entry in enumerate(_as(list, doc.get("items"), "items"))
        ),
        total_value=_decimal(doc.get("total_value"), "total_value"),
        cash_before=_decimal(doc.get("cash_before"), "cash_before"),
        cash_after=_decimal(doc.get("cash_after"), "cash_after"),
        as_of=_datetime(doc.get("as_of"), "as_of"),
        metadata=_as(dict, doc.get("metadata", {}), "metadata"),
    )


def _item(entry: object, where: str) -> PlanItem:
    doc = _as(dict, entry, where)
    amounts = {name: _decimal(doc.get(name), f"{where}.{name}") for name in _AMOUNT_FIELDS}
    return PlanItem(
        symbol=_as(str, doc.get("symbol"), f"{where}.symbol"),
        action=_enum(Action, doc.get("action"), f"{where}.action"),
        reason=_enum(Reason, doc.get("reason"), f"{where}.reason"),
        **amounts,
    )


def _as(kind: type[T], value: object, where: str) -> T:
    if not isinstance(value, kind):
        raise _BadPlanError(where, f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _decimal(value: object, where: str) -> Decimal:
    text = _as(str, value, where)
    try:
        amount = Decimal(text)
    except decimal.DecimalException:
        raise _BadPlanError(where, f"not a decimal: {text[:40]!r}") from None
    if not amount.is_finite():
        raise _BadPlanError(where, f"not finite: {text!r}")
    return amount


def _datetime(value: object, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(_as(str, value, where))
    except ValueError:
        raise _BadPlanError(where, f"not an ISO datetime: {value!r}") from None


E = TypeVar("E", bound=enum.Enum)


def _enum(kind: type[E], value: object, where: str) -> E:
    text = _as(str, value, where)
    parse: Callable[[Any], E] = kind
    try:
        return parse(text)
    except ValueError:
        raise _BadPlanError(where, f"unknown {kind.__name__}: {text!r}") from None
