"""Tax lots and tax-aware rebalancing: a hand-computed example per rule (docs/tax.md).

Every plan is dated 2024-06-03; the lots are named by id, and each test says what it
expects in shares and dollars worked out by hand.
"""

from __future__ import annotations

import decimal
import json
import pickle
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal as D  # noqa: N817 - amounts read as D(100)
from pathlib import Path
from typing import TypedDict, Unpack

import attrs
import jsonschema
import pytest
from returns.result import Result

from portfolio import (
    Action,
    Allocation,
    Asset,
    ErrorKind,
    LotMethod,
    LotSale,
    PastTrade,
    PlanItem,
    Planner,
    PortfolioError,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    TaxLot,
    TaxPolicy,
    TaxReport,
    Term,
    fill_plan,
    plan_rebalance,
)
from portfolio.records.money import CORE_CONTEXT
from portfolio.records.policy import Mode
from portfolio.tax.codec import report_document
from portfolio.tax.relief import lot_sales, short_from, term
from portfolio.tax.step import sold_lots, tax_inputs

AS_OF = datetime(2024, 6, 3, 20, 0, tzinfo=UTC)
OLD, RECENT = date(2023, 1, 5), date(2024, 5, 20)
SCHEMA = json.loads((Path(__file__).parent.parent / "portfolio" / "plan.schema.json").read_text())


def lot(lot_id: str, quantity: int, cost: str, acquired: date) -> TaxLot:
    return TaxLot(quantity=D(quantity), cost=D(cost), acquired=acquired, lot_id=lot_id)


class Account(TypedDict, total=False):
    """What a test plans: weights, positions and prices by symbol, lots, the tax policy."""

    weights: Mapping[str, str]
    positions: Mapping[str, int]
    prices: Mapping[str, int]
    lots: Mapping[str, tuple[TaxLot, ...]]
    tax: TaxPolicy | None
    cash: int
    trades: tuple[PastTrade, ...]


def plan(
    base: Account | None = None, /, **more: Unpack[Account]
) -> Result[RebalancePlan, PortfolioError]:
    account: Account = {**(base or {}), **more}
    snapshot = Snapshot(
        cash=D(account.get("cash", 0)),
        positions={s: D(q) for s, q in account.get("positions", {}).items()},
        prices={s: D(p) for s, p in account.get("prices", {}).items()},
        as_of=AS_OF,
        lots=account.get("lots", {}),
        recent_trades=account.get("trades", ()),
    )
    weights = {s: D(w) for s, w in account.get("weights", {}).items()}
    allocation = Allocation(target_weights=weights, correlation_id="tax")
    return plan_rebalance(allocation, snapshot, SizingPolicy(tax=account.get("tax")))


def decisions(made: RebalancePlan) -> list[tuple[str, str, str, str, str]]:
    return [
        (i.symbol, i.action.value, str(i.trade_amount), str(i.quantity), i.reason.value)
        for i in made.items
    ]


def sold(made: RebalancePlan) -> list[tuple[str, str, str, str, str]]:
    assert made.tax is not None
    return [
        (s.lot_id, format(s.quantity.normalize(), "f"), str(s.cost), str(s.gain), s.term.value)
        for s in made.tax.sales
    ]


# Rule 1 -------------------------------------------------------------------------------
# 20 SPY at 150 and no cash: V = 3,000; SPY's target is 25 % = 750, so 15 shares are sold
# (2,250) and QQQ bought with the proceeds. Lot a: 10 at 100 (2023-01-05, long-term);
# lot b: 10 at 140 (2024-05-20, short-term).
TWO_LOTS: Mapping[str, tuple[TaxLot, ...]] = {
    "SPY": (lot("a", 10, "100", OLD), lot("b", 10, "140", RECENT))
}
SPLIT: Account = {"weights": {"SPY": "0.25", "QQQ": "0.75"}, "positions": {"SPY": 20}}
PRICES = {"SPY": 150, "QQQ": 100}


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # oldest first: all of a (1,500 − 1,000), then 5 of b (750 − 700), b split
        (
            LotMethod.FIFO,
            [("a", "10", "1000.00", "500.00", "LONG"), ("b", "5", "700.00", "50.00", "SHORT")],
        ),
        # newest first: all of b (1,500 − 1,400), then 5 of a (750 − 500)
        (
            LotMethod.LIFO,
            [("b", "10", "1400.00", "100.00", "SHORT"), ("a", "5", "500.00", "250.00", "LONG")],
        ),
        # highest cost first: b (140) before a (100)
        (
            LotMethod.HIFO,
            [("b", "10", "1400.00", "100.00", "SHORT"), ("a", "5", "500.00", "250.00", "LONG")],
        ),
    ],
)
def test_rule_1_a_sale_relieves_lots_in_the_methods_order_and_splits_the_last(
    method: LotMethod, expected: list[tuple[str, ...]]
) -> None:
    made = plan(SPLIT, prices=PRICES, lots=TWO_LOTS, tax=TaxPolicy(method=method)).unwrap()
    assert decisions(made)[0] == ("SPY", "SELL", "-2250.00", "-15.000000000", "REBALANCE")
    assert sold(made) == expected
    assert made.tax is not None
    assert made.tax.net_gain == (D(550) if method is LotMethod.FIFO else D(350))


def test_rule_1_min_tax_weighs_the_terms_at_the_policys_rates() -> None:
    """Lot b at 120 gains 30 a share short-term: 30 × 0.35 = 10.50 of tax a share; lot a
    gains 50 long-term: 50 × 0.15 = 7.50. MIN_TAX sells a first (HIFO would sell b)."""
    lots = {"SPY": (lot("a", 10, "100", OLD), lot("b", 10, "120", RECENT))}
    min_tax = TaxPolicy(
        method=LotMethod.MIN_TAX, short_term_rate=D("0.35"), long_term_rate=D("0.15")
    )
    made = plan(SPLIT, prices=PRICES, lots=lots, tax=min_tax).unwrap()
    assert sold(made) == [
        ("a", "10", "1000.00", "500.00", "LONG"),
        ("b", "5", "600.00", "150.00", "SHORT"),
    ]
    assert made.tax is not None
    # 150 × 0.35 + 500 × 0.15 = 52.50 + 75.00
    assert (made.tax.short_term_gain, made.tax.long_term_gain) == (D("150.00"), D("500.00"))
    assert made.tax.estimated_tax == D("127.50")
    hifo_tax = attrs.evolve(min_tax, method=LotMethod.HIFO)
    hifo = plan(SPLIT, prices=PRICES, lots=lots, tax=hifo_tax).unwrap()
    # b (10 × 30 = 300 short) then 5 of a (250 long): 105.00 + 37.50
    assert hifo.tax is not None
    assert hifo.tax.estimated_tax == D("142.50")


def test_rule_1_a_sale_on_the_anniversary_is_still_short_term() -> None:
    assert term(date(2023, 6, 3), date(2024, 6, 3)) is Term.SHORT
    assert term(date(2023, 6, 2), date(2024, 6, 3)) is Term.LONG
    assert term(date(2024, 2, 29), date(2025, 2, 28)) is Term.SHORT  # no February 29 in 2025
    assert term(date(2024, 2, 29), date(2025, 3, 1)) is Term.LONG
    lots = {"SPY": (lot("a", 10, "100", date(2023, 6, 3)), lot("b", 10, "100", date(2023, 6, 2)))}
    made = plan(SPLIT, prices=PRICES, lots=lots, tax=TaxPolicy(method=LotMethod.LIFO)).unwrap()
    # LIFO: a (bought 2023-06-03, sold on its anniversary) is short-term, b long-term
    assert sold(made) == [
        ("a", "10", "1000.00", "500.00", "SHORT"),
        ("b", "5", "500.00", "250.00", "LONG"),
    ]


def test_rule_1_lot_sales_price_each_piece_and_tell_its_term_from_the_first_short_date() -> None:
    """On 2024-06-03 a lot acquired 2023-06-02 is long-term, one of 2023-06-03 (the
    anniversary) short-term; each gain is proceeds − cost as priced."""
    a, b = lot("a", 10, "90", date(2023, 6, 2)), lot("", 3, "120.5", date(2023, 6, 3))
    priced = [(a, D(4), D("400.00"), D("360.00")), (b, D("2.5"), D("250.00"), D("301.25"))]
    made = lot_sales("SPY", priced, short_from(date(2024, 6, 3)))
    expected = [
        LotSale(
            symbol="SPY",
            lot_id="a",
            acquired=date(2023, 6, 2),
            quantity=D(4),
            proceeds=D("400.00"),
            cost=D("360.00"),
            gain=D("40.00"),
            term=Term.LONG,
        ),
        LotSale(
            symbol="SPY",
            lot_id="",
            acquired=date(2023, 6, 3),
            quantity=D("2.5"),
            proceeds=D("250.00"),
            cost=D("301.25"),
            gain=D("-51.25"),
            term=Term.SHORT,
        ),
    ]
    assert made == expected


def test_a_plans_report_built_when_read_is_the_report_its_lot_sales_make() -> None:
    """A plan's report builds its `LotSale`s on first read (for speed); read any way (the
    sales, equality both ways, hash, repr, a pickle, its JSON, `evolve`, in a caller's
    decimal context), it is exactly the report constructed from them."""

    def report() -> TaxReport:  # a fresh plan's report: its sales not read yet
        lots = {"SPY": (lot("a", 10, "100.027", OLD), lot("b", 10, "140", RECENT))}
        made = plan(SPLIT, prices=PRICES, lots=lots, tax=TaxPolicy(short_term_rate=D("0.3")))
        tax = made.unwrap().tax
        assert tax is not None
        return tax

    read = report()
    built = TaxReport(
        sales=read.sales,
        short_term_gain=read.short_term_gain,
        long_term_gain=read.long_term_gain,
        estimated_tax=read.estimated_tax,
        unknown_basis=read.unknown_basis,
        over_budget=read.over_budget,
    )
    assert [(s.lot_id, s.gain, s.term) for s in built.sales] == [
        ("a", D("499.73"), Term.LONG),  # 1,500.00 - 1,000.27
        ("b", D("50.00"), Term.SHORT),
    ]
    assert (built.short_term_gain, built.long_term_gain, built.estimated_tax) == (
        D("50.00"),
        D("499.73"),
        D("15.00"),
    )
    assert report() == built
    assert built == report()
    assert hash(report()) == hash(built)
    assert repr(report()) == repr(built)
    assert pickle.dumps(report()) == pickle.dumps(built)
    assert pickle.loads(pickle.dumps(report())) == built  # noqa: S301 - our own bytes
    assert report_document(report()) == report_document(built)
    assert attrs.evolve(report()) == built
    with decimal.localcontext(decimal.Context(prec=4)):  # read where 499.73 would round
        assert report().sales == built.sales
    with pytest.raises(AttributeError):
        _ = report().no_such_field  # type: ignore[attr-defined]


# Rule 2 -------------------------------------------------------------------------------
# SPY and QQQ: 20 shares each at 100, no cash: V = 4,000. Targets 25 % each (1,000), so
# 10 shares of each are sold and IWM (50 %) bought. SPY's lot cost 90 (10 a share of
# gain: 0.10 per dollar sold), QQQ's 50 (50 a share: 0.50 per dollar).
BUDGET: Account = {
    "weights": {"SPY": "0.25", "QQQ": "0.25", "IWM": "0.5"},
    "positions": {"SPY": 20, "QQQ": 20},
    "prices": {"SPY": 100, "QQQ": 100, "IWM": 100},
    "lots": {"SPY": (lot("s", 20, "90", OLD),), "QQQ": (lot("q", 20, "50", OLD),)},
}


def test_rule_2_without_a_budget_both_sales_stand() -> None:
    made = plan(BUDGET, tax=TaxPolicy()).unwrap()
    assert made.tax is not None
    assert made.tax.net_gain == D("600.00")  # 10 × 10 + 10 × 50


def test_rule_2_a_budget_keeps_the_sale_with_the_least_gain_per_dollar_first() -> None:
    """Budget 300: SPY's sale (100 of gain) is kept whole; 200 is left for QQQ at 50 a
    share: 4 shares (400.00). IWM gets the 1,000 + 400 the sales raise."""
    made = plan(BUDGET, tax=TaxPolicy(max_realized_gain=D(300))).unwrap()
    assert decisions(made) == [
        ("QQQ", "SELL", "-400.00", "-4.000000000", "GAIN_BUDGET"),
        ("SPY", "SELL", "-1000.00", "-10.000000000", "REBALANCE"),
        ("IWM", "BUY", "1400.00", "14.000000000", "CASH_LIMITED"),
    ]
    assert made.tax is not None
    assert made.tax.net_gain == D("300.00")
    assert made.tax.over_budget == D("0.00")
    assert made.cash_after == D("0.00")


def test_rule_2_a_liquidation_is_never_cut_and_the_plan_says_when_it_exceeds_the_budget() -> None:
    """SPY's target is 0: all 20 shares go, 200 of gain, over a budget of 120. QQQ's sale
    is cut to nothing; the report says the plan is 80 over."""
    made = plan(
        BUDGET,
        weights={"QQQ": "0.25", "IWM": "0.75"},
        tax=TaxPolicy(max_realized_gain=D(120)),
    ).unwrap()
    assert decisions(made)[:1] == [("SPY", "SELL", "-2000.00", "-20", "LIQUIDATE")]
    assert made.item("QQQ") is not None
    assert made.item("QQQ").action is Action.HOLD  # type: ignore[union-attr]
    assert made.item("QQQ").reason is Reason.GAIN_BUDGET  # type: ignore[union-attr]
    assert made.tax is not None
    assert (made.tax.net_gain, made.tax.over_budget) == (D("200.00"), D("80.00"))


def test_rule_2_a_cut_below_the_brokers_minimum_order_is_held() -> None:
    """Budget 300 as above, but QQQ's broker takes no order below 500: the 400.00 the
    budget leaves of QQQ's sale cannot be placed, so the sale is held (GAIN_BUDGET), as a
    cut below the minimum trade is; SPY's 1,000 buys 10 IWM and 200 of budget is unused."""
    snapshot = Snapshot(
        cash=D(0),
        positions={"SPY": D(20), "QQQ": D(20)},
        prices={"SPY": D(100), "QQQ": D(100), "IWM": D(100)},
        as_of=AS_OF,
        lots=BUDGET["lots"],
        assets={"QQQ": Asset(symbol="QQQ", min_order_notional=D(500))},
    )
    allocation = Allocation(
        target_weights={s: D(w) for s, w in BUDGET["weights"].items()}, correlation_id="tax"
    )
    policy = SizingPolicy(tax=TaxPolicy(max_realized_gain=D(300)))
    made = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert decisions(made) == [
        ("SPY", "SELL", "-1000.00", "-10.000000000", "REBALANCE"),
        ("IWM", "BUY", "1000.00", "10.000000000", "CASH_LIMITED"),
        ("QQQ", "HOLD", "0", "0", "GAIN_BUDGET"),
    ]
    assert made.tax is not None
    assert made.tax.net_gain == D("100.00")


# Rule 3 -------------------------------------------------------------------------------
def test_rule_3_a_short_term_gain_is_deferred_by_cutting_the_sale_to_the_other_lots() -> None:
    """Of the 15 shares to sell, lot b (short-term, 140 < 150) would realize a short-term
    gain: the sale is cut to lot a's 10 shares (1,500.00), and QQQ's buy to match."""
    made = plan(
        SPLIT, prices=PRICES, lots=TWO_LOTS, tax=TaxPolicy(defer_short_term_gains=True)
    ).unwrap()
    assert decisions(made) == [
        ("SPY", "SELL", "-1500.00", "-10.000000000", "SHORT_TERM_GAIN"),
        ("QQQ", "BUY", "1500.00", "15.000000000", "CASH_LIMITED"),
    ]
    assert sold(made) == [("a", "10", "1000.00", "500.00", "LONG")]


def test_rule_3_a_short_term_loss_is_not_deferred_and_a_liquidation_never() -> None:
    at_a_loss = {"SPY": (lot("a", 10, "100", OLD), lot("b", 10, "160", RECENT))}
    defer = TaxPolicy(defer_short_term_gains=True)
    made = plan(SPLIT, prices=PRICES, lots=at_a_loss, tax=defer).unwrap()
    assert decisions(made)[0][4] == "REBALANCE"  # a, then 5 of b at a loss: nothing to defer
    liquidated = plan(SPLIT, weights={"QQQ": "1"}, prices=PRICES, lots=TWO_LOTS, tax=defer).unwrap()
    assert decisions(liquidated)[0] == ("SPY", "SELL", "-3000.00", "-20", "LIQUIDATE")


# Rule 4 -------------------------------------------------------------------------------
def test_rule_4_a_buy_of_a_symbol_sold_at_a_loss_within_the_window_is_held() -> None:
    """QQQ was sold at a loss 14 days ago: its buy is held and the 1,000 stays in cash.
    A loss 31 days ago (IWM) is outside the 30-day window."""
    trades = (
        PastTrade(
            symbol="QQQ",
            action=Action.SELL,
            quantity=D(5),
            price=D(90),
            on=date(2024, 5, 20),
            realized_gain=D(-50),
        ),
        PastTrade(
            symbol="IWM",
            action=Action.SELL,
            quantity=D(5),
            price=D(90),
            on=date(2024, 5, 3),
            realized_gain=D(-50),
        ),
    )
    made = plan(
        weights={"QQQ": "0.5", "IWM": "0.5"},
        prices={"QQQ": 100, "IWM": 100},
        tax=TaxPolicy(),
        cash=2000,
        trades=trades,
    ).unwrap()
    assert decisions(made) == [
        ("IWM", "BUY", "1000.00", "10.000000000", "REBALANCE"),
        ("QQQ", "HOLD", "0", "0", "WASH_SALE"),
    ]
    assert made.cash_after == D("1000.00")


WASH: Account = {
    "weights": {"SPY": "0.75", "IWM": "0.25"},
    "positions": {"SPY": 20},
    "prices": {"SPY": 100, "IWM": 100},
}


def test_rule_4_a_loss_sale_takes_the_recent_lots_first_so_it_is_no_wash_sale() -> None:
    """Sell 5 of 20 SPY at 100. FIFO would sell 5 of lot a at a loss (cost 120) while lot
    b, bought 14 days ago, stays held: a wash sale. Relieving b first (cost 90) avoids it."""
    lots = {"SPY": (lot("a", 10, "120", OLD), lot("b", 10, "90", RECENT))}
    made = plan(WASH, lots=lots, tax=TaxPolicy()).unwrap()
    assert decisions(made)[0] == ("SPY", "SELL", "-500.00", "-5.000000000", "REBALANCE")
    assert sold(made) == [("b", "5", "450.00", "50.00", "SHORT")]


def test_rule_4_a_loss_sale_no_choice_of_lots_saves_is_held() -> None:
    """Both lots are at a loss and b is recent: any 5 shares leave some of b held after a
    loss. The sale is held, and IWM's buy, which it would have paid for, is cut to 0."""
    lots = {"SPY": (lot("a", 10, "120", OLD), lot("b", 10, "110", RECENT))}
    made = plan(WASH, lots=lots, tax=TaxPolicy()).unwrap()
    assert decisions(made) == [
        ("IWM", "HOLD", "0", "0", "CASH_LIMITED"),
        ("SPY", "HOLD", "0", "0", "WASH_SALE"),
    ]
    assert made.tax == TaxReport(
        sales=(), short_term_gain=D("0.00"), long_term_gain=D("0.00"), estimated_tax=D("0.00")
    )


def test_rule_4_a_window_of_zero_days_looks_at_today_only() -> None:
    lots = {"SPY": (lot("a", 10, "120", OLD), lot("b", 10, "110", RECENT))}
    made = plan(WASH, lots=lots, tax=TaxPolicy(wash_sale_days=0)).unwrap()
    assert sold(made) == [("a", "5", "600.00", "-100.00", "LONG")]


# Rule 5 -------------------------------------------------------------------------------
GOOD = lot("a", 10, "100", OLD)


@pytest.mark.parametrize(
    ("lots", "positions", "message"),
    [
        ({"SPY": (GOOD,)}, {"SPY": 20}, "sum exactly"),
        ({"SPY": (GOOD,), "QQQ": (GOOD,)}, {"SPY": 10}, "not held"),
        ({"SPY": (GOOD,)}, {"SPY": -10}, "short position"),
        ({"SPY": (TaxLot(quantity=D(-10), cost=D(1), acquired=OLD),)}, {"SPY": 10}, "quantity"),
        ({"SPY": (TaxLot(quantity=D(10), cost=D("NaN"), acquired=OLD),)}, {"SPY": 10}, "cost"),
        (
            {"SPY": (TaxLot(quantity=D(10), cost=D(1), acquired=date(2024, 7, 1)),)},
            {"SPY": 10},
            "after",
        ),
        ({"SPY": ("a lot",)}, {"SPY": 10}, "TaxLot"),
    ],
)
def test_rule_5_bad_lots_are_a_failure_naming_the_symbol(
    lots: dict[str, tuple[TaxLot, ...]], positions: dict[str, int], message: str
) -> None:
    error = plan(
        weights={"SPY": "0.5"}, positions=positions, prices={"SPY": 100, "QQQ": 100}, lots=lots,
        tax=TaxPolicy(), cash=10000,
    ).failure()  # fmt: skip
    assert error.kind is ErrorKind.INVALID_SNAPSHOT
    assert message in error.message
    assert error.context["symbol"] in {"SPY", "QQQ"}


def test_rule_5_lots_need_an_as_of_and_a_past_trade_needs_good_fields() -> None:
    allocation = Allocation(target_weights={"SPY": D("0.5")}, correlation_id="tax")
    undated = Snapshot(
        cash=D(0), positions={"SPY": D(10)}, prices={"SPY": D(1)}, lots={"SPY": (GOOD,)}
    )
    error = plan_rebalance(allocation, undated, SizingPolicy(tax=TaxPolicy())).failure()
    assert (error.kind, "as_of" in error.message) == (ErrorKind.INVALID_SNAPSHOT, True)
    bad = PastTrade(symbol="QQQ", action=Action.HOLD, quantity=D(1), price=D(1), on=OLD)
    error = plan(
        weights={"SPY": "1"},
        positions={},
        prices={"SPY": 1},
        lots={},
        tax=TaxPolicy(),
        cash=5,
        trades=(bad,),
    ).failure()
    assert (error.kind, error.context["symbol"], error.context["field"]) == (
        ErrorKind.INVALID_SNAPSHOT,
        "QQQ",
        "action",
    )


def test_rule_5_a_past_trade_after_the_snapshots_date_is_refused_as_a_lot_is() -> None:
    # The account cannot have traded after its own as_of (a wrong year, a time zone):
    # silently left out of the window, a loss sale dated 2024-07-01 held no buy.
    def traded(on: date) -> Result[RebalancePlan, PortfolioError]:
        sale = PastTrade(
            symbol="qqq", action=Action.SELL, quantity=D(1), price=D(1), on=on, realized_gain=D(-5)
        )
        return plan(
            weights={"QQQ": "1"}, positions={}, prices={"QQQ": 1}, lots={}, tax=TaxPolicy(),
            cash=5, trades=(sale,),
        )  # fmt: skip

    error = traded(date(2024, 7, 1)).failure()
    assert error.kind is ErrorKind.INVALID_SNAPSHOT
    assert error.message == "a past trade cannot be on a date after the snapshot's as_of"
    assert (error.context["symbol"], error.context["on"]) == ("qqq", "2024-07-01")
    # On the snapshot's own date it is a recent loss sale: the buy is held (rule 4).
    (item,) = traded(AS_OF.date()).unwrap().items
    assert (item.action, item.reason) == (Action.HOLD, Reason.WASH_SALE)


@pytest.mark.parametrize(
    ("tax", "field"),
    [
        (TaxPolicy(max_realized_gain=D(-1)), "tax.max_realized_gain"),
        (TaxPolicy(short_term_rate=D("1.01")), "tax.short_term_rate"),
        (TaxPolicy(long_term_rate=D("NaN")), "tax.long_term_rate"),
        (TaxPolicy(wash_sale_days=-1), "tax.wash_sale_days"),
        (TaxPolicy(wash_sale_days=True), "tax.wash_sale_days"),
        (TaxPolicy(method="FIFO"), "tax.method"),  # type: ignore[arg-type]
        (TaxPolicy(defer_short_term_gains=1), "tax.defer_short_term_gains"),  # type: ignore[arg-type]
        ("FIFO", "tax"),
    ],
)
def test_rule_5_a_bad_tax_policy_is_invalid_policy_naming_the_field(
    tax: object, field: str
) -> None:
    given: TaxPolicy = tax  # type: ignore[assignment] # deliberately not a TaxPolicy
    error = plan(weights={"SPY": "1"}, positions={}, prices={"SPY": 1}, tax=given, cash=5).failure()
    assert (error.kind, error.context["field"]) == (ErrorKind.INVALID_POLICY, field)


def test_without_a_tax_policy_lots_and_trades_are_ignored() -> None:
    with_lots = plan(SPLIT, prices=PRICES, lots={"SPY": (GOOD,)}).unwrap()  # lots wrong, unread
    without = plan(SPLIT, prices=PRICES, lots={}).unwrap()
    assert with_lots == without
    assert with_lots.tax is None


def test_a_sale_without_lots_is_reported_as_unknown_basis() -> None:
    made = plan(SPLIT, prices=PRICES, lots={}, tax=TaxPolicy(max_realized_gain=D(0))).unwrap()
    assert decisions(made)[0] == ("SPY", "SELL", "-2250.00", "-15.000000000", "REBALANCE")
    assert made.tax is not None
    assert (made.tax.sales, made.tax.unknown_basis) == ((), ("SPY",))


def test_the_plan_id_names_the_tax_policy() -> None:
    fifo = plan(SPLIT, prices=PRICES, lots=TWO_LOTS, tax=TaxPolicy()).unwrap()
    lifo = plan(SPLIT, prices=PRICES, lots=TWO_LOTS, tax=TaxPolicy(method=LotMethod.LIFO)).unwrap()
    untaxed = plan(SPLIT, prices=PRICES, lots=TWO_LOTS).unwrap()
    assert len({fifo.plan_id, lifo.plan_id, untaxed.plan_id}) == 3
    assert fifo == plan(SPLIT, prices=PRICES, lots=TWO_LOTS, tax=TaxPolicy()).unwrap()


def test_a_rate_of_0_3_or_0_30_names_the_same_plan() -> None:
    """Equal policies name one plan (orders take their client ids from it): a file that only
    writes 0.3 as 0.30 re-runs the plan. FIFO sells 15 SPY: lot a's 10 (long-term, gain
    500) and 5 of lot b (short-term, gain 5 × 10 = 50), taxed 50 × 0.3 = 15."""
    made = {
        rate: plan(
            SPLIT, prices=PRICES, lots=TWO_LOTS, tax=TaxPolicy(short_term_rate=D(rate))
        ).unwrap()
        for rate in ("0.3", "0.30", "3E-1", "0.31")
    }
    assert {p.tax.estimated_tax for p in made.values() if p.tax is not None} == {D(15), D("15.5")}
    assert made["0.3"].plan_id == made["0.30"].plan_id == made["3E-1"].plan_id
    assert made["0.31"].plan_id != made["0.3"].plan_id


# JSON ---------------------------------------------------------------------------------
def test_a_taxed_plan_round_trips_through_json_and_follows_the_schema() -> None:
    tax = TaxPolicy(method=LotMethod.HIFO, max_realized_gain=D("250.5"), short_term_rate=D("0.3"))
    made = plan(SPLIT, prices=PRICES, lots=TWO_LOTS, tax=tax).unwrap()
    document = json.loads(made.to_json())
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document["policy"]["tax"]["method"] == "HIFO"
    assert document["tax"]["sales"][0] == {
        "symbol": "SPY", "lot_id": "b", "acquired": "2024-05-20", "quantity": "10",
        "proceeds": "1500.00", "cost": "1400.00", "gain": "100.00", "term": "SHORT",
    }  # fmt: skip
    assert RebalancePlan.from_json(made.to_json()).unwrap() == made
    assert isinstance(made.tax, TaxReport)
    assert all(isinstance(sale, LotSale) for sale in made.tax.sales)


def test_a_version_1_plan_still_reads_without_a_tax_report() -> None:
    made = plan(SPLIT, prices=PRICES, lots={}).unwrap()
    document = json.loads(made.to_json())
    document["schema_version"] = 1
    del document["tax"]
    assert RebalancePlan.from_json(json.dumps(document)).unwrap() == made


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda doc: doc["tax"]["sales"][0].update(term="MEDIUM"), "tax.sales[0].term"),
        (lambda doc: doc["tax"]["sales"][0].update(acquired="May 20"), "tax.sales[0].acquired"),
        (lambda doc: doc["policy"]["tax"].update(wash_sale_days=-3), "policy.tax.wash_sale_days"),
        (lambda doc: doc["policy"]["tax"].update(colour="red"), "policy.tax.colour"),
    ],
)
def test_a_bad_tax_document_names_its_field(change: object, field: str) -> None:
    made = plan(SPLIT, prices=PRICES, lots=TWO_LOTS, tax=TaxPolicy()).unwrap()
    document = json.loads(made.to_json())
    change(document)  # type: ignore[operator]
    error = RebalancePlan.from_json(json.dumps(document)).failure()
    assert (error.kind, error.context["field"]) == (ErrorKind.INVALID_PLAN, field)


def funding(tax: TaxPolicy | None, acquired: date = OLD) -> RebalancePlan:
    """docs/policy.md's fractional holding that funds a whole lot: 17.280682 F0 at
    12,649.32 and 17,419.11 in cash, W0 a whole share of 36,578.34; here F0's lots cost
    10,000 (2,649.32 of gain a share): 7.28 shares long-held, the rest bought `acquired`."""
    snapshot = Snapshot(
        cash=D("17419.11"),
        positions={"F0": D("17.280682")},
        prices={"W0": D("36578.34"), "F0": D("12649.32")},
        assets={"W0": Asset(symbol="W0", fractionable=False)},
        as_of=AS_OF,
        lots={
            "F0": (
                TaxLot(quantity=D("7.28"), cost=D(10000), acquired=OLD, lot_id="old"),
                TaxLot(quantity=D("10.000682"), cost=D(10000), acquired=acquired, lot_id="new"),
            )
        },
    )
    weights = {"W0": D("0.462606"), "F0": D("0.537394")}
    allocation = Allocation(target_weights=weights, correlation_id="tax")
    return plan_rebalance(allocation, snapshot, SizingPolicy(tax=tax)).unwrap()


@pytest.mark.parametrize(
    "tax",
    [TaxPolicy(max_realized_gain=D(19250)), TaxPolicy(defer_short_term_gains=True)],
    ids=["budget", "deferral"],
)
def test_a_holding_with_lots_funds_no_whole_lot_beyond_its_sale_to_target(tax: TaxPolicy) -> None:
    """Untaxed, F0 sells its 91,759.60 to target and 556.31 more for a third W0 (7.298092704
    shares). That further sale relieved lots no tax rule chose: 19,334.98 of gain over a
    budget of 19,250, or 0.018092704 shares of the lot bought 2024-05-20 (a deferred
    short-term gain). Under the rules F0 sells to its target only, from the old lot
    (7.254113264 shares, 19,218.47 of gain), and the cash buys two W0."""
    untaxed = funding(None)
    assert [(i.symbol, str(i.quantity)) for i in untaxed.trades] == [
        ("F0", "-7.298092704"),
        ("W0", "3"),
    ]
    made = funding(tax, acquired=RECENT)
    assert decisions(made) == [
        ("F0", "SELL", "-91759.60", "-7.254113264", "REBALANCE"),
        ("W0", "BUY", "73156.68", "2", "REBALANCE"),
    ]
    assert sold(made) == [("old", "7.254113264", "72541.13", "19218.47", "LONG")]


def spy_to_qqq(lots: Mapping[str, tuple[TaxLot, ...]]) -> tuple[Allocation, Snapshot]:
    """SPY 20 shares at 150 (3,000, no cash) to 25 % SPY / 75 % QQQ at 100."""
    snapshot = Snapshot(
        cash=D(0),
        positions={"SPY": D(20)},
        prices={"SPY": D(150), "QQQ": D(100)},
        as_of=AS_OF,
        lots=lots,
    )
    allocation = Allocation(
        target_weights={"SPY": D("0.25"), "QQQ": D("0.75")}, correlation_id="tax"
    )
    return allocation, snapshot


def whole_shares(lots: Mapping[str, tuple[TaxLot, ...]], tax: TaxPolicy) -> RebalancePlan:
    """`spy_to_qqq` in whole shares: untaxed, sell 15 SPY (2,250) and buy 22 QQQ (2,200;
    22.5 wanted)."""
    allocation, snapshot = spy_to_qqq(lots)
    policy = SizingPolicy(fractional=False, tax=tax)
    return plan_rebalance(allocation, snapshot, policy).unwrap()


def test_a_whole_share_sale_the_budget_binds_is_cut_in_whole_shares() -> None:
    """Rule 2 on whole shares (docs/tax.md): FIFO sells lot a first (cost 100: 50 a
    share of long-term gain); a budget of 100 keeps 2 shares (300), which buy 3 QQQ."""
    made = whole_shares(TWO_LOTS, TaxPolicy(max_realized_gain=D(100)))
    assert decisions(made) == [
        ("SPY", "SELL", "-300.00", "-2", "GAIN_BUDGET"),
        ("QQQ", "BUY", "300.00", "3", "CASH_LIMITED"),
    ]
    assert sold(made) == [("a", "2", "200.00", "100.00", "LONG")]
    assert made.tax is not None
    assert (made.tax.net_gain, made.tax.over_budget, made.cash_after) == (D(100), D(0), D(0))


def test_a_whole_share_sale_of_short_term_gains_is_cut_to_the_other_lots() -> None:
    """Rule 3 on whole shares: lot b (cost 140, bought 2024-05-20) would realize a
    short-term gain at 150, so the 15-share sale keeps lot a's 10 (1,500: 15 QQQ)."""
    made = whole_shares(TWO_LOTS, TaxPolicy(defer_short_term_gains=True))
    assert decisions(made) == [
        ("SPY", "SELL", "-1500.00", "-10", "SHORT_TERM_GAIN"),
        ("QQQ", "BUY", "1500.00", "15", "CASH_LIMITED"),
    ]
    assert sold(made) == [("a", "10", "1000.00", "500.00", "LONG")]


def test_a_whole_share_sale_no_lots_can_keep_from_a_wash_sale_is_held() -> None:
    """Rule 4 on whole shares: every lot is at a loss at 150 (a: 2 at 200; b: 18 at 160,
    bought within 30 days), and any 15 shares leave at least 3 of b: the sale is held,
    and without its proceeds QQQ cannot be bought."""
    lots = {"SPY": (lot("a", 2, "200", OLD), lot("b", 18, "160", RECENT))}
    made = whole_shares(lots, TaxPolicy())
    assert decisions(made) == [
        ("QQQ", "HOLD", "0", "0", "CASH_LIMITED"),
        ("SPY", "HOLD", "0", "0", "WASH_SALE"),
    ]
    assert made.tax is not None
    assert made.tax.sales == ()


def test_a_whole_share_buy_of_a_symbol_sold_at_a_loss_is_held() -> None:
    """Rule 4 on whole-share buys: QQQ was sold at a loss on 2024-05-25 (within 30
    days), so the 22 QQQ are not bought (WASH_SALE). The 15 SPY the rules saw sold
    stand as they were (docs/tax.md), and their 2,250 stay in cash."""
    loss = PastTrade(
        symbol="QQQ",
        action=Action.SELL,
        quantity=D(3),
        price=D(100),
        on=date(2024, 5, 25),
        realized_gain=D(-5),
    )
    snapshot = Snapshot(
        cash=D(0),
        positions={"SPY": D(20)},
        prices={"SPY": D(150), "QQQ": D(100)},
        as_of=AS_OF,
        lots=TWO_LOTS,
        recent_trades=(loss,),
    )
    allocation = Allocation(
        target_weights={"SPY": D("0.25"), "QQQ": D("0.75")}, correlation_id="tax"
    )
    policy = SizingPolicy(fractional=False, tax=TaxPolicy())
    made = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert decisions(made) == [
        ("SPY", "SELL", "-2250.00", "-15", "REBALANCE"),
        ("QQQ", "HOLD", "0", "0", "WASH_SALE"),
    ]
    assert made.cash_after == D("2250.00")


def test_a_buy_only_whole_share_buy_of_a_symbol_sold_at_a_loss_is_held() -> None:
    """Rule 4 in the buy-only mode, whose strategy sizes its own whole lots: QQQ was sold
    at a loss on 2024-05-25, so its 22 shares (2,200 of the 3,000 deposit's 0.75 target
    2,250) are not bought (WASH_SALE); SPY, fractional, buys its 750.00, and the rest of
    the deposit stays in cash. (Before, only the rebalance mode held it.)"""
    loss = PastTrade(
        symbol="QQQ",
        action=Action.SELL,
        quantity=D(3),
        price=D(100),
        on=date(2024, 5, 25),
        realized_gain=D(-5),
    )
    snapshot = Snapshot(
        cash=D(3000),
        prices={"SPY": D(150), "QQQ": D(100)},
        assets={"QQQ": Asset(symbol="QQQ", fractionable=False)},
        as_of=AS_OF,
        recent_trades=(loss,),
    )
    allocation = Allocation(
        target_weights={"SPY": D("0.25"), "QQQ": D("0.75")}, correlation_id="tax"
    )
    policy = SizingPolicy(mode=Mode.BUY_ONLY, tax=TaxPolicy())
    made = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert decisions(made) == [
        ("SPY", "BUY", "750.00", "5.000000000", "REBALANCE"),
        ("QQQ", "HOLD", "0", "0", "WASH_SALE"),
    ]
    assert made.cash_after == D("2250.00")


def test_a_whole_share_sale_no_rule_binds_is_the_untaxed_plans() -> None:
    """No budget, nothing deferred, no wash sale: 15 SPY sold (lots a 10 and b 5 by
    FIFO: 500 long-term, 50 short-term), 22 QQQ bought, as without a tax policy."""
    made = whole_shares(TWO_LOTS, TaxPolicy())
    assert decisions(made) == [
        ("SPY", "SELL", "-2250.00", "-15", "REBALANCE"),
        ("QQQ", "BUY", "2200.00", "22", "REBALANCE"),
    ]
    assert sold(made) == [
        ("a", "10", "1000.00", "500.00", "LONG"),
        ("b", "5", "700.00", "50.00", "SHORT"),
    ]


def test_a_whole_share_cut_that_rests_on_a_loss_keeps_that_loss() -> None:
    """A budget of 0: DDD's 8 shares realize a loss of 8 × (11.29 − 86.14) = −598.80,
    which lets CCC (149.70 of gain a share) keep 4 shares (+598.80). Both sales stand as
    the rules saw them (sizing DDD again once CCC was cut sold only 5 and broke the
    budget), and the 689.16 buy 173 AAA at 3.97 (686.81)."""
    snapshot = Snapshot(
        cash=D(0),
        positions={"CCC": D("6.525"), "DDD": D(8)},
        prices={"AAA": D("3.97"), "CCC": D("149.71"), "DDD": D("11.29")},
        as_of=AS_OF,
        lots={
            "CCC": (TaxLot(quantity=D("6.525"), cost=D("0.01"), acquired=OLD, lot_id="c"),),
            "DDD": (lot("d", 8, "86.14", OLD),),
        },
    )
    allocation = Allocation(
        target_weights={"AAA": D("0.9259"), "CCC": D("0.0370"), "DDD": D("0.0370")},
        correlation_id="tax",
    )
    policy = SizingPolicy(fractional=False, tax=TaxPolicy(max_realized_gain=D(0)))
    made = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert decisions(made) == [
        ("CCC", "SELL", "-598.84", "-4", "GAIN_BUDGET"),
        ("DDD", "SELL", "-90.32", "-8", "REBALANCE"),
        ("AAA", "BUY", "686.81", "173", "CASH_LIMITED"),
    ]
    assert made.tax is not None
    assert made.tax.net_gain == 0


def test_a_whole_share_sale_the_budget_held_is_offered_again_after_a_later_loss() -> None:
    """A budget of 0, whole shares, V = 300 + 200 = 500 at 100 a share: A 20 % (100),
    B 30 % (150), C 50 % (250). The lots sell 2 A (50 of long-term gain a share) for 2 C,
    and the budget holds A; sized again without A's proceeds, B sells 1 share at a loss
    of 50 for 1 C. That loss leaves room for 1 A (+50): A is offered again and sells it,
    and the 200 buy 2 C. Before, A stayed held and the plan realized −50, the budget's
    room unused."""
    snapshot = Snapshot(
        cash=D(0),
        positions={"A": D(3), "B": D(2)},
        prices={"A": D(100), "B": D(100), "C": D(100)},
        as_of=AS_OF,
        lots={"A": (lot("a", 3, "50", OLD),), "B": (lot("b", 2, "150", OLD),)},
    )
    allocation = Allocation(
        target_weights={"A": D("0.2"), "B": D("0.3"), "C": D("0.5")}, correlation_id="tax"
    )
    policy = SizingPolicy(fractional=False, tax=TaxPolicy(max_realized_gain=D(0)))
    made = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert decisions(made) == [
        ("A", "SELL", "-100.00", "-1", "GAIN_BUDGET"),
        ("B", "SELL", "-100.00", "-1", "REBALANCE"),
        ("C", "BUY", "200.00", "2", "REBALANCE"),
    ]
    assert sold(made) == [
        ("a", "1", "50.00", "50.00", "LONG"),
        ("b", "1", "150.00", "-50.00", "LONG"),
    ]
    assert made.tax is not None
    assert (made.tax.net_gain, made.tax.over_budget, made.cash_after) == (D(0), D(0), D(0))


def test_a_whole_share_sale_the_budget_held_takes_the_room_a_later_cuts_loss_leaves() -> None:
    """A budget of 0, whole shares, V = 1,000 + 2,200 = 3,200 at 100 a share: C sells 5
    (10 of gain a share: 0.10 per dollar), D 10 (FIFO: d1's 2 at a loss of 50 each, then
    8 of d2 at 90 each: 620, 0.62 per dollar), E buys 15. Rule 2 takes C first: 50 does
    not fit 0, so C is held; D keeps 3 shares (the 2 at a loss and 1 of d2: −10), which
    leaves 10. C is offered that again and sells 1 (+10); the 400 buy 4 E. Before, C
    stayed held and the plan realized −10."""
    snapshot = Snapshot(
        cash=D(0),
        positions={"C": D(10), "D": D(22)},
        prices={"C": D(100), "D": D(100), "E": D(100)},
        as_of=AS_OF,
        lots={
            "C": (lot("c", 10, "90", OLD),),
            "D": (lot("d1", 2, "150", date(2022, 1, 5)), lot("d2", 20, "10", OLD)),
        },
    )
    allocation = Allocation(
        target_weights={"C": D("0.15625"), "D": D("0.375"), "E": D("0.46875")},
        correlation_id="tax",
    )
    policy = SizingPolicy(fractional=False, tax=TaxPolicy(max_realized_gain=D(0)))
    made = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert decisions(made) == [
        ("C", "SELL", "-100.00", "-1", "GAIN_BUDGET"),
        ("D", "SELL", "-300.00", "-3", "GAIN_BUDGET"),
        ("E", "BUY", "400.00", "4", "CASH_LIMITED"),
    ]
    assert sold(made) == [
        ("c", "1", "90.00", "10.00", "LONG"),
        ("d1", "2", "300.00", "-100.00", "LONG"),
        ("d2", "1", "10.00", "90.00", "LONG"),
    ]
    assert made.tax is not None
    assert (made.tax.net_gain, made.tax.over_budget, made.cash_after) == (D(0), D(0), D(0))


def test_a_fractional_sale_the_budget_held_takes_the_room_a_whole_lot_loss_leaves() -> None:
    """A budget of 0, V = 1,000 + 300 = 1,300 at 100 a share, no cash: F (fractional, one
    lot at 50: 50 of gain a share) targets 50 % (sell 3.5), W (whole shares, one lot at
    150: a loss of 50 a share) 10 % (sell 2), X (whole shares) 40 %. F is decided first
    and held (its first share's gain does not fit 0); the whole-lot step then sells 2 W
    at a loss of 100. That loss is room for 2 F (+100), offered again: the plan realizes
    0 and the 200 + 200 buy 4 X. Before, F stayed held and the plan realized −100, the
    budget's room unused (found by a brute-force check of rule 2)."""
    snapshot = Snapshot(
        cash=D(0),
        positions={"F": D(10), "W": D(3)},
        prices={"F": D(100), "W": D(100), "X": D(100)},
        as_of=AS_OF,
        lots={"F": (lot("f", 10, "50", OLD),), "W": (lot("w", 3, "150", OLD),)},
        assets={
            "W": Asset(symbol="W", fractionable=False),
            "X": Asset(symbol="X", fractionable=False),
        },
    )
    allocation = Allocation(
        target_weights={"F": D("0.5"), "W": D("0.1"), "X": D("0.4")}, correlation_id="tax"
    )
    made = plan_rebalance(
        allocation, snapshot, SizingPolicy(tax=TaxPolicy(max_realized_gain=D(0)))
    ).unwrap()
    sales = {i.symbol: i.quantity for i in made.items if i.action is Action.SELL}
    assert sales == {"F": D(-2), "W": D(-2)}
    assert [(i.symbol, i.quantity, i.reason) for i in made.items if i.action is Action.BUY] == [
        ("X", D(4), Reason.CASH_LIMITED)
    ]
    assert made.tax is not None
    assert (made.tax.net_gain, made.cash_after) == (D(0), D(0))


# The lots a sale relieves, for the item it ends as ----------------------------------
def test_a_sale_sized_again_after_its_lots_were_chosen_relieves_lots_for_its_new_size() -> None:
    """`sold_lots` takes the lots chosen for a sale only for the item they were chosen for.
    FIFO sells 15 SPY: lot a's 10 and 5 of lot b; the same sale sized again to 12 shares
    (a new item) relieves a's 10 and 2 of b, and one of the same 15 shares written anew
    relieves what the choice did."""
    allocation, snapshot = spy_to_qqq(TWO_LOTS)
    planner = Planner.prepare(allocation, SizingPolicy(tax=TaxPolicy())).unwrap()
    inputs = tax_inputs(snapshot, TaxPolicy()).unwrap()
    with decimal.localcontext(CORE_CONTEXT):
        made = planner.plan_trusted(
            (snapshot.positions, snapshot.cash), snapshot.prices, snapshot.as_of, inputs
        ).unwrap()
    (sale,) = (item for item in made.items if item.action is Action.SELL)
    assert sale.quantity == D(-15)

    def relieved(item: PlanItem) -> list[tuple[str, D]]:
        edited = attrs.evolve(made, items=tuple(item if i is sale else i for i in made.items))
        sold, _ = sold_lots(edited, inputs)
        return [(lot.lot_id, shares) for lot, shares, _, _ in sold["SPY"]]

    assert relieved(sale) == [("a", D(10)), ("b", D(5))]
    assert relieved(sale._replace(quantity=D(-12))) == [("a", D(10)), ("b", D(2))]
    assert relieved(sale._replace(quantity=D("-15.0"))) == [("a", D(10)), ("b", D(5))]


# The pure fill keeps no lot books ---------------------------------------------------
def test_an_account_filled_by_fill_plan_has_no_lots_and_a_taxed_plan_of_it_says_so() -> None:
    """10 SPY in two lots (5 at 80, 5 at 120), 100 in cash, SPY at 100; SPY to 50 %, the
    rest QQQ: V = 1,100, SPY sells 4.5 (FIFO: 4.5 of the lot at 80, +90 of gain).
    `fill_plan` keeps no lot books: its account has no lots or recent trades, and a taxed
    plan of it that sells SPY again names SPY's basis unknown instead of refusing."""
    snapshot = Snapshot(
        cash=D(100),
        positions={"SPY": D(10)},
        prices={"SPY": D(100), "QQQ": D(100)},
        as_of=AS_OF,
        lots={"SPY": (lot("a", 5, "80", OLD), lot("b", 5, "120", OLD))},
    )
    policy = SizingPolicy(tax=TaxPolicy())
    half = Allocation(target_weights={"SPY": D("0.5"), "QQQ": D("0.5")}, correlation_id="t")
    made = plan_rebalance(half, snapshot, policy).unwrap()
    assert made.tax is not None
    assert (made.tax.long_term_gain, made.tax.unknown_basis) == (D("90.00"), ())
    after = fill_plan(snapshot, made).unwrap().snapshot
    assert (after.positions["SPY"], after.lots, after.recent_trades) == (D("5.5"), {}, ())
    fifth = Allocation(target_weights={"SPY": D("0.2"), "QQQ": D("0.8")}, correlation_id="t")
    again = plan_rebalance(fifth, after, policy).unwrap()
    assert again.tax is not None
    assert again.tax.unknown_basis == ("SPY",)
