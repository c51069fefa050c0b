"""Rebalancing modes: buy-only deposits, sell-only withdrawals, a reserve in currency,
whole-book bands and a buy buffer (docs/policy.md has the same examples)."""

from __future__ import annotations

from decimal import ROUND_UP, Decimal
from typing import Any

import pytest
from core_strategies import accounts
from hypothesis import given
from hypothesis import strategies as st

from portfolio import (
    Action,
    Allocation,
    Asset,
    ErrorKind,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    fill_plan,
    plan_rebalance,
)

D = Decimal
CENT = D("0.01")


def plan(weights: dict[str, str], snapshot: Snapshot, **policy: Any) -> RebalancePlan:
    allocation = Allocation(
        target_weights={s: D(w) for s, w in weights.items()}, correlation_id="modes"
    )
    return plan_rebalance(allocation, snapshot, SizingPolicy(**policy)).unwrap()


def rows(result: RebalancePlan) -> list[tuple[str, Action, Decimal, Reason]]:
    return [(i.symbol, i.action, i.trade_amount, i.reason) for i in result.items]


def test_buy_only_fills_the_largest_shortfall_first() -> None:
    # V = 10,000: A 3,000 (target 4,000), B 3,800 (4,000), C 2,600 (2,000), cash 600.
    # A is 1,000 short, B 200: the 600 go to A, which stays the further from its target.
    account = Snapshot(
        cash=D(600),
        positions={"A": D(30), "B": D(38), "C": D(26)},
        prices={"A": D(100), "B": D(100), "C": D(100)},
    )
    result = plan({"A": "0.4", "B": "0.4", "C": "0.2"}, account, mode="buy_only")
    assert rows(result) == [
        ("A", Action.BUY, D("600.00"), Reason.CASH_LIMITED),
        ("B", Action.HOLD, D(0), Reason.CASH_LIMITED),
        ("C", Action.HOLD, D(0), Reason.BUY_ONLY),
    ]
    assert result.cash_after == D(0)


def test_buy_only_sizes_whole_shares_with_the_allocation() -> None:
    # V = 10,000: A 5,000 (target 4,000: held, BUY_ONLY), B and C nothing (3,000 each),
    # cash 5,000. Truncated toward the targets B 42 × 70 and C 10 × 300 cost 5,940: scaled
    # to 35 and 8 (4,850). The 150 left buys B's next two wholly short lots (140): B 37 =
    # 2,590, C 8 = 2,400, 10 left; error 410 + 600 + 10 = 1,020 (C 9 would leave B 32:
    # 760 + 300 + 60 = 1,120). Per-symbol truncation bought B 35, leaving 150 idle.
    account = Snapshot(
        cash=D(5000), positions={"A": D(50)}, prices={"A": D(100), "B": D(70), "C": D(300)}
    )
    weights = {"A": "0.4", "B": "0.3", "C": "0.3"}
    result = plan(weights, account, mode="buy_only", fractional=False)
    assert [(i.symbol, i.action, i.quantity, i.trade_amount, i.reason) for i in result.items] == [
        ("B", Action.BUY, D(37), D("2590.00"), Reason.CASH_LIMITED),
        ("C", Action.BUY, D(8), D("2400.00"), Reason.CASH_LIMITED),
        ("A", Action.HOLD, D(0), D(0), Reason.BUY_ONLY),
    ]
    assert result.cash_after == D(10)


def test_sell_only_sells_crypto_in_its_increment() -> None:
    # 0.5 BTC at 60,000 (30,000), no cash, reserve 1,000: the lot is 0.0001 BTC = 6.00, so
    # 167 lots (0.0167 BTC = 1,002.00) cover the withdrawal, not a whole coin (the position).
    btc = Asset(symbol="BTC/USD", asset_class="crypto", quantity_increment=D("0.0001"))
    account = Snapshot(
        cash=D(0),
        positions={"BTC/USD": D("0.5")},
        prices={"BTC/USD": D(60000)},
        assets={"BTC/USD": btc},
    )
    result = plan({"BTC/USD": "1"}, account, mode="sell_only", cash_reserve_amount=D(1000))
    assert [(i.symbol, i.action, i.quantity, i.trade_amount) for i in result.items] == [
        ("BTC/USD", Action.SELL, D("-0.0167"), D("-1002.00"))
    ]
    assert result.cash_after == D("1002.00")


def test_a_buy_buffer_shrinks_the_whole_share_budget() -> None:
    # Cash 1,000, buffer 1 %: buys may cost 1,000 / 1.01 = 990.10. Targets 500 each: A 5 ×
    # 100 and B 20 × 25 cost 1,000, scaled to 4 and 19 (875); 115.10 left buys A's wholly
    # short lot: A 5 = 500, B 19 = 475. 975 × 1.01 = 984.75 fits the 1,000.
    account = Snapshot(cash=D(1000), prices={"A": D(100), "B": D(25)})
    result = plan({"A": "0.5", "B": "0.5"}, account, fractional=False, buy_price_buffer=D("0.01"))
    assert [(i.symbol, i.action, i.quantity, i.trade_amount) for i in result.items] == [
        ("A", Action.BUY, D(5), D("500.00")),
        ("B", Action.BUY, D(19), D("475.00")),
    ]


def test_a_buy_buffer_pays_no_buy_with_a_sale_made_to_restore_the_reserve() -> None:
    # No cash, reserve 100, V = 1,000: A (1 share at 1,000, target 0.90) must be sold to
    # raise the reserve. Without a buffer the 1,000 buys 90 B (900 = 1,000 − 100). With 1 %
    # 90 B would need 909 once prices rise: the sale is made, B waits for the next plan
    # (which buys 89 B: 1,000 − 100 = 900, / 1.01 = 891.09).
    account = Snapshot(cash=D(0), positions={"A": D(1)}, prices={"A": D(1000), "B": D(10)})
    weights = {"A": "0.001", "B": "0.999"}
    policy = {"fractional": False, "cash_reserve_amount": D(100)}
    assert rows(plan(weights, account, **policy)) == [
        ("A", Action.SELL, D("-1000.00"), Reason.REBALANCE),
        ("B", Action.BUY, D("900.00"), Reason.REBALANCE),
    ]
    buffered = plan(weights, account, buy_price_buffer=D("0.01"), **policy)
    assert rows(buffered) == [
        ("A", Action.SELL, D("-1000.00"), Reason.REBALANCE),
        ("B", Action.HOLD, D(0), Reason.CASH_LIMITED),
    ]
    after = Snapshot(cash=D(1000), prices={"A": D(1000), "B": D(10)})
    assert rows(plan(weights, after, buy_price_buffer=D("0.01"), **policy))[0] == (
        "B",
        Action.BUY,
        D("890.00"),
        Reason.REBALANCE,
    )


def test_sell_only_raises_the_reserve_from_the_most_overweight() -> None:
    # V = 10,000, reserve 1,000: targets 4,500 each. A is 1,500 over: it gives the 1,000.
    account = Snapshot(
        cash=D(0), positions={"A": D(60), "B": D(40)}, prices={"A": D(100), "B": D(100)}
    )
    result = plan({"A": "0.5", "B": "0.5"}, account, mode="sell_only", cash_reserve_amount=D(1000))
    assert rows(result) == [
        ("A", Action.SELL, D("-1000.00"), Reason.REBALANCE),
        ("B", Action.HOLD, D(0), Reason.SELL_ONLY),
    ]
    assert (result.items[0].quantity, result.cash_after) == (D(-10), D("1000.00"))


def test_sell_only_sells_at_least_a_billionth_of_a_share() -> None:
    """A at 1E+12 a share: the 100 of reserve is a tenth of a billionth of a share, which
    rounds to none. Before, the plan sold -100.00 for 0 shares: nothing covered the
    withdrawal, and the orders were refused (a trade of no quantity). The least sale is a
    billionth of a share: 1,000.00."""
    account = Snapshot(cash=D(0), positions={"A": D(1)}, prices={"A": D("1E+12")})
    result = plan({"A": "1"}, account, mode="sell_only", cash_reserve_amount=D(100))
    assert rows(result) == [("A", Action.SELL, D("-1000.00"), Reason.REBALANCE)]
    assert (result.items[0].quantity, result.cash_after) == (D("-1E-9"), D("1000.00"))


def test_sell_only_without_a_shortfall_trades_nothing() -> None:
    account = Snapshot(cash=D(500), positions={"A": D(95)}, prices={"A": D(100)})
    result = plan({"A": "0.5"}, account, mode="sell_only", cash_reserve_amount=D(500))
    assert rows(result) == [("A", Action.HOLD, D(0), Reason.SELL_ONLY)]


def test_a_withdrawal_share_below_the_broker_minimum_goes_to_a_fractional_sale() -> None:
    # V = 2,000, reserve 10: targets 995 each, A and B are 5 over each and would give 5.00
    # each. A's broker takes no order below 25: A's share rounds down to nothing, and B,
    # sold as it is, takes it up: B sells 10.00 (0.1 shares), exactly the withdrawal
    # (raising A's to its minimum, 25.00, would sell 20.00 too many).
    account = Snapshot(
        cash=D(0),
        positions={"A": D(10), "B": D(10)},
        prices={"A": D(100), "B": D(100)},
        assets={"A": Asset(symbol="A", min_order_notional=D(25))},
    )
    result = plan({"A": "0.5", "B": "0.5"}, account, mode="sell_only", cash_reserve_amount=D(10))
    assert [(i.symbol, i.quantity, i.trade_amount, i.reason) for i in result.items] == [
        ("B", D("-0.1"), D("-10.00"), Reason.REBALANCE),
        ("A", D(0), D(0), Reason.BELOW_BROKER_MINIMUM),
    ]
    assert result.cash_after == D("10.00")


def test_a_withdrawal_sale_below_the_broker_minimum_is_raised_to_it() -> None:
    # As above, both with a minimum of 25: neither share (5.00) can be sold as it is, and
    # no fractional sale takes them up. One is raised to its minimum, A (the first of
    # two equal choices): 25.00, where raising both would sell 50.00.
    account = Snapshot(
        cash=D(0),
        positions={"A": D(10), "B": D(10)},
        prices={"A": D(100), "B": D(100)},
        assets={s: Asset(symbol=s, min_order_notional=D(25)) for s in ("A", "B")},
    )
    result = plan({"A": "0.5", "B": "0.5"}, account, mode="sell_only", cash_reserve_amount=D(10))
    assert [(i.symbol, i.quantity, i.trade_amount, i.reason) for i in result.items] == [
        ("A", D("-0.25"), D("-25.00"), Reason.REBALANCE),
        ("B", D(0), D(0), Reason.BELOW_BROKER_MINIMUM),
    ]
    assert result.cash_after == D("25.00")


def test_a_withdrawal_raises_the_reserve_at_the_exact_prices_too() -> None:
    # V = 600, reserve 100: targets 250 each, A and B give 50.00 each. 50 / 30 is
    # 1.6666666666…: 1.666666666 shares would raise 49.99999998, and the filled account,
    # 2 billionths short of its reserve, would sell a cent again (or the broker's minimum).
    # The shares are rounded up: 1.666666667 raise 50.00000001 each.
    account = Snapshot(
        cash=D(0), positions={"A": D(10), "B": D(10)}, prices={"A": D(30), "B": D(30)}
    )
    policy = SizingPolicy(mode="sell_only", cash_reserve_amount=D(100))
    allocation = Allocation(target_weights={"A": D("0.5"), "B": D("0.5")}, correlation_id="w")
    result = plan_rebalance(allocation, account, policy).unwrap()
    assert [(i.symbol, i.quantity, i.trade_amount) for i in result.items] == [
        ("A", D("-1.666666667"), D("-50.00")),
        ("B", D("-1.666666667"), D("-50.00")),
    ]
    filled = fill_plan(account, result).unwrap().snapshot
    assert filled.cash == D("100.00000002")
    assert plan_rebalance(allocation, filled, policy).unwrap().trades == ()


def test_a_withdrawal_never_sells_a_position_worth_less_than_the_broker_minimum() -> None:
    # A is worth 20.00 (target 19.90 of V = 10,000 less the 50 reserve): its 0.10 over
    # would be its share of the 50, but an order needs 25 and A holds 20: B gives all 50.
    account = Snapshot(
        cash=D(0),
        positions={"A": D("0.2"), "B": D(99.8)},
        prices={"A": D(100), "B": D(100)},
        assets={"A": Asset(symbol="A", min_order_notional=D(25))},
    )
    result = plan(
        {"A": "0.002", "B": "0.998"}, account, mode="sell_only", cash_reserve_amount=D(50)
    )
    assert [(i.symbol, i.action, i.trade_amount) for i in result.items] == [
        ("B", Action.SELL, D("-50.00")),
        ("A", Action.HOLD, D(0)),
    ]


def test_the_larger_reserve_applies() -> None:
    account = Snapshot(cash=D(10_000), prices={"A": D(100)})
    # 5 % of 10,000 = 500 < 1,000: 9,000 is invested
    by_amount = plan({"A": "1"}, account, cash_reserve_pct=D("0.05"), cash_reserve_amount=D(1000))
    # 20 % of 10,000 = 2,000 > 1,000: 8,000 is invested
    by_pct = plan({"A": "1"}, account, cash_reserve_pct=D("0.2"), cash_reserve_amount=D(1000))
    assert (by_amount.items[0].trade_amount, by_pct.items[0].trade_amount) == (
        D("9000.00"),
        D("8000.00"),
    )


def test_a_portfolio_band_breach_rebalances_every_symbol() -> None:
    prices = {"A": D(100), "B": D(100)}
    inside = Snapshot(cash=D(0), positions={"A": D(53), "B": D(47)}, prices=prices)
    outside = Snapshot(cash=D(0), positions={"A": D(56), "B": D(44)}, prices=prices)
    weights = {"A": "0.5", "B": "0.5"}
    # 3 points off: inside the 5-point band, no trade at all
    assert plan(weights, inside, band=D("0.05"), band_trigger="portfolio").trades == ()
    # 6 points off: A left its band, so both go to target
    result = plan(weights, outside, band=D("0.05"), band_trigger="portfolio")
    assert rows(result) == [
        ("A", Action.SELL, D("-600.00"), Reason.REBALANCE),
        ("B", Action.BUY, D("600.00"), Reason.REBALANCE),
    ]


def test_a_buy_buffer_leaves_room_for_prices_to_rise() -> None:
    # 10,000 / 1.0025 = 9,975.06...: the buy still fits if SPY rises 0.25 % before the fill
    account = Snapshot(cash=D(10_000), prices={"SPY": D(100)})
    result = plan({"SPY": "1"}, account, buy_price_buffer=D("0.0025"))
    assert rows(result) == [("SPY", Action.BUY, D("9975.06"), Reason.CASH_LIMITED)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mode", "buy_some"),
        ("mode", 1),
        ("band_trigger", "book"),
        ("cash_reserve_amount", D(-1)),
        ("cash_reserve_amount", D("NaN")),
        ("buy_price_buffer", D("-0.01")),
        ("buy_price_buffer", D(1)),
    ],
)
def test_bad_mode_fields_name_the_field(field: str, value: object) -> None:
    result = plan_rebalance(
        Allocation(target_weights={"A": D("0.5")}, correlation_id="c"),
        Snapshot(cash=D(100), prices={"A": D(1)}),
        SizingPolicy(**{field: value}),  # type: ignore[arg-type]
    )
    error = result.failure()
    assert (error.kind, error.context["field"]) == (ErrorKind.INVALID_POLICY, field)


reserves = st.sampled_from([D(0), D(100), D(5000)])


@given(accounts(), reserves, st.booleans())
def test_buy_only_never_sells_nor_spends_the_reserve(
    account: tuple[Allocation, Snapshot], reserve: Decimal, fractional: bool
) -> None:
    """A deposit only buys, and only with the cash above the reserve (whole shares too)."""
    allocation, snapshot = account
    policy = SizingPolicy(mode="buy_only", cash_reserve_amount=reserve, fractional=fractional)
    result = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert result.total_sells == 0
    assert result.total_buys <= max(snapshot.cash - policy.reserve(result.total_value), D(0))


@given(accounts(), reserves, st.booleans())
def test_sell_only_never_buys_and_raises_exactly_the_shortfall(
    account: tuple[Allocation, Snapshot], reserve: Decimal, fractional: bool
) -> None:
    """A withdrawal only sells, exactly what the reserve lacks when the holdings allow
    (at least that, rounded up to whole lots, when some trade in whole lots)."""
    allocation, snapshot = account
    policy = SizingPolicy(mode="sell_only", cash_reserve_amount=reserve, fractional=fractional)
    result = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert result.total_buys == 0
    need = max(reserve - snapshot.cash, D(0)).quantize(CENT, rounding=ROUND_UP)
    held = sum((i.current_value for i in result.items if i.current_value > 0), D(0))
    whole = not fractional or any(
        not a.fractionable or a.quantity_increment for a in snapshot.assets.values()
    )
    if held >= need and not whole:
        assert result.total_sells == need
    elif held >= need:
        assert result.total_sells >= need


@given(accounts(), st.sampled_from([D("0.01"), D("0.05")]))
def test_a_portfolio_trigger_trades_all_or_nothing(
    account: tuple[Allocation, Snapshot], band: Decimal
) -> None:
    """The whole book moves together: no trade, or the plan without bands."""
    allocation, snapshot = account
    triggered = plan_rebalance(
        allocation, snapshot, SizingPolicy(band=band, band_trigger="portfolio")
    ).unwrap()
    unbanded = plan_rebalance(allocation, snapshot, SizingPolicy()).unwrap()
    liquidations = [i for i in triggered.trades if i.reason is Reason.LIQUIDATE]
    assert triggered.trades in (tuple(liquidations), unbanded.trades) or rows(triggered) == rows(
        unbanded
    )


@given(
    accounts(),
    st.sampled_from([D("0.0025"), D("0.01"), D("0.5")]),
    st.booleans(),
    st.sampled_from([D(0), D(100), D(5000)]),
)
def test_buys_with_a_buffer_fit_the_cash_after_the_rise(
    account: tuple[Allocation, Snapshot], buffer: Decimal, fractional: bool, reserve: Decimal
) -> None:
    """Buys × (1 + buffer) still fit the cash and the sales less the reserve: prices may
    rise that much before the fill."""
    allocation, snapshot = account
    policy = SizingPolicy(
        buy_price_buffer=buffer, fractional=fractional, cash_reserve_amount=reserve
    )
    result = plan_rebalance(allocation, snapshot, policy).unwrap()
    if result.total_buys:
        room = snapshot.cash + result.total_sells - policy.reserve(result.total_value)
        assert result.total_buys * (1 + buffer) <= room
