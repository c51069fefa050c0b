"""Accounts for the `plan_many` tests and benchmark, and a process pool whose worker can die."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from portfolio import (
    Action,
    Allocation,
    Asset,
    OpenOrder,
    PlanRequest,
    SizingPolicy,
    Snapshot,
    combine_allocations,
)

R = TypeVar("R")

#: The account id that makes a `DyingPool` worker exit on the spot.
KILL = "kill-me"


def account(k: int, symbols: int = 20) -> PlanRequest:
    """Account number k: `symbols` targets at 0.049 / (symbols / 20), half of them held."""
    names = [f"S{i:02d}" for i in range(symbols)]
    weight = (Decimal("0.98") / symbols).quantize(Decimal("0.0001"))
    return PlanRequest(
        account_id=f"acct-{k:06d}",
        allocation=Allocation(target_weights=dict.fromkeys(names, weight), correlation_id=f"c{k}"),
        snapshot=Snapshot(
            cash=Decimal(100_000 + k),
            positions={s: Decimal((i * 31 + k) % 97) for i, s in enumerate(names) if i % 2 == 0},
            prices={s: Decimal(10 + i * 7 + k % 13) + Decimal("0.37") for i, s in enumerate(names)},
        ),
    )


def mixed(k: int) -> PlanRequest:
    """Account k, sometimes failing and sometimes outside what the compact form carries.

    k % 7 == 3: a missing price (fails); k % 11 == 5: a negative weight (fails);
    k % 13 == 6: as_of, assets, an open order and a policy of its own; k % 17 == 8: a
    combined allocation; k % 19 == 9: a float weight (garbage, fails).
    """
    base = account(k, symbols=6)
    snapshot = base.snapshot
    weights: dict[str, Any] = dict.fromkeys(snapshot.prices, Decimal("0.16"))
    prices = dict(snapshot.prices)
    if k % 7 == 3:
        del prices["S03"]
    if k % 11 == 5:
        weights["S01"] = Decimal("-0.1")
    if k % 19 == 9:
        weights["S02"] = 0.1
    policy = SizingPolicy(min_trade_amount=Decimal(50)) if k % 13 == 6 else SizingPolicy()
    extras: dict[str, Any] = {}
    if k % 13 == 6:
        extras = {
            "as_of": datetime(2026, 1, 2, 21, 0, tzinfo=UTC),
            "assets": {"S00": Asset(symbol="S00", fractionable=False)},
            "open_orders": (
                OpenOrder(order_id="o1", symbol="S04", side=Action.BUY, quantity=Decimal(2)),
            ),
        }
    new_allocation: Any = Allocation(target_weights=weights, correlation_id=f"c{k}")
    if k % 17 == 8:
        new_allocation = combine_allocations(
            {"a": new_allocation, "b": Allocation(target_weights={}, correlation_id="b")},
            f"c{k}",
        ).value_or(new_allocation)
    return PlanRequest(
        account_id=base.account_id,
        allocation=new_allocation,
        snapshot=Snapshot(
            cash=snapshot.cash, positions=snapshot.positions, prices=prices, **extras
        ),
        policy=policy,
    )


def die_if_marked(work: Callable[[Any], R], chunk: Any) -> R:
    """Run `work(chunk)`, unless the chunk names the KILL account: then exit the worker."""
    if KILL in repr(chunk):
        os._exit(3)
    return work(chunk)


class DyingPool(ProcessPoolExecutor):
    """A real process pool whose worker exits (os._exit) on a chunk naming the KILL account."""

    def submit(self, fn: Callable[[Any], R], /, *args: Any, **kwargs: Any) -> Future[R]:
        return super().submit(die_if_marked, fn, *args, **kwargs)


def account_line(request: PlanRequest) -> str:
    """The request as a `plan-many` input line (a plain allocation and snapshot only)."""
    allocation, snapshot = request.allocation, request.snapshot
    assert isinstance(allocation, Allocation)
    document = {
        "account_id": request.account_id,
        "weights": {s: str(w) for s, w in allocation.target_weights.items()},
        "snapshot": {
            "cash": str(snapshot.cash),
            "positions": {s: str(q) for s, q in snapshot.positions.items()},
            "prices": {s: str(p) for s, p in snapshot.prices.items()},
        },
    }
    return json.dumps(document, separators=(",", ":"))
