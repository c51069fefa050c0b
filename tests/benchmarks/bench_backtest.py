"""Our `run_backtest` against the `bt` package on the same run, timed in the same process.

Run: `.venv/bin/python tests/benchmarks/bench_backtest.py` (needs the `bench` extra:
`pip install -e '.[bench]'`). 5 symbols × 780 daily bars of deterministic synthetic
prices, equal weights rebalanced every day, no costs, fractional shares
(`integer_positions=False` in bt). Prints the best of a few runs for each, their ratio,
the planner's share of our time, and the two final equities (which should agree).
It asserts nothing: the figures go into docs/performance.md.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from portfolio import Allocation, SizingPolicy, Snapshot, plan_rebalance
from portfolio.backtest import BacktestResult, Bar, run_backtest

SYMBOLS = ("AAA", "BBB", "CCC", "DDD", "EEE")
BARS = 780
REPEATS = 5
INITIAL_CASH = 1_000_000


def synthetic_bars() -> list[Bar]:
    """Business days from 2020-01-01, a seeded random walk per symbol, prices in cents."""
    rng = random.Random(20240101)  # noqa: S311 - reproducible synthetic prices, not secrets
    level = dict.fromkeys(SYMBOLS, 100.0)
    bars: list[Bar] = []
    day = date(2020, 1, 1)
    while len(bars) < BARS:
        if day.weekday() < 5:
            for symbol in SYMBOLS:
                level[symbol] *= math.exp(rng.gauss(0.0003, 0.012))
            prices = {s: Decimal(f"{level[s]:.2f}") for s in SYMBOLS}
            bars.append(Bar(date=day, prices=prices))
        day += timedelta(days=1)
    return bars


def best_of(run: Callable[[], object]) -> tuple[float, object]:
    """Best wall time of REPEATS runs, in seconds, and the last run's value."""
    times, value = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        value = run()
        times.append(time.perf_counter() - start)
    return min(times), value


def ours(bars: list[Bar]) -> BacktestResult:
    """Equal weights, daily, no minimum trade, fractional shares, no costs."""
    allocation = Allocation(
        target_weights=dict.fromkeys(SYMBOLS, Decimal("0.2")), correlation_id="bench"
    )
    policy = SizingPolicy(min_trade_amount=Decimal(0))
    return run_backtest(
        bars, allocation, policy=policy, initial_cash=Decimal(INITIAL_CASH), schedule="daily"
    ).unwrap()


def planner_only(bars: list[Bar]) -> None:
    """The planner alone, once per bar, on a held account: the floor under our time."""
    allocation = Allocation(
        target_weights=dict.fromkeys(SYMBOLS, Decimal("0.2")), correlation_id="bench"
    )
    policy = SizingPolicy(min_trade_amount=Decimal(0))
    positions = dict.fromkeys(SYMBOLS, Decimal("1987.123456789"))
    for bar in bars:
        snapshot = Snapshot(cash=Decimal("12.34"), positions=positions, prices=bar.prices)
        plan_rebalance(allocation, snapshot, policy).unwrap()


def bt_backtest(bars: list[Bar]) -> tuple[Callable[[], float], str]:
    """The same run in bt 1.4; returns a callable that runs it and bt's version."""
    import bt  # noqa: PLC0415 - benchmark-only dependency
    import pandas as pd  # noqa: PLC0415 - comes with bt

    frame = pd.DataFrame(
        {s: [float(bar.prices[s]) for bar in bars] for s in SYMBOLS},
        index=pd.DatetimeIndex([bar.date for bar in bars]),
    )
    weights = dict.fromkeys(SYMBOLS, 0.2)

    def run() -> float:
        strategy = bt.Strategy(
            "daily",
            [
                bt.algos.RunDaily(),
                bt.algos.SelectAll(),
                bt.algos.WeighSpecified(**weights),
                bt.algos.Rebalance(),
            ],
        )
        test = bt.Backtest(
            strategy,
            frame,
            initial_capital=INITIAL_CASH,
            integer_positions=False,
            commissions=lambda _quantity, _price: 0.0,
            progress_bar=False,
        )
        result = bt.run(test)
        return float(result.prices.iloc[-1, 0] / 100 * INITIAL_CASH)

    return run, str(bt.__version__)


def main() -> None:
    """Time both, print the figures."""
    bars = synthetic_bars()
    ours_seconds, result = best_of(lambda: ours(bars))
    planner_seconds, _ = best_of(lambda: planner_only(bars))
    assert isinstance(result, BacktestResult)
    print(f"bars: {BARS} × {len(SYMBOLS)} symbols, daily rebalancing, best of {REPEATS}")
    print(f"ours: {ours_seconds:.4f} s  final equity {result.final_equity:.2f}")
    print(
        f"  planner alone: {planner_seconds:.4f} s "
        f"({planner_seconds / BARS * 1e6:.0f} µs per call, "
        f"{planner_seconds / ours_seconds:.0%} of our run)"
    )
    try:
        run_bt, version = bt_backtest(bars)
    except ImportError:
        print("bt: not installed (pip install -e '.[bench]'); no comparison")
        return
    bt_seconds, bt_equity = best_of(run_bt)
    print(f"bt {version}: {bt_seconds:.4f} s  final equity {bt_equity:.2f}")
    print(f"ratio: ours is {bt_seconds / ours_seconds:.1f}× faster than bt (target ≥ 10×)")


if __name__ == "__main__":
    main()
