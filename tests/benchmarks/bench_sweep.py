"""Parameter sweeps: `run_backtests` in this process, on one worker process, and on two.

Run: `.venv/bin/python tests/benchmarks/bench_sweep.py [symbols] [bars] [rounds]`
(default 20 symbols × 1,260 daily bars of seeded synthetic prices, 5 rounds). The sweep
is a grid of 16 runs: schedules (monthly, weekly) × bands (0, 0.02) × minimum trades
(1, 500) × two weight sets. Each round times, in turn: the runs in this process (no
executor), on a pool of one worker process, and on a pool of two (pools started and
warmed outside the timer), each on a fresh price table built outside the timer (objects
that earlier runs have touched run faster: hashes are cached on them). Wall time, since
the work is in the workers; the ratios are taken within each round and their median
and range printed. Also the size of the price table as a task carries it (columns of
its prices' texts, `portfolio.backtest.sweep`), sent once per task (here, once per
worker), beside the bars pickled as they are. Asserts
nothing about speed; the figures go into docs/performance.md.
"""

from __future__ import annotations

import os
import pickle
import random
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from itertools import product

from portfolio import Allocation, SizingPolicy
from portfolio.backtest import BacktestRun, Bar, run_backtests
from portfolio.backtest.sweep import _columns  # what a task carries (private: measured here)


def price_table(symbols: int, bars: int, seed: int = 7) -> list[Bar]:
    """Seeded random walks from 100, to the cent, on consecutive weekdays from 2015-01-02."""
    rng = random.Random(seed)  # noqa: S311 - synthetic prices, not security
    names = [f"S{i:03d}" for i in range(symbols)]
    levels = dict.fromkeys(names, 100.0)
    day, table = date(2015, 1, 2), list[Bar]()
    while len(table) < bars:
        if day.weekday() < 5:
            for name in names:
                levels[name] *= 1 + rng.gauss(0.0003, 0.012)
            prices = {name: Decimal(f"{max(level, 0.01):.2f}") for name, level in levels.items()}
            table.append(Bar(date=day, prices=prices))
        day += timedelta(days=1)
    return table


def grid(symbols: int) -> list[BacktestRun]:
    """16 runs: schedule × band × minimum trade × weights (equal, or tilted to the first half)."""
    names = [f"S{i:03d}" for i in range(symbols)]
    equal = {n: (Decimal("0.98") / symbols).quantize(Decimal("0.0001")) for n in names}
    tilted = {
        n: (Decimal("1.47" if i < symbols // 2 else "0.49") / symbols).quantize(Decimal("0.0001"))
        for i, n in enumerate(names)
    }
    return [
        BacktestRun(
            allocation=Allocation(target_weights=weights, correlation_id=label),
            policy=SizingPolicy(band=Decimal(band), min_trade_amount=Decimal(minimum)),
            schedule=schedule,
            label=f"{schedule} band={band} min={minimum} {label}",
        )
        for schedule, band, minimum, (label, weights) in product(
            ("monthly", "weekly"),
            ("0", "0.02"),
            ("1", "500"),
            (("equal", equal), ("tilted", tilted)),
        )
    ]


def main() -> None:
    symbols = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    bars = int(sys.argv[2]) if len(sys.argv) > 2 else 1_260
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    table, runs = price_table(symbols, bars), grid(symbols)
    bars_size = len(pickle.dumps(tuple(table), pickle.HIGHEST_PROTOCOL))
    packed = len(pickle.dumps(_columns(table), pickle.HIGHEST_PROTOCOL))
    print(f"{len(runs)} runs, {symbols} symbols × {bars:,} bars; {os.cpu_count()} cores")
    print(
        f"the price table as a task carries it: {packed / 1e6:.2f} MB "
        f"(the bars pickled as they are: {bars_size / 1e6:.2f} MB), sent once per task"
    )
    print(f"load average (1 min) at the start: {os.getloadavg()[0]:.1f}")
    # Each worker in a session of its own: with the kernel's autogroup scheduling, a
    # loaded machine shares its CPU between sessions, so workers in this one would share
    # one session's part however many they are (docs/performance.md).
    with (
        ProcessPoolExecutor(1, initializer=os.setsid) as one,
        ProcessPoolExecutor(2, initializer=os.setsid) as two,
    ):
        for pool in (one, two):  # start the workers and import the library in them
            list(run_backtests(table[:30], runs[:2], pool))
        cases: dict[str, Callable[[list[Bar]], object]] = {
            "this process": lambda bars: list(run_backtests(bars, runs)),
            "1 worker process": lambda bars: list(run_backtests(bars, runs, one)),
            "2 worker processes": lambda bars: list(run_backtests(bars, runs, two)),
        }
        seconds: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, case in cases.items():
                fresh = price_table(symbols, bars)  # fresh objects for every run, untimed
                start = time.perf_counter()
                results = case(fresh)
                seconds[name].append(time.perf_counter() - start)
                assert isinstance(results, list)
                assert len(results) == len(runs)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    print(f"{'':<20} {'s: median':>10} {'× this process':>15} {'× 1 worker':>16}")
    for name, times in seconds.items():
        here = [a / b for a, b in zip(seconds["this process"], times, strict=True)]
        single = [a / b for a, b in zip(seconds["1 worker process"], times, strict=True)]
        print(
            f"{name:<20} {statistics.median(times):>10.2f} "
            f"{statistics.median(here):>6.2f} ({min(here):.2f}–{max(here):.2f}) "
            f"{statistics.median(single):>6.2f} ({min(single):.2f}–{max(single):.2f})"
        )


if __name__ == "__main__":
    main()
