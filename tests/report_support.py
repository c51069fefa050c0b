"""A small backtest and a small plan written as HTML reports, for the report tests."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from cli_support import cli

from adapters.prices_csv import load_prices_csv
from portfolio import Allocation
from portfolio.backtest import BacktestResult, CashFlows, run_backtest

# AAA all along; BBB listed on the third date, missing on the fifth: six bars, two warnings.
PRICES = """\
date,AAA,BBB
2024-01-02,10,
2024-01-03,10,
2024-02-01,11,20
2024-03-01,12,21
2024-04-01,12,
2024-05-01,13,22
"""
WEIGHTS = '{"AAA": "0.5", "BBB": "0.5"}'
SNAPSHOT = """\
{"cash": "1000", "positions": {"SPY": "10", "TLT": "30"},
 "prices": {"SPY": "500", "TLT": "90", "QQQ": "400"}}
"""
PLAN_WEIGHTS = '{"SPY": "0.5", "QQQ": "0.3", "TLT": "0.2"}'
#: Added on the first bar of each month after January: February to May, four flows.
CONTRIBUTION = "100"


def inputs(folder: Path) -> dict[str, Path]:
    """The input files, written into `folder`."""
    files = {
        "prices": folder / "prices.csv",
        "weights": folder / "w.json",
        "snapshot": folder / "account.json",
        "plan_weights": folder / "plan_w.json",
    }
    files["prices"].write_text(PRICES, encoding="utf-8")
    files["weights"].write_text(WEIGHTS, encoding="utf-8")
    files["snapshot"].write_text(SNAPSHOT, encoding="utf-8")
    files["plan_weights"].write_text(PLAN_WEIGHTS, encoding="utf-8")
    return files


def backtest_report(folder: Path, *, contribution: str | None = CONTRIBUTION) -> Path:
    """`portfolio backtest --report` on the inputs (monthly, 1,000 cash); the page's path."""
    files, page = inputs(folder), folder / "report.html"
    flows = ["--contribution", contribution] if contribution else []
    run = cli(
        "backtest", "--prices", files["prices"], "--weights", files["weights"], "--cash", "1000",
        *flows, "--report", page,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert f"Report written to {page}" in run.err
    return page


def plan_report(folder: Path) -> Path:
    """`portfolio plan --report` on the inputs; the page's path."""
    files, page = inputs(folder), folder / "plan.html"
    run = cli(
        "plan", "--weights", files["plan_weights"], "--snapshot", files["snapshot"],
        "--report", page,
    )  # fmt: skip
    assert run.code == 0, run.err
    return page


def expected(
    folder: Path, schedule: str = "monthly", *, contribution: str | None = CONTRIBUTION
) -> BacktestResult:
    """The result the report shows, computed through the library (`once`: the benchmark)."""
    bars = load_prices_csv(inputs(folder)["prices"]).unwrap()
    allocation = Allocation(
        target_weights={"AAA": Decimal("0.5"), "BBB": Decimal("0.5")}, correlation_id="x"
    )
    return run_backtest(
        bars,
        allocation,
        initial_cash=Decimal(1000),
        schedule=schedule,
        cash_flows=CashFlows(monthly=Decimal(contribution)) if contribution else None,
    ).unwrap()
