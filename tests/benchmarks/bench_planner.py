"""Throughput of `plan_rebalance` against a bare Decimal loop, measured in the same run.

Run: `.venv/bin/python tests/benchmarks/bench_planner.py [sizes...]`. Prints symbols per
second for the full planner (validation, records, Result, plan id included) and for
the baseline, their ratio, the "floor ratio" (the baseline against the baseline plus
one frozen `PlanItem` per symbol: the best any planner returning these records could
do), and how time grows with n. It asserts nothing: machines
are shared and noisy; the figures go into docs/performance.md.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, localcontext
from functools import partial

from portfolio import Action, Allocation, PlanItem, Reason, SizingPolicy, Snapshot, plan_rebalance
from portfolio.money import CORE_CONTEXT

CENT = Decimal("0.01")
SHARES = Decimal("1E-9")
WEIGHT = Decimal("1E-10")
REPEATS = 5


def account(n: int) -> tuple[Allocation, Snapshot]:
    """N symbols, deterministic: half held, weights summing to 0.98, prices 10..1009."""
    symbols = [f"S{i:06d}" for i in range(n)]
    weight = (Decimal("0.98") / n).quantize(Decimal("1E-12"))
    weights = dict.fromkeys(symbols, weight)
    prices = {s: Decimal(10 + (i * 7919) % 1000) + Decimal("0.37") for i, s in enumerate(symbols)}
    positions = {s: Decimal((i * 31) % 97) for i, s in enumerate(symbols) if i % 2 == 0}
    allocation = Allocation(target_weights=weights, correlation_id="bench")
    return allocation, Snapshot(cash=Decimal(1_000_000), positions=positions, prices=prices)


def baseline(allocation: Allocation, snapshot: Snapshot) -> list[tuple[str, str, Decimal]]:
    """The bare loop: target, current value, trade amount, quantize, pick a side by sign."""
    prices, positions, weights = snapshot.prices, snapshot.positions, allocation.target_weights
    zero, minimum = Decimal(0), Decimal(1)
    with localcontext(CORE_CONTEXT):
        value = snapshot.cash + sum((q * prices[s] for s, q in positions.items()), zero)
        out: list[tuple[str, str, Decimal]] = []
        for symbol, weight in weights.items():
            target = (weight * value).quantize(CENT, rounding=ROUND_HALF_EVEN)
            current = (positions.get(symbol, zero) * prices[symbol]).quantize(CENT)
            trade = (target - current).quantize(CENT)
            if abs(trade) < minimum:
                action = "HOLD"
            elif trade > 0:
                action = "BUY"
            else:
                action = "SELL"
            out.append((symbol, action, trade))
    return out


def records_floor(allocation: Allocation, snapshot: Snapshot) -> list[PlanItem]:
    """The baseline plus what any plan must contain: a frozen PlanItem per symbol.

    Share quantity and both weights included; no validation, no rules, no plan id, no
    cash pass. No planner that returns these records can be faster than this.
    """
    prices, positions, weights = snapshot.prices, snapshot.positions, allocation.target_weights
    zero = Decimal(0)
    with localcontext(CORE_CONTEXT):
        value = snapshot.cash + sum((q * prices[s] for s, q in positions.items()), zero)
        scale = 1 / value
        out: list[PlanItem] = []
        for symbol, weight in weights.items():
            price = prices[symbol]
            target = (weight * value).quantize(CENT, rounding=ROUND_HALF_EVEN)
            current = (positions.get(symbol, zero) * price).quantize(CENT)
            trade = (target - current).quantize(CENT)
            out.append(
                PlanItem(
                    symbol=symbol,
                    action=Action.BUY if trade > 0 else Action.SELL,
                    trade_amount=trade,
                    quantity=(trade / price).quantize(SHARES, ROUND_DOWN),
                    price=price,
                    current_value=current,
                    target_value=target,
                    current_weight=(current * scale).quantize(WEIGHT),
                    target_weight=(target * scale).quantize(WEIGHT),
                    reason=Reason.REBALANCE,
                )
            )
    return out


def best_of(run: Callable[[], object]) -> float:
    """Best wall time of REPEATS runs, in seconds."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main(sizes: list[int]) -> None:
    """Print one line per size, then the growth exponent between sizes."""
    print(
        f"{'symbols':>8} {'planner/s':>12} {'baseline/s':>12} {'ratio':>6} "
        f"{'floor ratio':>11} {'planner s':>10}"
    )
    previous: tuple[int, float, float] | None = None
    for n in sizes:
        allocation, snapshot = account(n)
        assert plan_rebalance(allocation, snapshot, SizingPolicy()).unwrap().items
        planner = best_of(partial(plan_rebalance, allocation, snapshot))
        bare = best_of(partial(baseline, allocation, snapshot))
        floor = best_of(partial(records_floor, allocation, snapshot))
        line = (
            f"{n:>8} {n / planner:>12,.0f} {n / bare:>12,.0f} "
            f"{bare / planner:>6.2f} {bare / floor:>11.2f} {planner:>10.4f}"
        )
        if previous is not None:
            m, t, b = previous
            grows = math.log(planner / t) / math.log(n / m)
            base_grows = math.log(bare / b) / math.log(n / m)
            line += f"   from {m}: planner n^{grows:.2f}, baseline n^{base_grows:.2f}"
        print(line, flush=True)
        previous = (n, planner, bare)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
