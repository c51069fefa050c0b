"""A snapshot file without `as_of`, read through the fake broker, stays undated.

`plan --broker fake --snapshot FILE` and `rebalance --snapshot FILE` hold the file in
the fake broker; a file that names no moment must not take the fake's own default date
(which would print a made-up "prices as of", and date the lots' holding periods).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import cli

# Cash 10,000, 20 SPY at 500: no as_of.
ACCOUNT = '{"cash": "10000", "positions": {"SPY": "20"}, "prices": {"SPY": "500", "QQQ": "400"}}'
WEIGHTS = '{"SPY": "0.3", "QQQ": "0.4"}'
TAX = '[tax]\nshort_term_rate = "0.35"\nlong_term_rate = "0.15"\n'
LOTS = "symbol,quantity,cost,acquired\nSPY,20,450,2023-06-01\n"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "w.json").write_text(WEIGHTS, encoding="utf-8")
    (tmp_path / "account.json").write_text(ACCOUNT, encoding="utf-8")
    (tmp_path / "tax.toml").write_text(TAX, encoding="utf-8")
    (tmp_path / "lots.csv").write_text(LOTS, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("broker", [(), ("--broker", "fake")])
def test_a_plan_of_an_undated_file_names_no_date(files: Path, broker: tuple[str, ...]) -> None:
    run = cli("plan", "--weights", files / "w.json", "--snapshot", files / "account.json", *broker)
    assert run.code == 0, run.err
    assert run.out.splitlines()[0].endswith("(correlation id cli)")
    assert "as of" not in run.out


@pytest.mark.parametrize(
    "command",
    [("plan", "--broker", "fake"), ("plan",), ("rebalance",)],
)
def test_lots_of_an_undated_file_are_refused_on_every_path(
    files: Path, command: tuple[str, ...]
) -> None:
    # 8 SPY sold at a gain of 50 each: short- or long-term depends on a date the file never gave.
    run = cli(
        command[0], "--weights", files / "w.json", "--snapshot", files / "account.json",
        *command[1:], "--policy", files / "tax.toml", "--lots", files / "lots.csv",
    )  # fmt: skip
    assert run.code == 1, run.out
    assert "lots need the snapshot's as_of" in run.err
    assert "Realized gains" not in run.out


def test_a_dated_file_keeps_its_date_through_the_fake_broker(files: Path) -> None:
    dated = ACCOUNT[:-1] + ', "as_of": "2024-06-28T20:00:00+00:00"}'
    (files / "account.json").write_text(dated, encoding="utf-8")
    run = cli(
        "plan", "--weights", files / "w.json", "--snapshot", files / "account.json",
        "--broker", "fake", "--policy", files / "tax.toml", "--lots", files / "lots.csv",
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "prices as of 2024-06-28T20:00:00+00:00" in run.out
    # 8 SPY sold at 500 from a lot at 450, held 2023-06-01 → 2024-06-28: long-term 400.
    assert "short-term 0.00   long-term 400.00" in run.out


def test_a_rehearsal_of_an_undated_file_still_executes_without_lots(files: Path) -> None:
    run = cli(
        "rebalance", "--weights", files / "w.json", "--snapshot", files / "account.json",
        "--execute", "--yes",
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "2 of 2 orders filled" in run.out


def test_lots_in_an_undated_snapshot_file_are_refused_by_a_rehearsal(files: Path) -> None:
    with_lots = ACCOUNT[:-1] + ', "lots": {"SPY": [{"quantity": "20", "cost": "450", '
    with_lots += '"acquired": "2023-06-01"}]}}'
    (files / "account.json").write_text(with_lots, encoding="utf-8")
    for command in ("plan", "rebalance"):
        run = cli(
            command, "--weights", files / "w.json", "--snapshot", files / "account.json",
            "--policy", files / "tax.toml",
        )  # fmt: skip
        assert run.code == 1, (command, run.out)
        assert "lots need the snapshot's as_of" in run.err
