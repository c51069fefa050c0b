"""PortfolioService.execute on the fake broker: sells first, cash that arrived, nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Collection
from decimal import Decimal

import pytest
from returns.result import Result, Success

from adapters.fake import FakeBroker, Method, OrderOutcome
from portfolio import (
    Action,
    Allocation,
    ErrorKind,
    ExecutionReport,
    OrderIntent,
    OrderState,
    OrderStatus,
    PortfolioError,
    PortfolioService,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    Step,
    WaitPolicy,
)

D = Decimal


class Clock:
    """A clock that only moves when the code under test sleeps (seconds)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def setup(
    broker: FakeBroker, weights: dict[str, Decimal], policy: SizingPolicy | None = None
) -> tuple[PortfolioService, RebalancePlan, Clock]:
    clock = Clock()
    service = PortfolioService(
        broker, policy or SizingPolicy(), clock=clock, sleep=clock.sleep, wait=WaitPolicy()
    )
    allocation = Allocation(target_weights=weights, correlation_id="exec")
    plan = service.create_rebalance_plan(allocation, "exec").unwrap()
    return service, plan, clock


def outcome(report: ExecutionReport) -> list[tuple[str, str, Decimal | None, Step, str | None]]:
    return [
        (
            o.intent.side.value,
            o.intent.symbol,
            o.intent.quantity,
            o.step,
            o.state.status.value if o.state else None,
        )
        for o in report.orders
    ]


def methods(broker: FakeBroker) -> list[Method]:
    return [call.method for call in broker.calls]


def half_and_half() -> FakeBroker:
    """Cash 0, 20 SPY at 500: the plan sells 10 SPY (+5000) and buys 12.5 AAA at 400."""
    return FakeBroker(cash=D(0), positions={"SPY": D(20)}, prices={"SPY": D(500), "AAA": D(400)})


WEIGHTS = {"SPY": D("0.5"), "AAA": D("0.5")}


def test_sells_fill_before_the_buys_are_sent() -> None:
    broker = half_and_half()
    service, plan, _ = setup(broker, WEIGHTS)
    report = service.execute(plan).unwrap()
    assert outcome(report) == [
        ("SELL", "SPY", D(10), Step.SUBMITTED, "filled"),
        ("BUY", "AAA", D("12.5"), Step.SUBMITTED, "filled"),
    ]
    assert (report.complete, report.submitted, report.stopped) == (True, 2, None)
    assert broker.account.cash == 0
    assert dict(broker.account.positions) == {"AAA": D("12.5"), "SPY": D(10)}
    assert methods(broker) == [
        Method.GET_SNAPSHOT,  # the plan
        Method.GET_SNAPSHOT,  # the account again: does the plan still fit it?
        Method.GET_ORDER,  # are the plan's orders already there (a re-run)? no
        Method.GET_ORDER,
        Method.GET_ORDER,  # is the sell already there? no
        Method.SUBMIT_ORDER,
        Method.GET_SNAPSHOT,  # the cash that arrived
        Method.GET_ORDER,
        Method.SUBMIT_ORDER,
    ]


def test_executing_the_same_plan_again_places_nothing() -> None:
    broker = half_and_half()
    service, plan, _ = setup(broker, WEIGHTS)
    service.execute(plan).unwrap()
    account = broker.account
    again = service.execute(plan).unwrap()
    assert again.submitted == 0
    assert [o.step for o in again.orders] == [Step.ALREADY_SUBMITTED] * 2
    assert again.complete
    assert broker.account == account
    assert methods(broker).count(Method.SUBMIT_ORDER) == 2


def test_a_rejected_sell_shrinks_the_buys_to_the_cash_that_arrived() -> None:
    """QQQ's sale is rejected: only SPY's 1000 arrives, so the 200 AAA become 100."""
    broker = FakeBroker(
        cash=D(0),
        positions={"SPY": D(10), "QQQ": D(10)},
        prices={"SPY": D(100), "QQQ": D(100), "AAA": D(10)},
    )
    service, plan, _ = setup(broker, {"AAA": D(1)})
    broker.next_orders(OrderOutcome.REJECT)
    report = service.execute(plan).unwrap()
    assert outcome(report) == [
        ("SELL", "QQQ", D(10), Step.SUBMITTED, "rejected"),
        ("SELL", "SPY", D(10), Step.SUBMITTED, "filled"),
        ("BUY", "AAA", D(100), Step.SUBMITTED, "filled"),
    ]
    assert (report.complete, report.stopped) == (False, None)
    assert broker.account.cash == 0


def test_a_partly_filled_sell_is_waited_for_with_backoff_then_reported_open() -> None:
    broker = half_and_half()
    service, plan, clock = setup(broker, WEIGHTS)
    broker.next_orders(OrderOutcome.PARTIAL)  # 5 of the 10 SPY sell; 5 stay open
    report = service.execute(plan).unwrap()
    sell, buy = report.orders
    assert sell.state is not None
    assert (sell.state.status, sell.state.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, D(5))
    assert buy.intent.quantity == D("6.25")  # the 2500 that arrived, at 400
    assert clock.sleeps[:6] == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0]
    assert sum(clock.sleeps) <= WaitPolicy().timeout
    assert broker.account.open_orders[0].quantity == D(5)


def test_a_lost_answer_is_read_back_and_the_run_goes_on() -> None:
    broker = half_and_half()
    service, plan, _ = setup(broker, WEIGHTS)
    broker.next_orders(OrderOutcome.LOST)
    report = service.execute(plan).unwrap()
    sell = report.orders[0]
    assert (sell.step, sell.error) == (Step.SUBMITTED, None)  # only the answer was lost
    assert sell.filled  # read back by its client id: it was placed and filled
    assert report.orders[1].filled
    assert report.stopped is None


def test_a_submission_without_an_answer_stops_the_rest_and_a_rerun_finishes() -> None:
    broker = half_and_half()
    service, plan, _ = setup(broker, WEIGHTS)
    broker.fail_next(ErrorKind.BROKER_UNAVAILABLE, method=Method.SUBMIT_ORDER)
    report = service.execute(plan).unwrap()
    assert [o.step for o in report.orders] == [Step.FAILED, Step.SKIPPED_AFTER_FAILURE]
    assert report.stopped is not None
    assert report.stopped.kind is ErrorKind.BROKER_UNAVAILABLE
    assert broker.account.positions["SPY"] == 20  # nothing happened
    rerun = service.execute(plan).unwrap()
    assert (rerun.complete, rerun.submitted) == (True, 2)


class ReadFailsAfterTheSells(FakeBroker):
    """A fake whose account read times out once, right after a sell was placed."""

    def submit_order(self, intent: OrderIntent) -> Result[OrderState, PortfolioError]:
        placed = super().submit_order(intent)
        if intent.side is Action.SELL:
            self.fail_next(ErrorKind.TIMEOUT, method=Method.GET_SNAPSHOT)
        return placed


def test_a_failed_snapshot_read_after_the_sells_stops_the_buys() -> None:
    broker = ReadFailsAfterTheSells(
        cash=D(0), positions={"SPY": D(20)}, prices={"SPY": D(500), "AAA": D(400)}
    )
    service, plan, _ = setup(broker, WEIGHTS)
    report = service.execute(plan).unwrap()
    assert [o.step for o in report.orders] == [Step.SUBMITTED, Step.SKIPPED_AFTER_FAILURE]
    assert report.stopped is not None
    assert report.stopped.kind is ErrorKind.TIMEOUT
    assert broker.account.cash == 5000  # the sale's cash, unspent


def test_a_flip_opens_its_short_only_after_the_close_filled() -> None:
    broker = FakeBroker(cash=D(1000), positions={"SPY": D(10)}, prices={"SPY": D(100)})
    policy = SizingPolicy(allow_short=True, max_gross_exposure=D(2))
    service, plan, _ = setup(broker, {"SPY": D("-0.5")}, policy)
    broker.next_orders(OrderOutcome.OPEN)  # the close stays open
    report = service.execute(plan).unwrap()
    assert outcome(report) == [
        ("SELL", "SPY", D(10), Step.SUBMITTED, "accepted"),
        ("SELL", "SPY", D(10), Step.SKIPPED_CLOSE_NOT_FILLED, None),
    ]
    broker.fill_open_orders()
    rerun = service.execute(plan).unwrap()
    assert [o.step for o in rerun.orders] == [Step.ALREADY_SUBMITTED, Step.SUBMITTED]
    assert broker.account.positions["SPY"] == -10


def test_a_plan_whose_account_moved_on_places_nothing() -> None:
    broker = half_and_half()
    service, plan, _ = setup(broker, WEIGHTS)
    broker.set_prices({"AAA": D(420)})  # +5 %: more than the 2 % tolerance
    error = service.execute(plan).failure()
    assert (error.kind, error.context["symbols"]) == (ErrorKind.PLAN_STALE, "AAA")
    assert broker.orders == {}


class ReadOnly:
    """A broker port that takes no orders."""

    def get_snapshot(self, symbols: Collection[str]) -> Result[Snapshot, PortfolioError]:
        return Success(Snapshot(cash=D(100), prices={s: D(1) for s in symbols}))


def test_a_broker_that_takes_no_orders_is_a_failure() -> None:
    service = PortfolioService(ReadOnly())
    plan = service.create_rebalance_plan(
        Allocation(target_weights={"X": D(1)}, correlation_id="r"), "r"
    ).unwrap()
    assert service.execute(plan).failure().kind is ErrorKind.BROKER_UNAVAILABLE


def test_a_sell_still_open_brings_no_cash_and_a_rerun_buys_once_it_filled() -> None:
    broker = half_and_half()
    service, plan, _ = setup(broker, WEIGHTS)
    broker.next_orders(OrderOutcome.OPEN)
    first = service.execute(plan).unwrap()
    assert outcome(first) == [
        ("SELL", "SPY", D(10), Step.SUBMITTED, "accepted"),
        ("BUY", "AAA", D("12.5"), Step.SKIPPED_NO_CASH, None),
    ]
    broker.fill_open_orders()
    rerun = service.execute(plan).unwrap()
    assert outcome(rerun) == [
        ("SELL", "SPY", D(10), Step.ALREADY_SUBMITTED, "filled"),
        ("BUY", "AAA", D("12.5"), Step.SUBMITTED, "filled"),
    ]
    assert rerun.complete


class Raising(FakeBroker):
    """A broker that breaks the port's promise: its submissions raise."""

    def submit_order(self, intent: OrderIntent) -> Result[OrderState, PortfolioError]:
        msg = f"boom on {intent.symbol}"
        raise RuntimeError(msg)


def test_a_port_that_raises_is_reported_never_raised() -> None:
    broker = Raising(cash=D(0), positions={"SPY": D(20)}, prices={"SPY": D(500), "AAA": D(400)})
    service, plan, _ = setup(broker, WEIGHTS)
    report = service.execute(plan).unwrap()
    assert [o.step for o in report.orders] == [Step.FAILED, Step.SKIPPED_AFTER_FAILURE]
    assert report.stopped is not None
    assert report.stopped.kind is ErrorKind.BROKER_BAD_RESPONSE
    assert "boom on SPY" in report.stopped.context["error"]


def test_a_close_the_cash_cannot_pay_for_is_cut_and_the_open_leg_waits() -> None:
    """Short 3 QQQ → long 19: SPY's sale (1,000) is rejected, so 100 covers 2 shares only."""
    broker = FakeBroker(
        cash=D(100), positions={"SPY": D(10), "QQQ": D(-3)}, prices={"SPY": D(100), "QQQ": D(50)}
    )
    service, plan, _ = setup(broker, {"QQQ": D(1)})
    broker.next_orders(OrderOutcome.REJECT)
    report = service.execute(plan).unwrap()
    assert outcome(report) == [
        ("SELL", "SPY", D(10), Step.SUBMITTED, "rejected"),
        ("BUY", "QQQ", D(2), Step.SUBMITTED, "filled"),
        ("BUY", "QQQ", D(19), Step.SKIPPED_NO_CASH, None),
    ]
    assert (broker.account.cash, broker.account.positions["QQQ"]) == (D(0), D(-1))


def test_execute_logs_what_it_did_with_the_plans_correlation_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = half_and_half()
    service, plan, _ = setup(broker, WEIGHTS)
    with caplog.at_level(logging.INFO, logger="portfolio"):
        service.execute(plan).unwrap()
    done = [r for r in caplog.records if getattr(r, "event", None) == "execute.done"]
    assert len(done) == 1
    fields = done[0].__dict__
    assert (fields["correlation_id"], fields["submitted"], fields["filled"]) == ("exec", 2, 2)
    assert fields["stopped"] == "no"


def test_execute_of_something_that_is_not_a_plan_is_a_type_error() -> None:
    service, _, _ = setup(half_and_half(), WEIGHTS)
    with pytest.raises(TypeError, match="takes a RebalancePlan"):
        service.execute("plan")  # type: ignore[arg-type] # the point
