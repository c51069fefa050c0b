"""Reading a wide price CSV file (`date,SYM1,SYM2,…`) into bars.

The file side of `portfolio.backtest.parse_prices_csv`, which parses the text.
"""

from __future__ import annotations

from pathlib import Path

from returns.result import Failure, Result

from portfolio.backtest import Bar, parse_prices_csv
from portfolio.records.errors import ErrorKind, PortfolioError

__all__ = ["load_prices_csv"]


def load_prices_csv(path: str | Path) -> Result[tuple[Bar, ...], PortfolioError]:
    """Read a wide price CSV file into bars, oldest first.

    Failure(INVALID_BARS) when the file cannot be read (missing, not UTF-8, a path that
    is not a path) or its text does not parse; the message and `context["file"]` name
    the file, and a parse error keeps its line and column.
    """
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
