"""Lots and recent trades rebuilt from Alpaca's fills, through real alpaca-py over real HTTP.

Every account here lives on the local Alpaca server (tests/alpaca_server.py); its FILL
activities are shaped as Alpaca documents them, partial fills and pages included. Fill
times are days before today (15:00 UTC, 10:00 or 11:00 in New York), so that the
wash-sale window, counted back from the snapshot's real `as_of`, is exercised.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from alpaca_server import AlpacaServer, Fault
from cli_support import cli
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.alpaca import AlpacaBroker, LotIssue
from adapters.alpaca.activities import MAX_FILL_PAGES, PAGE_SIZE, Fill
from adapters.alpaca.lots import rebuild
from adapters.alpaca.parse import Holding
from portfolio import (
    Action,
    Allocation,
    ErrorKind,
    PastTrade,
    RebalancePlan,
    SizingPolicy,
    TaxLot,
    TaxPolicy,
    plan_rebalance,
)

KEY, SECRET = "PKLOTS0123456789ABCD", "secretLOTS/0123456789abcdefghijklmnopqrs"
D = Decimal
FILLS = "/v2/account/activities/FILL"
TODAY = datetime.now(UTC).date()


def day(ago: int) -> date:
    return TODAY - timedelta(days=ago)


def at(ago: int, second: int = 0) -> str:
    """An Alpaca transaction_time `ago` days back, 15:00 UTC (+ `second` seconds)."""
    moment = datetime(*day(ago).timetuple()[:3], 15, tzinfo=UTC)
    moment += timedelta(seconds=second, microseconds=123000)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


@pytest.fixture
def server() -> Iterator[AlpacaServer]:
    with AlpacaServer(KEY, SECRET) as alpaca:
        yield alpaca


def lots_broker(server: AlpacaServer, **options: object) -> AlpacaBroker:
    return AlpacaBroker(
        KEY,
        SECRET,
        trading_url=server.url,
        data_url=server.url,
        read_lots=True,
        **{"timeout": 5.0, **options},  # type: ignore[arg-type]
    )


def hold(server: AlpacaServer, symbol: str, qty: str, cost_basis: str, price: float) -> None:
    server.hold(symbol, qty)
    server.positions[-1]["cost_basis"] = cost_basis
    server.trades[symbol] = price
    server.list_asset(symbol)


def spy_account(server: AlpacaServer) -> None:
    """SPY, by hand: order A bought 10 in two partial fills 400 days ago (4 at 99, 6 at
    100.50: 999.00, 99.90 a share), order B 10 at 120 20 days ago; order C sold 5 at 110
    10 days ago, first in first out from A: 5 × (110 − 99.90) = 50.50 realized. Left:
    5 of A at 99.90 and 10 of B at 120, cost 499.50 + 1,200 = 1,699.50.
    """
    server.set_cash("1000")
    hold(server, "SPY", "15", "1699.50", 115.0)
    server.add_fill("SPY", "buy", "4", "99", at(400), order="order-a", cum_qty="4", leaves_qty="6")
    server.add_fill("SPY", "buy", "6", "100.50", at(400, 1), order="order-a", cum_qty="10")
    server.add_fill("SPY", "buy", "10", "120", at(20), order="order-b")
    server.add_fill("SPY", "sell", "5", "110", at(10), order="order-c")


def test_fills_replayed_first_in_first_out_give_the_lots_and_recent_trades(
    server: AlpacaServer,
) -> None:
    spy_account(server)
    broker = lots_broker(server)

    snapshot = broker.get_snapshot(["SPY"]).unwrap()

    assert snapshot.lots == {
        "SPY": (
            TaxLot(quantity=D(5), cost=D("99.9"), acquired=day(400), lot_id="order-a"),
            TaxLot(quantity=D(10), cost=D(120), acquired=day(20), lot_id="order-b"),
        )
    }
    assert snapshot.recent_trades == (
        PastTrade(symbol="SPY", action=Action.BUY, quantity=D(10), price=D(120), on=day(20)),
        PastTrade(
            symbol="SPY",
            action=Action.SELL,
            quantity=D(5),
            price=D(110),
            on=day(10),
            realized_gain=D("50.50"),
        ),
    )
    assert broker.lot_warnings == ()
    asked = [r.params for r in server.requests if r.path == FILLS]
    assert asked == [{"direction": "desc", "page_size": "100"}]


def test_the_recent_trades_go_back_wash_sale_days(server: AlpacaServer) -> None:
    spy_account(server)

    snapshot = lots_broker(server, wash_sale_days=15).get_snapshot(["SPY"]).unwrap()

    assert [(t.action, t.on) for t in snapshot.recent_trades] == [(Action.SELL, day(10))]
    assert len(snapshot.lots["SPY"]) == 2  # the lots keep the whole history


def test_every_page_is_read_following_the_last_activity_id(server: AlpacaServer) -> None:
    """150 partial fills of one QQQ order (one share each at 300 + n cents) and SPY's 4."""
    spy_account(server)
    hold(server, "QQQ", "150", "45000.00", 310.0)  # placeholder cost basis, set below
    for n in range(150):
        left = str(149 - n)
        server.add_fill(
            "QQQ", "buy", "1", f"{300 + n / 100:.2f}", at(50, n), order="order-q", leaves_qty=left
        )
    # Σ (300 + n/100) for n < 150 = 45,000 + 111.75: one lot of 150 at 300.745
    server.positions[-1]["cost_basis"] = "45111.75"

    broker = lots_broker(server)
    snapshot = broker.get_snapshot(["SPY", "QQQ"]).unwrap()

    assert snapshot.lots["QQQ"] == (
        TaxLot(quantity=D(150), cost=D("300.745"), acquired=day(50), lot_id="order-q"),
    )
    assert len(snapshot.lots["SPY"]) == 2
    pages = [r.params for r in server.requests if r.path == FILLS]
    newest_first = sorted((str(a["id"]) for a in server.activities), reverse=True)
    assert pages == [
        {"direction": "desc", "page_size": "100"},
        {"direction": "desc", "page_size": "100", "page_token": newest_first[99]},
    ]
    assert broker.lot_warnings == ()


def test_a_split_leaves_the_symbol_without_lots_and_names_it_in_a_warning(
    server: AlpacaServer,
) -> None:
    """AAPL bought 10 at 200; a 2-for-1 split made the position 20 (cost basis 2,000).

    Alpaca reports a split as a non-trade activity, which the FILL list does not show:
    the fills say 10 shares, the position 20. The rest of the snapshot is as usual.
    """
    spy_account(server)
    hold(server, "AAPL", "20", "2000", 105.0)
    server.add_fill("AAPL", "buy", "10", "200", at(100))
    server.activities.append(
        {
            "activity_type": "SPLIT",
            "id": f"{day(30):%Y%m%d}150000000::4bb48d9b-4a61-4a5c-9a3c-c0c3cdde0001",
            "date": day(30).isoformat(),
            "net_amount": "0",
            "description": "2 for 1 split",
            "symbol": "AAPL",
            "qty": "10",
            "per_share_amount": None,
            "status": "executed",
        }
    )
    broker = lots_broker(server)

    snapshot = broker.get_snapshot(["SPY", "AAPL"]).unwrap()

    assert set(snapshot.lots) == {"SPY"}
    assert snapshot.positions == {"AAPL": D(20), "SPY": D(15)}
    assert snapshot.prices == {"AAPL": D(105), "SPY": D(115)}
    [warning] = broker.lot_warnings
    assert (warning.symbol, warning.issue) == ("AAPL", LotIssue.QUANTITY)
    assert str(warning).startswith("AAPL: the fills leave 10 shares but the position is 20")


@pytest.mark.parametrize(
    ("cost_basis", "kept"),
    [("1699.52", True), ("1699.48", True), ("1699.53", False), ("1699.47", False)],
)
def test_a_cost_off_by_more_than_a_cent_a_lot_refuses_the_lots(
    server: AlpacaServer, cost_basis: str, *, kept: bool
) -> None:
    """SPY's two lots cost 1,699.50: 2 cents off is within a cent a lot, 3 is not."""
    spy_account(server)
    server.positions[0]["cost_basis"] = cost_basis
    broker = lots_broker(server)

    snapshot = broker.get_snapshot(["SPY"]).unwrap()

    assert ("SPY" in snapshot.lots) is kept
    issues = [(w.symbol, w.issue) for w in broker.lot_warnings]
    assert issues == ([] if kept else [("SPY", LotIssue.COST)])


def test_a_sale_of_more_than_the_fills_bought_gives_no_lots_and_no_gains(
    server: AlpacaServer,
) -> None:
    """IWM: 5 bought, 8 sold (history missing or a short sale), then 10 bought: held 7."""
    hold(server, "IWM", "7", "1400", 200.0)
    server.add_fill("IWM", "buy", "5", "200", at(12))
    server.add_fill("IWM", "sell", "8", "190", at(11))
    server.add_fill("IWM", "buy", "10", "200", at(10))
    broker = lots_broker(server)

    snapshot = broker.get_snapshot(["IWM"]).unwrap()

    assert snapshot.lots == {}
    assert [(w.symbol, w.issue) for w in broker.lot_warnings] == [("IWM", LotIssue.SHORT)]
    assert [t.realized_gain for t in snapshot.recent_trades] == [None, None, None]


def test_fills_of_a_symbol_no_longer_held_give_trades_but_no_lots(server: AlpacaServer) -> None:
    """DIA bought 3 at 400, sold 3 at 380 five days ago: a realized loss of 60."""
    spy_account(server)
    server.add_fill("DIA", "buy", "3", "400", at(40))
    server.add_fill("DIA", "sell", "3", "380", at(5))
    broker = lots_broker(server)

    snapshot = broker.get_snapshot(["SPY"]).unwrap()

    assert set(snapshot.lots) == {"SPY"}
    assert snapshot.recent_trades[-1] == PastTrade(
        symbol="DIA",
        action=Action.SELL,
        quantity=D(3),
        price=D(380),
        on=day(5),
        realized_gain=D("-60.00"),
    )
    assert broker.lot_warnings == ()


def test_a_history_longer_than_the_page_cap_gives_no_lots_and_says_so(
    server: AlpacaServer,
) -> None:
    hold(server, "SPY", "5001", "500100", 100.0)
    for n in range(PAGE_SIZE * MAX_FILL_PAGES + 1):
        server.add_fill("SPY", "buy", "1", "100", at(300 - n // 20, n % 20))
    broker = lots_broker(server)

    snapshot = broker.get_snapshot(["SPY"]).unwrap()

    assert snapshot.lots == {}
    assert server.count(FILLS) == MAX_FILL_PAGES
    assert [(w.symbol, w.issue) for w in broker.lot_warnings] == [("SPY", LotIssue.TOO_MANY_FILLS)]


def test_without_read_lots_no_activity_is_asked_for(server: AlpacaServer) -> None:
    spy_account(server)
    broker = AlpacaBroker(KEY, SECRET, trading_url=server.url, data_url=server.url)

    snapshot = broker.get_snapshot(["SPY"]).unwrap()

    assert (snapshot.lots, snapshot.recent_trades, server.count(FILLS)) == ({}, (), 0)


def test_a_hanging_activities_page_ends_at_the_snapshot_deadline(server: AlpacaServer) -> None:
    spy_account(server)
    server.fail(FILLS, Fault.hanging())
    broker = lots_broker(server, timeout=0.5)

    error = broker.get_snapshot(["SPY"]).failure()

    assert error.kind is ErrorKind.TIMEOUT


def test_a_fill_without_a_price_is_a_bad_response_naming_the_field(server: AlpacaServer) -> None:
    spy_account(server)
    del server.activities[2]["price"]

    error = lots_broker(server).get_snapshot(["SPY"]).failure()

    assert error.kind is ErrorKind.BROKER_BAD_RESPONSE
    assert error.context["field"] == "price"


@pytest.mark.parametrize(("field", "value"), [("price", "1e999"), ("qty", "9" * 400)])
def test_a_fill_beyond_the_bounds_is_a_bad_response_not_an_exception(
    server: AlpacaServer, field: str, value: str
) -> None:
    """A finite number too large to price in cents: the lots' arithmetic raised on it."""
    spy_account(server)
    server.activities[1][field] = value

    error = lots_broker(server).get_snapshot(["SPY"]).failure()

    assert error.kind is ErrorKind.BROKER_BAD_RESPONSE
    assert error.context["field"] == "qty/price"


def test_an_unusable_wash_sale_days_is_an_invalid_config() -> None:
    broker = AlpacaBroker(KEY, SECRET, read_lots=True, wash_sale_days=400)

    error = broker.get_snapshot(["SPY"]).failure()

    assert (error.kind, error.context["settings"]) == (ErrorKind.INVALID_CONFIG, "wash_sale_days")


def test_the_rebuilt_lots_drive_a_tax_aware_plan(server: AlpacaServer) -> None:
    """SPY at 125: 1,000 + 15 × 125 = 2,875; 25 % is 718.75, so 1,156.25 is sold (9.25 shares).

    FIFO relieves lot A's 5 shares (5 × (125 − 99.90) = 125.50, long-term), then 4.25
    of lot B (4.25 × (125 − 120) = 21.25, short-term).
    """
    spy_account(server)
    server.trades.update({"SPY": 125.0, "QQQ": 100.0})
    server.list_asset("QQQ")
    snapshot = lots_broker(server).get_snapshot(["SPY", "QQQ"]).unwrap()
    allocation = Allocation(
        target_weights={"SPY": D("0.25"), "QQQ": D("0.75")}, correlation_id="lots"
    )

    plan = plan_rebalance(allocation, snapshot, SizingPolicy(tax=TaxPolicy())).unwrap()

    assert plan.tax is not None
    assert [(s.lot_id, s.quantity, s.gain) for s in plan.tax.sales] == [
        ("order-a", D(5), D("125.50")),
        ("order-b", D("4.25"), D("21.25")),
    ]
    assert (plan.tax.long_term_gain, plan.tax.short_term_gain) == (D("125.50"), D("21.25"))


def test_a_loss_sale_within_the_window_holds_the_buy_back(server: AlpacaServer) -> None:
    """DIA sold at a loss of 60 five days ago (from the fills): a buy of DIA now is held."""
    spy_account(server)
    server.add_fill("DIA", "buy", "3", "400", at(40))
    server.add_fill("DIA", "sell", "3", "380", at(5))
    server.trades["DIA"] = 390.0
    server.list_asset("DIA")
    snapshot = lots_broker(server).get_snapshot(["SPY", "DIA"]).unwrap()
    allocation = Allocation(target_weights={"SPY": D("0.5"), "DIA": D("0.5")}, correlation_id="w")

    plan = plan_rebalance(allocation, snapshot, SizingPolicy(tax=TaxPolicy())).unwrap()

    dia = next(item for item in plan.items if item.symbol == "DIA")
    assert (dia.action, dia.reason.value) == (Action.HOLD, "WASH_SALE")


def test_plan_lots_from_broker_on_the_command_line_warns_of_a_split(
    server: AlpacaServer, tmp_path: Path
) -> None:
    spy_account(server)
    hold(server, "AAPL", "20", "2000", 105.0)
    server.add_fill("AAPL", "buy", "10", "200", at(100))
    server.trades.update({"SPY": 125.0, "QQQ": 100.0})
    server.list_asset("QQQ")
    (tmp_path / "w.json").write_text('{"SPY": 0.1, "AAPL": 0.1, "QQQ": 0.8}', encoding="utf-8")
    (tmp_path / "tax.toml").write_text('[tax]\nmethod = "fifo"\n', encoding="utf-8")
    env = server.environ()

    run = cli(
        "plan", "--weights", tmp_path / "w.json", "--broker", "alpaca",
        "--policy", tmp_path / "tax.toml", "--lots-from-broker", "--json",
        environ=env,
    )  # fmt: skip

    assert run.code == 0, run.err
    expected = (
        "warning: no lots for AAPL: the fills leave 10 shares but the position is 20"
        " (a split, a transfer or fills older than the account's history?)"
    )
    assert run.err.splitlines() == [expected]
    assert server.count(FILLS) == 1
    plan = RebalancePlan.from_json(run.out).unwrap()
    assert plan.tax is not None
    assert plan.tax.unknown_basis == ("AAPL",)  # planned, at an unknown basis
    assert [sale.lot_id for sale in plan.tax.sales] == ["order-a", "order-b"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--broker", "fake"], "--lots-from-broker needs --broker alpaca"),
        (["--broker", "alpaca", "--lots", "l.csv"], "--lots and --lots-from-broker exclude"),
    ],
)
def test_lots_from_broker_needs_alpaca_and_no_lots_file(argv: list[str], message: str) -> None:
    run = cli("plan", "--weights", "w.json", *argv, "--lots-from-broker")
    assert run.code == 2
    assert message in run.err


# -- the replay itself, without HTTP ------------------------------------------------------

_MOMENT = datetime(2024, 6, 3, 15, tzinfo=UTC)


@st.composite
def histories(draw: st.DrawFn) -> list[Fill]:
    """Buys and sales of one symbol, never selling more than is held, one day apart."""
    fills, held = [], D(0)
    for n in range(draw(st.integers(1, 12))):
        buy = held == 0 or draw(st.booleans())
        most = 50 if buy else int(held)
        quantity = D(draw(st.integers(1, max(most, 1))))
        if not buy and quantity > held:
            quantity = held
        price = D(draw(st.integers(100, 20_000))) / 100
        held += quantity if buy else -quantity
        fills.append(
            Fill(
                activity_id=f"{n:04d}",
                symbol="SPY",
                action=Action.BUY if buy else Action.SELL,
                quantity=quantity,
                price=price,
                at=_MOMENT - timedelta(days=100 - n),
                order_id=f"order-{n}",
            )
        )
    return fills


@settings(max_examples=200, deadline=None)
@given(histories())
def test_lots_and_gains_account_for_every_dollar(fills: list[Fill]) -> None:
    """Cost bought = cost still held + cost relieved, and each sale's gain is proceeds less
    the cost it relieved: so Σ gains = Σ proceeds − Σ bought + lots' cost, to half a cent a sale.
    """
    bought = sum((f.quantity * f.price for f in fills if f.action is Action.BUY), D(0))
    sold = sum((f.quantity * f.price for f in fills if f.action is Action.SELL), D(0))
    held = sum((f.quantity if f.action is Action.BUY else -f.quantity for f in fills), D(0))
    lots = [TaxLot(quantity=held, cost=D(0), acquired=_MOMENT.date())] if held else []
    holdings = [Holding(symbol="SPY", quantity=held, asset_class="us_equity")] if held else []

    found = rebuild(fills, holdings, as_of=_MOMENT, wash_sale_days=366)

    kept = found.lots.get("SPY", ())
    assert sum((lot.quantity for lot in kept), D(0)) == sum((lot.quantity for lot in lots), D(0))
    cost_left = sum((lot.quantity * lot.cost for lot in kept), D(0))
    gains = [t.realized_gain for t in found.recent_trades if t.action is Action.SELL]
    assert None not in gains
    sales = len(gains)
    total = sum((g for g in gains if g is not None), D(0))
    assert abs(total - (sold - bought + cost_left)) <= D("0.005") * sales
    assert found.warnings == ()


def _fill(n: int, action: Action, quantity: str, price: str, when: str, order: str) -> Fill:
    return Fill(
        activity_id=f"{n:04d}",
        symbol="SPY",
        action=action,
        quantity=D(quantity),
        price=D(price),
        at=datetime.fromisoformat(when),
        order_id=order,
    )


def test_an_order_filled_over_two_trade_days_makes_two_lots_dated_in_new_york() -> None:
    """A GTC order: 3 at 10 on June 3 and 2 at 11 at 01:30 UTC on June 5, which is 21:30
    on June 4 in New York; then 4 more at 12 on June 5. Three lots, by trade day."""
    fills = [
        _fill(0, Action.BUY, "3", "10", "2024-06-03T15:00:00+00:00", "gtc"),
        _fill(1, Action.BUY, "2", "11", "2024-06-05T01:30:00+00:00", "gtc"),
        _fill(2, Action.BUY, "1", "12", "2024-06-05T15:00:00+00:00", "gtc"),
        _fill(3, Action.BUY, "3", "12", "2024-06-05T15:00:01+00:00", "gtc"),
    ]
    held = [Holding(symbol="SPY", quantity=D(9), asset_class="us_equity", cost_basis=D(100))]

    found = rebuild(fills, held, as_of=_MOMENT + timedelta(days=3), wash_sale_days=30)

    assert [(lot.quantity, lot.cost, lot.acquired) for lot in found.lots["SPY"]] == [
        (D(3), D(10), date(2024, 6, 3)),
        (D(2), D(11), date(2024, 6, 4)),
        (D(4), D(12), date(2024, 6, 5)),
    ]  # cost 30 + 22 + 48 = 100, the position's cost_basis


def test_crypto_and_options_get_no_lots_and_a_warning_short_stocks_neither() -> None:
    held = [
        Holding(symbol="BTC/USD", quantity=D("0.5"), asset_class="crypto"),
        Holding(symbol="SPY240621C00500000", quantity=D(1), asset_class="us_option"),
        Holding(symbol="TSLA", quantity=D(-3), asset_class="us_equity"),
    ]
    fills = [_fill(0, Action.BUY, "0.5", "60000", "2024-06-03T15:00:00+00:00", "b")]
    fills[0] = attrs.evolve(fills[0], symbol="BTCUSD")

    found = rebuild(fills, held, as_of=_MOMENT + timedelta(days=3), wash_sale_days=30)

    assert found.lots == {}
    assert [(w.symbol, w.issue) for w in found.warnings] == [
        ("BTC/USD", LotIssue.NOT_A_STOCK),
        ("SPY240621C00500000", LotIssue.NOT_A_STOCK),
    ]


def test_a_harvest_on_alpaca_buys_a_substitute_the_weights_do_not_name(
    server: AlpacaServer, tmp_path: Path
) -> None:
    """10 VOO bought at 100 (400 days ago) are at 90, 100 in cash: V = 1,000. The policy
    harvests a 5 % loss into VTI, which Alpaca prices at 50 and the weights do not name:
    the plan reads VTI's price too, sells the 10 VOO (a loss of 100) and buys 18 VTI."""
    server.set_cash("100")
    hold(server, "VOO", "10", "1000", 90.0)
    server.add_fill("VOO", "buy", "10", "100", at(400))
    server.trades["VTI"] = 50.0
    server.list_asset("VTI")
    (tmp_path / "w.json").write_text('{"VOO": 0.9}', encoding="utf-8")
    policy = '[tax]\nharvest_threshold = "0.05"\nsubstitutes = { VOO = ["VTI"] }\n'
    (tmp_path / "tax.toml").write_text(policy, encoding="utf-8")

    run = cli(
        "plan", "--weights", tmp_path / "w.json", "--broker", "alpaca",
        "--policy", tmp_path / "tax.toml", "--lots-from-broker", "--json",
        environ=server.environ(),
    )  # fmt: skip

    assert run.code == 0, run.err
    plan = RebalancePlan.from_json(run.out).unwrap()
    assert [(i.symbol, i.quantity) for i in plan.trades] == [("VOO", D(-10)), ("VTI", D(18))]
    assert plan.tax is not None
    assert (plan.tax.harvested_loss, plan.tax.substituted) == (D(100), (("VOO", "VTI"),))


def test_a_substitute_alpaca_cannot_price_is_a_missing_price_naming_it(
    server: AlpacaServer, tmp_path: Path
) -> None:
    """A misspelt substitute is said, not skipped: no harvest would ever go to it."""
    server.set_cash("100")
    hold(server, "VOO", "10", "1000", 90.0)
    (tmp_path / "w.json").write_text('{"VOO": 0.9}', encoding="utf-8")
    policy = '[tax]\nharvest_threshold = "0.05"\nsubstitutes = { VOO = ["VTII"] }\n'
    (tmp_path / "tax.toml").write_text(policy, encoding="utf-8")

    run = cli(
        "plan", "--weights", tmp_path / "w.json", "--broker", "alpaca",
        "--policy", tmp_path / "tax.toml", environ=server.environ(),
    )  # fmt: skip

    assert run.code == 1
    assert run.err.startswith("error: MISSING_PRICE")
    assert "VTII" in run.err
