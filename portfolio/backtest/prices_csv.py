"""Close prices from a wide CSV: `date,SYM1,SYM2,…`, one row per date (bt's and ffn's layout).

`load_prices_csv` is the one function of `portfolio.backtest` that does I/O: it reads
a file and hands its text to the pure `parse_prices_csv`. Every problem is a
Failure(INVALID_BARS) naming the line (1 = the header), and the column where one is
to blame; nothing raises.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from returns.result import Failure, Result, Success

from portfolio.backtest.bars import Bar
from portfolio.errors import ErrorKind, PortfolioError
from portfolio.money import is_bounded

if TYPE_CHECKING:
    from _csv import Reader

__all__ = ["MISSING_MARKS", "load_prices_csv", "parse_prices_csv"]

#: Cell texts (after stripping, case-insensitive) that mean "no price that day".
MISSING_MARKS = frozenset({"", "nan", "na", "n/a", "null", "none"})


class _BadLineError(Exception):
    """Internal only: carries a line's problem to the one place that makes it a Failure."""

    def __init__(self, line: int, problem: str, **context: object) -> None:
        super().__init__(line, problem)
        self.line = line
        self.problem = problem
        self.context = context


def load_prices_csv(path: str | Path) -> Result[tuple[Bar, ...], PortfolioError]:
    """Read a wide price CSV file into bars, oldest first (this function does file I/O)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, TypeError, ValueError) as exc:  # ValueError: a NUL
        return Failure(
            PortfolioError.of(
                ErrorKind.INVALID_BARS, f"cannot read the price file: {exc}", file=path
            )
        )
    return parse_prices_csv(text).alt(
        lambda error: PortfolioError(
            kind=error.kind,
            message=f"{path}: {error.message}",
            context={**error.context, "file": str(path)},
        )
    )


def parse_prices_csv(text: str) -> Result[tuple[Bar, ...], PortfolioError]:
    r"""Parse the text of a wide price CSV (pure).

    The first column holds ISO dates (`2024-01-02`, or a datetime whose date is taken),
    strictly increasing; the other columns are symbols (upper-cased) with close prices
    as decimal text. An empty (or NaN/NA/null) cell means no price that day.

    >>> bars = parse_prices_csv("date,SPY,QQQ\n2024-01-02,470.5,\n2024-01-03,472,401.25\n")
    >>> [(str(bar.date), sorted(bar.prices)) for bar in bars.unwrap()]
    [('2024-01-02', ['SPY']), ('2024-01-03', ['QQQ', 'SPY'])]
    >>> print(parse_prices_csv("date,SPY\n2024-01-02,-1\n").failure())
    INVALID_BARS: line 2: price must be a positive finite decimal [column=SPY line=2 value=-1]
    """
    try:
        return Success(_bars(csv.reader(text.splitlines())))
    except _BadLineError as bad:
        return Failure(
            PortfolioError.of(
                ErrorKind.INVALID_BARS,
                f"line {bad.line}: {bad.problem}",
                line=bad.line,
                **bad.context,
            )
        )
    except csv.Error as exc:
        return Failure(PortfolioError.of(ErrorKind.INVALID_BARS, f"not a CSV file: {exc}"))


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
            raise _BadLineError(line, f"dates must increase: {day} after {bars[-1].date}")
        prices = {s: _price(line, s, cell) for s, cell in zip(symbols, row[1:], strict=True)}
        bars.append(Bar(date=day, prices={s: p for s, p in prices.items() if p is not None}))
    if not bars:
        raise _BadLineError(1, "no price rows after the header")
    return tuple(bars)


def _symbols(header: list[str]) -> list[str]:
    symbols = [cell.strip().upper() for cell in header[1:]]
    if not symbols or not all(symbols):
        raise _BadLineError(1, "the header needs a date column and named symbol columns")
    duplicated = sorted({s for s in symbols if symbols.count(s) > 1})
    if duplicated:
        raise _BadLineError(1, "duplicate symbol columns", symbols=",".join(duplicated))
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
        raise _BadLineError(line, "not an ISO date", column="date", value=text) from None


def _price(line: int, symbol: str, cell: str) -> Decimal | None:
    text = cell.strip()
    if text.lower() in MISSING_MARKS:
        return None
    try:
        price = Decimal(text)
    except InvalidOperation:
        price = Decimal("NaN")
    if not (is_bounded(price) and price > 0):
        raise _BadLineError(
            line, "price must be a positive finite decimal", column=symbol, value=text
        )
    return price
