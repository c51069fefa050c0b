"""PortfolioService on the fake broker: plans, failures as values, logs with the correlation id."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Collection
from decimal import Decimal

import pytest
from returns.pipeline import is_successful
from returns.result import Result

from adapters.fake import FakeBroker, Method
from portfolio import (
    Allocation,
    ErrorKind,
    PortfolioError,
    PortfolioService,
    Snapshot,
    combine_allocations,
)

D = Decimal
SERVICE_LOGGER = "portfolio.service"


def design_account() -> FakeBroker:
    return FakeBroker(
        cash=D(10_000), positions={"SPY": D(20)}, prices={"SPY": D(500), "QQQ": D(400)}
    )


def allocation() -> Allocation:
    return Allocation(
        target_weights={"SPY": D("0.6"), "QQQ": D("0.4")}, correlation_id="strategy-123"
    )


def events(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [getattr(record, "event", "") for record in caplog.records]


def test_a_plan_from_the_fake_broker(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=SERVICE_LOGGER)
    broker = design_account()
    plan = PortfolioService(broker).create_rebalance_plan(allocation(), "rebalance-456").unwrap()
    # V = 20000: QQQ 0 → 8000 (BUY 8000), SPY 10000 → 12000 (BUY 2000)
    assert [(i.symbol, i.trade_amount) for i in plan.trades] == [
        ("QQQ", D(8000)),
        ("SPY", D(2000)),
    ]
    assert [(call.method, call.symbols) for call in broker.calls] == [
        (Method.GET_SNAPSHOT, ("QQQ", "SPY"))
    ]
    assert plan.correlation_id == "rebalance-456"  # the call's id, like the log lines
    assert events(caplog) == ["plan.start", "snapshot.read", "plan.built"]
    assert {record.name for record in caplog.records} == {SERVICE_LOGGER}
    assert all(getattr(r, "correlation_id", None) == "rebalance-456" for r in caplog.records)
    built = caplog.records[-1]
    assert (getattr(built, "trades", None), getattr(built, "total_buys", None)) == (2, D(10_000))
    assert "plan.built [correlation_id=rebalance-456]" in built.getMessage()


@pytest.mark.parametrize(
    "kind",
    [
        ErrorKind.BROKER_UNAVAILABLE,
        ErrorKind.BROKER_RATE_LIMITED,
        ErrorKind.BROKER_BAD_RESPONSE,
        ErrorKind.TIMEOUT,
        ErrorKind.MISSING_PRICE,
    ],
)
def test_a_broker_failure_is_returned_and_logged(
    kind: ErrorKind, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=SERVICE_LOGGER)
    broker = design_account()
    broker.fail_next(kind, message="injected")
    result = PortfolioService(broker).create_rebalance_plan(allocation(), "corr-9")
    assert result.failure().kind is kind
    assert events(caplog) == ["plan.start", "plan.failed"]
    failed = caplog.records[-1]
    assert failed.levelno == logging.WARNING
    assert getattr(failed, "correlation_id", None) == "corr-9"
    assert getattr(failed, "error_kind", None) == kind.name
    assert "corr-9" in failed.getMessage()


def test_the_fault_lasts_as_many_calls_as_asked() -> None:
    broker = design_account()
    broker.fail_next(ErrorKind.BROKER_RATE_LIMITED, times=2)
    service = PortfolioService(broker)
    outcomes = [service.create_rebalance_plan(allocation(), "retry") for _ in range(3)]
    assert [is_successful(r) for r in outcomes] == [False, False, True]
    assert broker.request_count == 3


def test_a_planning_failure_is_returned_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=SERVICE_LOGGER)
    broker = FakeBroker(cash=D(1000), prices={"SPY": D(500)})  # no price for QQQ
    result = PortfolioService(broker).create_rebalance_plan(allocation(), "corr-mp")
    error = result.failure()
    assert error.kind is ErrorKind.MISSING_PRICE
    assert error.context["symbols"] == "QQQ"
    assert events(caplog) == ["plan.start", "snapshot.read", "plan.failed"]
    assert all(getattr(r, "correlation_id", None) == "corr-mp" for r in caplog.records)


class RaisingBroker:
    """Breaks the port's promise: raises instead of returning a Failure."""

    def get_snapshot(self, symbols: Collection[str]) -> Result[Snapshot, PortfolioError]:
        message = f"socket closed while reading {len(symbols)} symbols"
        raise ConnectionError(message)


def test_a_broker_that_raises_still_gives_a_failure(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=SERVICE_LOGGER)
    result = PortfolioService(RaisingBroker()).create_rebalance_plan(allocation(), "corr-r")
    assert result.failure().kind is ErrorKind.BROKER_BAD_RESPONSE
    assert "socket closed" in result.failure().context["error"]
    assert events(caplog) == ["plan.start", "broker.raised", "plan.failed"]
    assert all(getattr(r, "correlation_id", None) == "corr-r" for r in caplog.records)


def test_a_combined_allocation_carries_its_attribution() -> None:
    sleeves = {
        "momentum": Allocation(target_weights={"SPY": D("0.3")}, correlation_id="m"),
        "mean_reversion": Allocation(target_weights={"SPY": D("0.2")}, correlation_id="r"),
    }
    combined = combine_allocations(sleeves, "corr-c").unwrap()
    plan = PortfolioService(design_account()).create_rebalance_plan(combined, "corr-c").unwrap()
    attribution = plan.metadata["strategy_attribution"]
    assert attribution == {"SPY": {"momentum": D("0.6"), "mean_reversion": D("0.4")}}


def test_nothing_is_printed_without_logging_configured() -> None:
    code = (
        "from decimal import Decimal as D\n"
        "from adapters.fake import FakeBroker\n"
        "from portfolio import Allocation, ErrorKind, PortfolioService\n"
        "broker = FakeBroker(cash=D(1))\n"
        "broker.fail_next(ErrorKind.TIMEOUT)\n"
        "allocation = Allocation(target_weights={'SPY': D(1)}, correlation_id='c')\n"
        "PortfolioService(broker).create_rebalance_plan(allocation, 'c')\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert (done.stdout, done.stderr) == ("", "")


def test_something_that_is_not_an_allocation_is_a_logged_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=SERVICE_LOGGER)
    broker = design_account()
    result = PortfolioService(broker).create_rebalance_plan(None, "corr-x")  # type: ignore[arg-type]
    assert (result.failure().kind, result.failure().context["got"]) == (
        ErrorKind.INVALID_ALLOCATION,
        "NoneType",
    )
    assert broker.calls == []
    assert events(caplog) == ["plan.failed"]


def test_the_tax_policys_substitutes_are_read_so_that_a_harvest_can_buy_them() -> None:
    """VOO bought at 100 is at 90: a 10 % loss. The broker prices VTI, which the weights do
    not name; the service asks for it, so the harvest sells VOO and buys VTI."""
    from datetime import date  # noqa: PLC0415 - only this test has lots

    from portfolio import SizingPolicy, TaxLot, TaxPolicy  # noqa: PLC0415

    lot = TaxLot(quantity=D(10), cost=D(100), acquired=date(2023, 11, 1), lot_id="a")
    broker = FakeBroker(
        cash=D(100),
        positions={"VOO": D(10)},
        prices={"VOO": D(90), "VTI": D(50)},
        lots={"VOO": [lot]},
    )
    harvesting = TaxPolicy(harvest_threshold=D("0.05"), substitutes={"VOO": ("vti",)})
    service = PortfolioService(broker, policy=SizingPolicy(tax=harvesting))
    weights = Allocation(target_weights={"VOO": D("0.9")}, correlation_id="h")
    plan = service.create_rebalance_plan(weights, "h").unwrap()
    assert [(call.method, call.symbols) for call in broker.calls] == [
        (Method.GET_SNAPSHOT, ("VOO", "VTI"))
    ]
    # V = 1000: the 10 VOO sold for 900 (a loss of 100); VOO's 0.9 (900) buys 18 VTI at 50
    assert [(i.symbol, i.quantity) for i in plan.trades] == [("VOO", D(-10)), ("VTI", D(18))]
    assert plan.tax is not None
    assert (plan.tax.harvested_loss, plan.tax.substituted) == (D(100), (("VOO", "VTI"),))
