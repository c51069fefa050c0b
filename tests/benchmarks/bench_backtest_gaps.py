"""Parity with bt on prices with holes: the same forward-fill gives the same final equity.

Run: `.venv/bin/python tests/benchmarks/bench_backtest_gaps.py` (needs the `bench` extra).
The prices of bench_backtest.py with about 3 % of the closes removed at random (never on
the first bar, at most 3 in a row), and one symbol listed 60 bars late. bt gets
the same closes forward-filled with pandas (`DataFrame.ffill()`), the late symbol's
missing start left empty; ours gets the holes and applies its own rules (docs/backtesting.md:
carried forward; the late listing's weight waits in cash until its first close). bt keeps
a symbol without a price out of `SelectAll`, so both hold the late symbol's weight in
cash until its first close (a small algo gives bt's priced symbols 0.2 each).
Prints both final equities, their relative difference (target ≤ 1e-6), and our warnings.
"""

from __future__ import annotations

import random
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_backtest import INITIAL_CASH, POLICY, SYMBOLS, WEIGHTS, closes

from portfolio import Allocation
from portfolio.backtest import Bar, MissingData, run_backtest

LATE, LATE_BARS = "EEE", 60


def gappy_rows() -> list[tuple[date, dict[str, str]]]:
    """The benchmark's closes, with seeded holes and one late listing."""
    rng = random.Random(7)  # noqa: S311 - reproducible holes, not secrets
    rows = closes()
    run = dict.fromkeys(SYMBOLS, 0)
    holed: list[tuple[date, dict[str, str]]] = []
    for index, (day, prices) in enumerate(rows):
        kept = {}
        for symbol, price in prices.items():
            late = symbol == LATE and index < LATE_BARS
            hole = index > 0 and run[symbol] < 3 and rng.random() < 0.03
            run[symbol] = run[symbol] + 1 if hole else 0
            if not (late or hole):
                kept[symbol] = price
        holed.append((day, kept))
    return holed


def ours(rows: list[tuple[date, dict[str, str]]]) -> Decimal:
    bars = [
        Bar(date=day, prices={s: Decimal(p) for s, p in prices.items()}) for day, prices in rows
    ]
    result = run_backtest(
        bars,
        Allocation(target_weights=WEIGHTS, correlation_id="gaps"),
        policy=POLICY,
        initial_cash=Decimal(INITIAL_CASH),
        schedule="daily",
        missing=MissingData(delist_after=10),
    ).unwrap()
    carried = sum(w.count for w in result.warnings if w.kind.name == "CARRIED_FORWARD")
    late = [str(w) for w in result.warnings if w.kind.name == "LATE_LISTING"]
    print(f"ours: {carried} closes carried forward; late listing: {late}")
    return result.final_equity


def bt_equity(rows: list[tuple[date, dict[str, str]]]) -> float:
    import bt  # noqa: PLC0415 - benchmark-only dependency
    import pandas as pd  # noqa: PLC0415 - comes with bt

    frame = pd.DataFrame(
        [
            {s: float(prices[s]) if s in prices else float("nan") for s in SYMBOLS}
            for _, prices in rows
        ],
        index=pd.DatetimeIndex([day for day, _ in rows]),
    ).ffill()

    class WeighPriced(bt.Algo):  # type: ignore[misc] # bt is untyped
        """0.2 for each symbol with a price: the rest of the weight stays in cash."""

        def __call__(self, target: object) -> bool:
            temp = target.temp  # type: ignore[attr-defined]
            temp["weights"] = dict.fromkeys(temp["selected"], 0.2)
            return True

    strategy = bt.Strategy(
        "gaps", [bt.algos.RunDaily(), bt.algos.SelectAll(), WeighPriced(), bt.algos.Rebalance()]
    )
    test = bt.Backtest(
        strategy,
        frame,
        initial_capital=INITIAL_CASH,
        integer_positions=False,
        commissions=lambda _quantity, _price: 0.0,
        progress_bar=False,
    )
    return float(bt.run(test).prices.iloc[-1, 0] / 100 * INITIAL_CASH)


def main() -> None:
    """Run both on the same holes; print the equities and their relative difference."""
    rows = gappy_rows()
    missing = sum(len(SYMBOLS) - len(prices) for _, prices in rows)
    print(f"bars: {len(rows)} × {len(SYMBOLS)} symbols, {missing} closes missing")
    mine = ours(rows)
    try:
        theirs = bt_equity(rows)
    except ImportError:
        print("bt: not installed (pip install -e '.[bench]'); no comparison")
        return
    print(f"ours: final equity {mine:.6f}")
    print(f"bt:   final equity {theirs:.6f}")
    print(f"relative difference {abs(float(mine) / theirs - 1):.1e} (target ≤ 1e-6)")


if __name__ == "__main__":
    main()
