"""Throughput of the planner against a bare Decimal loop, measured in the same run.

Run: `.venv/bin/python tests/benchmarks/bench_planner.py [sizes...]`. Three cases:

1. one account of n symbols (1,000, 10,000, 100,000 by default): symbols per second for
   `plan_rebalance` (validation, records, Result, plan id included) with every item's
   `trade_amount` read, for the baseline, their ratio, and how time grows with n;
2. many 20-symbol accounts in a loop: accounts per second for `plan_rebalance`, for a
   prepared `Planner` (the allocation and policy validated once), and for the baseline
   on the same accounts;
3. the same with 5-symbol accounts: µs per `Planner.plan`, what a backtest pays per bar
   that rebalances.

Every run gets fresh Decimal objects (built outside the timer): CPython caches a
Decimal's hash on the object, and re-planning the same objects would hide what the
plan id costs a user. It asserts nothing: machines are shared and noisy; the figures
go into docs/performance.md.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from functools import partial

from portfolio import Allocation, Planner, Snapshot, plan_rebalance
from portfolio.records.money import CORE_CONTEXT

CENT = Decimal("0.01")
REPEATS = 7
ACCOUNTS = 500


def account(n: int, seed: int = 0) -> tuple[Allocation, Snapshot]:
    """N symbols, deterministic, fresh Decimals: half held, weights summing to 0.98."""
    symbols = [f"S{i:06d}" for i in range(n)]
    weight = str((Decimal("0.98") / n).quantize(Decimal("1E-12")))
    weights = {s: Decimal(weight) for s in symbols}
    prices = {s: Decimal(f"{10 + (i * 7919 + seed) % 1000}.37") for i, s in enumerate(symbols)}
    positions = {s: Decimal((i * 31 + seed) % 97) for i, s in enumerate(symbols) if i % 2 == 0}
    allocation = Allocation(target_weights=weights, correlation_id=f"bench-{seed}")
    return allocation, Snapshot(cash=Decimal(1_000_000 + seed), positions=positions, prices=prices)


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


def read_all(allocation: Allocation, snapshot: Snapshot) -> Decimal:
    """The full planner, every item's trade amount read by the caller."""
    plan = plan_rebalance(allocation, snapshot).unwrap()
    return sum((item.trade_amount for item in plan.items), Decimal(0))


def prepared_run(work: Callable[[Allocation, Snapshot], object], n: int) -> Callable[[], object]:
    """`work` on a fresh account of n symbols, ready to time."""
    allocation, snapshot = account(n)
    return partial(work, allocation, snapshot)


def best_of(*makes: Callable[[], Callable[[], object]]) -> list[float]:
    """Best CPU time of this process over REPEATS rounds, in seconds, for each of `makes`.

    Each `make` builds a run's fresh inputs, outside the timer; the cases take turns
    within every round, so that a busy moment of a shared machine slows them alike. CPU
    time rather than wall time: it counts what this process did, not its waits.
    """
    best = [math.inf] * len(makes)
    for _ in range(REPEATS):
        for case, make in enumerate(makes):
            run = make()
            start = time.process_time()
            run()
            best[case] = min(best[case], time.process_time() - start)
    return best


def one_account(sizes: list[int]) -> None:
    """Print one line per size, then the growth exponent between sizes."""
    print(f"{'symbols':>8} {'planner/s':>12} {'baseline/s':>12} {'ratio':>6} {'planner s':>10}")
    previous: tuple[int, float, float] | None = None
    for n in sizes:
        planner, bare = best_of(
            partial(prepared_run, read_all, n), partial(prepared_run, baseline, n)
        )
        line = (
            f"{n:>8} {n / planner:>12,.0f} {n / bare:>12,.0f} "
            f"{bare / planner:>6.2f} {planner:>10.4f}"
        )
        if previous is not None:
            m, t, b = previous
            grows = math.log(planner / t) / math.log(n / m)
            base_grows = math.log(bare / b) / math.log(n / m)
            line += f"   from {m}: planner n^{grows:.2f}, baseline n^{base_grows:.2f}"
        print(line, flush=True)
        previous = (n, planner, bare)


def many_accounts(symbols: int = 20) -> None:
    """Accounts per second: plan_rebalance, a prepared Planner, and the baseline."""

    def accounts() -> list[tuple[Allocation, Snapshot]]:
        return [account(symbols, seed) for seed in range(ACCOUNTS)]

    def full() -> Callable[[], object]:
        batch = accounts()
        return lambda: [read_all(*pair) for pair in batch]

    def prepared() -> Callable[[], object]:
        batch = accounts()
        planners = [Planner.prepare(allocation).unwrap() for allocation, _ in batch]

        def run() -> None:
            for planner, (_, snapshot) in zip(planners, batch, strict=True):
                sum((i.trade_amount for i in planner.plan(snapshot).unwrap().items), Decimal(0))

        return run

    def bare() -> Callable[[], object]:
        batch = accounts()
        return lambda: [baseline(*pair) for pair in batch]

    planner, ready, base = best_of(full, prepared, bare)
    print(f"\n{symbols}-symbol accounts, {ACCOUNTS} per run (µs/account: per plan)")
    print(f"{'':>18} {'accounts/s':>12} {'µs/account':>11} {'ratio':>6}")
    for label, seconds in (
        ("plan_rebalance", planner),
        ("Planner.plan", ready),
        ("baseline", base),
    ):
        print(
            f"{label:>18} {ACCOUNTS / seconds:>12,.0f} {seconds / ACCOUNTS * 1e6:>11.1f} "
            f"{base / seconds:>6.2f}"
        )


if __name__ == "__main__":
    one_account([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
    many_accounts(20)
    many_accounts(5)
