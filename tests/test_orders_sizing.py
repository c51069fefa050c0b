"""size_buys and buy_budget: buys never spend cash the sells did not bring."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from portfolio import Action, OrderIntent
from portfolio.orders.execution import size_buys

D = Decimal
PRICES = {"AAA": D(10), "BBB": D(40), "CCC": D("2.5")}


def buy(symbol: str, quantity: str, *, closes: bool = False) -> OrderIntent:
    return OrderIntent(
        client_order_id=f"b-{symbol}-{closes}",
        symbol=symbol,
        side=Action.BUY,
        quantity=D(quantity),
        closes_position=closes,
    )


def quantities(sized: tuple[OrderIntent | None, ...]) -> list[Decimal | None]:
    return [None if b is None else b.quantity for b in sized]


def test_buys_that_fit_are_unchanged() -> None:
    buys = (buy("AAA", "10"), buy("BBB", "2.5"))  # 100 + 100
    assert size_buys(buys, D(200), PRICES) == buys


def test_buys_are_scaled_by_one_factor_whole_shares_staying_whole() -> None:
    """Budget 150 of 200: factor 0.75 → 7.5 AAA (whole: 7) and 1.875 BBB."""
    sized = size_buys((buy("AAA", "10"), buy("BBB", "2.5")), D(150), PRICES)
    assert quantities(sized) == [D(7), D("1.875000000")]


def test_covering_a_short_comes_first() -> None:
    """The close (100) fits in 120; the other buy gets the 20 left: 0.5 of 2.5 BBB."""
    sized = size_buys((buy("AAA", "10", closes=True), buy("BBB", "2.5")), D(120), PRICES)
    assert quantities(sized) == [D(10), D("0.500000000")]
    assert sized[0] is not None
    assert sized[0].closes_position


def test_when_the_closes_do_not_fit_they_share_it_all_and_nothing_else_is_bought() -> None:
    sized = size_buys((buy("AAA", "10", closes=True), buy("BBB", "2.5")), D(50), PRICES)
    assert quantities(sized) == [D(5), None]
    assert sized[0] is not None
    assert not sized[0].closes_position  # a partial cover no longer closes the position


def test_a_buy_scaled_below_the_broker_minimum_or_without_a_price_is_dropped() -> None:
    buys = (buy("AAA", "10"), buy("CCC", "4"), buy("ZZZ", "1"))  # 100 + 10 (+ unpriced)
    sized = size_buys(buys, D(55), PRICES, {"CCC": D(5)})  # factor 0.5: CCC 2 → 5.00 is fine
    assert quantities(sized) == [D(5), D(2), None]
    sized = size_buys(buys, D(44), PRICES, {"CCC": D(5)})  # factor 0.4: CCC 1 share, 2.50 < 5
    assert quantities(sized) == [D(4), None, None]


def test_a_negative_budget_buys_nothing() -> None:
    assert quantities(size_buys((buy("AAA", "1"),), D(-5), PRICES)) == [None]


amounts = st.decimals(min_value=D("0.001"), max_value=D(500), places=3)
whole = st.integers(min_value=1, max_value=500).map(D)


@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(PRICES)), st.one_of(amounts, whole), st.booleans()),
        min_size=1,
        max_size=6,
        unique_by=lambda row: (row[0], row[2]),
    ),
    st.decimals(min_value=-100, max_value=20_000, places=2),
)
def test_sized_buys_never_cost_more_than_the_budget(
    rows: list[tuple[str, Decimal, bool]], budget: Decimal
) -> None:
    """Buys are paid with cash that is there: never more than the budget, and none grows."""
    buys = tuple(buy(symbol, str(quantity), closes=closes) for symbol, quantity, closes in rows)
    sized = size_buys(buys, budget, PRICES)
    cost = sum((b.quantity * PRICES[b.symbol] for b in sized if b and b.quantity), D(0))
    original = sum((b.quantity * PRICES[b.symbol] for b in buys if b.quantity), D(0))
    assert cost == original if original <= budget else cost <= max(budget, D(0))
    for old, new in zip(buys, sized, strict=True):
        if new is not None:
            assert new.quantity is not None
            assert old.quantity is not None
            assert 0 < new.quantity <= old.quantity
            if old.quantity == old.quantity.to_integral_value():
                assert new.quantity == new.quantity.to_integral_value()
