"""The tax parts of a plan's JSON: a `TaxPolicy` inside the policy, the `TaxReport`.

Written like the rest of the plan (`portfolio.formats.plan_json`): amounts as plain decimal
strings, enums by name, dates as ISO strings; a bad field raises `BadValueError`
naming it, which the plan's parser turns into Failure(INVALID_PLAN).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from portfolio.formats.json_values import BadValueError, as_type, decimal_at, enum_at, plain
from portfolio.tax.policy import LotMethod, TaxPolicy, tax_policy_problem
from portfolio.tax.report import LotSale, TaxReport, Term

__all__ = ["report_document", "report_from", "tax_policy_document", "tax_policy_from"]

_SALE_AMOUNTS = ("quantity", "proceeds", "cost", "gain")
_REPORT_AMOUNTS = ("short_term_gain", "long_term_gain", "estimated_tax", "over_budget")
#: Written from schema version 4 on (tax-loss harvesting); older plans read as 0.00.
_HARVESTED = "harvested_loss"


def tax_policy_document(tax: TaxPolicy) -> dict[str, object]:
    """Every field by name."""
    budget, threshold = tax.max_realized_gain, tax.harvest_threshold
    return {
        "method": tax.method.value,
        "max_realized_gain": None if budget is None else plain(budget),
        "defer_short_term_gains": tax.defer_short_term_gains,
        "short_term_rate": plain(tax.short_term_rate),
        "long_term_rate": plain(tax.long_term_rate),
        "wash_sale_days": tax.wash_sale_days,
        "identical": [list(group) for group in tax.identical],
        "substitutes": {symbol: list(named) for symbol, named in tax.substitutes.items()},
        "harvest_threshold": None if threshold is None else plain(threshold),
        "harvest_min_loss": plain(tax.harvest_min_loss),
    }


def tax_policy_from(value: object, where: str) -> TaxPolicy:
    """The policy's `tax` document back into a `TaxPolicy`; absent fields keep their defaults."""
    doc = as_type(dict, value, where)
    fields: dict[str, Any] = {}
    for name, given in doc.items():
        at = f"{where}.{name}"
        match name:
            case "method":
                fields[name] = enum_at(LotMethod, given, at)
            case "max_realized_gain":
                fields[name] = None if given is None else decimal_at(given, at)
            case "defer_short_term_gains":
                fields[name] = as_type(bool, given, at)
            case "short_term_rate" | "long_term_rate":
                fields[name] = decimal_at(given, at)
            case "wash_sale_days":
                fields[name] = as_type(int, given, at)
            case "identical" | "substitutes" | "harvest_threshold" | "harvest_min_loss":
                fields[name] = _harvest_field(name, given, at)
            case _:
                raise BadValueError(at, "unknown TaxPolicy field")
    tax = TaxPolicy(**fields)
    problem = tax_policy_problem(tax)
    if problem is not None:
        at = f"policy.{problem.context.get('field', 'tax')}"
        raise BadValueError(at, problem.message)
    return tax


def _harvest_field(name: str, given: object, at: str) -> object:
    """One of the harvesting fields (schema version 4) from its JSON value."""
    if name == "identical":
        groups = as_type(list, given, at)
        return tuple(_symbols(group, f"{at}[{n}]") for n, group in enumerate(groups))
    if name == "substitutes":
        named = as_type(dict, given, at)
        return {symbol: _symbols(each, f"{at}.{symbol}") for symbol, each in named.items()}
    if name == "harvest_threshold" and given is None:
        return None
    return decimal_at(given, at)


def _symbols(value: object, where: str) -> tuple[str, ...]:
    """A JSON list of symbols as a tuple of strings."""
    return tuple(
        as_type(str, s, f"{where}[{n}]") for n, s in enumerate(as_type(list, value, where))
    )


def report_document(report: TaxReport) -> dict[str, object]:
    """The report: its sales one object each, amounts as plain decimal strings."""
    document: dict[str, object] = {
        "sales": [
            {
                "symbol": sale.symbol,
                "lot_id": sale.lot_id,
                "acquired": sale.acquired.isoformat(),
                **{name: plain(getattr(sale, name)) for name in _SALE_AMOUNTS},
                "term": sale.term.value,
            }
            for sale in report.sales
        ],
    }
    document.update({name: plain(getattr(report, name)) for name in _REPORT_AMOUNTS})
    document["unknown_basis"] = list(report.unknown_basis)
    document[_HARVESTED] = plain(report.harvested_loss)
    document["substituted"] = [list(pair) for pair in report.substituted]
    return document


def report_from(value: object, where: str = "tax") -> TaxReport | None:
    """The `tax` document back into a `TaxReport` (None stays None)."""
    if value is None:
        return None
    doc = as_type(dict, value, where)
    sales = tuple(
        _sale(entry, f"{where}.sales[{n}]")
        for n, entry in enumerate(as_type(list, doc.get("sales"), f"{where}.sales"))
    )
    amounts = {name: decimal_at(doc.get(name), f"{where}.{name}") for name in _REPORT_AMOUNTS}
    unknown = as_type(list, doc.get("unknown_basis", []), f"{where}.unknown_basis")
    harvested = doc.get(_HARVESTED)
    moved = as_type(list, doc.get("substituted", []), f"{where}.substituted")
    pairs = tuple(_pair(pair, f"{where}.substituted[{n}]") for n, pair in enumerate(moved))
    return TaxReport(
        sales=sales,
        unknown_basis=tuple(
            as_type(str, s, f"{where}.unknown_basis[{n}]") for n, s in enumerate(unknown)
        ),
        harvested_loss=(
            Decimal("0.00") if harvested is None else decimal_at(harvested, f"{where}.{_HARVESTED}")
        ),
        substituted=pairs,
        **amounts,
    )


def _pair(value: object, where: str) -> tuple[str, str]:
    """A [symbol, substitute] pair."""
    pair = _symbols(value, where)
    if len(pair) != 2:
        raise BadValueError(where, "a [symbol, substitute] pair")
    return pair[0], pair[1]


def _sale(entry: object, where: str) -> LotSale:
    doc = as_type(dict, entry, where)
    acquired = as_type(str, doc.get("acquired"), f"{where}.acquired")
    try:
        on = date.fromisoformat(acquired)
    except ValueError:
        at, problem = f"{where}.acquired", f"not an ISO date: {acquired!r}"
        raise BadValueError(at, problem) from None
    return LotSale(
        symbol=as_type(str, doc.get("symbol"), f"{where}.symbol"),
        lot_id=as_type(str, doc.get("lot_id", ""), f"{where}.lot_id"),
        acquired=on,
        term=enum_at(Term, doc.get("term"), f"{where}.term"),
        **{name: decimal_at(doc.get(name), f"{where}.{name}") for name in _SALE_AMOUNTS},
    )
