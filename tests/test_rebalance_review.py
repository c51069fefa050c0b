"""`portfolio rebalance --plan FILE`, used as a careful user would: options that say nothing.

Every option either acts or is refused: `--correlation-id` with `--plan` was accepted and
silently ignored (the plan's own correlation id names its orders' logs).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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
