# ruff: noqa: T201, S311 - the golden file is printed; the generator is seeded, not secret
"""Random taxed backtests, drawn from a fixed seed, and one compact line per run.

`tests/test_tax_backtest_pinned.py` runs every case and compares the lines with
`tests/golden/tax_backtest_pinned.txt`, so that a change to how a taxed backtest runs
(for speed) cannot change its result. Regenerate the file only for a deliberate change
of result: `.venv/bin/python tests/tax_backtest_pinned_cases.py >
tests/golden/tax_backtest_pinned.txt`.

The cases cover every lot method, gain budgets, deferral of short-term gains, wash
sales (an identical group), harvesting with substitutes, whole and fractional shares,
minimum trades, every schedule, costs, cash flows, taxes paid from cash, and runs long
enough for lots to turn long-term. A line holds the run's `BacktestTax`, its final
equity, cash and positions, its number of plans, and a digest of the lots each plan
was made from (ids, quantities, costs, dates) and of every plan's `TaxReport`
(`result.plans`, planned again when read).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from portfolio import Allocation, CostModel, LotMethod, SizingPolicy, TaxPolicy
from portfolio.backtest import BacktestResult, Bar, CashFlows, run_backtest

CASES = 300
SEED = 21
SYMBOLS = ("AAA", "BBB", "CCC", "DDD", "EEE")
SCHEDULES = ("daily", "daily", "daily", "weekly", "monthly", "drift")
METHODS = tuple(LotMethod)

Case = tuple[list[Bar], Allocation, dict[str, Any]]


def _bars(rng: random.Random) -> list[Bar]:
    """A seeded random walk per symbol (some drawdowns), business days, cents."""
    count = rng.choice((20, 40, 60, 90, 140))
    gap = rng.choice((1, 1, 2, 5))  # 140 bars 5 days apart: lots turn long-term
    drift = rng.choice((0.0, -0.004, 0.003))
    vol = rng.choice((0.01, 0.03))
    level = {s: rng.uniform(20, 300) for s in SYMBOLS}
    bars: list[Bar] = []
    day = date(2022, 1, 3)
    while len(bars) < count:
        if day.weekday() < 5:
            for symbol in SYMBOLS:
                level[symbol] *= math.exp(rng.gauss(drift, vol))
            prices = {s: Decimal(f"{level[s]:.2f}") for s in SYMBOLS}
            bars.append(Bar(date=day, prices=prices))
        day += timedelta(days=gap)
    return bars


def _tax(rng: random.Random, symbols: tuple[str, ...]) -> TaxPolicy:
    harvest = rng.random() < 0.25
    identical: tuple[tuple[str, ...], ...] = ()
    substitutes: dict[str, tuple[str, ...]] = {}
    if harvest or rng.random() < 0.2:
        first = symbols[0]
        other = "CCC" if first == "DDD" else "DDD"
        identical = ((first, "EEE"),) if rng.random() < 0.5 else ()
        substitutes = {first: (other,), other: (first,)}
    return TaxPolicy(
        method=rng.choice(METHODS),
        max_realized_gain=rng.choice((None, None, None, Decimal(0), Decimal(500), Decimal(5000))),
        defer_short_term_gains=rng.random() < 0.3,
        short_term_rate=Decimal("0.37"),
        long_term_rate=Decimal("0.20"),
        wash_sale_days=rng.choice((30, 30, 10)),
        identical=identical,
        substitutes=substitutes,
        harvest_threshold=Decimal("0.05") if harvest else None,
        harvest_min_loss=rng.choice((Decimal(0), Decimal(50))),
    )


def case(n: int) -> Case:
    """The n-th run: bars, allocation and `run_backtest`'s keyword arguments."""
    rng = random.Random(f"{SEED}:{n}")
    bars = _bars(rng)
    held = tuple(sorted(rng.sample(SYMBOLS[:4], rng.randint(1, 3))))
    weights = {s: Decimal(rng.randint(10, 30)) / 100 for s in held}
    allocation = Allocation(target_weights=weights, correlation_id=f"pin{n}")
    policy = SizingPolicy(
        min_trade_amount=rng.choice((Decimal(0), Decimal(0), Decimal(25))),
        fractional=rng.random() < 0.7,
        band=rng.choice((Decimal(0), Decimal(0), Decimal("0.02"))),
        tax=_tax(rng, held),
    )
    options: dict[str, Any] = {
        "policy": policy,
        "initial_cash": rng.choice((Decimal(10_000), Decimal("123456.78"))),
        "schedule": rng.choice(SCHEDULES),
        "costs": rng.choice((None, CostModel(bps=Decimal(5), min_fee=Decimal(1)))),
        "cash_flows": rng.choice((None, CashFlows(monthly=Decimal(700)))),
        "pay_taxes": rng.random() < 0.3,
    }
    return bars, allocation, options


def line(n: int, result: BacktestResult | str) -> str:
    """One run as a line: its tax record, final account and digests, or its failure."""
    if isinstance(result, str):
        return f"{n} failed {result}"
    tax = result.tax
    assert tax is not None
    final = result.final_snapshot
    lots = [
        (str(n), symbol, lot.lot_id, str(lot.quantity), str(lot.cost), lot.acquired.isoformat())
        for n, account in enumerate(result.accounts)
        for symbol, held in sorted(account.lots.items())
        for lot in held
    ]
    reports = [
        (str(plan.tax.short_term_gain), str(plan.tax.long_term_gain), str(plan.tax.harvested_loss))
        for plan in result.plans
        if plan.tax is not None
    ]
    years = ";".join(f"{y}:{s}/{g}" for y, (s, g) in sorted(tax.realized_by_year.items()))
    positions = ";".join(f"{s}:{q}" for s, q in sorted(final.positions.items()))
    return " ".join(
        (
            str(n),
            years or "-",
            str(tax.harvested_losses),
            str(tax.wash_sales),
            str(tax.after_tax_value),
            str(tax.taxes_paid),
            str(result.final_equity),
            str(final.cash),
            positions or "-",
            str(len(result.plans)),
            _digest(lots),
            _digest(reports),
        )
    )


def _digest(rows: Sequence[tuple[str, ...]]) -> str:
    text = "\n".join("\x00".join(row) for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run(n: int) -> BacktestResult | str:
    """The n-th case's backtest, or its failure's kind and message."""
    bars, allocation, options = case(n)
    result = run_backtest(bars, allocation, **options)
    return result.value_or(None) or f"{result.failure().kind.value} {result.failure().message}"


def lines() -> list[str]:
    """Every case's line, in order."""
    return [line(n, run(n)) for n in range(CASES)]


if __name__ == "__main__":
    for text in lines():
        print(text)
