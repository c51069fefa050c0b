"""What turning a plan into orders costs, against planning the same account in the same run.

Run: `.venv/bin/python tests/benchmarks/bench_orders.py [sizes...]`. For n symbols (half
held, all targeted) it prints the time of `plan_rebalance`, of `order_intents` on its
plan, and of `PortfolioService.execute` on the fake broker (every order filling at
once, so this is the shell's own cost: look-ups, submissions, one re-read), and the
last two as ratios of the first. It asserts nothing; the figures go into
docs/performance.md.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from decimal import Decimal

from adapters.fake import FakeBroker
from portfolio import Allocation, PortfolioService, SizingPolicy, Snapshot, order_intents
from portfolio import plan_rebalance as plan

REPEATS = 5
POLICY = SizingPolicy(min_trade_amount=Decimal(0))


def account(n: int) -> tuple[Allocation, Snapshot]:
    """N symbols, deterministic: half held, weights summing to 0.98, prices 10..1009."""
    symbols = [f"S{i:06d}" for i in range(n)]
    weight = (Decimal("0.98") / n).quantize(Decimal("1E-12"))
    prices = {s: Decimal(10 + (i * 7919) % 1000) + Decimal("0.37") for i, s in enumerate(symbols)}
    positions = {s: Decimal((i * 31) % 97 + 1) for i, s in enumerate(symbols) if i % 2 == 0}
    allocation = Allocation(target_weights=dict.fromkeys(symbols, weight), correlation_id="b")
    return allocation, Snapshot(cash=Decimal(1_000_000), positions=positions, prices=prices)


def best(run: Callable[[], object]) -> float:
    """The fastest of REPEATS runs, in seconds."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def execute_once(allocation: Allocation, snapshot: Snapshot) -> None:
    broker = FakeBroker(cash=snapshot.cash, positions=snapshot.positions, prices=snapshot.prices)
    service = PortfolioService(broker, POLICY, sleep=lambda _: None)
    made = service.create_rebalance_plan(allocation, "b").unwrap()
    assert service.execute(made).unwrap().complete


def main(sizes: list[int]) -> None:
    header = ("symbols", "plan ms", "intents ms", "execute ms", "×plan", "×plan")
    widths = (8, 9, 11, 11, 7, 7)
    print(" ".join(f"{name:>{width}}" for name, width in zip(header, widths, strict=True)))
    for n in sizes:
        allocation, snapshot = account(n)
        made = plan(allocation, snapshot, POLICY).unwrap()
        planning = best(lambda: plan(allocation, snapshot, POLICY))  # noqa: B023 - run at once
        intents = best(lambda: order_intents(made, snapshot))  # noqa: B023 - run at once
        executing = best(lambda: execute_once(allocation, snapshot))  # noqa: B023 - run at once
        print(
            f"{n:>8} {planning * 1e3:>9.2f} {intents * 1e3:>11.2f} {executing * 1e3:>11.2f}"
            f" {intents / planning:>7.2f} {executing / planning:>7.2f}"
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [20, 100, 1000])
