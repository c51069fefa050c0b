"""Close prices from a wide CSV text: `date,SYM1,SYM2,…`, one row per date (bt's and ffn's layout).

Pure: it parses text (reading a file is `adapters.prices_csv.load_prices_csv`). Every
problem is a Failure(INVALID_BARS) naming the line (1 = the header) and the column
(`date` or the symbol); nothing raises and nothing is silently dropped.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from returns.result import Failure, Result, Success

from portfolio.backtest.bars import Bar
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import MAX_AMOUNT, MIN_PRICE, decimal_text

if TYPE_CHECKING:
    from _csv import Reader

__all__ = ["MISSING_MARKS", "parse_prices_csv"]

#: Cell texts (after stripping, case-insensitive) that mean "no price that day".
MISSING_MARKS = frozenset({"", "nan", "na", "n/a", "null", "none"})


class _BadLineError(Exception):
    """Internal only: carries a line's problem to the one place that makes it a Failure."""

    def __init__(self, line: int, problem: str, **context: object) -> None:
        super().__init__(line, problem)
        self.line = line
        self.problem = problem
        self.context = context


def parse_prices_csv(text: str) -> Result[tuple[Bar, ...], PortfolioError]:
    r"""Parse the text of a wide price CSV.

    The first column holds ISO dates (`2024-01-02`, or a datetime whose date is taken),
    strictly increasing; the other columns are symbols (upper-cased) with close prices
    as decimal text in [1E-9, 1E+15]. An empty (or NaN/NA/null) cell means no price that
    day; a column with no price at all is an error. `text` must be a `str` (TypeError).

    >>> bars = parse_prices_csv("date,SPY,QQQ\n2024-01-02,470.5,\n2024-01-03,472,401.25\n")
    >>> [(str(bar.date), sorted(bar.prices)) for bar in bars.unwrap()]
    [('2024-01-02', ['SPY']), ('2024-01-03', ['QQQ', 'SPY'])]
    >>> parse_prices_csv("date,SPY\n2024-01-02,-1\n").failure().message
    "line 2, column SPY: price must be a decimal between 1E-9 and 1E+15, not '-1'"
    """
    given: object = text
    if not isinstance(given, str):
        msg = f"parse_prices_csv expects the CSV text as a str, not {type(given).__name__}"
        raise TypeError(msg)
    reader = csv.reader(text.splitlines())
    try:
        return Success(_bars(reader))
    except _BadLineError as bad:
        column = bad.context.get("column")
        where = f"line {bad.line}" + (f", column {column}" if column is not None else "")
        return Failure(
            PortfolioError.of(
                ErrorKind.INVALID_BARS, f"{where}: {bad.problem}", line=bad.line, **bad.context
            )
        )
    except csv.Error as exc:
        line = reader.line_num
        message = f"line {line}: not a CSV row: {exc}"
        return Failure(PortfolioError.of(ErrorKind.INVALID_BARS, message, line=line))


def _bars(reader: Reader) -> tuple[Bar, ...]:
    header = next(reader, None)
    if header is None:
        raise _BadLineError(1, "the file is empty; expected a header date,SYM1,SYM2,...")
    symbols = _symbols(header)
    bars: list[Bar] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        if len(row) != len(header):
            raise _BadLineError(line, f"expected {len(header)} cells, found {len(row)}")
        day = _date(line, row[0])
        if bars and day <= bars[-1].date:
            problem = "date repeated" if day == bars[-1].date else "dates out of order"
            raise _BadLineError(
                line, f"{problem}: {day} after {bars[-1].date}", column="date", value=row[0].strip()
            )
        prices = {s: _price(line, s, cell) for s, cell in zip(symbols, row[1:], strict=True)}
        bars.append(Bar(date=day, prices={s: p for s, p in prices.items() if p is not None}))
    if not bars:
        raise _BadLineError(1, "no price rows after the header")
    empty = [s for s in symbols if not any(s in bar.prices for bar in bars)]
    if empty:
        raise _BadLineError(1, "a symbol column has no price on any row", column=empty[0])
    return tuple(bars)


def _symbols(header: list[str]) -> list[str]:
    symbols = [cell.strip().upper() for cell in header[1:]]
    if not symbols:
        raise _BadLineError(1, "the header needs a date column and named symbol columns")
    if not all(symbols):  # named by its place, 1 the date's (a spreadsheet's trailing comma)
        place = symbols.index("") + 2
        raise _BadLineError(1, "a symbol column without a name", column=str(place))
    duplicated = sorted({s for s in symbols if symbols.count(s) > 1})
    if duplicated:
        problem = "a symbol column given twice (symbols are upper-cased)"
        raise _BadLineError(1, problem, column=duplicated[0], symbols=",".join(duplicated))
    return symbols


def _date(line: int, cell: str) -> date:
    text = cell.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise _BadLineError(
            line, f"not an ISO date: {_shown(text)}", column="date", value=text
        ) from None


def _price(line: int, symbol: str, cell: str) -> Decimal | None:
    text = cell.strip()
    if text.lower() in MISSING_MARKS:
        return None
    try:
        price = decimal_text(text)
    except InvalidOperation:
        raise _BadLineError(
            line, f"not a number: {_shown(text)}", column=symbol, value=text
        ) from None
    # comparisons never raise, whatever the exponent (abs() or arithmetic could overflow)
    if not (price.is_finite() and MIN_PRICE <= price <= MAX_AMOUNT):
        problem = f"price must be a decimal between 1E-9 and 1E+15, not {_shown(text)}"
        raise _BadLineError(line, problem, column=symbol, value=text)
    return price


def _shown(text: str) -> str:
    """A cell as quoted in a message: its first 40 characters."""
    return repr(text[:40]) + ("…" if len(text) > 40 else "")
