"""What the execution report says about an order once a read has found it (issue 22, item 15).

A failed read while waiting is reported until a read succeeds; an order found by its
client id after its submission's answer was lost was placed by this run.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from adapters.fake import FakeBroker, Method, OrderOutcome
from portfolio import (
    Allocation,
    ErrorKind,
    ExecutionReport,
    PortfolioService,
    Step,
    WaitPolicy,
)

D = Decimal


def execute(
    broker: FakeBroker, on_sleep: Callable[[int], None] = lambda _: None
) -> ExecutionReport:
    """Sell 10 of 20 SPY at 500, buy 12.5 AAA at 400; `on_sleep(n)` runs at the n-th wait."""
    sleeps = [0]

    def sleep(_: float) -> None:
        sleeps[0] += 1
        on_sleep(sleeps[0])

    service = PortfolioService(
        broker, clock=lambda: float(sleeps[0]), sleep=sleep, wait=WaitPolicy()
    )
    allocation = Allocation(
        target_weights={"SPY": D("0.5"), "AAA": D("0.5")}, correlation_id="report"
    )
    plan = service.create_rebalance_plan(allocation, "report").unwrap()
    return service.execute(plan).unwrap()


def half_and_half() -> FakeBroker:
    return FakeBroker(cash=D(0), positions={"SPY": D(20)}, prices={"SPY": D(500), "AAA": D(400)})


def test_a_successful_read_clears_the_failure_of_the_reads_before_it() -> None:
    """The sell stays open; the first two polls fail; it then fills: no error is left."""
    broker = half_and_half()
    broker.next_orders(OrderOutcome.OPEN)

    def on_sleep(n: int) -> None:
        if n == 1:
            broker.fail_next(ErrorKind.BROKER_UNAVAILABLE, times=2, method=Method.GET_ORDER)
        if n == 3:
            broker.fill_open_orders()

    report = execute(broker, on_sleep)
    sell, buy = report.orders
    assert (sell.step, sell.filled, sell.error) == (Step.SUBMITTED, True, None)
    assert (buy.step, buy.filled, buy.error) == (Step.SUBMITTED, True, None)
    assert report.complete


def test_a_failed_read_is_reported_while_no_read_has_succeeded_since() -> None:
    """The sell stays open and every poll fails: the last failure is its error."""
    broker = half_and_half()
    broker.next_orders(OrderOutcome.OPEN)

    def on_sleep(n: int) -> None:
        if n == 1:
            broker.fail_next(ErrorKind.BROKER_UNAVAILABLE, times=1000, method=Method.GET_ORDER)

    sell = execute(broker, on_sleep).orders[0]
    assert sell.step is Step.SUBMITTED
    assert sell.error is not None
    assert sell.error.kind is ErrorKind.BROKER_UNAVAILABLE
    assert sell.state is not None
    assert not sell.state.status.is_final


def test_an_order_found_after_its_answer_was_lost_is_reported_submitted() -> None:
    broker = half_and_half()
    broker.next_orders(OrderOutcome.LOST)
    report = execute(broker)
    sell = report.orders[0]
    assert (sell.step, sell.filled, sell.error) == (Step.SUBMITTED, True, None)
    assert (report.submitted, report.complete, report.stopped) == (2, True, None)


def test_an_order_not_found_after_its_answer_was_lost_stops_the_run() -> None:
    broker = half_and_half()
    broker.fail_next(ErrorKind.TIMEOUT, method=Method.SUBMIT_ORDER)  # nothing placed
    report = execute(broker)
    assert [o.step for o in report.orders] == [Step.FAILED, Step.SKIPPED_AFTER_FAILURE]
    sell = report.orders[0]
    assert sell.error is not None
    assert sell.error.kind is ErrorKind.TIMEOUT
    assert report.stopped == sell.error
    assert report.submitted == 0
