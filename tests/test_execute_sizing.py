"""Buys scaled down to the cash that arrived trade in their symbol's lot (issue 22, item 16).

A fractionable buy is scaled as a fraction even when its planned quantity is whole; a
symbol that trades in whole shares (not fractionable, or a policy without fractions)
stays whole; a crypto pair is cut to its quantity increment.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from adapters.fake import FakeBroker, OrderOutcome
from portfolio import (
    Action,
    Allocation,
    Asset,
    ExecutionReport,
    OrderIntent,
    OrderStatus,
    PortfolioService,
    SizingPolicy,
    Step,
)
from portfolio.orders.execution import size_buys

D = Decimal


def refused_sale(
    assets: dict[str, Asset] | None = None, policy: SizingPolicy | None = None
) -> tuple[FakeBroker, ExecutionReport]:
    """Cash 50, 5 QQQ at 150 and 10 SPY at 100; all in AAA at 300: sell both, buy 6 AAA.

    QQQ's sale (750) is rejected, so 1,050 is there for the 1,800 of AAA: 3.5 shares.
    """
    broker = FakeBroker(
        cash=D(50),
        positions={"QQQ": D(5), "SPY": D(10)},
        prices={"QQQ": D(150), "SPY": D(100), "AAA": D(300)},
        assets=assets or {},
    )
    service = PortfolioService(broker, policy or SizingPolicy(), sleep=lambda _: None)
    allocation = Allocation(target_weights={"AAA": D(1)}, correlation_id="lot")
    plan = service.create_rebalance_plan(allocation, "lot").unwrap()
    assert [(i.symbol, i.quantity) for i in plan.trades] == [
        ("QQQ", D(-5)),
        ("SPY", D(-10)),
        ("AAA", D(6)),
    ]
    broker.next_orders(OrderOutcome.REJECT)
    return broker, service.execute(plan).unwrap()


def test_a_whole_fractionable_buy_is_scaled_as_a_fraction_and_leaves_no_cash_idle() -> None:
    broker, report = refused_sale()
    assert [(o.intent.symbol, o.intent.quantity, o.step) for o in report.orders] == [
        ("QQQ", D(5), Step.SUBMITTED),  # rejected
        ("SPY", D(10), Step.SUBMITTED),
        ("AAA", D("3.500000000"), Step.SUBMITTED),
    ]
    assert report.orders[2].filled
    assert broker.account.cash == 0  # not 150 left idle by 3 whole shares


def test_a_buy_of_a_symbol_that_is_not_fractionable_stays_whole() -> None:
    not_fractionable = {"AAA": Asset(symbol="AAA", fractionable=False)}
    broker, report = refused_sale(assets=not_fractionable)
    assert report.orders[2].intent.quantity == D(3)
    assert broker.account.cash == 150


def test_a_policy_without_fractions_keeps_the_buy_whole() -> None:
    broker, report = refused_sale(policy=SizingPolicy(fractional=False))
    assert report.orders[2].intent.quantity == D(3)
    assert broker.account.cash == 150


def buy(symbol: str, quantity: str, *, closes: bool = False) -> OrderIntent:
    return OrderIntent(
        client_order_id=f"b-{symbol}-{closes}",
        symbol=symbol,
        side=Action.BUY,
        quantity=D(quantity),
        closes_position=closes,
    )


PRICES = {"AAA": D(10), "BTC/USD": D(60000), "CCC": D("2.5")}


def test_each_symbol_is_cut_to_its_lot() -> None:
    """Budget 695.75 of 50 + 1,329 + 12.50: factor 0.5 → 2.5 AAA, 0.0110 BTC (not 0.011075),
    2 CCC (not 2.5)."""
    buys = (buy("AAA", "5"), buy("BTC/USD", "0.02215"), buy("CCC", "5"))
    lots = {"AAA": None, "BTC/USD": D("0.0001"), "CCC": D(1)}
    sized = size_buys(buys, D("695.75"), PRICES, lots=lots)
    assert [b.quantity if b else None for b in sized] == [D("2.500000000"), D("0.0110"), D(2)]


def test_a_cover_of_a_short_stays_whole_whatever_the_lot() -> None:
    """Covering 20 short AAA costs 200; 105 covers 10 whole shares (shorts are whole)."""
    sized = size_buys((buy("AAA", "20", closes=True),), D(105), PRICES, lots={"AAA": None})
    assert [b.quantity if b else None for b in sized] == [D(10)]


amounts = st.decimals(min_value=D("0.001"), max_value=D(500), places=3)
whole = st.integers(min_value=1, max_value=500).map(D)


@given(
    st.lists(st.tuples(st.sampled_from(["AAA", "CCC"]), st.one_of(amounts, whole)), min_size=1),
    st.decimals(min_value=0, max_value=20_000, places=2),
)
def test_fractional_buys_leave_less_idle_than_a_billionth_share_each(
    rows: list[tuple[str, Decimal]], budget: Decimal
) -> None:
    """Scaled as fractions, the buys spend the budget but for the nine-decimal rounding."""
    buys = tuple(
        OrderIntent(client_order_id=f"b{n}", symbol=s, side=Action.BUY, quantity=q)
        for n, (s, q) in enumerate(rows)
    )
    sized = size_buys(buys, budget, PRICES, lots=dict.fromkeys(PRICES))
    cost = sum((b.quantity * PRICES[b.symbol] for b in sized if b and b.quantity), D(0))
    wanted = sum((b.quantity * PRICES[b.symbol] for b in buys if b.quantity), D(0))
    assert cost <= min(budget, wanted)
    rounding = sum((D("1E-9") * PRICES[b.symbol] for b in buys), D(0))
    assert min(budget, wanted) - cost <= rounding


def test_the_fake_broker_refuses_a_fraction_of_a_symbol_that_is_not_fractionable() -> None:
    """As Alpaca does: so a buy scaled to 3.5 whole-only shares would be seen rejected."""
    broker = FakeBroker(
        cash=D(5000),
        prices={"AAA": D(300)},
        assets={"AAA": Asset(symbol="AAA", fractionable=False)},
    )
    intent = OrderIntent(client_order_id="f", symbol="AAA", side=Action.BUY, quantity=D("3.5"))
    state = broker.submit_order(intent).unwrap()
    assert (state.status, state.filled_quantity, broker.account.cash) == (
        OrderStatus.REJECTED,
        D(0),
        D(5000),
    )
    whole = attrs.evolve(intent, client_order_id="w", quantity=D(3))
    assert broker.submit_order(whole).unwrap().status is OrderStatus.FILLED
