"""One example per rule of the core's contract, with the numbers worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal

from returns.result import Success

from portfolio import (
    Action,
    Allocation,
    Asset,
    ErrorKind,
    PlanItem,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    plan_rebalance,
)

D = Decimal


def plan(
    weights: dict[str, str],
    *,
    cash: str,
    prices: dict[str, str],
    positions: dict[str, str] | None = None,
    assets: dict[str, Asset] | None = None,
    portfolio_value: str | None = None,
    as_of: datetime | None = None,
    **policy: object,
) -> RebalancePlan:
    allocation = Allocation(
        target_weights={s: D(w) for s, w in weights.items()},
        correlation_id="rules",
        portfolio_value=D(portfolio_value) if portfolio_value is not None else None,
    )
    snapshot = Snapshot(
        cash=D(cash),
        positions={s: D(q) for s, q in (positions or {}).items()},
        prices={s: D(p) for s, p in prices.items()},
        assets=assets or {},
        as_of=as_of,
    )
    return plan_rebalance(allocation, snapshot, SizingPolicy(**policy)).unwrap()  # type: ignore[arg-type]


def item(result: RebalancePlan, symbol: str) -> PlanItem:
    found = result.item(symbol)
    assert found is not None
    return found


# Rule 1: the portfolio value and the investable value.


def test_value_is_cash_plus_positions_with_shorts_negative() -> None:
    # 1000 + 10 × 50 − 5 × 20 = 1400
    result = plan(
        {"A": "0.5"}, cash="1000", positions={"A": "10", "B": "-5"}, prices={"A": "50", "B": "20"}
    )
    assert result.total_value == D("1400.00")
    assert item(result, "A").target_value == D("700.00")
    assert item(result, "A").trade_amount == D("200.00")


def test_given_portfolio_value_overrides_the_snapshot() -> None:
    result = plan(
        {"A": "0.5"}, cash="1000", positions={"A": "10"}, prices={"A": "50"}, portfolio_value="1200"
    )
    assert result.total_value == D("1200.00")
    assert item(result, "A").target_value == D("600.00")  # 0.5 × 1200
    assert item(result, "A").trade_amount == D("100.00")  # 600 − 500


def test_cash_reserve_shrinks_the_investable_value() -> None:
    # V = 1000 + 500 = 1500; investable = 1500 × 0.9 = 1350; target = 0.5 × 1350 = 675
    result = plan(
        {"A": "0.5"},
        cash="1000",
        positions={"A": "10"},
        prices={"A": "50"},
        cash_reserve_pct=D("0.1"),
    )
    assert item(result, "A").target_value == D("675.00")
    assert item(result, "A").trade_amount == D("175.00")


# Rule 2: targets, rounding, untargeted holdings, no renormalisation.


def test_target_rounds_half_even_to_cents_by_default() -> None:
    # 0.333 × 1000.05 = 333.01665 → 333.02; 0.0005 × 1000.00 = 0.50 exactly, 0.00125 × 1000 = 1.25
    result = plan({"A": "0.333"}, cash="1000.05", prices={"A": "10"}, min_trade_amount=D(0))
    assert item(result, "A").target_value == D("333.02")
    halves = plan(
        {"A": "0.002125"}, cash="1000", prices={"A": "1"}, min_trade_amount=D(0)
    )  # 2.125 → 2.12 (half to even)
    assert item(halves, "A").target_value == D("2.12")


def test_policy_rounding_mode_is_used_for_targets() -> None:
    result = plan(
        {"A": "0.333"},
        cash="1000.05",
        prices={"A": "10"},
        rounding=ROUND_DOWN,
    )
    assert item(result, "A").target_value == D("333.01")


def test_weights_below_one_leave_the_rest_in_cash() -> None:
    result = plan({"A": "0.25", "B": "0.25"}, cash="1000", prices={"A": "10", "B": "20"})
    assert [i.trade_amount for i in result.items] == [D("250.00"), D("250.00")]
    assert result.cash_after == D("500.00")


def test_held_but_untargeted_symbols_have_target_zero() -> None:
    result = plan({"A": "0.5"}, cash="0", positions={"B": "4"}, prices={"A": "10", "B": "25"})
    assert item(result, "B").target_value == D("0.00")
    assert item(result, "B").action is Action.SELL


# Rule 3: signs, quantities, whole shares.


def test_fractional_quantity_is_truncated_to_nine_decimals() -> None:
    result = plan({"A": "1"}, cash="1000", prices={"A": "3"})
    buy = item(result, "A")
    assert (buy.action, buy.trade_amount, buy.quantity) == (
        Action.BUY,
        D("1000.00"),
        D("333.333333333"),
    )


def test_trade_amount_is_exactly_target_minus_current_as_printed() -> None:
    # V = 100.005 + 1 × 0.005 = 100.01; target 0.0101 × 100.01 = 1.010101 → 1.01;
    # current 0.005 → 0.00 (half even); trade 1.01 − 0.00 = 1.01 (not round(1.005) = 1.00)
    result = plan(
        {"A": "0.0101"},
        cash="100.005",
        positions={"A": "1"},
        prices={"A": "0.005"},
        min_trade_amount=D(0),
    )
    buy = item(result, "A")
    assert (buy.target_value, buy.current_value, buy.trade_amount) == (
        D("1.01"),
        D("0.00"),
        D("1.01"),
    )
    assert buy.quantity == D("202.000000000")


def test_sell_is_negative_in_amount_and_quantity() -> None:
    # V = 30; target 15; trade −15 = −5 shares at 3
    result = plan({"A": "0.5"}, cash="0", positions={"A": "10"}, prices={"A": "3"})
    sell = item(result, "A")
    assert (sell.action, sell.trade_amount, sell.quantity) == (
        Action.SELL,
        D("-15.00"),
        D("-5.000000000"),
    )


def test_whole_shares_truncate_and_reprice_the_amount() -> None:
    # 1000 / 300 = 3.33 → 3 shares = 900.00
    result = plan({"A": "1"}, cash="1000", prices={"A": "300"}, fractional=False)
    assert (item(result, "A").quantity, item(result, "A").trade_amount) == (D(3), D("900.00"))


def test_whole_share_sell_truncates_toward_zero() -> None:
    # V = 1500; target 750; trade −750 = −2.5 shares → −2 = −600.00
    result = plan(
        {"A": "0.5"}, cash="0", positions={"A": "5"}, prices={"A": "300"}, fractional=False
    )
    assert (item(result, "A").quantity, item(result, "A").trade_amount) == (D(-2), D("-600.00"))


def test_not_fractionable_asset_trades_whole_shares_under_a_fractional_policy() -> None:
    result = plan(
        {"A": "0.5", "B": "0.5"},
        cash="1000",
        prices={"A": "300", "B": "300"},
        assets={"A": Asset(symbol="A", fractionable=False)},
    )
    # 500 / 300 = 1.67: 2 shares (100 over) are nearer than 1 (200 short); the fractional
    # B absorbs the overshoot: 1000 − 600 = 400 left, 400 / 300 shares, CASH_LIMITED.
    assert item(result, "A").quantity == D(2)
    assert (item(result, "B").quantity, item(result, "B").reason) == (
        D("1.333333333"),
        Reason.CASH_LIMITED,
    )


def test_whole_share_trade_that_truncates_to_zero_is_rounded_to_zero_hold() -> None:
    result = plan({"A": "0.25"}, cash="1000", prices={"A": "300"}, fractional=False)
    hold = item(result, "A")
    assert (hold.action, hold.reason, hold.trade_amount, hold.quantity) == (
        Action.HOLD,
        Reason.ROUNDED_TO_ZERO,
        D(0),
        D(0),
    )


# Rule 4: liquidation is never blocked and leaves no dust.


def test_liquidation_sells_exactly_the_held_quantity_below_the_minimum() -> None:
    result = plan(
        {"A": "0.5"},
        cash="100",
        positions={"DUST": "0.004213"},
        prices={"A": "10", "DUST": "100"},
        min_trade_amount=D(5),
    )
    sell = item(result, "DUST")
    assert (sell.action, sell.reason, sell.quantity, sell.trade_amount) == (
        Action.SELL,
        Reason.LIQUIDATE,
        D("-0.004213"),
        D("-0.42"),
    )


def test_liquidation_ignores_bands_and_whole_shares() -> None:
    result = plan(
        {"A": "0.9"},
        cash="900",
        positions={"B": "0.5"},
        prices={"A": "10", "B": "20"},
        band=D("0.05"),
        fractional=False,
    )
    # B is 10 / 910 ≈ 1.1 % of V, inside a 5-point band, and half a share: still sold in full.
    assert (item(result, "B").reason, item(result, "B").quantity) == (
        Reason.LIQUIDATE,
        D("-0.5"),
    )


def test_short_position_with_target_zero_is_bought_back_in_full() -> None:
    result = plan({}, cash="1000", positions={"B": "-3"}, prices={"B": "20"})
    cover = item(result, "B")
    assert (cover.action, cover.reason, cover.quantity, cover.trade_amount) == (
        Action.BUY,
        Reason.LIQUIDATE,
        D(3),
        D("60.00"),
    )


def test_sub_cent_liquidation_is_worth_zero_not_minus_zero() -> None:
    result = plan({}, cash="10", positions={"A": "0.000000001"}, prices={"A": "3"})
    sell = item(result, "A")
    assert (sell.action, sell.quantity, str(sell.trade_amount)) == (
        Action.SELL,
        D("-0.000000001"),
        "0.00",
    )


# Rule 5: minimum trade, bands, tradability.


def test_trade_below_min_trade_amount_is_held() -> None:
    # target 0.5 × 1001.98 = 500.99; current 500; trade 0.99 < 1.00
    result = plan({"A": "0.5"}, cash="501.98", positions={"A": "50"}, prices={"A": "10"})
    assert (item(result, "A").action, item(result, "A").reason) == (
        Action.HOLD,
        Reason.BELOW_MIN_TRADE,
    )


def test_min_trade_pct_of_value_applies_when_larger() -> None:
    # V = 10000; minimum = max(1, 0.01 × 10000) = 100; A wants 99, B wants 100
    result = plan(
        {"A": "0.0099", "B": "0.01"},
        cash="10000",
        prices={"A": "1", "B": "1"},
        min_trade_pct=D("0.01"),
    )
    assert item(result, "A").reason is Reason.BELOW_MIN_TRADE
    assert (item(result, "B").action, item(result, "B").trade_amount) == (Action.BUY, D("100.00"))


def test_absolute_band_holds_a_small_drift() -> None:
    # V = 1000; A is 580 = 0.58 against 0.60: 2 points inside a 5-point band
    result = plan(
        {"A": "0.6"}, cash="420", positions={"A": "58"}, prices={"A": "10"}, band=D("0.05")
    )
    assert item(result, "A").reason is Reason.WITHIN_BAND
    assert (item(result, "A").current_weight, item(result, "A").target_weight) == (
        D("0.58"),
        D("0.6"),
    )


def test_five_twenty_five_rule_takes_the_smaller_band() -> None:
    # target 0.10: relative band 0.25 × 0.10 = 0.025 < 0.05, so the band is 2.5 points.
    kwargs = {"prices": {"A": "1", "B": "1"}, "band": D("0.05")}
    inside = plan(
        {"A": "0.1", "B": "0.9"},
        cash="20",
        positions={"A": "80", "B": "900"},
        relative_band=D("0.25"),
        **kwargs,  # type: ignore[arg-type]
    )
    outside = plan(
        {"A": "0.1", "B": "0.9"},
        cash="30",
        positions={"A": "70", "B": "900"},
        relative_band=D("0.25"),
        **kwargs,  # type: ignore[arg-type]
    )
    absolute_only = plan(
        {"A": "0.1", "B": "0.9"},
        cash="30",
        positions={"A": "70", "B": "900"},
        **kwargs,  # type: ignore[arg-type]
    )
    assert item(inside, "A").reason is Reason.WITHIN_BAND  # 2 points off
    assert (item(outside, "A").action, item(outside, "A").trade_amount) == (
        Action.BUY,
        D("30.00"),
    )  # 3 points off
    assert item(absolute_only, "A").reason is Reason.WITHIN_BAND  # 3 points < 5


def test_relative_band_alone() -> None:
    # target 0.5 → band 0.1 × 0.5 = 0.05; A at 0.46 is inside, at 0.44 outside
    inside = plan(
        {"A": "0.5"}, cash="540", positions={"A": "46"}, prices={"A": "10"}, relative_band=D("0.1")
    )
    outside = plan(
        {"A": "0.5"}, cash="560", positions={"A": "44"}, prices={"A": "10"}, relative_band=D("0.1")
    )
    assert item(inside, "A").reason is Reason.WITHIN_BAND
    assert item(outside, "A").trade_amount == D("60.00")


def test_not_tradable_asset_is_held_even_when_it_should_be_sold() -> None:
    result = plan(
        {},
        cash="0",
        positions={"A": "3"},
        prices={"A": "10"},
        assets={"A": Asset(symbol="A", tradable=False)},
    )
    assert (item(result, "A").action, item(result, "A").reason) == (
        Action.HOLD,
        Reason.NOT_TRADABLE,
    )


# Rule 6: cash feasibility.


def test_buys_are_scaled_pro_rata_to_the_cash_there_is() -> None:
    # V given as 4000 but cash is 1000: buys 2000 + 2000 scaled by 0.25
    result = plan(
        {"A": "0.5", "B": "0.5"}, cash="1000", prices={"A": "10", "B": "20"}, portfolio_value="4000"
    )
    assert [(i.symbol, i.trade_amount, i.quantity, i.reason) for i in result.items] == [
        ("A", D("500.00"), D("50.000000000"), Reason.CASH_LIMITED),
        ("B", D("500.00"), D("25.000000000"), Reason.CASH_LIMITED),
    ]
    assert result.cash_after == D("0.00")


def test_a_scaled_buy_below_the_minimum_becomes_a_hold() -> None:
    # wanted 2000.00 + 1.60; factor 1000 / 2001.60; A → 999.2006… → 999.20; B → 0.799… → 0.79 < 1
    result = plan(
        {"A": "0.5", "B": "0.0004"},
        cash="1000",
        prices={"A": "10", "B": "1"},
        portfolio_value="4000",
    )
    assert item(result, "A").trade_amount == D("999.20")
    assert (item(result, "B").action, item(result, "B").reason) == (
        Action.HOLD,
        Reason.CASH_LIMITED,
    )


def test_sale_proceeds_fund_buys_and_the_reserve_is_kept() -> None:
    # V = 1000 (all in A); reserve 10 %: B target 900, funded by selling A for 1000, 100 stays
    result = plan(
        {"B": "1"},
        cash="0",
        positions={"A": "10"},
        prices={"A": "100", "B": "50"},
        cash_reserve_pct=D("0.1"),
    )
    assert [(i.symbol, i.trade_amount, i.reason) for i in result.items] == [
        ("A", D("-1000.00"), Reason.LIQUIDATE),
        ("B", D("900.00"), Reason.REBALANCE),
    ]
    assert result.cash_after == D("100.00")


def test_whole_share_buys_are_re_sized_after_scaling() -> None:
    # V = 4000 (`portfolio_value`), cash 1000: A and B each want 2000, far more than the
    # cash. Every dollar spent lowers both the gaps and the idle cash, so every way of
    # spending the whole 1000 scores the same (gaps 3000, nothing idle); the tie goes to
    # the fewest shares traded: 3 A (900.00) and 5 B (100.00), 8 shares (1 A and 35 B, the
    # sizing before, trade 36).
    result = plan(
        {"A": "0.5", "B": "0.5"},
        cash="1000",
        prices={"A": "300", "B": "20"},
        portfolio_value="4000",
        fractional=False,
    )
    assert (item(result, "A").quantity, item(result, "A").trade_amount) == (D(3), D("900.00"))
    assert (item(result, "B").quantity, item(result, "B").trade_amount) == (D(5), D("100.00"))


# Rule 7: order of items and weights including cash.


def test_sells_then_buys_then_holds_each_by_symbol() -> None:
    result = plan(
        {"B": "0.3", "D": "0.3", "E": "0.001"},
        cash="400",
        positions={"A": "10", "C": "10"},
        prices={"A": "10", "B": "10", "C": "20", "D": "10", "E": "10"},
    )
    assert [(i.symbol, i.action) for i in result.items] == [
        ("A", Action.SELL),
        ("C", Action.SELL),
        ("B", Action.BUY),
        ("D", Action.BUY),
        ("E", Action.HOLD),
    ]


def test_weights_are_fractions_of_value_including_cash() -> None:
    result = plan({"A": "0.5"}, cash="500", positions={"A": "5"}, prices={"A": "100"})
    assert item(result, "A").current_weight == D("0.5")  # 500 of 1000, not 100 %


# Rule 8: determinism and content-derived ids.


def test_plan_id_and_as_of_come_from_the_inputs() -> None:
    stamp = datetime(2026, 1, 2, 15, 30, tzinfo=UTC)
    first = plan({"A": "0.5", "B": "0.5"}, cash="1000", prices={"A": "10", "B": "20"}, as_of=stamp)
    again = plan(
        {"B": "0.50", "A": "0.5"}, cash="1000.0", prices={"B": "20", "A": "10"}, as_of=stamp
    )
    other = plan({"A": "0.5", "B": "0.4"}, cash="1000", prices={"A": "10", "B": "20"}, as_of=stamp)
    assert first == again
    assert first.plan_id == again.plan_id
    assert len(first.plan_id) == 32
    assert other.plan_id != first.plan_id
    assert first.as_of == stamp


# Rule 9: symbols are upper-cased; collisions are refused.


def test_symbols_are_compared_upper_cased() -> None:
    # V = 1000 + 100; target 550; trade 450
    result = plan({"spy": "0.5"}, cash="1000", positions={"Spy": "1"}, prices={"SPY": "100"})
    assert [(i.symbol, i.trade_amount) for i in result.items] == [("SPY", D("450.00"))]


def test_colliding_symbols_are_invalid_weights() -> None:
    result = plan_rebalance(
        Allocation(target_weights={"spy": D("0.3"), "SPY": D("0.3")}, correlation_id="c"),
        Snapshot(cash=D(100), prices={"SPY": D(1)}),
    )
    error = result.failure()
    assert error.kind is ErrorKind.INVALID_WEIGHTS
    assert error.context["symbols"] == "SPY"


# Rule 10: empty and negative accounts.


def test_empty_account_gives_a_plan_with_no_trades() -> None:
    result = plan_rebalance(
        Allocation(target_weights={"SPY": D("0.6"), "QQQ": D("0.4")}, correlation_id="c"),
        Snapshot(cash=D(0), prices={"SPY": D(500), "QQQ": D(400)}),
    )
    assert isinstance(result, Success)
    empty = result.unwrap()
    assert empty.trades == ()
    assert {(i.symbol, i.reason, i.target_weight) for i in empty.items} == {
        ("QQQ", Reason.AT_TARGET, D("0.4")),
        ("SPY", Reason.AT_TARGET, D("0.6")),
    }


def test_negative_value_is_invalid_snapshot() -> None:
    result = plan_rebalance(
        Allocation(target_weights={}, correlation_id="c"),
        Snapshot(cash=D(-1000), positions={"A": D(1)}, prices={"A": D(10)}),
    )
    assert result.failure().kind is ErrorKind.INVALID_SNAPSHOT
    assert result.failure().context["value"] == "-990.00"
