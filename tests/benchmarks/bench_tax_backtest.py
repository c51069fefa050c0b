"""What tax tracking costs a backtest: the same run with and without a tax policy.

Run: `.venv/bin/python tests/benchmarks/bench_tax_backtest.py`. 5 symbols × 780 daily
bars of seeded synthetic prices (`bench_backtest.closes`), equal weights, no minimum
trade, fractional shares, no costs; the tax policy is FIFO at 37 % / 20 % with the
wash-sale guard (30 days), lots kept through every fill. Two schedules: `daily` (a plan
on every bar, the issue's case: target ≤ 3×) and `monthly`.

Each round runs both ways on fresh bars (built outside the timer), one right after the
other (the first way alternates), and takes the ratio of their CPU times; the median
ratio of the rounds and their range are printed, with the median times. On a machine
shared with other work the range shows how much the load still moved the figures.
It asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_backtest import closes, synthetic_bars

from portfolio import Allocation, SizingPolicy
from portfolio.backtest import Bar, run_backtest
from portfolio.tax import TaxPolicy

SYMBOLS = ("AAA", "BBB", "CCC", "DDD", "EEE")
ROUNDS = 7
TAX = TaxPolicy(short_term_rate=Decimal("0.37"), long_term_rate=Decimal("0.20"))
ALLOCATION = Allocation(target_weights=dict.fromkeys(SYMBOLS, Decimal("0.2")), correlation_id="b")


def run(bars: list[Bar], schedule: str, tax: TaxPolicy | None) -> float:
    """CPU seconds of one backtest."""
    policy = SizingPolicy(min_trade_amount=Decimal(0), tax=tax)
    start = time.process_time()
    result = run_backtest(
        bars, ALLOCATION, policy=policy, initial_cash=Decimal(1_000_000), schedule=schedule
    ).unwrap()
    seconds = time.process_time() - start
    assert (result.tax is None) == (tax is None)
    return seconds


def measure(schedule: str) -> None:
    """Print the median times and ratio of ROUNDS paired runs."""
    rows = closes()
    plain: list[float] = []
    taxed: list[float] = []
    for n in range(ROUNDS):
        first, second = (None, TAX) if n % 2 == 0 else (TAX, None)
        one = run(synthetic_bars(rows), schedule, first)
        two = run(synthetic_bars(rows), schedule, second)
        plain.append(one if first is None else two)
        taxed.append(two if first is None else one)
    ratios = [t / p for t, p in zip(taxed, plain, strict=True)]
    print(
        f"{schedule:8} without tax {statistics.median(plain) * 1000:7.1f} ms   "
        f"with tax {statistics.median(taxed) * 1000:7.1f} ms   "
        f"ratio {statistics.median(ratios):.2f}× "
        f"(range {min(ratios):.2f}-{max(ratios):.2f}, {ROUNDS} rounds)"
    )


def main() -> None:
    """Both schedules."""
    print(f"{len(SYMBOLS)} symbols × {len(closes())} daily bars; target: with tax ≤ 3× without")
    for schedule in ("daily", "monthly"):
        measure(schedule)


if __name__ == "__main__":
    main()
