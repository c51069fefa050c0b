"""`portfolio rebalance --plan FILE`, used as a careful user would: options that say nothing.

Every option either acts or is refused: `--correlation-id` with `--plan` was accepted and
silently ignored (the plan's own correlation id names its orders' logs).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alpaca_server import AlpacaServer
from cli_support import cli

ACCOUNT = {
    "cash": "0",
    "positions": {"SPY": "20"},
    "prices": {"SPY": "500", "QQQ": "400"},
    "as_of": "2026-01-05T21:00:00+00:00",
}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "w.json").write_text('{"SPY": "0.5", "QQQ": "0.5"}', encoding="utf-8")
    (tmp_path / "account.json").write_text(json.dumps(ACCOUNT), encoding="utf-8")
    made = cli(
        "plan", "--weights", tmp_path / "w.json", "--snapshot", tmp_path / "account.json", "--json"
    )
    assert made.code == 0, made.err
    (tmp_path / "plan.json").write_text(made.out, encoding="utf-8")
    return tmp_path


def test_a_correlation_id_with_a_saved_plan_is_refused_not_ignored(files: Path) -> None:
    run = cli(
        "rebalance", "--plan", files / "plan.json", "--snapshot", files / "account.json",
        "--correlation-id", "adviser-42", "--execute", "--yes",
    )  # fmt: skip
    assert (run.code, run.err.count("\n")) == (2, 1), run.err
    assert "--plan carries its own correlation id" in run.err
    assert run.out == ""


def test_a_correlation_id_with_weights_names_the_plan(files: Path) -> None:
    argv = ("rebalance", "--weights", files / "w.json", "--snapshot", files / "account.json")
    named = cli(*argv, "--correlation-id", "adviser-42", "--json")
    default = cli(*argv, "--json")
    again = cli(*argv, "--correlation-id", "rebalance", "--json")
    assert (named.code, default.code, again.code) == (0, 0, 0)
    ids = [json.loads(run.out)["plan_id"] for run in (named, default, again)]
    assert ids[0] != ids[1]  # the correlation id is part of the plan's content
    assert ids[1] == ids[2]  # and "rebalance" is the default


TAXED = {
    "cash": "0",
    "positions": {"SPY": "20"},
    "prices": {"SPY": "500", "QQQ": "400"},
    "as_of": "2026-01-05T21:00:00+00:00",
    "lots": {"SPY": [{"quantity": "20", "cost": "100", "acquired": "2025-06-05", "lot_id": "a"}]},
}


def test_a_rehearsal_on_a_snapshot_file_plans_with_the_files_lots(tmp_path: Path) -> None:
    """Before: the fake broker of `--snapshot` dropped the file's lots (and recent trades).

    `rebalance` warned 'sold without lots' and made another plan than `plan` on the same
    file: the tax rules were off in the rehearsal.
    """
    (tmp_path / "w.json").write_text('{"SPY": "0.5", "QQQ": "0.5"}', encoding="utf-8")
    (tmp_path / "account.json").write_text(json.dumps(TAXED), encoding="utf-8")
    (tmp_path / "tax.toml").write_text(
        '[tax]\nshort_term_rate = "0.37"\nlong_term_rate = "0.2"\n', encoding="utf-8"
    )
    inputs = ("--weights", tmp_path / "w.json", "--snapshot", tmp_path / "account.json")
    taxed = ("--policy", tmp_path / "tax.toml")
    planned = cli("plan", *inputs, *taxed, "--correlation-id", "rebalance", "--json")
    rehearsed = cli("rebalance", *inputs, *taxed, "--json")
    assert (planned.code, rehearsed.code) == (0, 0), (planned.err, rehearsed.err)
    assert "without lots" not in rehearsed.err
    plan = json.loads(planned.out)
    assert plan["tax"] is not None
    assert json.loads(rehearsed.out)["plan_id"] == plan["plan_id"]


def test_asking_to_run_a_placed_plan_again_counts_only_the_orders_not_placed(
    tmp_path: Path,
) -> None:
    """Before: 'Place 2 orders on Alpaca paper trading?' for a plan whose 2 orders were placed."""
    (tmp_path / "w.json").write_text('{"SPY": "0.5", "QQQ": "0.5"}', encoding="utf-8")
    with AlpacaServer("PKREVIEWASK000000000", "reviewask-secret-00000000000000000000000") as server:
        server.set_cash("0")
        server.hold("SPY", "20", price="500")
        server.trades.update({"SPY": 500.0, "QQQ": 400.0})
        for symbol in ("SPY", "QQQ"):
            server.list_asset(symbol)
        env = server.environ()
        argv = ("plan", "--weights", tmp_path / "w.json", "--broker", "alpaca", "--json")
        made = cli(*argv, environ=env)
        (tmp_path / "plan.json").write_text(made.out, encoding="utf-8")
        run = ("rebalance", "--plan", tmp_path / "plan.json", "--broker", "alpaca", "--execute")
        first = cli(*run, environ=env, answer="n\n")
        done = cli(*run, "--yes", environ=env)
        again = cli(*run, environ=env, answer="n\n")
        dry = cli("rebalance", "--plan", tmp_path / "plan.json", "--broker", "alpaca", environ=env)
    assert "Place 2 orders on Alpaca paper trading? [y/N]" in first.err
    assert done.code == 0, done.err
    assert (
        "Place 0 orders on Alpaca paper trading? "
        "(2 of the plan's orders are there already: never placed again) [y/N]"
    ) in again.err
    assert again.code == 1  # not confirmed
    assert dry.code == 0
    assert (
        "2 of the plan's 2 orders are at the broker already: --execute places only the others"
        in (dry.err)
    )
