"""An open order the plan counted does not make it stale: `rebalance --weights` run again.

The planner counts open orders as filled, and a plan's `held` records the positions
once they fill. Before, `check_fresh` compared `held` with the positions alone and
refused any open order on a planned symbol, so after a run that left a sell open,
planning afresh and executing at once (what `portfolio rebalance --weights` does) was
PLAN_STALE: "SPY: position 20, planned from 11; an open SELL order", though the docs
promise such a re-run trades only what is still missing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs
from returns.pipeline import is_successful

from adapters.fake import FakeBroker, OrderOutcome
from portfolio import (
    Action,
    Allocation,
    ErrorKind,
    OpenOrder,
    PortfolioService,
    Snapshot,
    Step,
    plan_rebalance,
)
from portfolio.orders.staleness import check_fresh

D = Decimal
AS_OF = datetime(2026, 1, 5, 21, tzinfo=UTC)
HALVES = Allocation(target_weights={"SPY": D("0.5"), "QQQ": D("0.5")}, correlation_id="w")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_planning_afresh_after_a_sell_left_open_places_nothing_twice() -> None:
    broker = FakeBroker(
        cash=D(685),
        positions={"SPY": D(20), "TLT": D("3.5")},
        prices={"SPY": D(500), "QQQ": D(400), "TLT": D(90)},
    )
    clock = Clock()
    service = PortfolioService(broker, clock=clock, sleep=clock.sleep)
    first = service.create_rebalance_plan(HALVES, "w").unwrap()
    broker.next_orders(OrderOutcome.OPEN)  # the SPY sale of 9 stays open
    service.execute(first).unwrap()
    # 685 + 315 from TLT bought 2.5 QQQ; 9 SPY are still being sold
    assert [(o.symbol, o.side, o.quantity) for o in broker.account.open_orders] == [
        ("SPY", Action.SELL, D("9.000000000"))
    ]

    again = service.create_rebalance_plan(HALVES, "w").unwrap()
    assert again.held == {"QQQ": D("2.500000000"), "SPY": D("11.000000000")}
    report = service.execute(again).unwrap()

    # only QQQ is still missing; its cash is in the open sale, so nothing is bought yet
    assert [(o.intent.symbol, o.step) for o in report.orders] == [("QQQ", Step.SKIPPED_NO_CASH)]
    assert len(broker.orders) == 3  # no second SPY sale
    broker.fill_open_orders()
    last = service.create_rebalance_plan(HALVES, "w").unwrap()
    done = service.execute(last).unwrap()
    assert [(o.intent.symbol, o.intent.quantity) for o in done.orders] == [
        ("QQQ", D("11.250000000"))
    ]
    assert done.complete
    assert broker.account.positions == {"QQQ": D("13.750000000"), "SPY": D("11.000000000")}


PENDING = Snapshot(
    cash=D(1000),
    positions={"SPY": D(20)},
    prices={"SPY": D(100), "QQQ": D(50)},
    as_of=AS_OF,
    open_orders=(OpenOrder(order_id="o-1", symbol="SPY", side=Action.SELL, quantity=D(5)),),
)


def test_a_counted_open_order_still_pending_fits_and_a_canceled_one_does_not() -> None:
    plan = plan_rebalance(HALVES, PENDING).unwrap()
    assert plan.held["SPY"] == D(15)  # type: ignore[index]
    assert is_successful(check_fresh(plan, PENDING))
    canceled = attrs.evolve(PENDING, open_orders=())
    error = check_fresh(plan, canceled).failure()
    assert (error.kind, error.context["SPY"]) == (
        ErrorKind.PLAN_STALE,
        "position 20, planned from 15",
    )
    another = attrs.evolve(
        PENDING,
        open_orders=(
            *PENDING.open_orders,
            OpenOrder(order_id="o-2", symbol="SPY", side=Action.SELL, quantity=D(1)),
        ),
    )
    error = check_fresh(plan, another).failure()
    assert "an open SELL order (o-2)" in error.context["SPY"]


def test_a_counted_open_order_the_plan_trades_against_is_still_refused() -> None:
    """A buy of SPY pending and a plan that sells SPY: a wash trade in the making."""
    pending_buy = attrs.evolve(
        PENDING,
        open_orders=(OpenOrder(order_id="b-1", symbol="SPY", side=Action.BUY, quantity=D(5)),),
    )
    plan = plan_rebalance(HALVES, pending_buy).unwrap()
    assert plan.item("SPY").action is Action.SELL  # type: ignore[union-attr]
    error = check_fresh(plan, pending_buy).failure()
    assert (error.kind, error.context["SPY"]) == (ErrorKind.PLAN_STALE, "an open BUY order (b-1)")


def test_a_plan_dated_after_the_account_beyond_the_age_limit_is_stale() -> None:
    """Before: an as_of edited to the future made the age negative, so never too old."""
    plan = plan_rebalance(HALVES, PENDING).unwrap()
    future = attrs.evolve(plan, as_of=datetime(2099, 1, 1, tzinfo=UTC))
    error = check_fresh(future, PENDING).failure()
    assert error.kind is ErrorKind.PLAN_STALE
    assert error.context["age"].startswith("the plan's as_of 2099-01-01T00:00:00+00:00 is ")
    assert "later than the account's 2026-01-05T21:00:00+00:00" in error.context["age"]
    skewed = attrs.evolve(plan, as_of=datetime(2026, 1, 6, 21, tzinfo=UTC))  # exactly a day
    assert is_successful(check_fresh(skewed, PENDING))
