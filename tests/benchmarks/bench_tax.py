"""What the tax rules cost: a plan with 10 lots per symbol and a gain budget, against the
same plan without a tax policy, measured in the same run.

Run: `.venv/bin/python tests/benchmarks/bench_tax.py`. Two cases (docs/tax.md):

1. 20-symbol accounts (10 lots each), planned in a loop by a prepared `Planner`: µs per
   plan without tax and with `TaxPolicy(method=HIFO, max_realized_gain=...)`, and their
   ratio (target ≤ 2×);
2. one 1,000-symbol account (10 lots each): ms per plan, both ways, and the ratio
   (target ≤ 3×).

The budget is a third of what the untaxed plan's sales would realize, so it binds and
the cuts run. Half the symbols are sold, half bought; a tenth of the lots were bought
within the wash-sale window. Each repeat plans fresh snapshots (built outside the
timer); the median of the repeats is printed. It asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from portfolio import (
    Allocation,
    LotMethod,
    Planner,
    SizingPolicy,
    Snapshot,
    TaxLot,
    TaxPolicy,
)

REPEATS = 7
ACCOUNTS = 200
LOTS = 10
AS_OF = datetime(2024, 6, 3, 20, tzinfo=UTC)


def account(n: int, seed: int = 0) -> tuple[Allocation, Snapshot]:
    """N symbols, all held in 10 lots; even symbols overweight (sold), odd underweight."""
    symbols = [f"S{i:05d}" for i in range(n)]
    prices = {s: Decimal(f"{50 + (i * 37 + seed) % 200}.25") for i, s in enumerate(symbols)}
    lots: dict[str, tuple[TaxLot, ...]] = {}
    positions: dict[str, Decimal] = {}
    for i, symbol in enumerate(symbols):
        held = tuple(
            TaxLot(
                quantity=Decimal(3 + (i + k) % 5) if i % 2 == 0 else Decimal(1),
                cost=(prices[symbol] * Decimal(f"0.{70 + (k * 7 + i) % 45:02d}")).quantize(
                    Decimal("0.01")
                ),
                acquired=date(2024, 6, 3) - timedelta(days=10 + (k * 97 + i * 13) % 900),
                lot_id=f"{symbol}-{k}",
            )
            for k in range(LOTS)
        )
        lots[symbol] = held
        positions[symbol] = sum((lot.quantity for lot in held), Decimal(0))
    weight = (Decimal("0.99") / n).quantize(Decimal("1E-10"))
    allocation = Allocation(target_weights=dict.fromkeys(symbols, weight), correlation_id="b")
    snapshot = Snapshot(
        cash=Decimal(1000 + seed), positions=positions, prices=prices, as_of=AS_OF, lots=lots
    )
    return allocation, snapshot


def fresh(snapshot: Snapshot) -> Snapshot:
    """The same account built from new Decimal objects (no cached hashes)."""
    return Snapshot(
        cash=Decimal(str(snapshot.cash)),
        positions={s: Decimal(str(q)) for s, q in snapshot.positions.items()},
        prices={s: Decimal(str(p)) for s, p in snapshot.prices.items()},
        as_of=snapshot.as_of,
        lots=snapshot.lots,
    )


def budget_for(allocation: Allocation, snapshot: Snapshot) -> Decimal:
    """A third of what the sales realize with no budget (HIFO)."""
    tax = TaxPolicy(method=LotMethod.HIFO)
    plan = Planner.prepare(allocation, SizingPolicy(tax=tax)).unwrap().plan(snapshot).unwrap()
    assert plan.tax is not None
    return (max(plan.tax.net_gain, Decimal(0)) / 3).quantize(Decimal("0.01"))


def median_seconds(planner: Planner, snapshots: Callable[[], list[Snapshot]]) -> float:
    """Seconds per plan: the median over the repeats of a batch of fresh snapshots."""
    times = []
    for _ in range(REPEATS):
        batch = snapshots()
        start = time.perf_counter()
        for snapshot in batch:
            planner.plan(snapshot)
        times.append((time.perf_counter() - start) / len(batch))
    return statistics.median(times)


def compare(n: int, accounts: int) -> None:
    pairs = [account(n, seed) for seed in range(accounts)]
    allocation = pairs[0][0]
    budget = budget_for(allocation, pairs[0][1])
    plain = Planner.prepare(allocation).unwrap()
    taxed_policy = SizingPolicy(tax=TaxPolicy(method=LotMethod.HIFO, max_realized_gain=budget))
    taxed = Planner.prepare(allocation, taxed_policy).unwrap()
    check = taxed.plan(pairs[0][1]).unwrap()
    assert check.tax is not None
    cut = sum(1 for item in check.items if item.reason.value == "GAIN_BUDGET")
    without = median_seconds(plain, lambda: [fresh(s) for _, s in pairs])
    with_tax = median_seconds(taxed, lambda: [fresh(s) for _, s in pairs])
    unit, scale = ("µs", 1e6) if n < 100 else ("ms", 1e3)
    print(
        f"{n:>5} symbols × {LOTS} lots, {accounts} account(s): "
        f"without tax {without * scale:8.1f} {unit}/plan   "
        f"with tax and a budget {with_tax * scale:8.1f} {unit}/plan   "
        f"ratio {with_tax / without:4.2f}×   "
        f"(budget {budget}, {cut} sales cut, {len(check.tax.sales)} lots relieved)"
    )


def main(argv: list[str]) -> None:
    accounts = int(argv[1]) if len(argv) > 1 else ACCOUNTS
    print(f"Python {sys.version.split()[0]}, median of {REPEATS} repeats")
    compare(20, accounts)
    compare(1000, 1)


if __name__ == "__main__":
    main(sys.argv)
