"""Symbols no Alpaca request can name: a Failure before any request, never an exception.

Before, a lone surrogate in a symbol (a plan file edited by hand) raised
UnicodeEncodeError out of `AlpacaBroker.get_snapshot`, and `portfolio rebalance --plan`
died with a traceback; a symbol holding a comma went out inside `symbols=` as two
symbols.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alpaca_server import AlpacaServer
from cli_support import cli

from adapters.alpaca import AlpacaBroker
from portfolio import ErrorKind

KEY, SECRET = "PKUNNAMEABLE00000000", "unnameable-secret-0000000000000000000000"


@pytest.fixture
def server() -> Iterator[AlpacaServer]:
    with AlpacaServer(KEY, SECRET) as alpaca:
        alpaca.set_cash("0")
        alpaca.hold("SPY", "20", price="500")
        alpaca.trades.update({"SPY": 500.0, "QQQ": 400.0})
        for symbol in ("SPY", "QQQ"):
            alpaca.list_asset(symbol)
        yield alpaca


@pytest.mark.parametrize(
    ("symbol", "named"),
    [("SP\udc80Y", "'SP\\udc80Y'"), ("QQQ,SPY", "'QQQ,SPY'"), ("S PY", "'S PY'")],
)
def test_a_symbol_no_request_can_name_is_a_missing_price_before_any_request(
    server: AlpacaServer, symbol: str, named: str
) -> None:
    broker = AlpacaBroker(KEY, SECRET, trading_url=server.url, data_url=server.url, timeout=5.0)
    error = broker.get_snapshot(["SPY", symbol]).failure()
    assert error.kind is ErrorKind.MISSING_PRICE
    assert error.context["symbols"] == named
    assert server.requests == []


def test_a_plan_whose_symbol_holds_a_lone_surrogate_exits_1_without_a_traceback(
    server: AlpacaServer, tmp_path: Path
) -> None:
    (tmp_path / "w.json").write_text('{"SPY": "0.5", "QQQ": "0.5"}', encoding="utf-8")
    env = server.environ()
    made = cli(
        "plan", "--weights", tmp_path / "w.json", "--broker", "alpaca", "--json", environ=env
    )
    assert made.code == 0, made.err
    document = json.loads(made.out)
    document["items"][0]["symbol"] = "SP\udc80Y"
    (tmp_path / "plan.json").write_text(json.dumps(document), encoding="utf-8")
    run = cli(
        "rebalance", "--plan", tmp_path / "plan.json", "--broker", "alpaca", "--execute", "--yes",
        environ=env,
    )  # fmt: skip
    assert run.code == 1
    assert "MISSING_PRICE" in run.err
    assert [r for r in server.requests if r.method == "POST"] == []
