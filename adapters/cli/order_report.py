"""Order intents and execution reports as a table, as JSON and as CSV."""

from __future__ import annotations

import json
from decimal import Decimal

from returns.result import Result

from adapters.cli.csv_out import csv_text
from adapters.cli.table import grid, shares
from portfolio import ExecutedOrder, ExecutionReport, OrderIntent

__all__ = ["intents_csv", "orders_json", "orders_table"]

_HEADERS = ("Side", "Symbol", "Quantity", "Notional", "Closes", "Client order id")
_RESULT_HEADERS = ("Step", "Status", "Filled", "Avg price", "Error")
_CSV_FIELDS = ("client_order_id", "symbol", "side", "quantity", "notional", "closes_position")


def _text(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _intent_cells(intent: OrderIntent) -> tuple[str, ...]:
    return (
        intent.side.value,
        intent.symbol,
        shares(intent.quantity).lstrip("+") if intent.quantity is not None else "",
        _text(intent.notional),
        "yes" if intent.closes_position else "",
        intent.client_order_id,
    )


def _result_cells(order: ExecutedOrder) -> tuple[str, ...]:
    state = order.state
    return (
        order.step.value,
        state.status.value if state else "",
        _text(state.filled_quantity) if state else "",
        _text(state.average_price) if state else "",
        order.error.kind.name if order.error else "",
    )


def orders_table(intents: tuple[OrderIntent, ...], report: ExecutionReport | None = None) -> str:
    """One row per order (sells first); with a report, what became of each."""
    if report is None:
        return grid(_HEADERS, [_intent_cells(i) for i in intents], frozenset({2, 3})) + "\n"
    rows = [_intent_cells(o.intent) + _result_cells(o) for o in report.orders]
    table = grid(_HEADERS + _RESULT_HEADERS, rows, frozenset({2, 3, 8, 9}))
    done = sum(1 for o in report.orders if o.filled)
    summary = f"{done} of {len(report.orders)} orders filled, {report.submitted} placed by this run"
    stopped = f"\nstopped: {report.stopped}" if report.stopped else ""
    return f"{table}\n\n{summary}{stopped}\n"


def _intent_json(intent: OrderIntent) -> dict[str, object]:
    return {
        "client_order_id": intent.client_order_id,
        "symbol": intent.symbol,
        "side": intent.side.value,
        "quantity": _text(intent.quantity) or None,
        "notional": _text(intent.notional) or None,
        "closes_position": intent.closes_position,
    }


def _order_json(order: ExecutedOrder) -> dict[str, object]:
    state = order.state
    return _intent_json(order.intent) | {
        "step": order.step.value,
        "status": state.status.value if state else None,
        "filled_quantity": _text(state.filled_quantity) if state else None,
        "average_price": _text(state.average_price) or None if state else None,
        "error": str(order.error) if order.error else None,
    }


def orders_json(
    plan_id: str, intents: tuple[OrderIntent, ...], report: ExecutionReport | None = None
) -> str:
    """`{"plan_id", "executed", "orders": [...], "stopped"}`; numbers as exact decimal strings."""
    orders = (
        [_intent_json(i) for i in intents]
        if report is None
        else [_order_json(o) for o in report.orders]
    )
    document = {
        "plan_id": plan_id,
        "executed": report is not None,
        "orders": orders,
        "stopped": str(report.stopped) if report and report.stopped else None,
    }
    return json.dumps(document, indent=2) + "\n"


def intents_csv(intents: tuple[OrderIntent, ...]) -> Result[str, str]:
    """The intents as CSV with a header row, one order a line in the order given.

    A Failure names each cell a spreadsheet would run as a formula (`csv_out.csv_text`).
    """
    rows = (
        (i.client_order_id, i.symbol, i.side.value, i.quantity, i.notional, i.closes_position)
        for i in intents
    )
    return csv_text(_CSV_FIELDS, rows)
