"""AlpacaBroker's orders through real alpaca-py clients and HTTP, against the local Alpaca."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from alpaca_server import AlpacaServer, Fault

from adapters.alpaca import AlpacaBroker
from portfolio import (
    Action,
    Allocation,
    ErrorKind,
    ExecutionReport,
    OrderIntent,
    OrderStatus,
    PortfolioService,
    Step,
)

D = Decimal
KEY, SECRET = "PKORDERS0123456789AB", "ordersSECRET/0123456789abcdefghijklmnop"
BY_CLIENT_ID = "/v2/orders:by_client_order_id"


@pytest.fixture
def server() -> Iterator[AlpacaServer]:
    with AlpacaServer(KEY, SECRET) as running:
        running.set_cash("1000")
        running.trades.update({"SPY": 100.0, "AAA": 400.0})
        yield running


@pytest.fixture
def broker(server: AlpacaServer) -> Iterator[AlpacaBroker]:
    alpaca = AlpacaBroker(
        KEY, SECRET, trading_url=server.url, data_url=server.url, timeout=0.3, sleep=lambda _: None
    )
    yield alpaca
    alpaca.close()


def buy(quantity: str = "2", client_id: str = "rb-test-t-SPY") -> OrderIntent:
    return OrderIntent(
        client_order_id=client_id, symbol="SPY", side=Action.BUY, quantity=D(quantity)
    )


def test_a_submitted_order_fills_and_reads_back_by_client_id(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    state = broker.submit_order(buy()).unwrap()
    assert (state.status, state.filled_quantity, state.average_price) == (
        OrderStatus.FILLED,
        D(2),
        D(100),
    )
    assert state.client_order_id == "rb-test-t-SPY"
    assert D(server.account["cash"]) == 800
    assert broker.get_order("rb-test-t-SPY").unwrap() == state
    assert broker.get_order("rb-unknown").unwrap() is None
    assert all(entry.authorised for entry in server.requests)


def test_a_duplicate_client_id_reads_the_order_back_and_never_fills_twice(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    first = broker.submit_order(buy()).unwrap()
    second = broker.submit_order(buy()).unwrap()
    assert second.order_id == first.order_id
    assert len(server.desk.orders) == 1
    assert D(server.account["cash"]) == 800
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/v2/orders"),
        ("POST", "/v2/orders"),  # 422: client_order_id must be unique
        ("GET", BY_CLIENT_ID),
    ]


def test_insufficient_buying_power_is_an_order_rejection(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    refusal = {"code": 40310000, "message": "insufficient buying power"}
    server.fail("/v2/orders", Fault.json(refusal, status=403))
    error = broker.submit_order(buy()).failure()
    assert error.kind is ErrorKind.ORDER_REJECTED
    assert "insufficient buying power" in error.message
    assert error.context["client_order_id"] == "rb-test-t-SPY"


def test_a_rate_limited_submission_is_retried_once_placed_once(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.fail("/v2/orders", Fault.rate_limited("0"))
    assert broker.submit_order(buy()).unwrap().status is OrderStatus.FILLED
    assert server.count("/v2/orders") == 2
    assert len(server.desk.orders) == 1


def test_rate_limits_beyond_the_budget_are_a_failure(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.fail("/v2/orders", Fault.rate_limited("0"), times=10)
    assert broker.submit_order(buy()).failure().kind is ErrorKind.BROKER_RATE_LIMITED
    assert server.desk.orders == {}


def test_a_submission_that_never_answers_times_out(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.fail("/v2/orders", Fault.hanging())
    assert broker.submit_order(buy()).failure().kind is ErrorKind.TIMEOUT
    assert broker.get_order("rb-test-t-SPY").unwrap() is None


def test_an_order_placed_without_an_answer_is_found_and_not_placed_again(
    server: AlpacaServer,
) -> None:
    # A second of time-out, not the fixture's 0.3 s: the reads after the hang must not
    # time out on a loaded machine (the hang itself waits it out once).
    broker = AlpacaBroker(
        KEY, SECRET, trading_url=server.url, data_url=server.url, timeout=1.0, sleep=lambda _: None
    )
    server.desk.hang_after_placing = 1
    assert broker.submit_order(buy()).failure().kind is ErrorKind.TIMEOUT
    found = broker.get_order("rb-test-t-SPY").unwrap()
    assert found is not None
    assert found.status is OrderStatus.FILLED
    assert broker.submit_order(buy()).unwrap().order_id == found.order_id
    assert len(server.desk.orders) == 1
    broker.close()


@pytest.mark.parametrize(
    "body",
    [
        {"id": "x", "client_order_id": "c", "symbol": "SPY", "status": "new", "side": "hold"},
        {
            "id": "x",
            "client_order_id": "c",
            "symbol": "SPY",
            "status": "new",
            "side": "buy",
            "qty": "lots",
        },
        ["not", "an", "order"],
    ],
)
def test_an_unreadable_order_is_a_bad_response(
    server: AlpacaServer, broker: AlpacaBroker, body: object
) -> None:
    server.fail(BY_CLIENT_ID, Fault.json(body))
    error = broker.get_order("c").failure()
    assert (error.kind, error.context["endpoint"]) == (ErrorKind.BROKER_BAD_RESPONSE, BY_CLIENT_ID)


def test_an_unknown_status_is_other_and_still_open(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    broker.submit_order(buy()).unwrap()
    next(iter(server.desk.orders.values()))["status"] = "pending_cancel"
    state = broker.get_order("rb-test-t-SPY").unwrap()
    assert state is not None
    assert (state.status, state.status.is_final) == (OrderStatus.OTHER, False)


def test_execute_over_http_sells_then_buys_and_reruns_place_nothing(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.set_cash("0")
    server.hold("SPY", "20", price="500")
    server.trades.update({"SPY": 500.0, "AAA": 400.0})
    for symbol in ("SPY", "AAA"):
        server.list_asset(symbol)
    service = PortfolioService(broker, sleep=lambda _: None)
    allocation = Allocation(target_weights={"SPY": D("0.5"), "AAA": D("0.5")}, correlation_id="h")
    plan = service.create_rebalance_plan(allocation, "h").unwrap()
    report = service.execute(plan).unwrap()
    assert [(o.intent.side, o.intent.quantity, o.step) for o in report.orders] == [
        (Action.SELL, D(10), Step.SUBMITTED),
        (Action.BUY, D("12.5"), Step.SUBMITTED),
    ]
    assert report.complete
    assert {p["symbol"]: D(p["qty"]) for p in server.positions} == {"SPY": 10, "AAA": D("12.5")}
    assert D(server.account["cash"]) == 0
    assert service.execute(plan).unwrap().submitted == 0
    assert len(server.desk.orders) == 2


def test_wrong_keys_place_nothing_and_never_show_the_secret(server: AlpacaServer) -> None:
    wrong = AlpacaBroker(KEY, "wrongSECRET/0123456789abcdefghijklmnopqr", trading_url=server.url)
    error = wrong.submit_order(buy()).failure()
    wrong.close()
    assert (error.kind, error.context["status"]) == (ErrorKind.BROKER_BAD_RESPONSE, "401")
    assert "wrongSECRET" not in str(error)
    assert server.desk.orders == {}


def test_a_sell_left_open_shows_in_the_snapshot_and_a_rerun_finishes(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.set_cash("0")
    server.hold("SPY", "20", price="500")
    server.trades.update({"SPY": 500.0, "AAA": 400.0})
    for symbol in ("SPY", "AAA"):
        server.list_asset(symbol)
    server.desk.next_status.append("accepted")  # the sell stays open
    now = [0.0]
    service = PortfolioService(
        broker, clock=lambda: now[0], sleep=lambda seconds: now.__setitem__(0, now[0] + seconds)
    )
    allocation = Allocation(target_weights={"SPY": D("0.5"), "AAA": D("0.5")}, correlation_id="o")
    plan = service.create_rebalance_plan(allocation, "o").unwrap()
    first = service.execute(plan).unwrap()
    assert [(o.step, o.state.status if o.state else None) for o in first.orders] == [
        (Step.SUBMITTED, OrderStatus.ACCEPTED),
        (Step.SKIPPED_NO_CASH, None),  # no cash arrived
    ]
    open_orders = broker.get_snapshot(["SPY", "AAA"]).unwrap().open_orders
    assert [(o.symbol, o.side, o.quantity) for o in open_orders] == [("SPY", Action.SELL, D(10))]
    server.desk.fill_open()
    rerun = service.execute(plan).unwrap()
    assert [o.step for o in rerun.orders] == [Step.ALREADY_SUBMITTED, Step.SUBMITTED]
    assert rerun.complete


def test_a_refusal_that_echoes_the_secret_is_scrubbed(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    echo = {"code": 40310000, "message": f"forbidden for {SECRET}"}
    server.fail("/v2/orders", Fault.json(echo, status=403))
    error = broker.submit_order(buy()).failure()
    assert error.kind is ErrorKind.ORDER_REJECTED
    assert SECRET not in str(error)
    assert "***" in error.message


def test_a_liquidation_is_sent_as_the_exact_decimal_string_and_closes_the_position(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    """12,345,678.123456789 as a float is 12345678.12345679: more than held, so refused."""
    held = "12345678.123456789"
    server.trades["SPY"] = 1.0
    server.hold("SPY", held, price="1")
    sell = OrderIntent(
        client_order_id="rb-test-c-SPY",
        symbol="SPY",
        side=Action.SELL,
        quantity=D(held),
        closes_position=True,
    )
    state = broker.submit_order(sell).unwrap()
    assert (state.status, state.quantity, state.filled_quantity) == (
        OrderStatus.FILLED,
        D(held),
        D(held),
    )
    assert json.loads(server.desk.bodies[-1])["qty"] == held  # a JSON string, every digit
    assert server.positions == []
    assert D(server.account["cash"]) == D(1000) + D(held)


@pytest.mark.parametrize(
    ("quantity", "notional", "sent"),
    [
        (D("0.000000001"), None, {"qty": "0.000000001"}),  # a float prints 1e-09
        (D("1E+3"), None, {"qty": "1000"}),
        (None, D("1234567890123.45"), {"notional": "1234567890123.45"}),
    ],
)
def test_amounts_travel_as_plain_decimal_strings(
    server: AlpacaServer,
    broker: AlpacaBroker,
    quantity: Decimal | None,
    notional: Decimal | None,
    sent: dict[str, str],
) -> None:
    server.set_cash("10000000000000")
    intent = OrderIntent(
        client_order_id="rb-test-t-SPY",
        symbol="SPY",
        side=Action.BUY,
        quantity=quantity,
        notional=notional,
    )
    broker.submit_order(intent).unwrap()
    body = json.loads(server.desk.bodies[-1])
    assert {k: body[k] for k in ("qty", "notional") if k in body} == sent
    assert (body["symbol"], body["side"], body["type"], body["time_in_force"]) == (
        "SPY",
        "buy",
        "market",
        "day",
    )


@pytest.mark.parametrize(
    "refusal",
    [
        {"code": 42210000, "message": "potential wash trade detected. use complex orders"},
        {"code": 40010001, "message": "qty must be integer"},  # Alpaca's code for both
        {"code": 40010001, "message": "asset not found"},
    ],
)
def test_a_422_that_is_not_a_duplicate_is_a_rejection_with_alpacas_reason(
    server: AlpacaServer, broker: AlpacaBroker, refusal: dict[str, object]
) -> None:
    server.fail("/v2/orders", Fault.json(refusal, status=422))
    error = broker.submit_order(buy()).failure()
    assert error.kind is ErrorKind.ORDER_REJECTED
    assert error.message == f"Alpaca rejected the order: {refusal['message']}"
    assert (error.context["status"], error.context["code"]) == ("422", str(refusal["code"]))
    assert [(r.method, r.path) for r in server.requests] == [("POST", "/v2/orders")]  # no look-up


def test_a_duplicate_client_id_whose_order_is_missing_is_a_bad_response(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    """Only Alpaca's duplicate answer makes the adapter look the id up."""
    duplicate = {"code": 40010001, "message": "client_order_id must be unique"}
    server.fail("/v2/orders", Fault.json(duplicate, status=422))
    error = broker.submit_order(buy()).failure()
    assert error.kind is ErrorKind.BROKER_BAD_RESPONSE
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/v2/orders"),
        ("GET", BY_CLIENT_ID),
    ]


def two_sales_three_buys(
    server: AlpacaServer, broker: AlpacaBroker, *, fractionable: bool = True
) -> ExecutionReport:
    """Sell 10 QQQ and 10 SPY at 100, buy 2 AAA at 400, 3 BBB at 200, 6 CCC at 100.

    The first sale (QQQ) is refused with a 422: Alpaca suspects a wash trade.
    """
    server.set_cash("0")
    server.hold("QQQ", "10", price="100")
    server.hold("SPY", "10", price="100")
    server.trades.update({"QQQ": 100.0, "SPY": 100.0, "AAA": 400.0, "BBB": 200.0, "CCC": 100.0})
    for symbol in ("QQQ", "SPY", "AAA", "BBB", "CCC"):
        server.list_asset(symbol, fractionable=fractionable)
    service = PortfolioService(broker, sleep=lambda _: None)
    weights = {"AAA": D("0.4"), "BBB": D("0.3"), "CCC": D("0.3")}
    allocation = Allocation(target_weights=weights, correlation_id="w")
    plan = service.create_rebalance_plan(allocation, "w").unwrap()
    assert [(i.symbol, i.quantity) for i in plan.trades] == [
        ("QQQ", D(-10)),
        ("SPY", D(-10)),
        ("AAA", D(2)),
        ("BBB", D(3)),
        ("CCC", D(6)),
    ]
    wash = {"code": 42210000, "message": "potential wash trade detected. use complex orders"}
    server.fail("/v2/orders", Fault.json(wash, status=422), method="POST")
    return service.execute(plan).unwrap()


def test_a_sale_refused_as_a_wash_trade_is_reported_and_the_run_goes_on(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    """QQQ's sale is refused with 422: SPY's sale and the three buys still go out."""
    report = two_sales_three_buys(server, broker)
    assert report.stopped is None
    assert [(o.intent.symbol, o.step) for o in report.orders] == [
        ("QQQ", Step.FAILED),
        ("SPY", Step.SUBMITTED),
        ("AAA", Step.SUBMITTED),
        ("BBB", Step.SUBMITTED),
        ("CCC", Step.SUBMITTED),
    ]
    refused = report.orders[0].error
    assert refused is not None
    assert (refused.kind, refused.context["code"]) == (ErrorKind.ORDER_REJECTED, "42210000")
    assert all(o.filled for o in report.orders[1:])
    assert {p["symbol"] for p in server.positions} == {"QQQ", "AAA", "BBB", "CCC"}
    assert D(server.account["cash"]) >= 0  # the buys spent only SPY's 1000


def test_whole_fractionable_buys_cut_to_the_cash_that_arrived_become_fractions(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    """Half the cash arrived: 1 AAA, 1.5 BBB (not 1: 100 idle), 3 CCC, sent as such."""
    report = two_sales_three_buys(server, broker)
    assert [o.intent.quantity for o in report.orders[2:]] == [D(1), D("1.5"), D(3)]
    assert [json.loads(body)["qty"] for body in server.desk.bodies[-3:]] == [
        "1.000000000",
        "1.500000000",
        "3.000000000",
    ]
    assert D(server.account["cash"]) == 0


def test_buys_of_symbols_that_are_not_fractionable_are_cut_to_whole_shares(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    report = two_sales_three_buys(server, broker, fractionable=False)
    assert [o.intent.quantity for o in report.orders[2:]] == [D(1), D(1), D(3)]
    assert all(o.filled for o in report.orders[1:])  # the desk refuses fractions of them
    assert D(server.account["cash"]) == 100  # half a BBB they cannot buy


def buy_half_in_spy(
    server: AlpacaServer, broker: AlpacaBroker, on_sleep: Callable[[int], None]
) -> ExecutionReport:
    """Cash 1000, SPY at 100: the plan buys 5 SPY; `on_sleep(n)` runs at the n-th wait."""
    server.list_asset("SPY")
    sleeps = [0]

    def sleep(_: float) -> None:
        sleeps[0] += 1
        on_sleep(sleeps[0])

    service = PortfolioService(broker, clock=lambda: float(sleeps[0]), sleep=sleep)
    allocation = Allocation(target_weights={"SPY": D("0.5")}, correlation_id="p")
    plan = service.create_rebalance_plan(allocation, "p").unwrap()
    return service.execute(plan).unwrap()


def test_an_order_polled_through_two_500s_that_then_fills_reports_no_error(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.desk.next_status.append("accepted")

    def on_sleep(n: int) -> None:
        if n == 1:
            server.fail(BY_CLIENT_ID, Fault.html(500), times=2)
        if n == 3:
            server.desk.fill_open()

    report = buy_half_in_spy(server, broker, on_sleep)
    (order,) = report.orders
    assert (order.intent.quantity, order.step, order.filled, order.error) == (
        D(5),
        Step.SUBMITTED,
        True,
        None,
    )
    assert report.complete
    assert server.take_fault(BY_CLIENT_ID, "GET") is None  # both 500s were answered


def test_an_order_found_after_a_dropped_post_that_then_fills_is_reported_submitted(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    server.desk.hang_after_placing = 1  # placed, never answered: the POST times out
    server.desk.next_status.append("accepted")

    def on_sleep(n: int) -> None:
        if n == 1:
            server.desk.fill_open()

    report = buy_half_in_spy(server, broker, on_sleep)
    (order,) = report.orders
    assert (order.step, order.filled, order.error) == (Step.SUBMITTED, True, None)
    assert (report.submitted, report.complete, report.stopped) == (1, True, None)
    assert len(server.desk.orders) == 1


def test_executing_a_liquidation_of_every_digit_closes_the_position(
    server: AlpacaServer, broker: AlpacaBroker
) -> None:
    """The plan sells all 12,345,678.123456789 SPY: sent exactly, the position is gone."""
    held = "12345678.123456789"
    server.hold("SPY", held, price="2")
    server.trades.update({"SPY": 2.0, "AAA": 400.0})
    for symbol in ("SPY", "AAA"):
        server.list_asset(symbol)
    service = PortfolioService(broker, sleep=lambda _: None)
    allocation = Allocation(target_weights={"AAA": D("0.5")}, correlation_id="l")
    plan = service.create_rebalance_plan(allocation, "l").unwrap()
    report = service.execute(plan).unwrap()
    sell = report.orders[0]
    assert (sell.intent.symbol, sell.intent.quantity, sell.filled) == ("SPY", D(held), True)
    assert json.loads(server.desk.bodies[0])["qty"] == held
    assert "SPY" not in {p["symbol"] for p in server.positions}
    assert report.complete
