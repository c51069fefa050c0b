"""The BrokerPort contract: the same tests run against every implementation.

To put another broker under contract, add one line to `IMPLEMENTATIONS`: either a
factory `(cash, positions, prices, assets) -> BrokerPort`, or the name of a pytest
fixture that returns such a factory (for brokers that need a server started and
stopped around each test), e.g. `pytest.param("alpaca_factory", id="alpaca")`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal

import pytest
from alpaca_server import contract_factory
from returns.pipeline import is_successful
from returns.result import Failure

from adapters.fake import FakeBroker
from portfolio import Allocation, Asset, ErrorKind, PortfolioError, Snapshot, plan_rebalance
from ports import BrokerPort

D = Decimal

BrokerFactory = Callable[
    [Decimal, Mapping[str, Decimal], Mapping[str, Decimal], Mapping[str, Asset]], BrokerPort
]


def fake_factory(
    cash: Decimal,
    positions: Mapping[str, Decimal],
    prices: Mapping[str, Decimal],
    assets: Mapping[str, Asset],
) -> BrokerPort:
    return FakeBroker(cash=cash, positions=positions, prices=prices, assets=assets)


@pytest.fixture
def alpaca_factory() -> Iterator[BrokerFactory]:
    """AlpacaBroker through the real alpaca-py clients against a local Alpaca server."""
    with contract_factory() as factory:
        yield factory


IMPLEMENTATIONS = [
    pytest.param(fake_factory, id="fake"),
    pytest.param("alpaca_factory", id="alpaca"),
]


@pytest.fixture(params=IMPLEMENTATIONS)
def make_broker(request: pytest.FixtureRequest) -> BrokerFactory:
    chosen: BrokerFactory | str = request.param
    if isinstance(chosen, str):
        factory: BrokerFactory = request.getfixturevalue(chosen)
        return factory
    return chosen


def broker(
    make_broker: BrokerFactory,
    cash: str = "0",
    positions: Mapping[str, str] | None = None,
    prices: Mapping[str, str] | None = None,
    assets: Mapping[str, Asset] | None = None,
) -> BrokerPort:
    return make_broker(
        D(cash),
        {s: D(q) for s, q in (positions or {}).items()},
        {s: D(p) for s, p in (prices or {}).items()},
        assets or {},
    )


def snapshot_of(port: BrokerPort, symbols: list[str]) -> Snapshot:
    result = port.get_snapshot(symbols)
    assert is_successful(result), result
    return result.unwrap()


def test_cash_is_read_exactly(make_broker: BrokerFactory) -> None:
    port = broker(make_broker, cash="12345.67")
    assert snapshot_of(port, []).cash == D("12345.67")


def test_every_holding_is_reported_with_its_price_even_if_not_requested(
    make_broker: BrokerFactory,
) -> None:
    port = broker(
        make_broker,
        cash="100",
        positions={"SPY": "20", "AAPL": "3"},
        prices={"SPY": "500", "AAPL": "190.25", "QQQ": "400"},
    )
    snapshot = snapshot_of(port, ["QQQ"])
    assert snapshot.positions == {"SPY": D(20), "AAPL": D(3)}
    assert snapshot.prices["SPY"] == D(500)
    assert snapshot.prices["AAPL"] == D("190.25")
    assert snapshot.prices["QQQ"] == D(400)


def test_fractional_and_short_quantities_are_exact(make_broker: BrokerFactory) -> None:
    port = broker(
        make_broker,
        positions={"SPY": "0.123456789", "TSLA": "-3"},
        prices={"SPY": "500", "TSLA": "250"},
    )
    assert snapshot_of(port, []).positions == {"SPY": D("0.123456789"), "TSLA": D(-3)}


def test_symbols_are_upper_case_whatever_the_request(make_broker: BrokerFactory) -> None:
    port = broker(make_broker, cash="1", prices={"SPY": "500"})
    snapshot = snapshot_of(port, ["spy", "SPY"])
    assert snapshot.prices["SPY"] == D(500)
    assert all(symbol == symbol.upper() for symbol in snapshot.prices)


def test_an_unpriced_requested_symbol_ends_as_missing_price(make_broker: BrokerFactory) -> None:
    """Either the port says so itself, or the snapshot lacks the price and the planner does."""
    port = broker(make_broker, cash="1000", prices={"SPY": "500"})
    allocation = Allocation(
        target_weights={"SPY": D("0.5"), "NOPE": D("0.5")}, correlation_id="contract"
    )
    result = port.get_snapshot(allocation.symbols).bind(
        lambda snapshot: plan_rebalance(allocation, snapshot)
    )
    assert isinstance(result, Failure)
    error: PortfolioError = result.failure()
    assert error.kind is ErrorKind.MISSING_PRICE
    assert "NOPE" in error.context["symbols"].split(",")


def test_asset_facts_are_passed_on(make_broker: BrokerFactory) -> None:
    facts = {"BRK.A": Asset(symbol="BRK.A", fractionable=False, tradable=True)}
    port = broker(make_broker, cash="1", prices={"BRK.A": "600000"}, assets=facts)
    snapshot = snapshot_of(port, ["BRK.A"])
    assert snapshot.assets["BRK.A"].fractionable is False
    assert snapshot.assets["BRK.A"].tradable is True


def test_an_empty_account(make_broker: BrokerFactory) -> None:
    snapshot = snapshot_of(broker(make_broker), [])
    assert snapshot.cash == 0
    assert snapshot.positions == {}


def test_two_reads_of_an_unchanged_account_agree(make_broker: BrokerFactory) -> None:
    port = broker(make_broker, cash="10", positions={"SPY": "2"}, prices={"SPY": "500"})
    first, second = snapshot_of(port, ["SPY"]), snapshot_of(port, ["SPY"])
    assert (first.cash, first.positions, first.prices) == (
        second.cash,
        second.positions,
        second.prices,
    )


def test_the_snapshot_plans_as_the_design_document_says(make_broker: BrokerFactory) -> None:
    port = broker(
        make_broker, cash="10000", positions={"SPY": "20"}, prices={"SPY": "500", "QQQ": "400"}
    )
    allocation = Allocation(
        target_weights={"SPY": D("0.6"), "QQQ": D("0.4")}, correlation_id="contract"
    )
    plan = port.get_snapshot(allocation.symbols).bind(
        lambda snapshot: plan_rebalance(allocation, snapshot)
    )
    # V = 10000 + 20 × 500 = 20000: SPY 12000 (+2000, 4 shares), QQQ 8000 (+8000, 20 shares)
    trades = [(i.symbol, i.trade_amount, i.quantity) for i in plan.unwrap().trades]
    assert trades == [("QQQ", D(8000), D(20)), ("SPY", D(2000), D(4))]


def test_an_account_without_orders_has_no_open_orders(make_broker: BrokerFactory) -> None:
    port = broker(make_broker, cash="10", positions={"SPY": "2"}, prices={"SPY": "500"})
    assert snapshot_of(port, ["SPY"]).open_orders == ()
