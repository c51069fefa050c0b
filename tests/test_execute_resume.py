"""Re-running a plan after a run that placed a buy smaller: the report says the plan is not done.

A sell that fills in part brings part of its cash, so the run places a smaller buy.
Re-running the plan finds that buy by its client id and never places it again (or a
second one). Before, that re-run reported the plan complete (every order `filled`,
exit 0) while the account held 7.5 QQQ of the 13.75 planned and 2,500 idle in cash.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.fake import FakeBroker, OrderOutcome
from portfolio import Allocation, PortfolioService, SizingPolicy, Step

D = Decimal


class Clock:
    """A clock that only moves when the code under test sleeps (seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def service_of(broker: FakeBroker) -> PortfolioService:
    clock = Clock()
    return PortfolioService(broker, clock=clock, sleep=clock.sleep)


def account() -> FakeBroker:
    return FakeBroker(
        cash=D(685),
        positions={"SPY": D(20), "TLT": D("3.5")},
        prices={"SPY": D(500), "QQQ": D(400), "TLT": D(90)},
    )


def test_a_rerun_after_a_smaller_buy_is_not_complete_and_places_nothing() -> None:
    broker = account()
    service = service_of(broker)
    allocation = Allocation(target_weights={"SPY": D("0.5"), "QQQ": D("0.5")}, correlation_id="r")
    plan = service.create_rebalance_plan(allocation, "r").unwrap()
    broker.next_orders(OrderOutcome.PARTIAL)  # SPY: 4 of 9 sold now, the rest stays open
    first = service.execute(plan).unwrap()
    # 685 + 4 × 500 + 3.5 × 90 = 3,000 buys 7.5 QQQ at 400, not 13.75
    assert [(o.intent.symbol, o.intent.quantity) for o in first.orders][-1] == ("QQQ", D("7.5"))
    assert first.complete is False
    broker.fill_open_orders()  # the other 5 SPY sell later: 2,500 more in cash

    again = service.execute(plan).unwrap()

    assert again.submitted == 0
    assert len(broker.orders) == 3  # nothing placed twice, nothing new
    steps = [o.step for o in again.orders]
    assert steps == [Step.ALREADY_SUBMITTED, Step.ALREADY_SUBMITTED, Step.SHORT_OF_PLAN]
    qqq = again.orders[-1]
    assert qqq.intent.quantity == D("13.750000000")  # the plan's, beside what filled
    assert qqq.state is not None
    assert (qqq.state.status.value, qqq.state.filled_quantity) == ("filled", D("7.5"))
    assert qqq.filled is False  # the order filled; the plan's buy did not
    assert [o.filled for o in again.orders[:2]] == [True, True]
    assert again.complete is False
    assert broker.account.cash == D(2500)


def test_a_rerun_of_a_plan_that_completed_is_complete() -> None:
    broker = account()
    service = service_of(broker)
    allocation = Allocation(target_weights={"SPY": D("0.5"), "QQQ": D("0.5")}, correlation_id="r")
    plan = service.create_rebalance_plan(allocation, "r").unwrap()
    assert service.execute(plan).unwrap().complete is True
    again = service.execute(plan).unwrap()
    assert (again.complete, again.submitted) == (True, 0)


def test_a_rerun_after_a_buy_cut_by_a_price_rise_is_complete() -> None:
    """QQQ rose 3 % before the approved plan ran: 5,500 bought 13.349514563, not 13.75.

    The money went into fewer shares; no cash is left for the rest, so the buy is the
    plan's as far as the cash goes, in the first run and in a re-run alike.
    """
    broker = account()
    allocation = Allocation(target_weights={"SPY": D("0.5"), "QQQ": D("0.5")}, correlation_id="r")
    plan = service_of(broker).create_rebalance_plan(allocation, "r").unwrap()
    broker.move_prices({"QQQ": D("1.03")})
    service = service_of(broker)
    first = service.execute(plan, max_price_move=D("0.05")).unwrap()
    assert first.orders[-1].intent.quantity == D("13.349514563")
    again = service.execute(plan, max_price_move=D("0.05")).unwrap()
    assert [o.step for o in again.orders] == [Step.ALREADY_SUBMITTED] * 3
    assert (first.complete, again.complete, again.submitted) == (True, True, 0)


@pytest.mark.parametrize(
    "policy",
    [SizingPolicy(min_trade_amount=D(3000)), SizingPolicy(min_trade_pct=D("0.25"))],
    ids=["amount", "percent"],
)
def test_a_rest_below_the_minimum_trade_leaves_the_buy_as_it_is(policy: SizingPolicy) -> None:
    """With a minimum trade of 3,000 (or 25 % of the plan's 11,000: 2,750), the 2,500 left
    for QQQ is no trade: the plan is done. The percentage was read as no minimum at all."""
    broker = account()
    clock = Clock()
    service = PortfolioService(broker, policy, clock=clock, sleep=clock.sleep)
    allocation = Allocation(target_weights={"SPY": D("0.5"), "QQQ": D("0.5")}, correlation_id="r")
    plan = service.create_rebalance_plan(allocation, "r").unwrap()
    assert [(i.symbol, i.quantity) for i in plan.trades] == [
        ("SPY", D("-9.000000000")),
        ("TLT", D("-3.5")),
        ("QQQ", D("13.750000000")),
    ]
    broker.next_orders(OrderOutcome.PARTIAL)
    service.execute(plan).unwrap()
    broker.fill_open_orders()
    again = service.execute(plan).unwrap()
    assert [o.step for o in again.orders] == [Step.ALREADY_SUBMITTED] * 3
    assert again.complete is True
