"""`portfolio backtest` on price files as they come: dates, schedules, contributions,
warnings on stderr and in --json, and bad files ending in exit 2 naming line and column."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.cli.terminal import Terminal

D = Decimal
# AAA all along; BBB listed on the third date, missing on the fifth; monthly dates.
PRICES = """\
date,AAA,BBB
2024-01-02,10,
2024-01-03,10,
2024-02-01,11,20
2024-03-01,12,21
2024-04-01,12,
2024-05-01,13,22
"""


def cli(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], Terminal(out=out, err=err, environ={}))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "prices.csv").write_text(PRICES, encoding="utf-8")
    (tmp_path / "w.json").write_text('{"AAA": "0.5", "BBB": "0.5"}', encoding="utf-8")
    return tmp_path


def backtest(files: Path, *options: str) -> tuple[int, str, str]:
    return cli(
        "backtest", "--prices", files / "prices.csv", "--weights", files / "w.json", *options
    )


def test_warnings_go_to_stderr_one_line_each(files: Path) -> None:
    code, out, err = backtest(files, "--cash", "1000")
    assert code == 0, err
    assert err.splitlines() == [
        "warning: 2024-02-01 BBB: first close on this bar; until then its weight waited in cash",
        ("warning: 2024-04-01 BBB: close missing on this bar; the last close was carried forward"),
    ]
    assert out.startswith("Backtest: monthly rebalancing")


def test_json_lists_the_warnings_and_the_new_figures(files: Path) -> None:
    code, out, _ = backtest(files, "--cash", "1000", "--json")
    assert code == 0
    document = json.loads(out)
    assert [(w["kind"], w["symbol"], w["date"], w["count"]) for w in document["warnings"]] == [
        ("late_listing", "BBB", "2024-02-01", 1),
        ("carried_forward", "BBB", "2024-04-01", 1),
    ]
    assert document["idle_checks"] == 1  # 2024-04-01: same closes as in March, nothing to do
    assert document["cash_flows"] == []
    assert document["time_weighted_return"] == document["total_return"][: len("0.0000000000")]


def test_start_end_and_a_quarterly_schedule(files: Path) -> None:
    code, out, err = backtest(
        files, "--start", "2024-02-01", "--end", "2024-04-30", "--schedule", "quarterly",
        "--cash", "1000", "--json",
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    assert [p["date"] for p in document["equity_curve"]] == [
        "2024-02-01",
        "2024-03-01",
        "2024-04-01",
    ]
    assert document["rebalance_dates"] == ["2024-02-01", "2024-04-01"]
    assert document["schedule"] == "quarterly"


def test_a_schedule_is_read_in_any_case_as_the_python_api_and_sweep_files_read_it(
    files: Path,
) -> None:
    code, out, err = backtest(files, "--schedule", "Quarterly", "--cash", "1000", "--json")
    assert code == 0, err
    assert json.loads(out)["schedule"] == "quarterly"
    code, _, err = backtest(files, "--schedule", "fortnightly")
    assert code == 2
    assert "invalid choice: 'fortnightly'" in err


def test_a_monthly_contribution(files: Path) -> None:
    (files / "a.json").write_text('{"AAA": "1"}', encoding="utf-8")
    code, out, err = cli(
        "backtest", "--prices", files / "prices.csv", "--weights", files / "a.json",
        "--schedule", "once", "--cash", "1000", "--contribution", "110", "--json",
        "--end", "2024-02-01",
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    # 100 AAA at 10; February: 1100 + 110 → 10 more AAA at 11 → 110 × 11
    assert D(document["final_equity"]) == D(1210)
    assert document["cash_flows"] == [{"date": "2024-02-01", "amount": "110"}]
    assert D(document["time_weighted_return"]) == D("0.1")


def test_with_contributions_the_headline_takes_the_flows_out(files: Path) -> None:
    (files / "a.json").write_text('{"AAA": "1"}', encoding="utf-8")
    code, out, err = cli(
        "backtest", "--prices", files / "prices.csv", "--weights", files / "a.json",
        "--schedule", "once", "--cash", "1000", "--contribution", "110", "--end", "2024-02-01",
    )  # fmt: skip
    assert code == 0, err
    # 1000 + 110 went in, 1210 came out: a gain of 100, and AAA rose 10 % (10 → 11);
    # final ÷ initial cash (21 %) would count the contribution as return
    assert out.splitlines()[2:5] == [
        "Final equity  1,210.00",
        "Invested      1,110.00   initial cash + 110.00 of flows over 1 dates",
        "Gain            100.00   final equity − invested",
    ]
    assert "Time-weighted   10.00%   return, flows taken out" in out.splitlines()
    assert "Total return" not in out
    assert "21.00%" not in out


@pytest.mark.parametrize(
    ("csv", "where"),
    [
        ("date,AAA,BBB\n2024-01-02,10,1\n2024-01-02,11,1\n", "line 3, column date: date repeated"),
        ("date,AAA,BBB\n2024-01-03,10,1\n2024-01-02,11,1\n", "line 3, column date: dates out of"),
        ("date,AAA,BBB\n2024-01-02,10,1\n2024-01-03,x,1\n", "line 3, column AAA: not a number"),
        ("date,AAA,BBB\n2024-01-02,10,-1\n", "line 2, column BBB: price must be"),
        ("date,AAA,BBB\n2024-01-02,10,\n2024-01-03,11,\n", "line 1, column BBB: a symbol column"),
        ("date,AAA,BBB\n", "line 1: no price rows"),
    ],
)
def test_a_bad_price_file_exits_2_naming_line_and_column(files: Path, csv: str, where: str) -> None:
    (files / "prices.csv").write_text(csv, encoding="utf-8")
    code, out, err = backtest(files)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "prices.csv" in err
    assert where in err


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("--start", "2024-13-01", "not a date (YYYY-MM-DD)"),
        ("--end", "soon", "not a date (YYYY-MM-DD)"),
        ("--contribution", "lots", "not a number"),
        ("--contribution", "1_000", "not a number"),
        ("--cash", "1_000", "not a number"),
        ("--contribution", "Infinity", "expected a finite number within"),
    ],
)
def test_bad_options_exit_2(files: Path, option: str, value: str, fragment: str) -> None:
    code, out, err = backtest(files, option, value)
    assert (code, out) == (2, "")
    assert fragment in err


def test_a_range_without_bars_exits_1(files: Path) -> None:
    code, _, err = backtest(files, "--start", "2025-01-01")
    assert code == 1
    assert "no bars between start and end: the bars run from 2024-01-02 to 2024-05-01" in err


@pytest.mark.parametrize("amount", ["-1e2", "-100", "-1E+2"])
def test_a_withdrawal_written_with_an_exponent_is_a_value_not_an_option(
    files: Path, amount: str
) -> None:
    (files / "a.json").write_text('{"AAA": "1"}', encoding="utf-8")
    code, out, err = cli(
        "backtest", "--prices", files / "prices.csv", "--weights", files / "a.json",
        "--schedule", "once", "--cash", "1000", "--contribution", amount, "--json",
        "--end", "2024-02-01",
    )  # fmt: skip
    assert code == 0, err  # argparse took "-1e2" for an option: "expected one argument"
    document = json.loads(out)
    # 100 AAA at 10; February: AAA at 11 is worth 1100, and 100 is withdrawn → 1000
    assert D(document["final_equity"]) == D(1000)
    assert [D(flow["amount"]) for flow in document["cash_flows"]] == [D(-100)]
