"""Every whole-lot buy a plan makes, `fill_plan` fills in full (docs/policy.md).

A fill pays exactly shares × price, which may be a fraction of a cent off an item's
amount in cents: a fractional sale's shares are truncated at the ninth decimal, a
liquidation's value is rounded. Whole lots are sized on what the fill surely pays
(`portfolio.steps.whole.lots.counted`), so a whole-lot buy is never cut at the fill; a
fractional buy may be, by less than a cent.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from itertools import product

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from returns.pipeline import is_successful

from portfolio import (
    Action,
    Allocation,
    Asset,
    SizingPolicy,
    Snapshot,
    fill_plan,
    plan_rebalance,
)
from portfolio.records.asset_facts import quantity_step
from portfolio.steps.whole.lots import counted

D = Decimal
CENT = D("0.01")
Account = tuple[Allocation, Snapshot, SizingPolicy]


def _plan_and_fill(allocation: Allocation, snapshot: Snapshot, policy: SizingPolicy) -> list[str]:
    """The whole-lot buys the fill cuts (symbol, asked, filled); [] when every one fills."""
    planned = plan_rebalance(allocation, snapshot, policy)
    if not is_successful(planned):
        return []
    plan = planned.unwrap()
    fill = fill_plan(snapshot, plan).unwrap()
    cut = []
    for order in fill.orders:
        lot = quantity_step(snapshot.assets.get(order.symbol), fractional=policy.fractional)
        if lot is not None and order.action is Action.BUY and order.quantity != order.requested:
            cut.append(f"{order.symbol} {order.requested} {order.quantity}")
    return cut


def test_a_deposit_leaves_the_fractional_buys_what_the_fill_pays_for_the_lots() -> None:
    # buy_only, 62.81 in cash, a quarter each to W0 and W1 at 0.50, W2 at 0.7896 (whole
    # shares) and F at 0.50. The lots buy 32 W0 (16.00), 31 W1 (15.50) and 20 W2, whose
    # amount is 15.79 but whose fill pays 15.792. Left on the amounts, F would take 15.52
    # (the plan spending every cent) and the fill, 0.002 short, would buy 19 W2. Counted
    # at 15.80, the lots leave F 15.51, and every lot fills.
    lots = {s: Asset(symbol=s, fractionable=False) for s in ("W0", "W1", "W2")}
    snapshot = Snapshot(
        cash=D("62.81"),
        prices={"W0": D("0.50"), "W1": D("0.50"), "W2": D("0.7896"), "F": D("0.50")},
        assets=lots,
    )
    weights = {"W0": D("0.25"), "W1": D("0.25"), "W2": D("0.25"), "F": D("0.25")}
    allocation = Allocation(target_weights=weights, correlation_id="deposit")
    plan = plan_rebalance(allocation, snapshot, SizingPolicy(mode="buy_only")).unwrap()
    items = {i.symbol: (i.quantity, i.trade_amount) for i in plan.trades}
    assert items == {
        "F": (D("31.02"), D("15.51")),
        "W0": (D(32), D("16.00")),
        "W1": (D(31), D("15.50")),
        "W2": (D(20), D("15.79")),
    }
    assert _plan_and_fill(allocation, snapshot, SizingPolicy(mode="buy_only")) == []


def test_a_liquidation_rounded_up_does_not_pay_for_the_whole_share() -> None:
    # 0.335 X at 76.23 is worth 25.53705: the plan's amount is 25.54, the fill pays
    # 25.53705. With 74.60 in cash the fill has 100.13705, less than a W at 100.14:
    # the plan holds W (it counts the sale at 25.53, what the fill surely pays).
    snapshot = Snapshot(
        cash=D("74.60"),
        positions={"X": D("0.335")},
        prices={"X": D("76.23"), "W": D("100.14")},
        assets={"W": Asset(symbol="W", fractionable=False)},
    )
    allocation = Allocation(target_weights={"W": D(1)}, correlation_id="sub-cent")
    plan = plan_rebalance(allocation, snapshot, SizingPolicy()).unwrap()
    items = {i.symbol: i for i in plan.items}
    assert (items["X"].action, items["X"].trade_amount) == (Action.SELL, D("-25.54"))
    assert counted(items["X"]) == D("-25.53")
    assert (items["W"].action, items["W"].reason.value) == (Action.HOLD, "CASH_LIMITED")
    assert _plan_and_fill(allocation, snapshot, SizingPolicy()) == []
    # A cent more in cash (100.14705 at the fill) pays for it, and the plan buys it.
    richer = Snapshot(
        cash=D("74.61"),
        positions=snapshot.positions,
        prices=snapshot.prices,
        assets=snapshot.assets,
    )
    plan = plan_rebalance(allocation, richer, SizingPolicy()).unwrap()
    w = next(i for i in plan.items if i.symbol == "W")
    assert (w.action, w.quantity) == (Action.BUY, D(1))
    assert _plan_and_fill(allocation, richer, SizingPolicy()) == []


def test_a_fractional_holding_sold_to_fund_a_lot_raises_it_at_the_fill() -> None:
    # docs/policy.md, "Fractional holdings fund a whole lot": F0 sells 92,315.91, its
    # shares rounded up at the ninth decimal (7.298092704 × 12,649.32 = 92,315.9100026),
    # so the fill has 109,735.0200026 for three W0 at 36,578.34 (109,735.02).
    snapshot = Snapshot(
        cash=D("17419.11"),
        positions={"F0": D("17.280682")},
        prices={"W0": D("36578.34"), "F0": D("12649.32")},
        assets={"W0": Asset(symbol="W0", fractionable=False)},
    )
    weights = {"W0": D("0.462606"), "F0": D("0.537394")}
    allocation = Allocation(target_weights=weights, correlation_id="funds")
    plan = plan_rebalance(allocation, snapshot, SizingPolicy()).unwrap()
    items = {i.symbol: i for i in plan.items}
    assert (items["F0"].trade_amount, items["F0"].quantity) == (D("-92315.91"), D("-7.298092704"))
    assert (items["W0"].action, items["W0"].quantity) == (Action.BUY, D(3))
    assert _plan_and_fill(allocation, snapshot, SizingPolicy()) == []


#: Prices with sub-cent parts and whole cents; a few at the ends of the range.
_PRICES = st.one_of(
    st.decimals(min_value="0.5", max_value="500", places=2),
    st.decimals(min_value="0.5", max_value="500", places=4),
    st.decimals(min_value="500", max_value="50000", places=3),
    st.sampled_from([D("76.23"), D("100.14"), D("33.333"), D("0.37"), D("12649.32")]),
)


@st.composite
def accounts(draw: st.DrawFn) -> Account:
    """Whole shares (or crypto increments) beside fractional holdings, cash at a lot's edge.

    Holdings in odd fractions of a share (sales truncated, liquidations rounded), weights
    that liquidate some and leave others on target, cash a few cents around what a count
    of lots costs less what the fractional holdings are worth, the modes that buy.
    """
    n_whole = draw(st.integers(min_value=1, max_value=3))
    n_fractional = draw(st.integers(min_value=1, max_value=3))
    whole = [f"W{i}" for i in range(n_whole)]
    fractional = [f"F{i}" for i in range(n_fractional)]
    prices = {s: draw(_PRICES) for s in [*whole, *fractional]}
    assets: dict[str, Asset] = {}
    for s in whole:
        if draw(st.integers(0, 4)):
            assets[s] = Asset(symbol=s, fractionable=False)
        else:
            increment = draw(st.sampled_from([D("0.001"), D("0.01")]))
            assets[s] = Asset(symbol=s, asset_class="crypto", quantity_increment=increment)
    held: dict[str, Decimal] = {}
    for s in fractional:
        shares = draw(st.decimals(min_value="0", max_value="400", places=6))
        if shares:
            held[s] = shares
    for s in whole:
        if draw(st.booleans()):
            held[s] = D(draw(st.integers(min_value=0, max_value=5))) * (
                assets[s].quantity_increment or D(1)
            )
    held = {s: q for s, q in held.items() if q}
    fractional_value = sum((q * prices[s] for s, q in held.items() if s in fractional), D(0))
    first = whole[0]
    lot_cost = prices[first] * (assets[first].quantity_increment or D(1))
    lots = draw(st.integers(min_value=1, max_value=4))
    edge = lots * lot_cost - fractional_value + D(draw(st.integers(-3, 3))) * CENT
    cash = draw(
        st.one_of(
            st.just(edge.quantize(CENT, rounding=ROUND_DOWN)),
            st.decimals(min_value="0", max_value="20000", places=2),
        )
    ).max(D(0))
    symbols = [*whole, *fractional]
    raw = [draw(st.sampled_from([0, 0, 1, 5, 20, 100])) for _ in symbols]
    raw[0] += 1
    total = sum(raw)
    weights = {
        s: (D(r) / total).quantize(D("0.000001"), rounding=ROUND_DOWN)
        for s, r in zip(symbols, raw, strict=True)
    }
    weights[first] += 1 - sum(weights.values())
    policy = SizingPolicy(
        min_trade_amount=draw(st.sampled_from([D(0), D(0), D(1), D(25)])),
        cash_reserve_pct=draw(st.sampled_from([D(0), D(0), D("0.01")])),
        cash_reserve_amount=draw(st.sampled_from([D(0), D(0), D("10.005")])),
        mode=draw(st.sampled_from(["rebalance", "rebalance", "rebalance", "buy_only"])),
        buy_price_buffer=draw(st.sampled_from([D(0), D(0), D(0), D("0.001")])),
        rounding=draw(st.sampled_from(["ROUND_HALF_EVEN", "ROUND_HALF_UP", "ROUND_UP"])),
        fractional=draw(st.sampled_from([True, True, False])),
    )
    snapshot = Snapshot(cash=cash, positions=held, prices=prices, assets=assets)
    return Allocation(target_weights=weights, correlation_id="fills"), snapshot, policy


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(accounts())
@example(
    (
        Allocation(target_weights={"W": D(1)}, correlation_id="fills"),
        Snapshot(
            cash=D("74.60"),
            positions={"X": D("0.335")},
            prices={"X": D("76.23"), "W": D("100.14")},
            assets={"W": Asset(symbol="W", fractionable=False)},
        ),
        SizingPolicy(),
    )
)
def test_the_fill_makes_every_whole_lot_buy_of_the_plan(account: Account) -> None:
    """Holdings, odd prices, cash at the edge, fractional sales funding whole lots: every
    whole-lot buy the plan makes is filled in full at the plan's prices."""
    assert _plan_and_fill(*account) == []


def test_an_exchange_of_lots_priced_in_fractions_of_a_cent_keeps_their_cents_aside() -> None:
    # 449 A at 0.545 (244.705) and no cash; targets A 102.77, B 26.92, C 115.01. Each
    # lot costs a fraction of a cent, so each amount may round half a cent away from
    # what the fill pays: selling 261 A (142.245, amount 142.24) to buy 32 B (27.328,
    # 27.33) and 141 C (114.915, 114.92) fits the fill (0.002 left) but its amounts
    # spend a cent more than they raise, and the plan was refused (INVALID_SNAPSHOT,
    # "buying back the short positions", though nothing is short). The exchange keeps
    # the three cents aside: 260 A (141.70) pay 31 B (26.474) and 141 C, 0.311 left.
    snapshot = Snapshot(
        cash=D(0),
        positions={"A": D(449)},
        prices={"A": D("0.545"), "B": D("0.854"), "C": D("0.815")},
    )
    weights = {"A": D("0.42"), "B": D("0.11"), "C": D("0.47")}
    allocation = Allocation(target_weights=weights, correlation_id="sub-cent exchange")
    plan = plan_rebalance(allocation, snapshot, SizingPolicy(fractional=False)).unwrap()
    assert {i.symbol: i.quantity for i in plan.trades} == {"A": D(-260), "B": D(31), "C": D(141)}
    assert plan.total_buys <= plan.total_sells
    assert plan.cash_after == D("0.31")


MILLS = [D("0.005"), D("0.545"), D("0.854"), D("0.815"), D("12.378")]


def test_every_exchange_of_lots_priced_in_mills_fits_the_cash_in_cents() -> None:
    """Fully invested in A, no cash, whole shares: 1,125 accounts (prices in mills, three
    sizes, three sets of weights), each exchanging A for B and C. Every plan is made, and
    its amounts fit what the sales raise (17 were refused before the cents aside held)."""
    weights = [(D("0.1"), D("0.5")), (D("0.42"), D("0.11")), (D("0.28"), D("0.26"))]
    for (a, b, c), held, (wa, wb) in product(product(MILLS, repeat=3), (11, 449, 3275), weights):
        snapshot = Snapshot(cash=D(0), positions={"A": D(held)}, prices={"A": a, "B": b, "C": c})
        allocation = Allocation(
            target_weights={"A": wa, "B": wb, "C": 1 - wa - wb}, correlation_id="mills"
        )
        planned = plan_rebalance(allocation, snapshot, SizingPolicy(fractional=False))
        assert is_successful(planned), (a, b, c, held, wa, wb, planned)
        assert planned.unwrap().cash_after >= 0
