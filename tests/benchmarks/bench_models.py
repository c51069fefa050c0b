"""Many accounts on shared models: `plan_many` against the bare Decimal loop, in the same run.

Run: `.venv/bin/python tests/benchmarks/bench_models.py [accounts] [models] [rounds]`
(default 2,000 twenty-symbol accounts on 10 models, 9 rounds). Every account has its own
`Allocation` (fresh weights, its own correlation id, as `portfolio plan-many` reads them
from a file) and its own snapshot; an account on model m has m's weights. Four cases:

- the bare loop (`bench_planner.baseline`: target, current value, trade, quantize, side);
- `plan_rebalance` on each account;
- `plan_many` in this process (each model prepared once, `portfolio.steps.shared_models`);
- a `Planner` prepared by hand per model, with the accounts' correlation ids ignored
  (what a caller who knows its models could do; not the same plans: one id per model).

Each round builds every case's inputs afresh (fresh Decimals: CPython caches a Decimal's
hash on the object) outside the timer, then times the cases in turn (CPU time of this
process), so that a busy moment of a shared machine slows them alike. The ratio to the
bare loop is taken within each round; the median and range over the rounds are printed.
Also checks, once, that `plan_many` gives what `plan_rebalance` gives. Asserts nothing
about speed; the figures go into docs/performance.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_planner import baseline

from portfolio import Allocation, Planner, PlanRequest, Snapshot, plan_many, plan_rebalance

SYMBOLS = tuple(f"S{i:02d}" for i in range(20))


def model_weights(model: int) -> dict[str, Decimal]:
    """Model m: 20 weights of 0.040 to 0.049 (Σ ≤ 0.98), a different order per model."""
    return {s: Decimal(f"0.04{(i + model) % 10}") for i, s in enumerate(SYMBOLS)}


def accounts(n: int, models: int) -> list[PlanRequest]:
    """n accounts (fresh Decimals), account k on model k % models, half the symbols held."""
    return [
        PlanRequest(
            account_id=f"acct-{k:06d}",
            allocation=Allocation(
                target_weights=model_weights(k % models), correlation_id=f"acct-{k:06d}"
            ),
            snapshot=Snapshot(
                cash=Decimal(100_000 + k),
                positions={
                    s: Decimal((i * 31 + k) % 97) for i, s in enumerate(SYMBOLS) if i % 2 == 0
                },
                prices={
                    s: Decimal(10 + i * 7 + k % 13) + Decimal("0.37") for i, s in enumerate(SYMBOLS)
                },
            ),
        )
        for k in range(n)
    ]


def bare(requests: list[PlanRequest]) -> None:
    for request in requests:
        baseline(request.allocation, request.snapshot)  # type: ignore[arg-type]  # an Allocation


def one_by_one(requests: list[PlanRequest]) -> None:
    for request in requests:
        plan_rebalance(request.allocation, request.snapshot, request.policy).unwrap()


def shared(requests: list[PlanRequest]) -> None:
    for result in plan_many(requests):
        result.unwrap()


def by_hand(requests: list[PlanRequest]) -> None:
    planners: dict[object, Planner] = {}
    for request in requests:
        key = tuple(request.allocation.target_weights.items())  # type: ignore[union-attr]  # an Allocation
        planner = planners.get(key)
        if planner is None:
            planner = planners[key] = Planner.prepare(request.allocation).unwrap()
        planner.plan(request.snapshot).unwrap()


CASES: dict[str, Callable[[list[PlanRequest]], None]] = {
    "bare Decimal loop": bare,
    "plan_rebalance, one by one": one_by_one,
    "plan_many (shared models)": shared,
    "Planner per model, by hand": by_hand,
}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    models = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 9
    check = accounts(200, models)
    reference = [plan_rebalance(r.allocation, r.snapshot, r.policy) for r in check]
    if list(plan_many(check)) != reference:
        msg = "plan_many differs from plan_rebalance"
        raise SystemExit(msg)
    print(f"{n:,} accounts of 20 symbols on {models} models, {rounds} rounds, CPU time")
    print(f"load average (1 min) at the start: {os.getloadavg()[0]:.1f}")
    seconds: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(rounds):
        for name, case in CASES.items():
            requests = accounts(n, models)
            start = time.process_time()
            case(requests)
            seconds[name].append(time.process_time() - start)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    floor = seconds["bare Decimal loop"]
    print(f"{'case':<30} {'µs/account':>11} {'× bare: median':>15} {'range':>12}")
    for name, times in seconds.items():
        ratios = [b / t for b, t in zip(floor, times, strict=True)]
        print(
            f"{name:<30} {statistics.median(times) / n * 1e6:>11.1f} "
            f"{statistics.median(ratios):>15.2f} {min(ratios):>5.2f}–{max(ratios):.2f}"
        )


if __name__ == "__main__":
    main()
