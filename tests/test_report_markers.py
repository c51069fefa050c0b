"""The tooltips of the backtest page's rebalance ticks count the orders in words."""

from __future__ import annotations

import re
from pathlib import Path

from cli_support import cli

PRICES = "date,AAA,BBB\n2024-01-02,10,20\n2024-01-03,11,20\n2024-02-01,12,20\n"


def titles(tmp_path: Path, weights: str) -> list[str]:
    (tmp_path / "p.csv").write_text(PRICES, encoding="utf-8")
    (tmp_path / "w.json").write_text(weights, encoding="utf-8")
    run = cli(
        "backtest", "--prices", tmp_path / "p.csv", "--weights", tmp_path / "w.json",
        "--schedule", "once", "--report", tmp_path / "r.html",
    )  # fmt: skip
    assert run.code == 0, run.err
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    return re.findall(r"<title>([^<]*rebalanced[^<]*)</title>", page)


def test_one_order_is_one_order(tmp_path: Path) -> None:
    assert titles(tmp_path, '{"AAA": "1"}') == ["2024-01-02: rebalanced, 1 order"]


def test_two_orders_are_orders(tmp_path: Path) -> None:
    assert titles(tmp_path, '{"AAA": "0.5", "BBB": "0.5"}') == ["2024-01-02: rebalanced, 2 orders"]
