# ruff: noqa: T201, S311 - the golden file is printed; the generator is seeded, not secret
"""Random tax-aware accounts, drawn from a fixed seed, and one compact line per plan.

`tests/test_tax_pinned.py` plans every case and compares the lines with
`tests/golden/tax_pinned.txt`, so that a change to how the tax rules run (for speed)
cannot change a result. Regenerate the file only for a deliberate change of result:
`.venv/bin/python tests/tax_pinned_cases.py > tests/golden/tax_pinned.txt`.

The cases cover every lot method, gain budgets (binding, loose, zero), deferral of
short-term gains, wash sales both ways (buys held, loss sales chosen or held),
liquidations, whole shares (also through asset facts), the three modes, symbols sold
without lots, and bad lots and past trades of each kind.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from portfolio import (
    Action,
    Allocation,
    Asset,
    LotMethod,
    PastTrade,
    Planner,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    TaxLot,
    TaxPolicy,
)

CASES = 4000
SEED = 20
AS_OF = datetime(2024, 6, 3, 20, tzinfo=UTC)
ON = AS_OF.date()
SYMBOLS = ("AAA", "BBB", "CCC", "DDD", "EEE", "FFF")
METHODS = tuple(LotMethod)
MODES = ("rebalance", "rebalance", "rebalance", "buy_only", "sell_only")
BAD_LOTS = (
    "sum",
    "negative",
    "nan",
    "cost",
    "future",
    "not_held",
    "short",
    "type",
    "id",
    "datetime",
    "no_as_of",
    "trade",
    "list",
    "lower",
)

Case = tuple[Allocation, Snapshot, SizingPolicy]


def _amount(rng: random.Random, low: int, high: int, places: int) -> Decimal:
    """A Decimal in [low, high] with `places` decimals."""
    scale = 10**places
    return Decimal(rng.randint(low * scale, high * scale)).scaleb(-places)


def _lots(rng: random.Random, symbol: str, whole: bool) -> tuple[TaxLot, ...]:
    count = rng.choice((1, 1, 2, 3, 4, 6))
    lots = []
    for n in range(count):
        if whole or rng.random() < 0.3:
            quantity = Decimal(rng.randint(1, 40))
        else:
            quantity = _amount(rng, 0, 60, 3) + Decimal("0.001")
        days = rng.choice((0, 3, 20, 29, 30, 31, 200, 365, 366, 367, 400, 900))
        if rng.random() < 0.5:
            days = rng.randint(0, 1200)
        lots.append(
            TaxLot(
                quantity=quantity,
                cost=_amount(rng, 0, 400, 2) if rng.random() < 0.95 else Decimal(0),
                acquired=ON - timedelta(days=days),
                lot_id=f"{symbol}{n}" if rng.random() < 0.9 else "",
            )
        )
    return tuple(lots)


def _trades(rng: random.Random, symbols: list[str]) -> tuple[PastTrade, ...]:
    trades = []
    for _ in range(rng.choice((0, 0, 1, 2, 3))):
        action = rng.choice((Action.SELL, Action.SELL, Action.BUY))
        gain = None
        if action is Action.SELL and rng.random() < 0.9:
            gain = _amount(rng, -300, 200, 2)
        trades.append(
            PastTrade(
                symbol=rng.choice(symbols).lower() if rng.random() < 0.2 else rng.choice(symbols),
                action=action,
                quantity=Decimal(rng.randint(1, 20)),
                price=_amount(rng, 1, 300, 2),
                on=ON - timedelta(days=rng.choice((0, 5, 29, 30, 31, 60))),
                realized_gain=gain,
            )
        )
    return tuple(trades)


def _tax(rng: random.Random) -> TaxPolicy:
    budget = None
    if rng.random() < 0.55:
        budget = rng.choice(
            (Decimal(0), _amount(rng, 0, 50, 2), _amount(rng, 0, 500, 2), Decimal(-100))
        )
        budget = max(budget, Decimal(0))
    return TaxPolicy(
        method=rng.choice(METHODS),
        max_realized_gain=budget,
        defer_short_term_gains=rng.random() < 0.35,
        short_term_rate=_amount(rng, 0, 0, 2) + Decimal(rng.choice(("0", "0.37", "0.24"))),
        long_term_rate=Decimal(rng.choice(("0", "0.15", "0.2"))),
        wash_sale_days=rng.choice((30, 30, 30, 0, 10, 61)),
    )


def _bad(rng: random.Random, kind: str, snapshot: dict[str, object]) -> None:  # noqa: C901, PLR0912
    """Spoil the snapshot's tax data in one way (rule 5)."""
    lots: dict[str, tuple[TaxLot, ...]] = snapshot["lots"]  # type: ignore[assignment]
    positions: dict[str, Decimal] = snapshot["positions"]  # type: ignore[assignment]
    if not lots:
        return
    symbol = rng.choice(sorted(lots))
    first, *rest = lots[symbol]
    if kind == "sum":
        positions[symbol] += Decimal("0.001")
    elif kind == "negative":
        lots[symbol] = (TaxLot(quantity=-first.quantity, cost=first.cost, acquired=first.acquired),)
        positions[symbol] = -first.quantity
    elif kind == "nan":
        lots[symbol] = (
            TaxLot(quantity=first.quantity, cost=Decimal("NaN"), acquired=first.acquired),
            *rest,
        )
    elif kind == "cost":
        lots[symbol] = (
            TaxLot(quantity=first.quantity, cost=Decimal(-1), acquired=first.acquired),
            *rest,
        )
    elif kind == "future":
        lots[symbol] = (
            TaxLot(quantity=first.quantity, cost=first.cost, acquired=ON + timedelta(days=1)),
            *rest,
        )
    elif kind == "not_held":
        lots["ZZZ"] = (first,)
    elif kind == "short":
        positions[symbol] = -positions[symbol]
    elif kind == "type":
        lots[symbol] = ("lot", *rest)  # type: ignore[arg-type]
    elif kind == "id":
        lots[symbol] = (
            TaxLot(quantity=first.quantity, cost=first.cost, acquired=first.acquired, lot_id=7),  # type: ignore[arg-type]
            *rest,
        )
    elif kind == "datetime":
        lots[symbol] = (
            TaxLot(quantity=first.quantity, cost=first.cost, acquired=AS_OF - timedelta(days=3)),
            *rest,
        )
    elif kind == "no_as_of":
        snapshot["as_of"] = None
    elif kind == "trade":
        snapshot["recent_trades"] = (
            PastTrade(
                symbol=symbol, action=Action.SELL, quantity=Decimal(0), price=Decimal(1), on=ON
            ),
        )
    elif kind == "list":
        lots[symbol] = [first, *rest]  # type: ignore[assignment] # frozen into a tuple
    elif kind == "lower":
        lots[symbol.lower()] = lots.pop(symbol)


def case(n: int) -> Case:
    """The n-th account, its allocation and policy."""
    rng = random.Random(SEED * 1_000_003 + n)
    whole = rng.random() < 0.3
    symbols = rng.sample(SYMBOLS, rng.randint(1, len(SYMBOLS)))
    held = [s for s in symbols if rng.random() < 0.8] or symbols[:1]
    lots = {s: _lots(rng, s, whole) for s in held if rng.random() < 0.9}
    positions = {
        s: sum((lot.quantity for lot in lots[s]), Decimal(0))
        if s in lots
        else Decimal(rng.randint(1, 30))
        for s in held
    }
    prices = {s: _amount(rng, 1, 400, 2) for s in symbols}
    weights: dict[str, Decimal] = {}
    for s in symbols:
        if s in held and rng.random() < 0.15:
            continue  # not in the allocation: liquidated
        weights[s] = Decimal(0) if rng.random() < 0.1 else Decimal(rng.randint(1, 100))
    total = sum(weights.values(), Decimal(0)) or Decimal(1)
    target = {
        s: (w / total).quantize(Decimal("0.0001"), rounding="ROUND_DOWN")
        for s, w in weights.items()
    }
    assets: dict[str, Asset] = {}
    if rng.random() < 0.15:
        assets = {s: Asset(symbol=s, fractionable=rng.random() < 0.5) for s in symbols}
    fields: dict[str, object] = {
        "cash": _amount(rng, 0, 5000, 2),
        "positions": positions,
        "prices": prices,
        "as_of": AS_OF,
        "lots": lots,
        "recent_trades": _trades(rng, symbols),
        "assets": assets,
    }
    if rng.random() < 0.08:
        _bad(rng, rng.choice(BAD_LOTS), fields)
    policy = SizingPolicy(
        tax=_tax(rng),
        fractional=not whole,
        mode=rng.choice(MODES),
        min_trade_amount=Decimal(rng.choice((0, 1, 1, 10, 50))),
        band=Decimal(rng.choice(("0", "0", "0", "0.02"))),
    )
    allocation = Allocation(target_weights=target, correlation_id=f"pin{n}")
    return allocation, Snapshot(**fields), policy  # type: ignore[arg-type]


def line(n: int, allocation: Allocation, snapshot: Snapshot, policy: SizingPolicy) -> str:
    """The result of planning one case, in one line: its decisions, its report, a digest."""
    planned = Planner.prepare(allocation, policy).bind(lambda planner: planner.plan(snapshot))
    plan: RebalancePlan | None = planned.value_or(None)
    if plan is None:
        error = planned.failure()
        return f"{n} FAIL {error}"
    items = " ".join(
        f"{i.symbol}:{i.action.value[0]}{i.quantity}:{i.reason.value}" for i in plan.items
    )
    tax = plan.tax
    report = "-"
    if tax is not None:
        totals = (tax.short_term_gain, tax.long_term_gain, tax.estimated_tax, tax.over_budget)
        report = "/".join(map(str, (*totals, len(tax.sales))))
    digest = hashlib.sha256(plan.to_json().encode("utf-8")).hexdigest()[:16]
    return f"{n} {plan.plan_id[:12]} {digest} {report} {items}"


def lines(count: int = CASES) -> Iterator[str]:
    for n in range(count):
        yield line(n, *case(n))


if __name__ == "__main__":
    for text in lines():
        print(text)
