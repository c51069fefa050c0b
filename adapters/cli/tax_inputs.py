"""The command line's tax inputs and outputs (docs/tax.md, docs/cli.md).

`--lots FILE` and the policy's `[tax]` table; the plan table's tax lines are
`TaxReport.summary`.

A lots file is CSV with the header `symbol,quantity,cost,acquired` and an optional
`lot_id` column (names in any case; a leading byte-order mark, as spreadsheets write
it, is ignored); symbols are upper-cased, as the planner reads them; `acquired` is an
ISO date. A bad file is an `InputError` naming the
line and the column (exit code 2). Lots that do not fit the account (a lot acquired
after its `as_of`, lots that do not sum to the position) are the library's refusal
(`portfolio.tax.records.lots_problem`), named with the lots file and the lot's line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, TypeGuard

import attrs
from returns.result import Failure, Result, Success

from adapters.cli.documents import BadValueError, shown, to_decimal, to_mapping
from adapters.cli.report import Problem
from adapters.cli.terminal import InputError
from portfolio import (
    LotMethod,
    PortfolioError,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    TaxLot,
    TaxPolicy,
)
from portfolio.records.money import is_bounded
from portfolio.records.typed_fields import day
from portfolio.tax.records import lots_problem
from ports import BrokerPort

__all__ = [
    "LotsFile",
    "LotsOnTop",
    "load_lots",
    "parse_lots",
    "tax_policy_from",
    "unknown_basis_warning",
    "with_lots",
]

Lots = Mapping[str, tuple[TaxLot, ...]]
_COLUMNS = ("symbol", "quantity", "cost", "acquired")
_TAX_FIELDS = tuple(field.name for field in attrs.fields(TaxPolicy))


def tax_policy_from(document: object, where: str = "tax") -> TaxPolicy:
    """The policy file's `[tax]` table → a TaxPolicy; missing keys keep their defaults.

    `method` is a `LotMethod` name (`FIFO`, `LIFO`, `HIFO`, `MIN_TAX`, any case);
    `identical` an array of arrays of symbols, `substitutes` a table of symbol → array
    of symbols. The library checks the ranges (rates in [0, 1], a budget ≥ 0, a
    threshold ≥ 0, groups that do not overlap). A `harvest_threshold` without
    `substitutes` is refused here: the library accepts it, and harvests nothing, as a
    policy with no substitute that can be bought does; in a file it is a mistake.
    """
    values: dict[str, object] = {}
    for key, value in to_mapping(document, where).items():
        at = f"{where}.{key}"
        match key:
            case "method":
                names = ", ".join(m.value for m in LotMethod)
                if not isinstance(value, str) or value.upper() not in LotMethod.__members__:
                    problem = f"expected one of {names}, got {shown(value)}"
                    raise BadValueError(where=at, problem=problem)
                values[key] = LotMethod[value.upper()]
            case "max_realized_gain" | "short_term_rate" | "long_term_rate":
                values[key] = to_decimal(value, at)
            case "defer_short_term_gains":
                if not isinstance(value, bool):
                    problem = f"expected true or false, got {shown(value)}"
                    raise BadValueError(where=at, problem=problem)
                values[key] = value
            case "wash_sale_days":
                if type(value) is not int:
                    problem = f"expected a whole number, got {shown(value)}"
                    raise BadValueError(where=at, problem=problem)
                values[key] = value
            case "harvest_threshold" | "harvest_min_loss" | "identical" | "substitutes":
                values[key] = _harvest_value(key, value, at)
            case _:
                known = ", ".join(_TAX_FIELDS)
                raise BadValueError(where=at, problem=f"unknown tax field (known: {known})")
    _can_harvest(values, where)
    return TaxPolicy(**values)  # type: ignore[arg-type] # each value typed like its field


def _can_harvest(values: Mapping[str, object], where: str) -> None:
    """A `harvest_threshold` needs `substitutes`, the symbols a harvest buys instead."""
    if "harvest_threshold" in values and not values.get("substitutes"):
        problem = (
            "needs substitutes (the symbols a harvest buys): without them nothing is harvested"
        )
        raise BadValueError(where=f"{where}.harvest_threshold", problem=problem)


def _harvest_value(key: str, value: object, at: str) -> object:
    """One of the harvesting keys of the `[tax]` table, read by its type."""
    if key == "identical":
        return _groups(value, at)
    if key == "substitutes":
        table = to_mapping(value, at)
        return {name: _symbols(named, f"{at}.{name}") for name, named in table.items()}
    return to_decimal(value, at)


def _symbols(value: object, at: str) -> tuple[str, ...]:
    """An array of symbols (strings)."""
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise BadValueError(where=at, problem=f"expected an array of symbols, got {shown(value)}")
    return tuple(value)


def _groups(value: object, at: str) -> tuple[tuple[str, ...], ...]:
    """An array of arrays of symbols."""
    if not isinstance(value, list):
        raise BadValueError(where=at, problem=f"expected an array of arrays, got {shown(value)}")
    return tuple(_symbols(group, f"{at}[{n}]") for n, group in enumerate(value))


class LotsFile(NamedTuple):
    """A file's lots by symbol (upper-cased), and each one's line: lot n's is `lines[symbol][n]`."""

    path: Path
    lots: Lots
    lines: Mapping[str, tuple[int, ...]]


def load_lots(path: Path) -> Result[LotsFile, InputError]:
    """Read a lots CSV file; an InputError names the file, the line and the column."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a leading byte-order mark is not text
    except UnicodeDecodeError:
        return Failure(InputError(source=str(path), problem="not UTF-8 text"))
    except OSError as exc:
        return Failure(InputError(source=str(path), problem=exc.strerror or "cannot be read"))
    try:
        lots, lines = _read(text)
    except BadValueError as bad:
        return Failure(InputError(source=str(path), where=bad.where, problem=bad.problem))
    return Success(LotsFile(path, lots, lines))


def parse_lots(text: str) -> Lots:
    r"""The lots of a CSV text, by symbol in file order; BadValueError names line and column.

    >>> parse_lots("symbol,quantity,cost,acquired\\nSPY,10,412.50,2023-03-01\\n")["SPY"][0].cost
    Decimal('412.50')
    """
    return _read(text)[0]


def _read(text: str) -> tuple[Lots, Mapping[str, tuple[int, ...]]]:
    """The lots of a CSV text by symbol, and each lot's line."""
    wanted = f"{','.join(_COLUMNS)}[,lot_id]"
    if not text.strip():  # as the price CSV's reader says it
        problem = f"the file is empty; expected the header {wanted}"
        raise BadValueError(where="line 1", problem=problem)
    rows = list(csv.reader(text.splitlines()))
    header = [cell.strip().lower() for cell in rows[0]]
    if tuple(header) not in {_COLUMNS, (*_COLUMNS, "lot_id")}:
        raise BadValueError(where="line 1", problem=f"the header must be {wanted}")
    lots: dict[str, list[TaxLot]] = {}
    lines: dict[str, list[int]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != len(header):
            problem = f"expected {len(header)} columns, got {len(row)}"
            raise BadValueError(where=f"line {number}", problem=problem)
        cells = dict(zip(header, (cell.strip() for cell in row), strict=True))
        symbol = cells["symbol"].upper()  # as the planner reads it, and the price CSV
        if not symbol:
            raise BadValueError(where=f"line {number}, column symbol", problem="empty")
        lot = TaxLot(
            quantity=to_decimal(cells["quantity"], f"line {number}, column quantity"),
            cost=to_decimal(cells["cost"], f"line {number}, column cost"),
            acquired=day(cells["acquired"], f"line {number}, column acquired"),
            lot_id=cells.get("lot_id", ""),
        )
        lots.setdefault(symbol, []).append(lot)
        lines.setdefault(symbol, []).append(number)
    return (
        {symbol: tuple(held) for symbol, held in lots.items()},
        {symbol: tuple(at) for symbol, at in lines.items()},
    )


class LotsOnTop:
    """A broker whose snapshots carry the lots of a file (the broker's own are replaced).

    With `checked` (a policy with tax rules, which read them), lots that do not fit the
    snapshot are refused here, by the library's rule (`lots_problem`), naming the lots
    file (and the lot's line) rather than the account; so are two lots of a symbol with
    one lot id (`_lot_id_twice`).
    """

    def __init__(self, broker: BrokerPort, lots: LotsFile, *, checked: bool = True) -> None:
        """Wrap `broker`; `lots` as `load_lots` read them."""
        self._broker = broker
        self._lots = lots
        self._checked = checked

    def get_snapshot(self, symbols: Collection[str]) -> Result[Snapshot, PortfolioError]:
        """The broker's snapshot with the file's lots."""
        return self._broker.get_snapshot(symbols).bind(self._with_lots)

    def _with_lots(self, snapshot: Snapshot) -> Result[Snapshot, PortfolioError]:
        path, lots, lines = self._lots
        positions = snapshot.positions
        if self._checked and _plain_positions(positions):  # else the planner names the fault
            held = {symbol.upper(): quantity for symbol, quantity in positions.items()}
            problem = lots_problem(lots, held, snapshot.as_of) or _lot_id_twice(lots, lines)
            if problem is not None:
                return Failure(_in_file(problem, path, lines))
        return Success(attrs.evolve(snapshot, lots=lots))


def _lot_id_twice(lots: Lots, lines: Mapping[str, tuple[int, ...]]) -> PortfolioError | None:
    """INVALID_SNAPSHOT for the first lot whose symbol has a lot before it with its lot id.

    A lot id names one lot (the plan's sales name it, and a broker's specific lot): two
    lots of a symbol sharing one are two lots no report can tell apart. Lots without an
    id share none. Only a lots file is checked here: the library's lots rules
    (`portfolio.tax.records`) do not check it for `Snapshot.lots`.
    """
    for symbol in sorted(lots):
        first: dict[str, int] = {}
        for n, lot in enumerate(lots[symbol]):
            if lot.lot_id in first:
                line = lines[symbol][first[lot.lot_id]]
                return PortfolioError.invalid_snapshot(
                    f"{symbol}'s lot_id {shown(lot.lot_id)} is already on line {line}",
                    symbol=symbol,
                    lot_id=lot.lot_id,
                    lot=n,
                )
            if lot.lot_id:
                first[lot.lot_id] = n
    return None


def _plain_positions(positions: object) -> TypeGuard[Mapping[str, Decimal]]:
    """Positions the lots can be compared with: text symbols, bounded Decimal quantities."""
    return isinstance(positions, Mapping) and all(
        isinstance(symbol, str) and is_bounded(quantity) for symbol, quantity in positions.items()
    )


#: The most lines of one symbol's lots an error names; the rest are counted.
_NAMED_LINES = 5


def _in_file(
    error: PortfolioError, path: Path, lines: Mapping[str, tuple[int, ...]]
) -> PortfolioError:
    """`error` about the file's lots, naming the file and the line of the lot it is about.

    An error about all of a symbol's lots (they do not sum to the position, the symbol is
    not held) names their lines: `line 4: `, `lines 2, 5: `, the first five and a count.
    """
    context = {**error.context, "file": str(path)}
    where = ""
    at = lines.get(error.context.get("symbol", ""), ())
    lot = error.context.get("lot", "")
    if lot.isdigit() and int(lot) < len(at):
        at = (at[int(lot)],)
    if len(at) == 1:
        context["line"] = str(at[0])
        where = f"line {at[0]}: "
    elif at:
        more = f" and {len(at) - _NAMED_LINES:,} more" if len(at) > _NAMED_LINES else ""
        context["lines"] = ",".join(map(str, at[:_NAMED_LINES])) + more
        where = f"lines {', '.join(map(str, at[:_NAMED_LINES]))}{more}: "
    message = f"{path}: {where}{error.message}"
    return PortfolioError(kind=error.kind, message=message, context=context)


_: type[BrokerPort] = LotsOnTop


def with_lots(
    broker: Result[BrokerPort, Problem],
    lots: Path | None,
    policy: SizingPolicy,
    warn: Callable[[str], None] | None = None,
) -> Result[BrokerPort, Problem]:
    """`broker` with the lots of the file `lots` on its snapshots (`--lots`); as it is without.

    The lots are checked against the account only under tax rules, which read them;
    without a `[tax]` table nothing reads them, and `warn` is told so.
    """
    if lots is None:
        return broker
    read, checked = load_lots(lots), policy.tax is not None
    if not checked and warn is not None:
        warn(
            f"warning: --lots {lots}: the policy has no [tax] table, so no tax rule reads "
            "these lots (docs/tax.md)"
        )
    return broker.bind(lambda port: read.map(lambda held: LotsOnTop(port, held, checked=checked)))


def unknown_basis_warning(plan: RebalancePlan) -> str | None:
    """The warning for a taxed plan that sells symbols without lots, or None.

    Their sales are neither cut nor counted by the tax rules (docs/tax.md): a command
    that places orders says so before it does.
    """
    if plan.tax is None or not plan.tax.unknown_basis:
        return None
    symbols = ", ".join(plan.tax.unknown_basis)
    return (
        f"warning: sold without lots, so no tax rule applied to them: {symbols} "
        "(give --lots FILE, or plan with --lots-from-broker and execute that plan with --plan)"
    )
