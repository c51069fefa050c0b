"""Whole-lot plans pinned: 3,000 random accounts, each plan one line of `golden/whole_pinned.txt`.

The accounts (a seeded `random.Random`, the same on every run) mix what the whole-lot
step reads: from cash and from holdings, whole shares and crypto increments beside
fractional symbols, small accounts (the exact search) and larger ones (the greedy and its
exchanges), the minimum trade (an amount and a percentage), broker minimums, bands, the
cash reserve, the buy buffer, `portfolio_value`, and the three modes. A change to the
whole-lot step that moves any decision fails here, with the first account that moved.

Where a change is meant to move plans (and says so in the CHANGELOG), write the file
again: `WHOLE_PINNED_WRITE=1 pytest tests/test_whole_pinned.py`.
"""

from __future__ import annotations

import os
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from random import Random

from returns.pipeline import is_successful

from portfolio import Allocation, Asset, SizingPolicy, Snapshot, plan_rebalance

D = Decimal
GOLDEN = Path(__file__).resolve().parent / "golden" / "whole_pinned.txt"
ACCOUNTS = 3_000
SEED = 19


def account(rng: Random) -> tuple[Allocation, Snapshot, SizingPolicy]:
    """One random account, its weights and a policy (see the module docstring)."""
    large = rng.random() < 0.2
    n_whole = rng.randint(9, 40) if large else rng.randint(1, 6)
    n_fractional = rng.randint(0, 3)
    scale = rng.choice([1_000, 10_000, 100_000, 1_000_000])
    whole = [f"W{i}" for i in range(n_whole)]
    fractional = [f"F{i}" for i in range(n_fractional)]
    prices: dict[str, Decimal] = {}
    assets: dict[str, Asset] = {}
    broker_minimums = rng.random() < 0.3
    for s in whole:
        shares = rng.uniform(0.7, 12 if not large else 60)
        prices[s] = max(D(f"{scale / shares:.2f}"), D("0.01"))
        crypto = rng.random() < 0.1
        assets[s] = Asset(
            symbol=s,
            fractionable=crypto,
            asset_class="crypto" if crypto else "us_equity",
            quantity_increment=D("0.01") if crypto else None,
            min_order_notional=D(rng.choice([0, 1, 10, 100])) if broker_minimums else D(0),
        )
    for s in fractional:
        prices[s] = D(rng.randint(100, 100_000)) / 100
        if broker_minimums:
            assets[s] = Asset(symbol=s, min_order_notional=D(rng.choice([0, 1, 10])))
    from_cash = rng.random() < 0.3
    held = {} if from_cash else holdings(rng, whole, fractional, prices, scale)
    symbols = [*whole, *fractional]
    raw = [rng.randint(1, 1_000) if rng.random() < 0.9 else 0 for _ in symbols]  # 0: liquidate
    raw[0] += 1
    total = sum(raw)
    weights = {
        s: (D(r) / total).quantize(D("1E-6"), rounding=ROUND_DOWN)
        for s, r in zip(symbols, raw, strict=True)
    }
    if rng.random() < 0.8:  # weights summing to 1; else a part kept in cash
        weights[symbols[0]] += 1 - sum(weights.values())
    cash = D(rng.randint(0, 100 * scale)) / 100
    value = None
    if rng.random() < 0.1:
        value = (D(rng.randint(50, 150)) / 100 * scale).quantize(D("0.01"))
    policy = a_policy(rng)
    allocation = Allocation(target_weights=weights, correlation_id="pin", portfolio_value=value)
    snapshot = Snapshot(cash=cash, positions=held, prices=prices, assets=assets)
    return allocation, snapshot, policy


def holdings(
    rng: Random, whole: list[str], fractional: list[str], prices: dict[str, Decimal], scale: int
) -> dict[str, Decimal]:
    """Shares held: most symbols, up to about the account's scale each (fractions of F*)."""
    held: dict[str, Decimal] = {}
    for s in whole:
        if rng.random() < 0.7:
            held[s] = D(rng.randint(0, int(scale // prices[s]) + 1))
    for s in fractional:
        if rng.random() < 0.7:
            held[s] = (D(rng.randint(0, 200 * scale)) / 100 / prices[s]).quantize(D("1E-6"))
    return held


def a_policy(rng: Random) -> SizingPolicy:
    """A policy: mostly the defaults, each rule switched on now and then."""
    return SizingPolicy(
        min_trade_amount=D(rng.choice([0, 1, 1, 25, 500])),
        min_trade_pct=D(rng.choice(["0", "0", "0", "0.001", "0.01"])),
        cash_reserve_pct=D(rng.choice(["0", "0", "0", "0.02"])),
        band=D(rng.choice(["0", "0", "0", "0.02", "0.05"])),
        relative_band=D(rng.choice(["0", "0", "0", "0.25"])),
        fractional=rng.random() < 0.5,
        mode=rng.choice(["rebalance", "rebalance", "rebalance", "buy_only", "sell_only"]),
        buy_price_buffer=D(rng.choice(["0", "0", "0", "0", "0.01"])),
        cash_reserve_amount=D(rng.choice([0, 0, 0, 100])),
        band_trigger=rng.choice(["asset", "asset", "asset", "portfolio"]),
    )


def line(n: int, allocation: Allocation, snapshot: Snapshot, policy: SizingPolicy) -> str:
    """`n`, then each item's symbol, action, quantity and reason, and the cash after."""
    result = plan_rebalance(allocation, snapshot, policy)
    if not is_successful(result):
        return f"{n} failure {result.failure().kind.value}"
    plan = result.unwrap()
    items = " ".join(
        f"{i.symbol}:{i.action.value[0]}:{i.quantity.normalize():f}:{i.reason.value}"
        for i in plan.items
    )
    return f"{n} {plan.cash_after} {items}"


def lines() -> list[str]:
    rng = Random(SEED)  # noqa: S311 - seeded, not secret
    return [line(n, *account(rng)) for n in range(ACCOUNTS)]


def test_whole_lot_plans_are_as_pinned() -> None:
    planned = lines()
    if os.environ.get("WHOLE_PINNED_WRITE"):
        GOLDEN.write_text("\n".join(planned) + "\n", encoding="utf-8")
    pinned = GOLDEN.read_text(encoding="utf-8").splitlines()
    assert len(pinned) == ACCOUNTS
    moved = [(old, new) for old, new in zip(pinned, planned, strict=True) if old != new]
    assert not moved, f"{len(moved)} plans moved; the first:\n{moved[0][0]}\n{moved[0][1]}"
