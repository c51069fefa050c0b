"""Our `run_backtest` against the `bt` package on the same run, timed in the same process.

Run: `.venv/bin/python tests/benchmarks/bench_backtest.py` (needs the `bench` extra:
`pip install -e '.[bench]'`). 5 symbols × 780 daily bars of deterministic synthetic
prices, equal weights rebalanced every day, no costs, fractional shares
(`integer_positions=False` in bt). Prints the best of a few runs for each (CPU time of
this process: both run on one thread, and the machines are shared), their ratio,
where our time goes (the planner alone: 780 `Planner.plan_trusted` calls, as the fold
makes them, on the accounts the run planned against; and reading every plan afterwards,
which builds each with `Planner.plan`), a rule-free floor (`bare_fold`: the same
arithmetic with no rule, check or record, what the issue's 43–74× prototype measured),
and both final equities with their relative difference. Prices are built
afresh for every run, so no Decimal hash is cached between runs. It asserts nothing:
the figures go into docs/performance.md.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, localcontext
from typing import TypeVar

from portfolio import Allocation, SizingPolicy, Snapshot
from portfolio.backtest import BacktestResult, Bar, run_backtest
from portfolio.records.money import CORE_CONTEXT
from portfolio.steps.planner import Planner

SYMBOLS = ("AAA", "BBB", "CCC", "DDD", "EEE")
BARS = 780
REPEATS = 7
INITIAL_CASH = 1_000_000
WEIGHTS = dict.fromkeys(SYMBOLS, Decimal("0.2"))
POLICY = SizingPolicy(min_trade_amount=Decimal(0))
T = TypeVar("T")
R = TypeVar("R")


def closes() -> list[tuple[date, dict[str, str]]]:
    """Business days from 2020-01-01, a seeded random walk per symbol, prices in cents."""
    rng = random.Random(20240101)  # noqa: S311 - reproducible synthetic prices, not secrets
    level = dict.fromkeys(SYMBOLS, 100.0)
    rows: list[tuple[date, dict[str, str]]] = []
    day = date(2020, 1, 1)
    while len(rows) < BARS:
        if day.weekday() < 5:
            for symbol in SYMBOLS:
                level[symbol] *= math.exp(rng.gauss(0.0003, 0.012))
            rows.append((day, {s: f"{level[s]:.2f}" for s in SYMBOLS}))
        day += timedelta(days=1)
    return rows


def synthetic_bars(rows: list[tuple[date, dict[str, str]]] | None = None) -> list[Bar]:
    """Fresh Bars (and fresh Decimals) from the rows."""
    return [
        Bar(date=day, prices={s: Decimal(p) for s, p in prices.items()})
        for day, prices in (closes() if rows is None else rows)
    ]


def best_of(run: Callable[[T], R], fresh: Callable[[], T]) -> tuple[float, R]:
    """Best CPU time (this process) of REPEATS runs of `run(fresh())`, in s (`fresh` untimed)."""
    times, values = [], []
    for _ in range(REPEATS):
        argument = fresh()
        start = time.process_time()
        values.append(run(argument))
        times.append(time.process_time() - start)
    return min(times), values[-1]


def ours(bars: list[Bar]) -> BacktestResult:
    """Equal weights, daily, no minimum trade, fractional shares, no costs."""
    allocation = Allocation(target_weights=WEIGHTS, correlation_id="bench")
    return run_backtest(
        bars, allocation, policy=POLICY, initial_cash=Decimal(INITIAL_CASH), schedule="daily"
    ).unwrap()


def fresh_accounts(result: BacktestResult) -> list[Snapshot]:
    """The accounts the run planned against, rebuilt from text: no cached Decimal hashes."""
    return [
        Snapshot(
            cash=Decimal(str(account.cash)),
            positions={s: Decimal(str(q)) for s, q in account.positions.items()},
            prices={s: Decimal(str(p)) for s, p in account.prices.items()},
            as_of=account.as_of,
        )
        for account in result.accounts
    ]


def planner_only(accounts: list[Snapshot]) -> None:
    """The planner alone on the run's own accounts, as the fold calls it: its share."""
    planner = Planner.prepare(Allocation(target_weights=WEIGHTS, correlation_id="bench"), POLICY)
    plan = planner.unwrap().plan_trusted
    with localcontext(CORE_CONTEXT):
        for account in accounts:
            plan((account.positions, account.cash), account.prices).unwrap()


def read_plans(result: BacktestResult) -> None:
    """Every plan of a run read once: each built (and named) by `Planner.plan` on its account."""
    tuple(result.plans)


def bare_fold(bars: list[Bar]) -> Decimal:
    """The floor: per bar and symbol, target in cents, trade, shares to 1E-9, fill; equity.

    No checks, no bands or minimums, no cash pass, no plan records, no plan id: what
    any backtest of these rules must at least compute, in the same Decimal context.
    """
    cent, share, zero = Decimal("0.01"), Decimal("1E-9"), Decimal(0)
    cash, held = Decimal(INITIAL_CASH), dict.fromkeys(SYMBOLS, zero)
    equity = cash
    with localcontext(CORE_CONTEXT):
        for bar in bars:
            prices = bar.prices
            value = cash + sum([q * prices[s] for s, q in held.items()], zero)
            for symbol, weight in WEIGHTS.items():
                price = prices[symbol]
                target = (weight * value).quantize(cent, rounding=ROUND_HALF_EVEN)
                trade = target - (held[symbol] * price).quantize(cent)
                if trade:
                    quantity = (trade / price).quantize(share, rounding=ROUND_DOWN)
                    held[symbol] += quantity
                    cash -= quantity * price
            equity = cash + sum([q * prices[s] for s, q in held.items()], zero)
    return equity


def bt_backtest(rows: list[tuple[date, dict[str, str]]]) -> tuple[Callable[[], float], str]:
    """The same run in bt; returns a callable that runs it (final equity) and bt's version."""
    import bt  # noqa: PLC0415 - benchmark-only dependency
    import pandas as pd  # noqa: PLC0415 - comes with bt

    frame = pd.DataFrame(
        [{s: float(p) for s, p in prices.items()} for _, prices in rows],
        index=pd.DatetimeIndex([day for day, _ in rows]),
    ).ffill()

    def run() -> float:
        strategy = bt.Strategy(
            "daily",
            [
                bt.algos.RunDaily(),
                bt.algos.SelectAll(),
                bt.algos.WeighSpecified(**dict.fromkeys(SYMBOLS, 0.2)),
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
    rows = closes()
    ours_seconds, result = best_of(ours, lambda: synthetic_bars(rows))
    planner_seconds, _ = best_of(planner_only, lambda: fresh_accounts(result))
    floor_seconds, floor_equity = best_of(bare_fold, lambda: synthetic_bars(rows))
    read_seconds, _ = best_of(read_plans, lambda: ours(synthetic_bars(rows)))
    print(f"bars: {BARS} × {len(SYMBOLS)} symbols, daily rebalancing, best of {REPEATS}")
    print(f"ours: {ours_seconds:.4f} s  final equity {result.final_equity:.6f}")
    print(
        f"  planner alone: {planner_seconds:.4f} s "
        f"({planner_seconds / BARS * 1e6:.0f} µs per Planner.plan_trusted, "
        f"{planner_seconds / ours_seconds:.0%} of our run); the rest: "
        f"{(ours_seconds - planner_seconds) / BARS * 1e6:.0f} µs per bar"
    )
    print(
        f"  reading every plan afterwards (built when read): {read_seconds:.4f} s "
        f"({read_seconds / BARS * 1e6:.0f} µs a plan)"
    )
    print(
        f"rule-free floor (bare_fold): {floor_seconds:.4f} s "
        f"({floor_seconds / BARS * 1e6:.0f} µs per bar, final equity {floor_equity:.6f}); "
        f"ours is {ours_seconds / floor_seconds:.1f}× the floor"
    )
    try:
        run_bt, version = bt_backtest(rows)
    except ImportError:
        print("bt: not installed (pip install -e '.[bench]'); no comparison")
        return
    bt_seconds, bt_equity = best_of(lambda _: run_bt(), lambda: None)
    gap = abs(float(result.final_equity) / bt_equity - 1)
    print(f"bt {version}: {bt_seconds:.4f} s  final equity {bt_equity:.6f}")
    print(f"final equities differ by {gap:.1e} (relative)")
    print(
        f"ratio: ours is {bt_seconds / ours_seconds:.1f}× faster than bt (target ≥ 20×, goal 50×);"
        f" the floor is {bt_seconds / floor_seconds:.1f}× faster than bt"
    )


if __name__ == "__main__":
    main()
