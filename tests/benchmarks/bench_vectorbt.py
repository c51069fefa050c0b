"""Our `run_backtest` beside vectorbt (and bt) on the same runs, timed in the same process.

Run: `.venv/bin/python tests/benchmarks/bench_vectorbt.py` (needs the `bench` extra:
`pip install -e '.[bench]'`; add `--no-bt` to skip bt, which takes ~5 s on the large
daily case). Four cases: 5 symbols × 780 daily bars and 50 symbols × 2,520 daily
bars of deterministic synthetic prices (a seeded random walk in cents), equal
weights, rebalanced every bar or on the first bar of each month; no costs,
fractional shares, no minimum trade.

vectorbt: `Portfolio.from_orders(close, size=weights, size_type="targetpercent",
group_by=True, cash_sharing=True, call_seq="auto")` (sells first), float64 and numba;
its first call compiles, so it is called once before it is timed (warm). Each figure
is the best of a few runs, in CPU seconds of this process (`time.process_time`: all
three run on one thread, and on a shared machine the wall clock mostly measures the
neighbours); ours gets fresh `Bar`s (and fresh Decimals) every run, built outside the
timing, as vectorbt gets its DataFrame. Prints, per case, the times,
ours ÷ vectorbt, µs per symbol and bar (5 → 50 symbols shows how the cost grows), and
the final equities' relative differences. It asserts nothing: the figures go into
docs/performance.md.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from portfolio import Allocation, SizingPolicy
from portfolio.backtest import Bar, run_backtest

INITIAL_CASH = 1_000_000
POLICY = SizingPolicy(min_trade_amount=Decimal(0))
REPEATS = 5

Rows = list[tuple[date, dict[str, str]]]


class Case(NamedTuple):
    """One run: how many symbols and bars, which schedule."""

    symbols: int
    bars: int
    schedule: str

    @property
    def name(self) -> str:
        """Like `5 × 780 daily`."""
        return f"{self.symbols} × {self.bars:,} {self.schedule}"


CASES = (
    Case(5, 780, "daily"),
    Case(5, 780, "monthly"),
    Case(50, 2520, "daily"),
    Case(50, 2520, "monthly"),
)


def symbols_of(count: int) -> tuple[str, ...]:
    """S00, S01, … (sorted as the planner sorts them)."""
    return tuple(f"S{n:02d}" for n in range(count))


def closes(symbols: tuple[str, ...], bars: int) -> Rows:
    """Business days from 2016-01-01, a seeded random walk per symbol, prices in cents."""
    rng = random.Random(20240101)  # noqa: S311 - reproducible synthetic prices, not secrets
    level = dict.fromkeys(symbols, 100.0)
    rows: Rows = []
    day = date(2016, 1, 1)
    while len(rows) < bars:
        if day.weekday() < 5:
            for symbol in symbols:
                level[symbol] *= math.exp(rng.gauss(0.0003, 0.012))
            rows.append((day, {s: f"{level[s]:.2f}" for s in symbols}))
        day += timedelta(days=1)
    return rows


def fresh_bars(rows: Rows) -> list[Bar]:
    """Fresh Bars (and fresh Decimals) from the rows."""
    return [
        Bar(date=day, prices={s: Decimal(p) for s, p in prices.items()}) for day, prices in rows
    ]


def best_of(run: Callable[[Any], Any], fresh: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Best CPU time of `repeats` runs of `run(fresh())`, in seconds (`fresh` untimed)."""
    times, value = [], None
    for _ in range(repeats):
        argument = fresh()
        start = time.process_time()
        value = run(argument)
        times.append(time.process_time() - start)
    return min(times), value


def ours(case: Case, rows: Rows) -> tuple[float, float]:
    """Best time and final equity of our run."""
    weights = dict.fromkeys(symbols_of(case.symbols), Decimal(1) / case.symbols)
    allocation = Allocation(target_weights=weights, correlation_id="bench")

    def run(bars: list[Bar]) -> Decimal:
        result = run_backtest(
            bars,
            allocation,
            policy=POLICY,
            initial_cash=Decimal(INITIAL_CASH),
            schedule=case.schedule,
        ).unwrap()
        return result.final_equity

    seconds, equity = best_of(run, lambda: fresh_bars(rows), REPEATS)
    return seconds, float(equity)


def frame(rows: Rows) -> Any:
    """The closes as a float DataFrame indexed by date."""
    import pandas as pd  # noqa: PLC0415 - benchmark-only dependency

    return pd.DataFrame(
        [{s: float(p) for s, p in prices.items()} for _, prices in rows],
        index=pd.DatetimeIndex([day for day, _ in rows]),
    )


def vectorbt(case: Case, rows: Rows) -> tuple[float, float]:
    """Best warm time and final equity of vectorbt's run."""
    import numpy as np  # noqa: PLC0415 - benchmark-only dependency
    import vectorbt as vbt  # noqa: PLC0415 - benchmark-only dependency

    close = frame(rows)
    sizes = np.full(close.shape, 1 / case.symbols)
    if case.schedule == "monthly":
        months = close.index.year * 12 + close.index.month
        first = np.r_[True, months[1:] != months[:-1]]
        sizes[~first] = np.nan  # no order on the other bars
    weights = close.copy()
    weights[:] = sizes

    def run(_: None) -> float:
        portfolio = vbt.Portfolio.from_orders(
            close,
            size=weights,
            size_type="targetpercent",
            group_by=True,
            cash_sharing=True,
            call_seq="auto",
            init_cash=INITIAL_CASH,
            fees=0.0,
        )
        return float(portfolio.value().iloc[-1])

    run(None)  # compile (numba) before timing
    return best_of(run, lambda: None, REPEATS)


def bt_run(case: Case, rows: Rows) -> tuple[float, float]:
    """One timed run of bt (it is slow) and its final equity."""
    import bt  # noqa: PLC0415 - benchmark-only dependency

    close = frame(rows)
    symbols = symbols_of(case.symbols)
    when = bt.algos.RunDaily() if case.schedule == "daily" else bt.algos.RunMonthly()

    def run(_: None) -> float:
        strategy = bt.Strategy(
            case.schedule,
            [
                when,
                bt.algos.SelectAll(),
                bt.algos.WeighSpecified(**dict.fromkeys(symbols, 1 / case.symbols)),
                bt.algos.Rebalance(),
            ],
        )
        test = bt.Backtest(
            strategy,
            close,
            initial_capital=INITIAL_CASH,
            integer_positions=False,
            commissions=lambda _quantity, _price: 0.0,
            progress_bar=False,
        )
        return float(bt.run(test).prices.iloc[-1, 0] / 100 * INITIAL_CASH)

    return best_of(run, lambda: None, 1)


def main() -> None:
    """Time every case, print the figures."""
    with_bt = "--no-bt" not in sys.argv[1:]
    print(f"best of {REPEATS} (bt: one run); CPU times in ms")
    for case in CASES:
        rows = closes(symbols_of(case.symbols), case.bars)
        ours_s, ours_eq = ours(case, rows)
        vbt_s, vbt_eq = vectorbt(case, rows)
        per = ours_s / (case.symbols * case.bars) * 1e6
        line = (
            f"{case.name:>20}: ours {ours_s * 1e3:8.1f}  vectorbt {vbt_s * 1e3:6.1f}"
            f"  ours ÷ vectorbt {ours_s / vbt_s:5.2f}  ({per:.2f} µs per symbol and bar)"
            f"  equity vs vectorbt {abs(ours_eq / vbt_eq - 1):.1e}"
        )
        if with_bt:
            bt_s, bt_eq = bt_run(case, rows)
            gap = abs(ours_eq / bt_eq - 1)
            line += f"  bt {bt_s * 1e3:7.1f} ({bt_s / ours_s:.1f}× ours), vs bt {gap:.1e}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
