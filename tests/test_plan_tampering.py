"""A plan edited by hand: its items must keep a plan's own rules, or nothing is placed.

The executor places an item's `quantity`. A plan file whose numbers were edited (a
quantity without its amount, a HOLD given a quantity, a liquidation given a partial
quantity, a symbol twice, a price of 0) is refused, INVALID_PLAN naming the symbols,
instead of one of its numbers being silently ignored or an order placed twice.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from cli_support import cli
from core_strategies import accounts, policies
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.pipeline import is_successful

from adapters.fake import FakeBroker
from portfolio import (
    Action,
    Allocation,
    ErrorKind,
    PlanItem,
    PortfolioService,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    order_intents,
    plan_rebalance,
)
from portfolio.orders.checks import plan_problem
from portfolio.orders.staleness import check_fresh

D = Decimal
AS_OF = "2026-01-05T21:00:00+00:00"
# 685 cash, 20 SPY at 500, 3.5 TLT at 90: the plan sells 9 SPY (−4,500.00), liquidates
# TLT (−315.00) and buys 13.75 QQQ at 400 (5,500.00).
ACCOUNT = {
    "cash": "685",
    "positions": {"SPY": "20", "TLT": "3.5"},
    "prices": {"SPY": "500", "QQQ": "400", "TLT": "90"},
    "as_of": AS_OF,
}


def broker() -> FakeBroker:
    return FakeBroker(
        cash=D(685),
        positions={"SPY": D(20), "TLT": D("3.5")},
        prices={"SPY": D(500), "QQQ": D(400), "TLT": D(90)},
    )


def approved(account: FakeBroker) -> RebalancePlan:
    allocation = Allocation(target_weights={"SPY": D("0.5"), "QQQ": D("0.5")}, correlation_id="t")
    return PortfolioService(account).create_rebalance_plan(allocation, "t").unwrap()


def edited(plan: RebalancePlan, symbol: str, **changes: Any) -> RebalancePlan:
    items = tuple(i._replace(**changes) if i.symbol == symbol else i for i in plan.items)
    return attrs.evolve(plan, items=items)


def refused(plan: RebalancePlan) -> tuple[ErrorKind, str, str, bool]:
    """(kind, symbols, message) of executing `plan` on a fresh account, and whether none placed."""
    account = broker()
    error = PortfolioService(account).execute(plan).failure()
    return error.kind, error.context.get("symbols", ""), error.message, account.orders == {}


def test_the_untouched_plan_keeps_the_rules() -> None:
    plan = approved(broker())
    assert plan_problem(plan) is None
    assert [(i.symbol, i.quantity) for i in plan.trades] == [
        ("SPY", D("-9.000000000")),
        ("TLT", D("-3.5")),
        ("QQQ", D("13.750000000")),
    ]


def test_a_symbol_twice_is_refused_not_bought_twice_under_one_client_id() -> None:
    """Before: two QQQ buys, one client id; the report said 4 placed, the broker took one."""
    plan = approved(broker())
    twice = attrs.evolve(plan, items=(*plan.items, plan.items[-1]))
    assert plan.items[-1].symbol == "QQQ"
    kind, symbols, message, none_placed = refused(twice)
    assert (kind, symbols, none_placed) == (ErrorKind.INVALID_PLAN, "QQQ", True)
    assert "more than one item" in message


def test_a_hold_given_a_quantity_is_refused_not_silently_skipped() -> None:
    """Before: SELL SPY −9 edited to HOLD placed the other orders and dropped SPY's."""
    plan = edited(approved(broker()), "SPY", action=Action.HOLD)
    kind, symbols, message, none_placed = refused(plan)
    assert (kind, symbols, none_placed) == (ErrorKind.INVALID_PLAN, "SPY", True)
    assert "HOLD" in message


def test_a_liquidation_of_part_of_a_position_is_refused_not_sold_in_full() -> None:
    """Before: the SPY sale of 9 marked LIQUIDATE sold all 20 shares."""
    plan = edited(approved(broker()), "SPY", reason=Reason.LIQUIDATE)
    kind, symbols, message, none_placed = refused(plan)
    assert (kind, symbols, none_placed) == (ErrorKind.INVALID_PLAN, "SPY", True)
    assert "whole position" in message


@pytest.mark.parametrize(
    "changes",
    [
        {"quantity": D(-18)},  # twice the shares, the amount still −4,500.00
        {"quantity": D("-1E+30")},  # a short of 10^30 shares after closing the 20
        {"trade_amount": D("-2500.00"), "target_value": D("7500.00")},  # amount alone
        {"price": D(510)},  # 9 × 510 is not 4,500
    ],
)
def test_a_quantity_that_is_not_the_amount_at_the_price_is_refused(
    changes: dict[str, Any],
) -> None:
    plan = edited(approved(broker()), "SPY", **changes)
    kind, symbols, message, none_placed = refused(plan)
    assert (kind, symbols, none_placed) == (ErrorKind.INVALID_PLAN, "SPY", True)
    assert "quantity × price" in message


def test_the_amount_may_differ_from_quantity_times_price_by_the_rounding_to_cents() -> None:
    """−3.333333333 at 3 is −9.999999999, written −10.00: within a cent, the plan's own."""
    item = PlanItem(
        symbol="SPY",
        action=Action.SELL,
        trade_amount=D("-10.00"),
        quantity=D("-3.333333333"),
        price=D(3),
        current_value=D("10.00"),
        target_value=D(0),
        current_weight=D(1),
        target_weight=D(0),
        reason=Reason.LIQUIDATE,
    )
    plan = RebalancePlan(
        plan_id="p",
        correlation_id="c",
        items=(item,),
        total_value=D(10),
        cash_before=D(0),
        cash_after=D(10),
    )
    assert plan_problem(plan) is None
    off = attrs.evolve(plan, items=(item._replace(trade_amount=D("-10.02")),))
    assert plan_problem(off).context["symbols"] == "SPY"  # type: ignore[union-attr]


@pytest.mark.parametrize("price", [D(0), D(-500)])
def test_a_price_below_the_minimum_is_an_invalid_plan_not_a_nan_percent_move(
    price: Decimal,
) -> None:
    """Before: PLAN_STALE 'price 500, planned at 0 (+NaN%)'."""
    plan = edited(approved(broker()), "SPY", price=price)
    kind, symbols, message, _ = refused(plan)
    assert (kind, symbols) == (ErrorKind.INVALID_PLAN, "SPY")
    assert "NaN" not in message
    assert "price" in message
    now = broker().get_snapshot(("SPY", "QQQ", "TLT")).unwrap()
    assert check_fresh(plan, now).failure().kind is ErrorKind.INVALID_PLAN


@given(
    accounts(),
    policies,
    st.sampled_from([D(0), D("0.01")]),
    st.booleans(),
)
def test_every_plan_the_planner_makes_keeps_the_rules(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy, buffer: Decimal, short: bool
) -> None:
    allocation, snapshot = account
    if short:
        policy = attrs.evolve(policy, allow_short=True, max_gross_exposure=D(2))
    made = plan_rebalance(allocation, snapshot, attrs.evolve(policy, buy_price_buffer=buffer))
    assume(is_successful(made))
    plan = made.unwrap()
    assert plan_problem(plan) is None
    assert is_successful(order_intents(plan, snapshot))


# -- on the command line: `portfolio rebalance --plan FILE` ----------------------------------


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "w.json").write_text('{"SPY": "0.5", "QQQ": "0.5"}', encoding="utf-8")
    (tmp_path / "account.json").write_text(json.dumps(ACCOUNT), encoding="utf-8")
    made = cli(
        "plan", "--weights", tmp_path / "w.json", "--snapshot", tmp_path / "account.json", "--json"
    )
    assert made.code == 0, made.err
    (tmp_path / "plan.json").write_text(made.out, encoding="utf-8")
    return tmp_path


def test_an_edited_quantity_in_the_plan_file_is_refused_with_nothing_placed(files: Path) -> None:
    document = json.loads((files / "plan.json").read_text(encoding="utf-8"))
    assert document["items"][0]["symbol"] == "SPY"
    document["items"][0]["quantity"] = "-18"  # the amount still says −4,500.00
    (files / "plan.json").write_text(json.dumps(document), encoding="utf-8")
    run = cli(
        "rebalance", "--plan", files / "plan.json", "--snapshot", files / "account.json",
        "--execute", "--yes", "--json",
    )  # fmt: skip
    assert run.code == 1
    assert "INVALID_PLAN" in run.err
    assert "symbols=SPY" in run.err
    assert run.out == ""


@pytest.mark.parametrize("quantity", [D("1E+999999"), D("1E+16"), D("NaN")])
def test_a_held_quantity_out_of_bounds_is_named_not_called_missing(quantity: Decimal) -> None:
    """Before: 'the plan does not record the positions it was made from (built by hand, …)'."""
    plan = approved(broker())
    held = dict(plan.held or {}) | {"SPY": quantity}
    kind, symbols, message, none_placed = refused(attrs.evolve(plan, held=held))
    assert (kind, symbols, none_placed) == (ErrorKind.INVALID_PLAN, "SPY", True)
    assert "(held) must be numbers of magnitude at most 1E+15" in message
    assert "does not record" not in message


@pytest.mark.parametrize(
    "changes",
    [{"cash_after": D("5000.00")}, {"cash_before": D(-100)}],
    ids=["cash_after", "cash_before"],
)
def test_cash_after_that_is_not_cash_before_less_the_trades_is_refused(
    changes: dict[str, Any],
) -> None:
    """Before: read and ignored; 685 − (−4,500 − 315 + 5,500) = 0.00 is the plan's own."""
    plan = approved(broker())
    assert plan.cash_after == D("0.00")
    kind, _, message, none_placed = refused(attrs.evolve(plan, **changes))
    assert (kind, none_placed) == (ErrorKind.INVALID_PLAN, True)
    assert "cash_after is not cash_before − Σ trade_amount" in message


def test_a_held_without_a_planned_symbol_is_refused_not_blind_to_its_position() -> None:
    """Before: QQQ struck from held, the 5 QQQ bought since went unseen, 13.75 more were bought.

    With QQQ in held (0), the same account is PLAN_STALE: 'position 5, planned from 0'.
    """
    plan = approved(broker())
    assert plan.held == {"QQQ": D(0), "SPY": D(20), "TLT": D("3.5")}
    struck = attrs.evolve(plan, held={"SPY": D(20), "TLT": D("3.5")})
    moved = FakeBroker(
        cash=D(685),
        positions={"SPY": D(20), "TLT": D("3.5"), "QQQ": D(5)},
        prices={"SPY": D(500), "QQQ": D(400), "TLT": D(90)},
    )
    error = PortfolioService(moved).execute(struck).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.INVALID_PLAN, "QQQ")
    assert "must name every planned symbol" in error.message
    assert moved.orders == {}
    stale = PortfolioService(moved).execute(plan).failure()
    assert (stale.kind, stale.context["QQQ"]) == (
        ErrorKind.PLAN_STALE,
        "position 5, planned from 0",
    )


def test_a_sale_edited_into_a_short_is_refused_under_a_policy_without_shorts() -> None:
    """Every number agrees, but 30 SPY sold of 20 held is a short the policy forbids.

    Before: a close of 20 and a short sale of 10 were placed.
    """
    plan = approved(broker())
    assert plan.policy is not None
    assert plan.policy.allow_short is False
    short = edited(
        plan,
        "SPY",
        quantity=D(-30),
        trade_amount=D("-15000.00"),
        target_value=D("-5000.00"),
    )
    short = attrs.evolve(short, cash_after=plan.cash_after + D(10500))
    kind, symbols, message, none_placed = refused(short)
    assert (kind, symbols, none_placed) == (ErrorKind.INVALID_PLAN, "SPY", True)
    assert "policy does not allow shorts" in message
