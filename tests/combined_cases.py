"""Accounts users have, under policies whose features combine, and the planner's promises.

`combined_accounts` draws holdings (not only cash), odd prices (0.0001, 99999.99), cash
at the edge of what a lot costs, whole shares, crypto increments, broker minimums, the
three modes, reserves, minimum trades, bands, a price buffer, shorts, an allocation's
`portfolio_value`, and tax lots with recent trades under a `TaxPolicy`.
`problems(account)` returns what a plan broke of docs/policy.md and docs/tax.md (empty:
nothing). tests/test_combined_invariants.py runs it a moderate number of times; run this
module to search at length:

    python tests/combined_cases.py 20000 [seed] [taxed|untaxed|harvest]
"""

from __future__ import annotations

import decimal
import random
import sys
import traceback
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from returns.pipeline import is_successful

from portfolio import (
    Action,
    Allocation,
    Asset,
    LotMethod,
    PastTrade,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    TaxLot,
    TaxPolicy,
    fill_plan,
    plan_rebalance,
)
from portfolio.orders.fill import FilledOrder
from portfolio.records.asset_facts import quantity_step

D = Decimal
CENT = D("0.01")
ON = date(2024, 6, 3)
AS_OF = datetime(2024, 6, 3, 20, tzinfo=UTC)
SYMBOLS = ("SPY", "QQQ", "BRK.A", "BTC/USD", "TLT", "VTI")
ODD_PRICES = [D("0.0001"), D("0.01"), D("0.37"), D("1.23"), D("99999.99"), D("33.333")]
Problems = list[str]


@st.composite
def prices(draw: st.DrawFn) -> Decimal:
    return draw(
        st.one_of(
            st.sampled_from(ODD_PRICES),
            st.decimals(min_value="0.5", max_value="1000", places=2),
            st.decimals(min_value="1000", max_value="100000", places=2),
        )
    )


@st.composite
def assets(draw: st.DrawFn, symbol: str, short: bool) -> Asset | None:
    kind = draw(st.sampled_from(["none", "none", "whole", "crypto", "minimum", "increment"]))
    minimum = draw(st.sampled_from([D(0), D(0), D(1), D(10), D(25)]))
    match kind:
        case "none":
            return None if not short else Asset(symbol=symbol, shortable=True)
        case "whole":
            return Asset(
                symbol=symbol, fractionable=False, min_order_notional=minimum, shortable=short
            )
        case "crypto":
            increment = draw(st.sampled_from([D("0.0001"), D("0.001"), D("0.01"), D(1)]))
            return Asset(
                symbol=symbol,
                asset_class="crypto",
                quantity_increment=increment,
                min_order_notional=minimum,
                shortable=short,
            )
        case "minimum":
            return Asset(symbol=symbol, min_order_notional=minimum or D(1), shortable=short)
        case _:
            increment = draw(st.sampled_from([D("0.001"), D("0.1"), D(1), D(5)]))
            return Asset(
                symbol=symbol,
                quantity_increment=increment,
                min_order_notional=minimum,
                shortable=short,
            )


@st.composite
def policies(draw: st.DrawFn, short: bool) -> SizingPolicy:
    return SizingPolicy(
        min_trade_amount=draw(st.sampled_from([D(0), D("1.00"), D(25), D("0.5")])),
        min_trade_pct=draw(st.sampled_from([D(0), D(0), D("0.001"), D("0.02")])),
        cash_reserve_pct=draw(st.sampled_from([D(0), D(0), D("0.02"), D("0.1")])),
        cash_reserve_amount=draw(st.sampled_from([D(0), D(0), D(100), D("1000.5")])),
        band=draw(st.sampled_from([D(0), D(0), D("0.01"), D("0.05")])),
        relative_band=draw(st.sampled_from([D(0), D(0), D("0.1"), D("0.25")])),
        band_trigger=draw(st.sampled_from(["asset", "portfolio"])),
        fractional=draw(st.booleans()),
        allow_short=short,
        max_gross_exposure=D("1.5") if short else D(1),
        mode=draw(st.sampled_from(["rebalance", "rebalance", "buy_only", "sell_only"])),
        buy_price_buffer=draw(st.sampled_from([D(0), D(0), D("0.0025"), D("0.01")])),
        rounding=draw(st.sampled_from(["ROUND_HALF_EVEN", "ROUND_HALF_EVEN", "ROUND_HALF_UP"])),
    )


tax_policies = st.builds(
    TaxPolicy,
    method=st.sampled_from(tuple(LotMethod)),
    max_realized_gain=st.sampled_from([None, None, D(0), D(50), D(1000)]),
    defer_short_term_gains=st.booleans(),
    short_term_rate=st.sampled_from([D(0), D("0.37")]),
    long_term_rate=st.sampled_from([D(0), D("0.2")]),
    wash_sale_days=st.sampled_from([0, 30, 30]),
    identical=st.sampled_from([(), (("TLT", "VTI"),)]),
    substitutes=st.sampled_from(
        [{}, {"SPY": ("VTI", "TLT")}, {"QQQ": ("TLT",)}, {"SPY": ("QQQ",), "QQQ": ("BRK.A",)}]
    ),
    harvest_threshold=st.sampled_from([None, D("0.05"), D(0)]),
    harvest_min_loss=st.sampled_from([D(0), D(10)]),
)


@st.composite
def lots_of(draw: st.DrawFn, symbol: str, held: Decimal, price: Decimal) -> tuple[TaxLot, ...]:
    """One to three lots summing exactly to `held`, costs around the price, dates around
    the wash-sale window and the anniversary."""
    count = draw(st.integers(1, 3)) if held >= 3 else 1
    pieces: list[Decimal] = []
    left = held
    for _ in range(count - 1):
        piece = (left / 3).quantize(D(1), rounding=decimal.ROUND_DOWN) or left
        if piece >= left:
            break
        pieces.append(piece)
        left -= piece
    pieces.append(left)
    return tuple(
        TaxLot(
            quantity=piece,
            cost=(price * draw(st.sampled_from([D("0.5"), D("0.9"), D(1), D("1.1"), D(2)])))
            .quantize(CENT)
            .max(D(0)),
            acquired=ON - timedelta(days=draw(st.sampled_from([0, 5, 29, 30, 31, 365, 366, 800]))),
            lot_id=f"{symbol}-{n}",
        )
        for n, piece in enumerate(pieces)
    )


@attrs.frozen
class Case:
    allocation: Allocation
    snapshot: Snapshot
    policy: SizingPolicy


@st.composite
def combined_accounts(draw: st.DrawFn, taxed: bool | None = None) -> Case:
    """An account, its weights and a policy combining the features (see the module doc)."""
    short = draw(st.integers(0, 7)) == 0
    policy = draw(policies(short))
    chosen = draw(st.lists(st.sampled_from(SYMBOLS), unique=True, min_size=1, max_size=4))
    raw = [draw(st.integers(0, 100)) for _ in chosen]
    total = D(max(sum(raw), 1)) * draw(st.sampled_from([D(1), D(1), D("1.1")]))
    weights = {
        s: (D(r) / total).quantize(D("0.0001"), rounding=decimal.ROUND_DOWN)
        for s, r in zip(chosen, raw, strict=True)
    }
    if short and len(weights) > 1:
        first = next(iter(weights))
        weights[first] = -min(weights[first], D("0.2"))
    priced = {s: draw(prices()) for s in SYMBOLS}
    facts = {s: draw(assets(s, short)) for s in SYMBOLS}
    held: dict[str, Decimal] = {}
    for s in draw(st.lists(st.sampled_from([*chosen, *chosen, *SYMBOLS]), unique=True, max_size=4)):
        whole = quantity_step(facts[s], fractional=policy.fractional)
        scale = draw(st.sampled_from([D(1), D(10), D(1000)]))
        amount = draw(st.decimals(min_value="0", max_value="5000", places=2)) * scale
        quantity = amount / priced[s]
        if whole is not None and draw(st.integers(0, 4)):
            quantity = (quantity / whole).to_integral_value(decimal.ROUND_DOWN) * whole
        else:
            quantity = quantity.quantize(D("0.000001"), rounding=decimal.ROUND_DOWN)
        if quantity > 0:
            held[s] = quantity
    lot_price = min(priced[s] for s in chosen)
    cash = draw(
        st.one_of(
            st.decimals(min_value="0", max_value="100000", places=2),
            st.sampled_from([D(0), D("0.01"), lot_price, lot_price - CENT, 2 * lot_price]),
        )
    ).max(D(0))
    tax = None
    lots: dict[str, tuple[TaxLot, ...]] = {}
    trades: tuple[PastTrade, ...] = ()
    with_lots = draw(st.booleans()) if taxed is None else taxed
    if with_lots:
        for s, q in held.items():
            if draw(st.integers(0, 5)):
                lots[s] = draw(lots_of(s, q, priced[s]))
        trades = tuple(
            PastTrade(
                symbol=draw(st.sampled_from(SYMBOLS)),
                action=Action.SELL,
                quantity=D(1),
                price=D(10),
                on=ON - timedelta(days=draw(st.sampled_from([0, 1, 29, 30, 31]))),
                realized_gain=draw(st.sampled_from([D(-5), D(5), None])),
            )
            for _ in range(draw(st.integers(0, 2)))
        )
        tax = draw(tax_policies)
        if not draw(st.integers(0, 5)):
            tax = None  # lots and trades on the snapshot, no tax policy: not read
    snapshot = Snapshot(
        cash=cash,
        positions=held,
        prices=priced,
        assets={s: a for s, a in facts.items() if a is not None},
        as_of=AS_OF,
        lots=lots,
        recent_trades=trades,
    )
    value = None
    if draw(st.integers(0, 5)) == 0:
        value = (
            snapshot.equity * draw(st.sampled_from([D("0.5"), D("0.9"), D(1), D("1.5")]))
        ).quantize(CENT)
    allocation = Allocation(
        target_weights=weights, correlation_id="combined", portfolio_value=value
    )
    return Case(allocation, snapshot, attrs.evolve(policy, tax=tax))


@st.composite
def harvest_accounts(draw: st.DrawFn) -> Case:
    """`combined_accounts` with lots, rebalanced, SPY targeted and held with a lot at a
    loss, under a harvesting policy: the harvest beside the other features."""
    case = draw(combined_accounts(taxed=True))
    snapshot, policy = case.snapshot, case.policy
    price = snapshot.prices["SPY"]
    held = draw(st.sampled_from([D(3), D(10), D("7.5"), D(100)]))
    losing = TaxLot(
        quantity=held,
        cost=(price * draw(st.sampled_from([D("1.1"), D("1.5")]))).quantize(CENT),
        acquired=ON - timedelta(days=draw(st.sampled_from([10, 40, 400]))),
        lot_id="SPY-loss",
    )
    weights = dict(case.allocation.target_weights)
    if "SPY" not in weights:
        weights["SPY"] = D("0.2") * (1 - sum(weights.values()))
    tax = policy.tax or TaxPolicy()
    tax = attrs.evolve(
        tax,
        harvest_threshold=tax.harvest_threshold or D("0.05"),
        substitutes=draw(st.sampled_from([{"SPY": ("VTI", "TLT")}, {"SPY": ("QQQ",)}])),
    )
    return Case(
        attrs.evolve(case.allocation, target_weights=weights, portfolio_value=None),
        attrs.evolve(
            snapshot,
            positions={**snapshot.positions, "SPY": held},
            lots={**snapshot.lots, "SPY": (losing,)},
        ),
        attrs.evolve(policy, mode="rebalance", tax=tax),
    )


def _minimum_trade(policy: SizingPolicy, value: Decimal) -> Decimal:
    return max(policy.min_trade_amount, policy.min_trade_pct * value)


def _lowered(case: Case) -> Case:
    """The same account with lower-case symbols in another key order."""

    def lower(mapping: Mapping[str, Any]) -> dict[str, Any]:
        return {k.lower(): v for k, v in reversed(list(mapping.items()))}

    allocation = attrs.evolve(case.allocation, target_weights=lower(case.allocation.target_weights))
    snapshot = attrs.evolve(
        case.snapshot,
        positions=lower(case.snapshot.positions),
        prices=lower(case.snapshot.prices),
        assets=dict(reversed(list(case.snapshot.assets.items()))),
    )
    return Case(allocation, snapshot, case.policy)


def problems(case: Case) -> Problems:
    """What the plan of `case` breaks (see the module doc); [] when nothing."""
    allocation, snapshot, policy = case.allocation, case.snapshot, case.policy
    try:
        result = plan_rebalance(allocation, snapshot, policy)
    except Exception as exc:  # noqa: BLE001 - an escape is what is searched for
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return [f"raised {type(exc).__name__} at {frame.filename}:{frame.lineno}"]
    if not is_successful(result):
        failure = result.failure()
        if not (failure.message and isinstance(failure.context, Mapping)):
            return ["a Failure without kind, message or context"]
        return [f"failure {failure.kind.value}: {failure.message[:60]}"]
    plan = result.unwrap()
    found: Problems = []
    if plan_rebalance(allocation, snapshot, policy).unwrap() != plan:
        found.append("determinism: a second run differs")
    again = plan_rebalance(*_lowered_args(case))
    if not is_successful(again) or again.unwrap() != plan or again.unwrap().plan_id != plan.plan_id:
        found.append("determinism: lower-case symbols or another key order differ")
    if policy.tax is None and (snapshot.lots or snapshot.recent_trades):
        bare = attrs.evolve(snapshot, lots={}, recent_trades=())
        other = plan_rebalance(allocation, bare, policy)
        if not is_successful(other) or other.unwrap() != plan:
            found.append("tax=None: the lots changed the plan")
    found.extend(_trade_problems(plan, snapshot, policy))
    found.extend(_fill_problems(plan, case))
    if policy.tax is not None and plan.tax is not None:
        shorted = frozenset(s for s, w in allocation.target_weights.items() if w < 0)
        found.extend(_tax_problems(plan, snapshot, policy, shorted))
    return found


def _lowered_args(case: Case) -> tuple[Allocation, Snapshot, SizingPolicy]:
    low = _lowered(case)
    return low.allocation, low.snapshot, low.policy


def _trade_problems(  # noqa: C901
    plan: RebalancePlan, snapshot: Snapshot, policy: SizingPolicy
) -> Problems:
    found: Problems = []
    minimum = _minimum_trade(policy, plan.total_value)
    assets = snapshot.assets
    for item in plan.trades:
        held = snapshot.positions.get(item.symbol, D(0))
        if item.reason is Reason.LIQUIDATE:
            if item.quantity != -held:
                found.append("a liquidation does not close the position")
            continue
        asset = assets.get(item.symbol)
        step = quantity_step(asset, fractional=policy.fractional)
        whole_position = item.action is Action.SELL and item.quantity == -held
        if step is not None and item.quantity % step != 0 and not whole_position:
            found.append(f"off the increment ({item.reason.value}, {policy.mode})")
        if step is None and item.quantity != item.quantity.quantize(D("1E-9")):
            found.append("more than nine decimals")
        if asset is not None and abs(item.trade_amount) < asset.min_order_notional:
            found.append(f"below the broker minimum ({item.reason.value}, {policy.mode})")
        if abs(item.trade_amount) < CENT:
            found.append(f"a trade below a cent ({item.reason.value}, {policy.mode})")
        sell_only_raise = policy.mode == "sell_only" and item.action is Action.SELL
        if abs(item.trade_amount) < minimum and not sell_only_raise:
            full_sale = item.action is Action.SELL and item.quantity == -held
            found.append(
                f"below the minimum trade ({item.reason.value}, {policy.mode}"
                f"{', whole position' if full_sale else ''})"
            )
        if item.action is Action.SELL and not policy.allow_short and -item.quantity > held:
            found.append("sells more than held")
        if policy.mode == "buy_only" and item.action is Action.SELL:
            found.append("buy_only sells")
        if policy.mode == "sell_only" and item.action is Action.BUY:
            found.append("sell_only buys")
    return found


def _fill_problems(plan: RebalancePlan, case: Case) -> Problems:
    snapshot, policy = case.snapshot, case.policy
    filled = fill_plan(snapshot, plan)
    if not is_successful(filled):
        return [f"fill refused: {filled.failure().message[:50]}"]
    fill = filled.unwrap()
    found: Problems = []
    exact = snapshot.cash - sum((i.quantity * i.price for i in plan.trades), D(0))
    found.extend(_cut_orders(fill.orders, case, exact))
    after = fill.snapshot
    if after.cash < 0 <= snapshot.cash:
        found.append("the fill leaves cash below 0")
    bought = [i for i in plan.trades if i.action is Action.BUY]
    buys = sum((i.trade_amount for i in bought if i.reason is not Reason.LIQUIDATE), D(0))
    reserve = policy.reserve(plan.total_value)
    if buys > 0:
        sales = -sum((i.trade_amount for i in plan.trades if i.action is Action.SELL), D(0))
        liquidation_buys = sum(
            (i.trade_amount for i in bought if i.reason is Reason.LIQUIDATE), D(0)
        )
        room = plan.cash_before + sales - liquidation_buys - reserve
        if buys * (1 + policy.buy_price_buffer) > room + CENT:
            found.append(f"buys beyond cash + sales - reserve ({policy.mode})")
        if after.cash < reserve - CENT and not policy.allow_short:
            found.append(f"the fill leaves cash below the reserve ({policy.mode})")
    if not policy.allow_short and any(q < 0 for q in after.positions.values()):
        found.append("the fill leaves a short")
    if policy.tax is None and not policy.allow_short and not policy.buy_price_buffer:
        found.extend(_replan_problems(plan, case, after))
    return found


def _cut_orders(orders: tuple[FilledOrder, ...], case: Case, exact: Decimal) -> Problems:
    """The orders the fill cut; a whole-lot buy is never cut (sized on what the fill pays)."""
    snapshot, policy = case.snapshot, case.policy
    found: Problems = []
    size = "by more than a cent" if exact < -CENT else "by less than a cent"  # the cash short
    for order in orders:
        if order.quantity != order.requested:
            lot = quantity_step(snapshot.assets.get(order.symbol), fractional=policy.fractional)
            if lot is not None and order.action is Action.BUY:
                found.append(f"a whole-lot buy cut by the fill {size} ({policy.mode})")
            else:
                found.append(f"the fill cut a {order.reason.value} order {size} ({policy.mode})")
    return found


def _replan_problems(plan: RebalancePlan, case: Case, after: Snapshot) -> Problems:
    """Idempotence: the filled account planned again (same prices) trades only rounding."""
    policy = case.policy
    result = plan_rebalance(case.allocation, after, policy)
    if not is_successful(result):
        return [f"replan failed: {result.failure().message[:50]}"]
    again = result.unwrap()
    if not again.trades:
        return []
    slack = CENT * (len(plan.items) + 1)
    big = [i for i in again.trades if abs(i.trade_amount) > slack]
    whole = any(
        quantity_step(case.snapshot.assets.get(i.symbol), fractional=policy.fractional) is not None
        for i in plan.items
    )
    tag = f"{policy.mode}, {'lots' if whole else 'fractional'}"
    if policy.buy_price_buffer:
        tag += ", buffer"
    if case.allocation.portfolio_value is not None:
        tag += ", portfolio_value"
    if big:
        return [f"replan trades again ({tag})"]
    return [f"replan trades cents ({tag})"]


def _tax_problems(  # noqa: C901, PLR0912, PLR0915
    plan: RebalancePlan, snapshot: Snapshot, policy: SizingPolicy, shorted: frozenset[str]
) -> Problems:
    tax = policy.tax
    assert tax is not None
    report = plan.tax
    assert report is not None
    found: Problems = []
    liquidated = any(i.reason is Reason.LIQUIDATE for i in plan.trades)
    net = report.short_term_gain + report.long_term_gain
    if tax.max_realized_gain is not None and not liquidated:
        if net > tax.max_realized_gain:
            found.append(f"net gain over the budget ({policy.mode})")
        if report.over_budget:
            found.append("over_budget without liquidations")
    # A substitute is one the plan can buy: not held by a rule `_substitute` checks (a
    # lot too dear for the weights' cash, a buy the cash cuts below its broker's minimum,
    # or a short target, are open questions).
    refused = {Reason.WASH_SALE, Reason.NOT_TRADABLE}
    held = {
        i.symbol
        for i in plan.items
        if i.action is Action.HOLD and i.reason in refused and i.target_value > i.current_value
    }
    found.extend(
        "a substitute named but held"
        for _, substitute in report.substituted
        if substitute in held and substitute not in shorted
    )
    if tax.defer_short_term_gains:
        reasons = {i.symbol: i.reason for i in plan.trades}
        found.extend(
            "a deferred short-term gain realized"
            for sale in report.sales
            if sale.term.value == "SHORT"
            and sale.gain > 0
            and reasons.get(sale.symbol) is not Reason.LIQUIDATE
        )
    if tax.max_realized_gain is not None and liquidated:
        found.extend(_budget_with_liquidations(plan, tax.max_realized_gain))
    lots = {(s, lot.lot_id): lot for s, held in snapshot.lots.items() for lot in held}
    relieved: Counter[tuple[str, str]] = Counter()
    for sale in report.sales:
        key = (sale.symbol, sale.lot_id)
        if key not in lots:
            found.append("a sale relieves a lot that is not there")
            continue
        relieved[key] += sale.quantity  # type: ignore[assignment]
    for key, quantity in relieved.items():
        if quantity > lots[key].quantity:
            found.append("a lot relieved beyond its quantity")
    sold: dict[str, Decimal] = {}
    for sale in report.sales:
        sold[sale.symbol] = sold.get(sale.symbol, D(0)) + sale.quantity
    for item in plan.trades:
        if item.action is Action.SELL and item.symbol in snapshot.lots:
            expected = min(-item.quantity, snapshot.positions[item.symbol])
            if sold.get(item.symbol, D(0)) != expected:
                found.append("a sale's lots do not add up to its shares")
    groups: dict[str, set[str]] = {s: {s} for s in SYMBOLS}
    for twins in tax.identical:
        for s in twins:
            groups[s] = set(twins)
    start = ON - timedelta(days=tax.wash_sale_days)
    loss_sold = {
        t.symbol
        for t in snapshot.recent_trades
        if t.realized_gain is not None and t.realized_gain < 0 and start <= t.on <= ON
    }
    loss_now = {sale.symbol for sale in report.sales if sale.gain < 0}
    for item in plan.trades:
        if item.action is not Action.BUY:
            continue
        group = groups.get(item.symbol, {item.symbol})
        if group & loss_sold:
            found.append(f"buys a symbol sold at a loss in the window ({item.reason.value})")
        if group & loss_now:
            found.append(f"buys a symbol the plan sells at a loss ({item.reason.value})")
    for symbol in loss_now:
        group = groups.get(symbol, {symbol})
        for member in group:
            for lot in snapshot.lots.get(member, ()):
                if lot.acquired < start:
                    continue
                kept = lot.quantity - relieved.get((member, lot.lot_id), D(0))
                if kept > 0:
                    found.append("a loss sale while a recent lot stays held")
    return found


def _budget_with_liquidations(plan: RebalancePlan, budget: Decimal) -> Problems:
    """The rebalancing sales realize no more than the budget the liquidations leave (none
    when they exceed it: only sales at a loss); harvests are apart. What a whole-share
    harvest leaves of a lot is a rebalancing sale sold in the harvest's order (docs/tax.md):
    a HARVEST item's gain less the harvested loss."""
    assert plan.tax is not None
    reasons = {i.symbol: i.reason for i in plan.trades}
    fixed = sum((s.gain for s in plan.tax.sales if reasons.get(s.symbol) is Reason.LIQUIDATE), D(0))
    rebalancing = plan.tax.harvested_loss + sum(
        (s.gain for s in plan.tax.sales if reasons.get(s.symbol) is not Reason.LIQUIDATE),
        D(0),
    )
    if rebalancing > max(budget - fixed, D(0)):
        return ["rebalancing sales beyond the budget the liquidations leave"]
    return []


def search(
    examples: int, seed_value: int, strategy: st.SearchStrategy[Case] | None = None
) -> Counter[str]:
    """Run `examples` drawn cases; print the first case of each problem; count them."""
    found: Counter[str] = Counter()

    @seed(seed_value)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(combined_accounts() if strategy is None else strategy)
    def run(case: Case) -> None:
        for problem in problems(case):
            if problem.startswith("failure"):
                found[problem] += 1
                continue
            if not found[problem]:
                print(f"\n## {problem}\n{case!r}", flush=True)  # noqa: T201 - offline search
            found[problem] += 1
        found["(cases)"] += 1

    run()
    return found


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seed_arg = int(sys.argv[2]) if len(sys.argv) > 2 else random.randrange(2**32)  # noqa: S311 - a search's seed
    print(f"seed {seed_arg}", flush=True)  # noqa: T201 - offline search
    kinds = {
        "taxed": combined_accounts(taxed=True),
        "untaxed": combined_accounts(taxed=False),
        "harvest": harvest_accounts(),
    }
    totals = search(count, seed_arg, kinds.get(sys.argv[3]) if len(sys.argv) > 3 else None)
    for problem, n in totals.most_common():
        print(f"{n:6d}  {problem}")  # noqa: T201 - offline search
