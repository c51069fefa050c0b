"""Whole-share plans against PyPortfolioOpt's `DiscreteAllocation`, measured in the same run.

Run: `.venv/bin/python tests/benchmarks/bench_whole_shares.py [sizes...]` (needs the
`bench` extra: `pip install -e '.[bench]'`). For each size, ten seeded random accounts
(1,000,000; weights summing to 1; prices 5..2,000), each once all in cash and once
with the same value held in whole shares off target (`holdings`), are allocated by

- `plan_rebalance` with `fractional=False` (ours, the whole pipeline),
- PyPortfolioOpt 1.6 `greedy_portfolio()` and `lp_portfolio()` (a mixed-integer
  program, solved by HiGHS through cvxpy),

and every result is scored with the same error: Σ |w × V − shares × price| + cash left
(the shares held after the plan; PyPortfolioOpt allocates from cash, the same value).
"truncation" is each target truncated to whole shares, the planner's rule before.
Times: best CPU time of 5 interleaved rounds for ours and for a fractional plan of the
same account (the baseline), one wall-clock run for PyPortfolioOpt. The summary gives
the worst error ratio and the median (and range) of the time ratio per size. It
asserts nothing; the figures go into docs/performance.md.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from decimal import Decimal
from functools import partial

from portfolio import Allocation, SizingPolicy, Snapshot, plan_rebalance

ACCOUNT = Decimal(1_000_000)
REPEATS = 5


def account(n: int, seed: int = 10) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Weights (six decimals, summing to exactly 1) and prices (cents, 5..2,000)."""
    rng = random.Random(seed + n)  # noqa: S311 - seeded test data, not secrets
    symbols = [f"S{i:05d}" for i in range(n)]
    raw = [rng.random() for _ in symbols]
    total = sum(raw)
    weights = {s: Decimal(f"{r / total:.6f}") for s, r in zip(symbols, raw, strict=True)}
    weights[symbols[0]] += 1 - sum(weights.values())
    prices = {s: Decimal(f"{rng.uniform(5, 2000):.2f}") for s in symbols}
    return weights, prices


def error(
    weights: dict[str, Decimal], prices: dict[str, Decimal], shares: dict[str, int]
) -> Decimal:
    """Σ |w × V − shares × price| + cash left (V = the account), in account currency."""
    spent = sum((shares.get(s, 0) * p for s, p in prices.items()), Decimal(0))
    gaps = sum(
        (abs(w * ACCOUNT - shares.get(s, 0) * prices[s]) for s, w in weights.items()), Decimal(0)
    )
    return gaps + ACCOUNT - spent


def best_of(*runs: Callable[[], object]) -> list[float]:
    """Best CPU time of each run over REPEATS rounds, in seconds.

    The runs take turns within every round, so that a busy moment of a shared machine
    slows them alike; CPU time counts what this process did, not its waits.
    """
    best = [float("inf")] * len(runs)
    for _ in range(REPEATS):
        for index, run in enumerate(runs):
            start = time.process_time()
            run()
            best[index] = min(best[index], time.process_time() - start)
    return best


def holdings(n: int, seed: int, prices: dict[str, Decimal]) -> tuple[dict[str, int], Decimal]:
    """The same value as whole shares off target: (shares per symbol, the cash left).

    Each symbol holds whole shares of other random weights (another seed's), so every
    position is off its target; what truncation leaves of the 1,000,000 stays in cash.
    """
    other, _ = account(n, seed + 1000)
    shares = {s: int(w * ACCOUNT / prices[s]) for s, w in zip(prices, other.values(), strict=True)}
    return shares, ACCOUNT - sum((q * prices[s] for s, q in shares.items()), Decimal(0))


def ours(
    weights: dict[str, Decimal],
    prices: dict[str, Decimal],
    *,
    fractional: bool,
    held: tuple[dict[str, int], Decimal] | None = None,
) -> dict[str, int]:
    """Shares held after `plan_rebalance`, from an all-cash account or from `held`."""
    allocation = Allocation(target_weights=weights, correlation_id="bench")
    shares, cash = held or ({}, ACCOUNT)
    positions = {s: Decimal(q) for s, q in shares.items() if q}
    snapshot = Snapshot(cash=cash, positions=positions, prices=prices)
    plan = plan_rebalance(allocation, snapshot, SizingPolicy(fractional=fractional)).unwrap()
    final = dict(shares)
    for i in plan.items:
        final[i.symbol] = final.get(i.symbol, 0) + int(i.quantity)
    return final


def pypfopt(
    weights: dict[str, Decimal], prices: dict[str, Decimal], method: str
) -> tuple[dict[str, int], float]:
    """PyPortfolioOpt's allocation (`greedy` or `lp`) and its wall time in seconds."""
    import pandas as pd  # noqa: PLC0415 - bench-only dependency
    from pypfopt import DiscreteAllocation  # noqa: PLC0415 - bench-only dependency

    latest = pd.Series({s: float(p) for s, p in prices.items()})
    allocator = DiscreteAllocation(
        {s: float(w) for s, w in weights.items()}, latest, total_portfolio_value=float(ACCOUNT)
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "lp":
            shares, _ = allocator.lp_portfolio(solver="HIGHS")
        else:
            shares, _ = allocator.greedy_portfolio()
    return {s: int(q) for s, q in shares.items()}, time.perf_counter() - start


SEEDS = tuple(range(10, 20))


def main(sizes: list[int]) -> None:
    """Print one Markdown table row per size, seed and start (cash or holdings)."""
    print(
        "| symbols | seed | from | ours (error) | LP (error) | ours ÷ LP | greedy (error) "
        "| truncation (error) | ours (ms) | fractional plan (ms) | ours ÷ fractional "
        "| LP (ms) | greedy (ms) |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    worst: dict[tuple[int, str], Decimal] = {}
    slowdowns: dict[tuple[int, str], list[float]] = {}
    for n, seed in ((n, seed) for n in sizes for seed in SEEDS):
        weights, prices = account(n, seed)
        truncated = {s: int(w * ACCOUNT / prices[s]) for s, w in weights.items()}
        lp, lp_time = pypfopt(weights, prices, "lp")
        greedy, greedy_time = pypfopt(weights, prices, "greedy")
        e_lp = error(weights, prices, lp)
        for start, held in (("cash", None), ("holdings", holdings(n, seed, prices))):
            mine = ours(weights, prices, fractional=False, held=held)
            whole_time, fractional_time = best_of(
                partial(ours, weights, prices, fractional=False, held=held),
                partial(ours, weights, prices, fractional=True, held=held),
            )
            e_ours = error(weights, prices, mine)
            print(
                f"| {n:,} | {seed} | {start} | {e_ours:,.0f} | {e_lp:,.0f} | {e_ours / e_lp:.4f} "
                f"| {error(weights, prices, greedy):,.0f} "
                f"| {error(weights, prices, truncated):,.0f} "
                f"| {whole_time * 1e3:.1f} | {fractional_time * 1e3:.1f} "
                f"| {whole_time / fractional_time:.2f} "
                f"| {lp_time * 1e3:,.0f} | {greedy_time * 1e3:,.0f} |"
            )
            key = (n, start)
            worst[key] = max(worst.get(key, Decimal(0)), e_ours / e_lp)
            slowdowns.setdefault(key, []).append(whole_time / fractional_time)
    print()
    print("| symbols | from | worst ours ÷ LP | ours ÷ fractional: median (range) |")
    print("|---:|---|---:|---:|")
    for (n, start), ratio in worst.items():
        times = slowdowns[n, start]
        print(
            f"| {n:,} | {start} | {ratio:.4f} | {statistics.median(times):.2f} "
            f"({min(times):.2f}–{max(times):.2f}) |"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20, 100, 1000])
