"""One home per rule: each rule of docs/policy.md is one named function every caller asks.

Hand-computed examples of the named rules, properties that tie the planner's decisions to
them, and a check on the source that the comparisons are written nowhere else.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio import Allocation, Asset, Reason, SizingPolicy, Snapshot, plan_rebalance
from portfolio.records.plan_item import Action, PlanItem
from portfolio.steps.rules import (
    Row,
    Thresholds,
    below_floor,
    fewest_lots,
    fixed_rule_holds,
    liquidates,
    smallest_trade,
    too_small,
    trade_allowed,
)

D = Decimal
ROOT = Path(__file__).resolve().parent.parent

#: The spellings of the minimum-trade comparison, and where each may appear.
MINIMUM_TRADE = re.compile(r"limits\.minimum\b|copy_abs\(\)\s*<")
BROKER_MINIMUM = re.compile(r"<\s*[\w.]*min_order_notional\b|<\s*minimum\b")
LIQUIDATION = re.compile(r"held\)? and not target")
#: The relative band's amount (rule 4): `relative_band × |target|`.
BAND = re.compile(r"relative_band\s*\*|\*\s*[\w.]*relative_band\b")


def test_too_small_is_strict_on_both_sides() -> None:
    # V 10,000: max(25, 0.2 % × 10,000 = 20) = 25
    policy = SizingPolicy(min_trade_amount=D(25), min_trade_pct=D("0.002"))
    limits = Thresholds.of(policy, D(10000))
    assert limits.minimum == D(25)
    examples = {"-25.00": False, "-24.99": True, "0": True, "24.99": True, "25": False}
    assert {a: too_small(D(a), limits) for a in examples} == examples


def test_too_small_takes_the_percentage_when_larger() -> None:
    # V 100,000: max(1, 0.05 % × 100,000 = 50) = 50
    limits = Thresholds.of(SizingPolicy(min_trade_pct=D("0.0005")), D(100_000))
    assert [too_small(D(a), limits) for a in ("49.99", "50", "-50.01")] == [True, False, False]


def test_the_smallest_trade_is_the_larger_of_the_two_minimums() -> None:
    # V 10,000, 0.5 %: a minimum trade of 50; a broker minimum of 100 raises it, 10 does not.
    limits = Thresholds.of(SizingPolicy(min_trade_pct=D("0.005")), D(10000))
    assert [limits.floor(D(m)) for m in ("0", "10", "100")] == [D(50), D(50), D(100)]
    assert smallest_trade(D(1), D("0.50")) == D(1)


def test_below_floor_is_strict_in_currency_and_in_integer_units() -> None:
    assert [below_floor(D(a), D(100)) for a in ("-100", "-99.99", "0", "99.99", "100")] == [
        False,
        True,
        True,
        True,
        False,
    ]
    assert [below_floor(a, 2500) for a in (-2500, -2499, 0, 2499, 2500)] == [
        False,
        True,
        True,
        True,
        False,
    ]
    assert not below_floor(D(0), D(0))  # no floor: nothing is below it


def test_a_trade_allowed_is_none_or_at_least_the_floor() -> None:
    assert [trade_allowed(a, 25) for a in (0, 1, 24, 25, -24, -25)] == [
        True,
        False,
        False,
        True,
        False,
        True,
    ]


def test_fewest_lots_rounds_the_floor_up_to_whole_lots() -> None:
    # A floor of 25 in lots of 10 needs 3 lots; 30 needs 3; 31 needs 4; no floor needs 1.
    assert [fewest_lots(f, 10) for f in (0, 1, 10, 25, 30, 31)] == [1, 1, 1, 3, 3, 4]


@given(
    amount=st.integers(min_value=-10_000, max_value=10_000),
    floor=st.integers(min_value=0, max_value=5_000),
    lot=st.integers(min_value=1, max_value=1_000),
)
def test_the_floor_questions_agree(amount: int, floor: int, lot: int) -> None:
    """`too_small` is `below_floor` of the minimum; k lots are allowed from `fewest_lots` on."""
    limits = Thresholds.of(SizingPolicy(min_trade_amount=D(floor)), D(1))
    assert too_small(D(amount), limits) == below_floor(D(amount), limits.floor())
    assert trade_allowed(amount, floor) == (amount == 0 or abs(amount) >= floor)
    least = fewest_lots(floor, lot)
    assert trade_allowed(least * lot, floor)
    assert least == 1 or not trade_allowed((least - 1) * lot, floor)


def test_liquidates_needs_a_position_and_a_zero_target() -> None:
    assert liquidates(D("0.5"), D("0.00"))
    assert liquidates(D(-3), D(0))  # a short is bought back
    assert not liquidates(D(0), D(0))
    assert not liquidates(D(2), D("0.01"))


def row(*, held: str, target: str, tradable: bool = True, price: str = "10") -> Row:
    current = D(held) * D(price)
    return Row(
        symbol="X",
        price=D(price),
        held=D(held),
        current=current,
        target=D(target),
        trade=D(target) - current,
        current_weight=D(0),
        target_weight=D(0),
        tradable=tradable,
        whole=False,
    )


def test_fixed_rule_holds_names_rules_one_two_and_four() -> None:
    # V 1,000, a 5-point band: 50 either side of the target.
    limits = Thresholds.of(SizingPolicy(band=D("0.05")), D(1000))
    assert fixed_rule_holds(row(held="1", target="500", tradable=False), limits)  # rule 1
    assert fixed_rule_holds(row(held="1", target="0"), limits)  # rule 2
    assert fixed_rule_holds(row(held="10", target="140"), limits)  # rule 4: 40 off
    assert not fixed_rule_holds(row(held="10", target="160"), limits)  # 60 off: sized
    assert not fixed_rule_holds(row(held="10", target="100"), limits)  # at target: no trade


def plan_items(weights: dict[str, str], snapshot: Snapshot, policy: SizingPolicy) -> list[PlanItem]:
    allocation = Allocation(
        target_weights={s: D(w) for s, w in weights.items()}, correlation_id="rules"
    )
    return list(plan_rebalance(allocation, snapshot, policy).unwrap().items)


@given(
    held=st.integers(min_value=0, max_value=40),
    weight=st.integers(min_value=0, max_value=100),
    minimum=st.integers(min_value=0, max_value=300),
    whole=st.booleans(),
    mode=st.sampled_from(["rebalance", "buy_only", "sell_only"]),
)
def test_every_mode_holds_exactly_the_trades_too_small_names(
    held: int, weight: int, minimum: int, *, whole: bool, mode: str
) -> None:
    """BELOW_MIN_TRADE is `too_small` of the trade toward the target, whatever the mode.

    One symbol at 25 beside enough cash that nothing is cash-limited and nothing is
    needed for a reserve: an item is held below the minimum exactly when the rule says
    so, and every trade made is at least the minimum (or a liquidation).
    """
    snapshot = Snapshot(cash=D(1000), positions={"A": D(held)}, prices={"A": D(25)})
    policy = SizingPolicy(min_trade_amount=D(minimum), fractional=not whole, mode=mode)
    limits = Thresholds.of(policy, D(1000) + 25 * held)
    (only,) = plan_items({"A": f"{weight / 200}"}, snapshot, policy)
    trade = only.target_value - only.current_value
    if only.reason is Reason.BELOW_MIN_TRADE:
        assert too_small(trade, limits) or (whole and too_small(only.trade_amount, limits))
    if only.action is not Action.HOLD and only.reason is not Reason.LIQUIDATE:
        assert not too_small(only.trade_amount, limits)


def test_the_broker_minimum_holds_a_rebalance_and_never_a_liquidation() -> None:
    """Rule 8 is `below_broker_minimum`: a 5.00 rebalance is held, a 5.00 liquidation is not."""
    assets = {s: Asset(symbol=s, min_order_notional=D(10)) for s in ("A", "B")}
    snapshot = Snapshot(
        cash=D(100),
        positions={"A": D(1), "B": D("0.5")},
        prices={"A": D(95), "B": D(10)},
        assets=assets,
    )
    items = plan_items({"A": "1"}, snapshot, SizingPolicy())  # V = 200: A wants 105 more
    by_symbol = {i.symbol: (i.action, i.reason, i.trade_amount) for i in items}
    assert by_symbol == {
        "A": (Action.BUY, Reason.REBALANCE, D("105.00")),
        "B": (Action.SELL, Reason.LIQUIDATE, D("-5.00")),
    }
    small = plan_items({"A": "0.5", "B": "0.0125"}, snapshot, SizingPolicy())  # B: 2.50 − 5
    assert {i.symbol: i.reason for i in small}["B"] is Reason.BELOW_BROKER_MINIMUM


def sources() -> list[Path]:
    return sorted((ROOT / "portfolio").rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", sources(), ids=relative)
def test_each_rule_is_written_in_its_home_only(path: Path) -> None:
    """A grep for a rule's comparison finds its named function and nothing else."""
    name = relative(path)
    source = path.read_text(encoding="utf-8")
    homes = {
        MINIMUM_TRADE: "portfolio/steps/rules.py",
        BROKER_MINIMUM: "portfolio/records/asset_facts.py",
        LIQUIDATION: "portfolio/steps/rules.py",
        BAND: "portfolio/steps/rules.py",
    }
    for spelling, home in homes.items():
        if name != home:
            assert not spelling.search(source), f"{name} restates {spelling.pattern}"


def test_the_homes_hold_each_rule_once() -> None:
    rules = (ROOT / "portfolio/steps/rules.py").read_text(encoding="utf-8")
    body = rules.split("def too_small(", 1)[1].split("\ndef ", 1)[0]
    assert "amount.copy_abs() < limits.minimum" in body
    assert len([line for line in rules.splitlines() if MINIMUM_TRADE.search(line)]) == 1
    assert len(LIQUIDATION.findall(rules)) == 1
    assert len(BAND.findall(rules)) == 1
    facts = (ROOT / "portfolio/records/asset_facts.py").read_text(encoding="utf-8")
    assert len(BROKER_MINIMUM.findall(facts)) == 1
