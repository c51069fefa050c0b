"""Asset facts: the lot a symbol trades in, the broker's minimum order, and bad facts."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from typing import Any

import attrs
import jsonschema
import pytest
from core_strategies import accounts, policies
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Result

from portfolio import (
    Action,
    Allocation,
    Asset,
    ErrorKind,
    PortfolioError,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    plan_rebalance,
)
from portfolio.records.asset_facts import quantity_step

D = Decimal
BTC = Asset(symbol="BTC/USD", asset_class="crypto", quantity_increment=D("0.0001"))


def plan(
    weights: dict[str, str], snapshot: Snapshot, **policy: object
) -> Result[RebalancePlan, PortfolioError]:
    allocation = Allocation(
        target_weights={s: D(w) for s, w in weights.items()}, correlation_id="facts"
    )
    return plan_rebalance(allocation, snapshot, SizingPolicy(**policy))  # type: ignore[arg-type]


def line(result: Result[RebalancePlan, PortfolioError], symbol: str) -> tuple[object, ...]:
    found = next(i for i in result.unwrap().items if i.symbol == symbol)
    return found.action, found.quantity, found.trade_amount, found.reason


@pytest.mark.parametrize(
    ("asset", "fractional", "step"),
    [
        (None, True, None),
        (None, False, D(1)),
        (BTC, False, D("0.0001")),
        (BTC, True, D("0.0001")),
        (Asset(symbol="ETH/USD", asset_class="crypto"), False, None),
        (Asset(symbol="BRK.A", fractionable=False), True, D(1)),
        (Asset(symbol="LOT", fractionable=False, quantity_increment=D(5)), True, D(5)),
        (Asset(symbol="SPY"), False, D(1)),
        (Asset(symbol="SPY", quantity_increment=D("0.001")), True, D("0.001")),
        (Asset(symbol="SPY", quantity_increment=D("1E-9")), True, None),
    ],
)
def test_the_lot_each_asset_trades_in(
    asset: Asset | None, fractional: bool, step: Decimal | None
) -> None:
    assert quantity_step(asset, fractional=fractional) == step


def test_crypto_trades_in_its_increment_under_a_whole_share_policy() -> None:
    # 1,000 of BTC at 60,000 in steps of 0.0001 (6.00 a step): 166 steps = 0.0166 = 996.00.
    snapshot = Snapshot(cash=D(1000), prices={"BTC/USD": D(60000)}, assets={"BTC/USD": BTC})
    result = plan({"BTC/USD": "1"}, snapshot, fractional=False)
    assert line(result, "BTC/USD") == (Action.BUY, D("0.0166"), D("996.00"), Reason.REBALANCE)


def test_a_trade_below_the_broker_minimum_is_held() -> None:
    # Target 10.50, held 10.00: 0.50 to buy, under Alpaca's 1.00 for fractional orders.
    facts = {"SPY": Asset(symbol="SPY", min_order_notional=D(1))}
    snapshot = Snapshot(
        cash=D("0.50"), positions={"SPY": D(1)}, prices={"SPY": D(10)}, assets=facts
    )
    result = plan({"SPY": "1"}, snapshot, min_trade_amount=D(0))
    assert line(result, "SPY") == (Action.HOLD, D(0), D(0), Reason.BELOW_BROKER_MINIMUM)


def test_a_liquidation_is_never_blocked_by_the_broker_minimum() -> None:
    facts = {"DUST": Asset(symbol="DUST", min_order_notional=D(1))}
    snapshot = Snapshot(
        cash=D(0), positions={"DUST": D("0.004")}, prices={"DUST": D(100)}, assets=facts
    )
    result = plan({}, snapshot)
    assert line(result, "DUST") == (Action.SELL, D("-0.004"), D("-0.40"), Reason.LIQUIDATE)


def test_a_whole_lot_sale_below_the_broker_minimum_is_held() -> None:
    # Held 0.01 BTC = 600.00, target 592.00: one 6.00 step to sell, under a minimum of 10.
    facts = {"BTC/USD": attrs.evolve(BTC, min_order_notional=D(10))}
    snapshot = Snapshot(
        cash=D(0), positions={"BTC/USD": D("0.01")}, prices={"BTC/USD": D(60000)}, assets=facts
    )
    result = plan({"BTC/USD": "0.98666"}, snapshot)  # 0.98666 × 600 = 591.996 → 592.00
    assert line(result, "BTC/USD") == (Action.HOLD, D(0), D(0), Reason.BELOW_BROKER_MINIMUM)


def test_a_buy_scaled_below_the_broker_minimum_is_held() -> None:
    # V given as 100, cash 6: buys of 50 and 50 scale to 3.00 each, under a minimum of 5.
    facts = {s: Asset(symbol=s, min_order_notional=D(5)) for s in ("A", "B")}
    snapshot = Snapshot(cash=D(6), prices={"A": D(10), "B": D(10)}, assets=facts)
    allocation = Allocation(
        target_weights={"A": D("0.5"), "B": D("0.5")},
        correlation_id="facts",
        portfolio_value=D(100),
    )
    items = plan_rebalance(allocation, snapshot).unwrap().items
    assert [(i.symbol, i.action, i.reason) for i in items] == [
        ("A", Action.HOLD, Reason.BELOW_BROKER_MINIMUM),
        ("B", Action.HOLD, Reason.BELOW_BROKER_MINIMUM),
    ]


@pytest.mark.parametrize(
    ("fact", "value"),
    [
        ("quantity_increment", D(0)),
        ("quantity_increment", D(-1)),
        ("quantity_increment", D("NaN")),
        ("quantity_increment", D("Infinity")),
        ("quantity_increment", 0.5),
        ("min_order_notional", D(-1)),
        ("min_order_notional", D("NaN")),
        ("min_order_notional", D("-Infinity")),
        ("asset_class", ""),
        ("asset_class", 7),
    ],
)
def test_bad_asset_facts_are_a_failure_naming_field_and_symbol(fact: str, value: object) -> None:
    changes: dict[str, Any] = {fact: value}
    bad = attrs.evolve(BTC, **changes)
    snapshot = Snapshot(cash=D(100), prices={"BTC/USD": D(10)}, assets={"BTC/USD": bad})
    error = plan({"BTC/USD": "1"}, snapshot).failure()
    assert (error.kind, error.context["field"], error.context["symbols"]) == (
        ErrorKind.INVALID_SNAPSHOT,
        fact,
        "BTC/USD",
    )


@st.composite
def accounts_with_minimums(draw: st.DrawFn) -> tuple[Allocation, Snapshot]:
    """Accounts whose assets carry broker minimums, and some of them crypto increments."""
    allocation, snapshot = draw(accounts())
    facts = {
        s: attrs.evolve(
            a,
            min_order_notional=draw(st.sampled_from([D(0), D(1), D(10)])),
            quantity_increment=draw(st.sampled_from([None, D("0.001"), D("0.5")])),
            asset_class=draw(st.sampled_from(["us_equity", "crypto"])),
        )
        for s, a in snapshot.assets.items()
    }
    return allocation, attrs.evolve(snapshot, assets=facts)


@given(accounts_with_minimums(), policies)
def test_no_order_is_below_the_broker_minimum_except_a_liquidation(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy
) -> None:
    """The broker would reject it; closing a position must still happen in full."""
    allocation, snapshot = account
    for item in plan_rebalance(allocation, snapshot, policy).unwrap().trades:
        asset = snapshot.assets.get(item.symbol)
        if asset is not None and item.reason is not Reason.LIQUIDATE:
            assert abs(item.trade_amount) >= asset.min_order_notional, item


@given(accounts_with_minimums(), policies)
def test_whole_lot_trades_are_multiples_of_the_lot(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy
) -> None:
    """Brokers reject whole-share and crypto orders off the asset's increment."""
    allocation, snapshot = account
    for item in plan_rebalance(allocation, snapshot, policy).unwrap().trades:
        step = quantity_step(snapshot.assets.get(item.symbol), fractional=policy.fractional)
        if step is not None and item.reason is not Reason.LIQUIDATE:
            assert item.quantity % step == 0, item


@given(accounts_with_minimums(), policies)
def test_buys_stay_within_cash_with_asset_facts(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy
) -> None:
    """Whole lots and fractional buys together never spend more than the cash and the sales."""
    allocation, snapshot = account
    result = plan_rebalance(allocation, snapshot, policy).unwrap()
    reserve = policy.cash_reserve_pct * result.total_value
    assert (
        result.total_buys <= snapshot.cash + result.total_sells - reserve or not result.total_buys
    )


def test_a_plan_held_below_the_broker_minimum_fits_the_plan_schema() -> None:
    facts = {"SPY": Asset(symbol="SPY", min_order_notional=D(1))}
    snapshot = Snapshot(
        cash=D("0.50"), positions={"SPY": D(1)}, prices={"SPY": D(10)}, assets=facts
    )
    result = plan({"SPY": "1"}, snapshot, min_trade_amount=D(0)).unwrap()
    schema = json.loads(
        resources.files("portfolio").joinpath("plan.schema.json").read_text(encoding="utf-8")
    )
    document = json.loads(result.to_json())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["items"][0]["reason"] == "BELOW_BROKER_MINIMUM"
