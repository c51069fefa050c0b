"""The backtest page counts orders and rebalances in words: 1 order, 2 orders."""

from __future__ import annotations

import re
from pathlib import Path

from cli_support import cli

PRICES = "date,AAA,BBB\n2024-01-02,10,20\n2024-01-03,11,20\n2024-02-01,12,20\n"


def counts(tmp_path: Path, weights: str, schedule: str = "once") -> tuple[list[str], str]:
    """The rebalance ticks' tooltips, and the turnover note's count of rebalances."""
    (tmp_path / "p.csv").write_text(PRICES, encoding="utf-8")
    (tmp_path / "w.json").write_text(weights, encoding="utf-8")
    run = cli(
        "backtest", "--prices", tmp_path / "p.csv", "--weights", tmp_path / "w.json",
        "--schedule", schedule, "--report", tmp_path / "r.html",
    )  # fmt: skip
    assert run.code == 0, run.err
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    note = re.search(r"traded in (\d+ rebalances?),", page)
    assert note is not None
    return re.findall(r"<title>([^<]*rebalanced[^<]*)</title>", page), note[1]


def test_one_order_is_one_order(tmp_path: Path) -> None:
    # Buy and hold: one rebalance, the first bar's, buying AAA alone.
    assert counts(tmp_path, '{"AAA": "1"}') == (["2024-01-02: rebalanced, 1 order"], "1 rebalance")


def test_two_orders_are_orders(tmp_path: Path) -> None:
    # Daily: the first bar buys both; AAA's rise on the second bar sells AAA and buys BBB.
    tips, rebalances = counts(tmp_path, '{"AAA": "0.5", "BBB": "0.5"}', "daily")
    assert tips[:2] == ["2024-01-02: rebalanced, 2 orders", "2024-01-03: rebalanced, 2 orders"]
    assert rebalances == "3 rebalances"
