"""JSON codec for `RebalancePlan`: exact decimals both ways, Failure instead of exceptions.

Record amounts are written as decimal strings (safe for any JSON reader); Decimals
inside `metadata` are written as JSON numbers with their exact digits and read back
as Decimals, so `from_json(plan.to_json())` equals the plan.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from returns.result import Failure, Result, Success

from portfolio.errors import ErrorKind, PortfolioError
from portfolio.plan import Action, PlanItem, Reason, RebalancePlan

__all__ = ["plan_from_json", "plan_to_json"]

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


def plan_to_json(plan: RebalancePlan) -> str:
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


def plan_from_json(text: str | bytes) -> Result[RebalancePlan, PortfolioError]:
    """Parse a plan written by `plan_to_json`; Failure(INVALID_PLAN) names the bad field."""
    try:
        document = json.loads(text, parse_float=Decimal)
    except (ValueError, TypeError, RecursionError) as exc:
        return Failure(PortfolioError.of(ErrorKind.INVALID_PLAN, "plan is not JSON", error=exc))
    try:
        return Success(_plan(document))
    except _BadPlanError as bad:
        return Failure(
            PortfolioError.of(ErrorKind.INVALID_PLAN, f"plan JSON: {bad.problem}", field=bad.where)
        )


def _plan(document: object) -> RebalancePlan:
    doc = _as(dict, document, "$")
    return RebalancePlan(
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
    except InvalidOperation:
        raise _BadPlanError(where, f"not a decimal: {text!r}") from None
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
