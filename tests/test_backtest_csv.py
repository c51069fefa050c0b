"""load_prices_csv: the wide date,SYM1,SYM2 layout; every bad line is a Failure naming it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.prices_csv import load_prices_csv
from portfolio import Allocation, ErrorKind, SizingPolicy
from portfolio.backtest import Bar, parse_prices_csv, run_backtest

D = Decimal


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_wide_file_becomes_bars(tmp_path: Path) -> None:
    path = write(tmp_path, "Date,spy,QQQ\n2024-01-02,470.50,\n2024-01-03,472,401.25\n")
    bars = load_prices_csv(path).unwrap()
    assert bars == (
        Bar(date=date(2024, 1, 2), prices={"SPY": D("470.50")}),
        Bar(date=date(2024, 1, 3), prices={"SPY": D(472), "QQQ": D("401.25")}),
    )


def test_a_string_path_blank_lines_a_bom_and_datetimes_are_fine(tmp_path: Path) -> None:
    text = "\ufeffdate,A\r\n2024-01-02 00:00:00,1.5\r\n\r\n2024-01-03T00:00:00,NaN\r\n"
    bars = load_prices_csv(str(write(tmp_path, text))).unwrap()
    assert [bar.date for bar in bars] == [date(2024, 1, 2), date(2024, 1, 3)]
    assert bars[1].prices == {}


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("date,A\n2024-01-02,1\n2024-01-03,abc\n", "3", "A"),
        ("date,A\n2024-01-02,-1\n", "2", "A"),
        ("date,A\n2024-01-02,0\n", "2", "A"),
        ("date,A\n2024-01-02,inf\n", "2", "A"),
        ("date,A\n02/01/2024,1\n", "2", "date"),
        # The header's own cells: an unnamed one by its place (a spreadsheet's trailing
        # comma), a symbol given twice by its name (upper-cased).
        ("date,A,\n2024-01-02,1,2\n", "1", "3"),
        ("date,A,a\n2024-01-02,1,2\n", "1", "A"),
    ],
)
def test_a_bad_cell_names_its_line_and_column(text: str, line: str, column: str) -> None:
    error = parse_prices_csv(text).failure()
    assert error.kind is ErrorKind.INVALID_BARS
    assert (error.context["line"], error.context["column"]) == (line, column)
    assert error.message.startswith(f"line {line}, column {column}:")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", "1"),
        ("date,A\n", "1"),
        ("date\n2024-01-02\n", "1"),
        ("date,A,\n2024-01-02,1,2\n", "1"),
        ("date,A,a\n2024-01-02,1,2\n", "1"),
        ("date,A\n2024-01-02,1,2\n", "2"),
        ("date,A,B\n2024-01-02,1\n", "2"),
        ("date,A\n2024-01-03,1\n2024-01-02,1\n", "3"),
        ("date,A\n2024-01-02,1\n2024-01-02,1\n", "3"),
    ],
)
def test_a_bad_layout_names_its_line(text: str, line: str) -> None:
    error = parse_prices_csv(text).failure()
    assert error.kind is ErrorKind.INVALID_BARS
    assert error.context["line"] == line


def test_a_missing_file_is_a_failure_naming_it(tmp_path: Path) -> None:
    error = load_prices_csv(tmp_path / "nope.csv").failure()
    assert error.kind is ErrorKind.INVALID_BARS
    assert "nope.csv" in error.context["file"]


def test_a_bad_file_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "date,A\n2024-01-02,x\n")
    error = load_prices_csv(path).failure()
    assert error.context["file"] == str(path)
    assert error.context["line"] == "2"
    assert str(path) in error.message


def test_a_loaded_file_backtests_like_the_same_bars(tmp_path: Path) -> None:
    path = write(tmp_path, "date,A,B\n2024-01-02,10,20\n2024-01-03,11,19\n2024-01-04,12,21\n")
    allocation = Allocation(target_weights={"A": D("0.5"), "B": D("0.5")}, correlation_id="c")
    policy = SizingPolicy(min_trade_amount=D(0))
    result = load_prices_csv(path).bind(
        lambda bars: run_backtest(bars, allocation, policy=policy, initial_cash=D(1000))
    )
    # once at 10/20: 50 A + 25 B; 2024-01-04 closes at 12/21: 600 + 525
    assert result.unwrap().final_equity == D(1125)


def test_a_row_the_csv_reader_refuses_names_its_line() -> None:
    text = "date,A\n2024-01-02,1\n2024-01-03," + "9" * 200_000 + "\n"  # over the field limit
    error = parse_prices_csv(text).failure()
    assert (error.kind, error.context["line"]) == (ErrorKind.INVALID_BARS, "3")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,A\n2024-01-02,1\n2024-01-03,12;5\n", "line 3, column A: not a number: '12;5'"),
        ("date,A\n02/01/2024,1\n", "line 2, column date: not an ISO date: '02/01/2024'"),
        (
            "date,A\n2024-01-02,-1\n",
            "line 2, column A: price must be a decimal between 1E-9 and 1E+15, not '-1'",
        ),
        (
            "date,A\n2024-01-02," + "9" * 50 + "x\n",
            f"line 2, column A: not a number: '{'9' * 40}'…",
        ),
        # Python's Decimal reads both, as 47000 and 470: no price file writes them so.
        ("date,A\n2024-01-02,470_00\n", "line 2, column A: not a number: '470_00'"),
        ("date,A\n2024-01-02,４７０\n", "line 2, column A: not a number: '４７０'"),
    ],
)
def test_a_bad_cell_is_quoted_in_the_message(text: str, message: str) -> None:
    """The user must see which cell is wrong without opening the file at that line."""
    assert parse_prices_csv(text).failure().message == message
