"""Client order ids from a plan id edited by hand: always plain ASCII, sendable and readable back.

Before, the plan id went into the client id as written: a lone surrogate made every
read of the order fail as BROKER_BAD_RESPONSE ("unreadable response", though nothing
had been sent), and a space, a line break or a `/` went to the broker and the tables
as they were. A plan id that is not plain is now hashed, as an over-long one was.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from alpaca_server import AlpacaServer
from cli_support import cli
from hypothesis import given
from hypothesis import strategies as st

from portfolio.orders.intents import MAX_CLIENT_ORDER_ID, Leg, client_order_id

KEY, SECRET = "PKCLIENTIDS000000000", "clientids-secret-00000000000000000000000"
PLAIN = re.compile(r"rb-[A-Za-z0-9._-]+-[tco]-SPY")
EDITED = ["", "a b", "a\nb", "a/b?x=1", "a\udc80b", "planné", "a\x00b"]


@pytest.mark.parametrize("plan_id", EDITED)
def test_a_plan_id_that_is_not_plain_is_hashed_into_a_plain_id(plan_id: str) -> None:
    made = client_order_id(plan_id, "SPY", Leg.TRADE)
    assert PLAIN.fullmatch(made), made
    assert made == client_order_id(plan_id, "SPY", Leg.TRADE)  # the same on every run
    assert len(made) == len("rb-h") + 39 + len("-t-SPY")


def test_plain_plan_ids_are_kept_as_they_are() -> None:
    assert client_order_id("7cffd328f5496852059b8edd06ffab34", "SPY", Leg.CLOSE) == (
        "rb-7cffd328f5496852059b8edd06ffab34-c-SPY"
    )
    assert client_order_id("plan_1.v-2", "SPY", Leg.TRADE) == "rb-plan_1.v-2-t-SPY"


def test_edited_plan_ids_give_different_client_ids() -> None:
    made = {client_order_id(plan_id, "SPY", Leg.TRADE) for plan_id in EDITED}
    assert len(made) == len(EDITED)


@given(st.text())
def test_any_plan_id_gives_a_plain_client_id_within_alpacas_limit(plan_id: str) -> None:
    made = client_order_id(plan_id, "SPY", Leg.OPEN)
    assert PLAIN.fullmatch(made)
    assert len(made) <= MAX_CLIENT_ORDER_ID


def test_on_alpaca_a_plan_whose_id_holds_a_lone_surrogate_is_placed_once(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text('{"SPY": "0.5", "QQQ": "0.5"}', encoding="utf-8")
    with AlpacaServer(KEY, SECRET) as server:
        server.set_cash("0")
        server.hold("SPY", "20", price="500")
        server.trades.update({"SPY": 500.0, "QQQ": 400.0})
        for symbol in ("SPY", "QQQ"):
            server.list_asset(symbol)
        env = server.environ()
        made = cli(
            "plan", "--weights", tmp_path / "w.json", "--broker", "alpaca", "--json", environ=env
        )
        assert made.code == 0, made.err
        document = json.loads(made.out)
        document["plan_id"] = "a\udc80b"
        (tmp_path / "plan.json").write_text(json.dumps(document), encoding="utf-8")
        argv = ("rebalance", "--plan", tmp_path / "plan.json", "--broker", "alpaca")
        done = cli(*argv, "--execute", "--yes", "--json", environ=env)
        again = cli(*argv, "--execute", "--yes", "--json", environ=env)
        placed = [(o["symbol"], o["side"], Decimal(o["qty"])) for o in server.desk.orders.values()]
    assert (done.code, again.code) == (0, 0), (done.err, again.err)
    assert placed == [("SPY", "sell", 10), ("QQQ", "buy", Decimal("12.5"))]
    steps = [o["step"] for o in json.loads(again.out)["orders"]]
    assert steps == ["already_submitted", "already_submitted"]
