"""`portfolio rebalance`: a dry run by default, orders only with --execute and a yes."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from alpaca_server import AlpacaServer
from cli_support import Run, cli

KEY, SECRET = "PKREBALANCE000000000", "rebalance-secret-00000000000000000000000"
# Cash 0, 20 SPY at 500: the plan sells 10 SPY and buys 12.5 QQQ at 400.
ACCOUNT = '{"cash": "0", "positions": {"SPY": "20"}, "prices": {"SPY": "500", "QQQ": "400"}}'
WEIGHTS = '{"SPY": "0.5", "QQQ": "0.5"}'


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "w.json").write_text(WEIGHTS, encoding="utf-8")
    (tmp_path / "account.json").write_text(ACCOUNT, encoding="utf-8")
    return tmp_path


def rebalance(files: Path, *more: str, answer: str | None = None) -> Run:
    return cli(
        "rebalance", "--weights", files / "w.json", "--snapshot", files / "account.json", *more,
        answer=answer,
    )  # fmt: skip


def rows(table: str) -> list[list[str]]:
    return [line.split()[:3] for line in table.splitlines()[2:] if line.strip()]


def test_a_dry_run_prints_the_orders_sells_first_and_places_nothing(files: Path) -> None:
    run = rebalance(files)
    assert run.code == 0, run.err
    assert rows(run.out) == [["SELL", "SPY", "10"], ["BUY", "QQQ", "12.5"]]
    assert "dry run: no order placed" in run.err


def test_json_and_csv_export_the_intents(files: Path) -> None:
    run = rebalance(files, "--json", "--orders-csv", str(files / "orders.csv"))
    document = json.loads(run.out)
    assert document["executed"] is False
    assert [(o["side"], o["symbol"], o["quantity"]) for o in document["orders"]] == [
        ("SELL", "SPY", "10"),
        ("BUY", "QQQ", "12.5"),
    ]
    with (files / "orders.csv").open(encoding="utf-8") as sheet:
        lines = list(csv.DictReader(sheet))
    assert [(r["side"], r["quantity"], r["closes_position"]) for r in lines] == [
        ("SELL", "10", "False"),
        ("BUY", "12.5", "False"),
    ]
    assert lines[0]["client_order_id"] == document["orders"][0]["client_order_id"]


def test_execute_asks_and_a_no_places_nothing(files: Path) -> None:
    run = rebalance(files, "--execute", answer="n\n")
    assert run.code == 1
    assert "Place 2 orders on the fake broker" in run.err
    assert "not confirmed: no order placed" in run.err


def test_execute_without_anyone_to_ask_places_nothing(files: Path) -> None:
    assert rebalance(files, "--execute").code == 1


@pytest.mark.parametrize(("flags", "answer"), [(("--yes",), None), ((), "yes\n")])
def test_execute_places_the_orders_and_reports_them(
    files: Path, flags: tuple[str, ...], answer: str | None
) -> None:
    run = rebalance(files, "--execute", "--json", *flags, answer=answer)
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert document["executed"] is True
    assert [
        (o["symbol"], o["step"], o["status"], o["filled_quantity"]) for o in document["orders"]
    ] == [
        ("SPY", "submitted", "filled", "10"),
        ("QQQ", "submitted", "filled", "12.5"),
    ]


def test_an_account_at_its_targets_has_nothing_to_trade(files: Path) -> None:
    (files / "w.json").write_text('{"SPY": "1"}', encoding="utf-8")
    run = rebalance(files, "--execute")
    assert (run.code, "nothing to trade" in run.err) == (0, True)


@pytest.mark.parametrize(
    "argv",
    [
        ("--live",),  # live needs Alpaca
        ("--broker", "alpaca"),  # and a snapshot file: one source only
    ],
)
def test_bad_command_lines_exit_2(files: Path, argv: tuple[str, ...]) -> None:
    run = rebalance(files, *argv)
    assert run.code == 2
    assert run.out == ""


def test_broker_fake_points_at_snapshot(files: Path) -> None:
    """`plan --broker fake` works, so a user tries it here: the error says what to give."""
    run = cli("rebalance", "--weights", files / "w.json", "--broker", "fake")
    assert (run.code, run.out) == (2, "")
    assert "argument --broker: 'fake': give --snapshot FILE" in run.err


def test_a_source_is_required(files: Path) -> None:
    assert cli("rebalance", "--weights", files / "w.json").code == 2


def alpaca_env(server: AlpacaServer) -> dict[str, str]:
    server.set_cash("0")
    server.hold("SPY", "20", price="500")
    server.trades.update({"SPY": 500.0, "QQQ": 400.0})
    for symbol in ("SPY", "QQQ"):
        server.list_asset(symbol)
    return server.environ()


def test_alpaca_dry_run_sends_no_order_and_execute_does(files: Path) -> None:
    argv = ("rebalance", "--weights", files / "w.json", "--broker", "alpaca")
    with AlpacaServer(KEY, SECRET) as server:
        env = alpaca_env(server)
        dry = cli(*argv, environ=env)
        assert {r.method for r in server.requests} == {"GET"}
        done = cli(*argv, "--execute", "--yes", environ=env)
        placed = [(o["symbol"], o["side"], Decimal(o["qty"])) for o in server.desk.orders.values()]
    assert (dry.code, done.code) == (0, 0), done.err
    assert "Alpaca paper trading" in dry.err
    assert placed == [("SPY", "sell", 10), ("QQQ", "buy", Decimal("12.5"))]
    assert Decimal(server.account["cash"]) == 0


@pytest.mark.parametrize("more", [[], ["--live"], ["--execute", "--yes"]])
def test_missing_alpaca_keys_exit_2_naming_them_as_plan_and_validate_do(
    files: Path, more: list[str]
) -> None:
    """Before, rebalance said BROKER_UNAVAILABLE and exited 1 where the docs say 2."""
    run = cli("rebalance", "--weights", files / "w.json", "--broker", "alpaca", *more)
    assert (run.code, run.out, run.err.count("\n")) == (2, "", 1), run.err
    assert run.err.startswith("error: Alpaca: APCA_API_KEY_ID / APCA_API_SECRET_KEY not set")
    plan = cli("plan", "--weights", files / "w.json", "--broker", "alpaca")
    assert (plan.code, plan.err) == (run.code, run.err)


def test_a_live_url_without_live_is_refused_before_anything_is_sent(files: Path) -> None:
    env = {
        "APCA_API_KEY_ID": KEY,
        "APCA_API_SECRET_KEY": SECRET,
        "APCA_API_BASE_URL": "https://api.alpaca.markets",
    }
    run = cli("rebalance", "--weights", files / "w.json", "--broker", "alpaca", environ=env)
    assert run.code == 2
    assert "add --live" in run.err
