"""`portfolio rebalance --plan FILE`: the reviewed plan, executed as it is or refused, exit 1."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from alpaca_server import AlpacaServer
from cli_support import Run, cli

KEY, SECRET = "PKPLANCLI00000000000", "plancli-secret-000000000000000000000000"
AS_OF = "2026-01-05T21:00:00+00:00"
# Cash 0, 20 SPY at 500: the plan sells 10 SPY and buys 12.5 QQQ at 400.
ACCOUNT = {
    "cash": "0",
    "positions": {"SPY": "20"},
    "prices": {"SPY": "500", "QQQ": "400"},
    "as_of": AS_OF,
}
WEIGHTS = '{"SPY": "0.5", "QQQ": "0.5"}'


def write_account(folder: Path, name: str = "account.json", **changes: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(ACCOUNT | changes), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """weights, the account, and the plan made from it as `plan --json` saves it."""
    (tmp_path / "w.json").write_text(WEIGHTS, encoding="utf-8")
    account = write_account(tmp_path)
    made = cli("plan", "--weights", tmp_path / "w.json", "--snapshot", account, "--json")
    assert made.code == 0, made.err
    (tmp_path / "plan.json").write_text(made.out, encoding="utf-8")
    return tmp_path


def execute(files: Path, account: Path, *more: str | Path) -> Run:
    return cli("rebalance", "--plan", files / "plan.json", "--snapshot", account, *more)


def test_the_saved_plan_records_what_it_was_made_from(files: Path) -> None:
    document = json.loads((files / "plan.json").read_text(encoding="utf-8"))
    assert (document["schema_version"], document["held"]) == (4, {"QQQ": "0", "SPY": "20"})


def test_a_dry_run_of_the_plan_lists_its_orders_and_places_nothing(files: Path) -> None:
    run = execute(files, files / "account.json", "--json")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    plan_id = json.loads((files / "plan.json").read_text(encoding="utf-8"))["plan_id"]
    assert document["plan_id"] == plan_id
    assert [(o["side"], o["symbol"], o["quantity"]) for o in document["orders"]] == [
        ("SELL", "SPY", "10"),
        ("BUY", "QQQ", "12.5"),
    ]
    assert document["executed"] is False
    assert "dry run" in run.err


def test_executing_the_unchanged_plan_places_exactly_its_orders(files: Path) -> None:
    run = execute(files, files / "account.json", "--execute", "--yes", "--json")
    assert run.code == 0, run.err
    orders = json.loads(run.out)["orders"]
    assert [(o["side"], o["symbol"], o["status"], o["filled_quantity"]) for o in orders] == [
        ("SELL", "SPY", "filled", "10"),
        ("BUY", "QQQ", "filled", "12.5"),
    ]


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        ({"positions": {"SPY": "21"}}, ["SPY=position 21, planned from 20"]),
        ({"prices": {"SPY": "500", "QQQ": "412"}}, ["QQQ=price 412, planned at 400 (+3%)"]),
        ({"as_of": "2026-01-07T21:00:00+00:00"}, ["the plan is 2 days old"]),
    ],
    ids=["position", "price", "age"],
)
def test_a_stale_plan_exits_1_with_one_line_naming_what_changed(
    files: Path, changes: dict[str, object], fragments: list[str]
) -> None:
    now = write_account(files, "now.json", **changes)
    run = execute(files, now, "--execute", "--yes")
    assert run.code == 1
    assert run.out == ""
    assert run.err.count("\n") == 1, run.err
    assert run.err.startswith("error: PLAN_STALE: the plan no longer fits the account")
    for fragment in fragments:
        assert fragment in run.err


def test_a_plan_stale_by_age_alone_is_one_line_saying_it_once(files: Path) -> None:
    """Before: the age's detail twice, and an empty `symbols=`."""
    now = write_account(files, "now.json", as_of="2026-01-07T21:00:00+00:00")
    run = execute(files, now)
    assert run.code == 1
    assert run.err == (
        "error: PLAN_STALE: the plan no longer fits the account, nothing placed: its age does"
        " not fit [age=the plan is 2 days old (as_of 2026-01-05T21:00:00+00:00), the limit is"
        " 1 day]\n"
    )


def test_the_limits_are_options(files: Path) -> None:
    moved = write_account(files, "now.json", prices={"SPY": "500", "QQQ": "412"})
    assert execute(files, moved, "--max-price-move", "2.9%").code == 1
    assert execute(files, moved, "--max-price-move", "0.03").code == 0
    later = write_account(files, "later.json", as_of="2026-01-07T21:00:00+00:00")
    assert execute(files, later, "--max-age", "47h").code == 1
    assert execute(files, later, "--max-age", "2d").code == 0


@pytest.mark.parametrize(
    ("more", "fragment"),
    [
        (["--max-price-move", "lots"], "expected a fraction (0.02) or a percentage (2%)"),
        (["--max-price-move=-1%"], "expected a fraction ≥ 0"),
        (["--max-age", "1 week"], "expected a number and a unit (d, h, m, s)"),
        # A negative value with its unit is the option's value, refused by its own rule;
        # argparse took it for an option: "expected one argument".
        (["--max-price-move", "-1%"], "expected a fraction ≥ 0"),
        (["--max-age", "-1d"], "expected a number and a unit (d, h, m, s)"),
        (["--format", "ibkr"], "--format needs --orders-csv FILE"),
        (["--policy", "p.json"], "--plan carries its own policy"),
        (["--liquidate-all"], "--plan carries its own policy"),
    ],
)
def test_bad_options_exit_2_with_one_line(files: Path, more: list[str], fragment: str) -> None:
    run = execute(files, files / "account.json", *more)
    assert (run.code, run.err.count("\n")) == (2, 1), run.err
    assert fragment in run.err


def test_the_basket_never_overwrites_an_input_file(files: Path) -> None:
    before = (files / "plan.json").read_bytes()
    run = execute(files, files / "account.json", "--orders-csv", files / "plan.json")
    assert run.code == 2
    assert "is the --plan file: an output never replaces an input" in run.err
    assert (files / "plan.json").read_bytes() == before


def test_a_plan_saved_before_schema_version_2_exits_2_naming_the_file(files: Path) -> None:
    document = json.loads((files / "plan.json").read_text(encoding="utf-8"))
    document["schema_version"] = 1
    del document["held"]
    (files / "plan.json").write_text(json.dumps(document), encoding="utf-8")
    run = execute(files, files / "account.json", "--execute", "--yes")
    assert (run.code, run.err.count("\n")) == (2, 1)
    assert "plan.json: a plan saved before schema_version 2" in run.err
    assert "plan again" in run.err


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "plan is not JSON"),
        # A file cut short: where it breaks, as a weights file's syntax error says it.
        ('{"schema_version": 4,\n "plan_id": "ab', "line 2 column 13: plan is not JSON"),
        ("\n", "plan.json: plan is not JSON: empty"),  # `plan --json > f` that failed
        (  # an amount edited by hand without its quotes
            (
                '{"schema_version": 4, "plan_id": "p", "correlation_id": "c", "items": [], '
                '"total_value": 67544.5}'
            ),
            'total_value: plan JSON: expected a decimal string ("67544.5"), got a number',
        ),
        ('{"schema_version": 7}', "schema_version: plan JSON: unsupported version 7"),
        (  # a field left out: said in JSON's words, not Python's (`got NoneType`)
            '{"schema_version": 4, "items": []}',
            "plan_id: plan JSON: expected a string, got null",
        ),
    ],
)
def test_a_bad_plan_file_exits_2_naming_it(files: Path, text: str, fragment: str) -> None:
    (files / "plan.json").write_text(text, encoding="utf-8")
    run = execute(files, files / "account.json")
    assert (run.code, run.err.count("\n")) == (2, 1), run.err
    assert "plan.json" in run.err
    assert fragment in run.err


def test_a_line_of_plan_many_is_pointed_at_its_plan(files: Path) -> None:
    """`plan-many` writes `{"account_id": …, "plan": {…}}` a line; the plan is its `plan`.
    Before, `rebalance --plan` said `plan_id: plan JSON: expected str, got NoneType`."""
    account = json.loads((files / "account.json").read_text(encoding="utf-8"))
    line = {"account_id": "a-1", "weights": json.loads(WEIGHTS), "snapshot": account}
    (files / "a.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    made = cli("plan-many", "--accounts", files / "a.jsonl", "--out", files / "plan.json")
    assert made.code == 0, made.err
    run = execute(files, files / "account.json")
    assert (run.code, run.err.count("\n")) == (2, 1), run.err
    assert 'plan.json: a line of plan-many (account a-1): execute its "plan" alone' in run.err


def test_a_line_of_plan_many_is_named_on_one_line_whatever_its_account_id(files: Path) -> None:
    """An account id's line break is shown as `\\n`: the message stays one line."""
    account = json.loads((files / "account.json").read_text(encoding="utf-8"))
    line = {"account_id": "a\nb", "weights": json.loads(WEIGHTS), "snapshot": account}
    (files / "a.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    made = cli("plan-many", "--accounts", files / "a.jsonl", "--out", files / "plan.json")
    assert made.code == 0, made.err
    run = execute(files, files / "account.json")
    assert (run.code, run.err.count("\n")) == (2, 1), run.err
    assert 'plan.json: a line of plan-many (account a\\nb): execute its "plan" alone' in run.err


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        ({"price": "450"}, "a trade's amount is not its quantity × price"),
        ({"quantity": "-3"}, "a trade's amount is not its quantity × price"),
    ],
)
def test_a_plan_edited_by_hand_is_refused_naming_the_plan_file(
    files: Path, edit: dict[str, str], fragment: str
) -> None:
    """Before, INVALID_PLAN named no file, though the plan file is what was refused."""
    document = json.loads((files / "plan.json").read_text(encoding="utf-8"))
    document["items"][0] |= edit
    edited = files / "edited.json"
    edited.write_text(json.dumps(document), encoding="utf-8")
    run = cli("rebalance", "--plan", edited, "--snapshot", files / "account.json")
    assert (run.code, run.out, run.err.count("\n")) == (1, "", 1), run.err
    assert run.err.startswith(f"error: INVALID_PLAN: {edited}: {fragment}")
    assert f"file={edited}" in run.err


def test_a_plan_without_a_held_symbol_is_refused_naming_the_plan_file(files: Path) -> None:
    document = json.loads((files / "plan.json").read_text(encoding="utf-8"))
    document["held"] = {"SPY": "20"}  # QQQ, planned, is missing
    edited = files / "edited.json"
    edited.write_text(json.dumps(document), encoding="utf-8")
    run = cli("rebalance", "--plan", edited, "--snapshot", files / "account.json")
    assert run.code == 1
    assert run.err.startswith(f"error: INVALID_PLAN: {edited}: the positions the plan was made")


def test_a_missing_plan_file_exits_2(files: Path) -> None:
    run = cli("rebalance", "--plan", files / "nope.json", "--snapshot", files / "account.json")
    assert run.code == 2
    assert "nope.json: no such file" in run.err


def alpaca_env(server: AlpacaServer) -> dict[str, str]:
    server.set_cash("0")
    server.hold("SPY", "20", price="500")
    server.trades.update({"SPY": 500.0, "QQQ": 400.0})
    for symbol in ("SPY", "QQQ"):
        server.list_asset(symbol)
    return server.environ()


def test_on_alpaca_the_reviewed_plan_is_placed_once_and_a_rerun_places_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "w.json").write_text(WEIGHTS, encoding="utf-8")
    with AlpacaServer(KEY, SECRET) as server:
        env = alpaca_env(server)
        made = cli(
            "plan", "--weights", tmp_path / "w.json", "--broker", "alpaca", "--json", environ=env
        )
        assert made.code == 0, made.err
        (tmp_path / "plan.json").write_text(made.out, encoding="utf-8")
        argv = ("rebalance", "--plan", tmp_path / "plan.json", "--broker", "alpaca")
        done = cli(*argv, "--execute", "--yes", "--json", environ=env)
        again = cli(*argv, "--execute", "--yes", "--json", environ=env)
        placed = [(o["symbol"], o["side"], Decimal(o["qty"])) for o in server.desk.orders.values()]
    assert (done.code, again.code) == (0, 0), (done.err, again.err)
    assert placed == [("SPY", "sell", 10), ("QQQ", "buy", Decimal("12.5"))]
    steps = [o["step"] for o in json.loads(again.out)["orders"]]
    assert steps == ["already_submitted", "already_submitted"]


def test_on_alpaca_a_moved_price_refuses_the_plan_before_any_order(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text(WEIGHTS, encoding="utf-8")
    with AlpacaServer(KEY, SECRET) as server:
        env = alpaca_env(server)
        made = cli(
            "plan", "--weights", tmp_path / "w.json", "--broker", "alpaca", "--json", environ=env
        )
        (tmp_path / "plan.json").write_text(made.out, encoding="utf-8")
        server.trades["SPY"] = 489.0  # −2.2 %
        run = cli(
            "rebalance", "--plan", tmp_path / "plan.json", "--broker", "alpaca", "--execute",
            "--yes", environ=env,
        )  # fmt: skip
        posted = [r for r in server.requests if r.method == "POST"]
    assert run.code == 1
    assert "PLAN_STALE" in run.err
    assert "SPY=price 489, planned at 500 (-2.2%)" in run.err
    assert posted == []
