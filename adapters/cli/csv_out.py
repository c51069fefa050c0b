r"""The CSV files we write: never a cell that a spreadsheet would run as a formula.

An adviser opens a basket in a spreadsheet, and there a text cell that begins with
`=`, `+`, `-`, `@`, a tab or a carriage return is a formula (CSV injection):
`=HYPERLINK("…")` becomes a link, `@SUM(A1)` a sum. A symbol is any text without
whitespace (`portfolio.records.symbol_keys`), so such a symbol can reach a file we
write. `csv_text` refuses the file then, naming each such cell, rather than writing the
cell altered: the usual leading `'` would change the symbol that our readers and a
broker's read back. Numbers come as `Decimal`s and are written here, plain
(`0.5`, never `5E-1`), so a number is never mistaken for text nor text for a number.

>>> csv_text(("symbol", "quantity"), [("SPY", Decimal("10.50"))]).unwrap()
'symbol,quantity\nSPY,10.5\n'
>>> csv_text(("symbol", "quantity"), [("SPY", 1), ("@SUM(A1)", 2)]).failure()
"line 3, column symbol: '@SUM(A1)' begins with '@'"
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from returns.result import Failure, Result, Success

__all__ = ["FORMULA_STARTS", "Cell", "csv_text"]

#: A text cell beginning with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: A cell: text (checked), a number (written plain), a flag (`True`/`False`), or empty.
Cell = str | Decimal | int | bool | None


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Result[str, str]:
    """The header and the rows as CSV, one line each, or every formula-like cell named.

    The failure is one line, `line N, column NAME: 'TEXT' begins with 'C'` for each
    such cell, `; `-separated (line 1 is the header).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):
        cells = [_written(cell) for cell in row]
        problems.extend(
            f"line {line}, column {name}: {cell!r} begins with {cell[0]!r}"
            for name, cell, given in zip(header, cells, row, strict=True)
            if isinstance(given, str) and cell.startswith(FORMULA_STARTS)
        )
        writer.writerow(cells)
    return Failure("; ".join(problems)) if problems else Success(out.getvalue())


def _written(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return f"{cell.normalize():f}"
    return str(cell)  # text as it is; True/False; an int's digits
