"""`portfolio backtest --tax [--json] [--pay-taxes]`: the policy file's `[tax]` table, the
run with and without it compared after tax; bad combinations exit 2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.cli.terminal import Terminal

# 50 A bought at 10; on 12-01 at 20 the half-weight sells 12.5 (125 short-term gain),
# on 2024-01-02 another 1.25 (12.50); 36.25 A held at 20, bought at 10.
PRICES = "date,A\n2023-11-01,10\n2023-12-01,20\n2023-12-29,20\n2024-01-02,20\n"
POLICY = '[tax]\nshort_term_rate = "0.4"\nlong_term_rate = "0.2"\n'


def cli(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], Terminal(out=out, err=err, environ={}))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "prices.csv").write_text(PRICES, encoding="utf-8")
    (tmp_path / "w.json").write_text('{"A": "0.5"}', encoding="utf-8")
    (tmp_path / "policy.toml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "plain.toml").write_text('min_trade_amount = "0"\n', encoding="utf-8")
    return tmp_path


def backtest(files: Path, *options: str) -> tuple[int, str, str]:
    return cli(
        "backtest",
        "--prices",
        files / "prices.csv",
        "--weights",
        files / "w.json",
        "--cash",
        "1000",
        "--min-trade",
        "0",
        *options,
    )


def test_tax_prints_the_comparison_and_the_gains_by_year(files: Path) -> None:
    code, out, err = backtest(files, "--policy", str(files / "policy.toml"), "--tax")
    assert code == 0, err
    assert "After tax" in out
    rows = {line.split("   ")[0].strip(): line for line in out.splitlines()}
    # 125 + 12.50 realized, 362.50 unrealized, all short-term at 40 %: 200 owed
    assert rows["After-tax value"].split() == ["After-tax", "value", "1,300.00", "1,300.00"]
    assert rows["Tax owed at the end"].split()[-2:] == ["200.00", "200.00"]
    assert rows["Wash sales"].split()[-2:] == ["0", "0"]
    assert "2023   short-term         125.00   long-term           0.00" in out


def test_tax_json_pays_taxes_at_each_years_last_bar(files: Path) -> None:
    """2023's tax (125 × 0.4 = 50) is paid on 12-29: the run ends with 1,450."""
    code, out, err = backtest(
        files, "--policy", str(files / "policy.toml"), "--tax", "--pay-taxes", "--json"
    )
    assert code == 0, err
    document = json.loads(out)
    taxed = document["tax"]["with_tax_rules"]
    assert document["final_equity"] == taxed["final_equity"] == "1450.000000000"
    assert taxed["taxes_paid"] == "50.00"
    assert taxed["after_tax_value"] == "1300.000000000"  # 1,450 − 0.4 × (12.50 + 362.50)
    assert taxed["realized_by_year"] == {
        "2023": {"short_term": "125.00", "long_term": "0.00"},
        "2024": {"short_term": "12.50", "long_term": "0.00"},
    }
    assert taxed["wash_sales"] == 0
    assert set(document["tax"]["without_tax_rules"]) == set(taxed)


def test_a_run_under_tax_rules_shows_what_it_is_worth_after_tax(files: Path) -> None:
    """Before, a backtest under a `[tax]` policy without `--tax` printed no tax figure at
    all. 125 realized, 375 unrealized, all short-term at 40 %: 200 owed."""
    code, out, _ = backtest(files, "--policy", str(files / "policy.toml"))
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line}
    assert rows["After"] == [
        "After",
        "tax",
        "1,300.00",
        "value",
        "less",
        "the",
        "tax",
        "still",
        "owed",
    ]
    assert rows["Realized"][:2] == ["Realized", "125.00"]
    code, out, _ = backtest(files, "--policy", str(files / "policy.toml"), "--json")
    after = json.loads(out)["after_tax"]
    assert (after["after_tax_value"], after["realized_gains"]) == ("1300.000000000", "125.00")


def test_without_tax_rules_no_tax_figure_is_shown(files: Path) -> None:
    code, out, _ = backtest(files, "--policy", str(files / "plain.toml"))
    assert code == 0
    assert "After tax" not in out
    code, out, _ = backtest(files, "--policy", str(files / "plain.toml"), "--json")
    assert "after_tax" not in json.loads(out)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (("--pay-taxes",), "--pay-taxes needs --tax"),
        (("--tax",), "--tax needs a [tax] table"),
        (("--tax", "--policy", "plain.toml"), "--tax needs a [tax] table"),
    ],
)
def test_bad_tax_options_exit_2(files: Path, options: tuple[str, ...], fragment: str) -> None:
    given = [str(files / o) if o.endswith(".toml") else o for o in options]
    code, _, err = backtest(files, *given)
    assert code == 2
    assert fragment in err


def test_tax_does_not_combine_with_a_sweep(files: Path) -> None:
    (files / "sweep.toml").write_text('schedules = ["monthly"]\n', encoding="utf-8")
    code, _, err = cli(
        "backtest", "--prices", files / "prices.csv", "--sweep", files / "sweep.toml", "--tax"
    )
    assert code == 2
    assert "--tax does not combine with --sweep" in err
