"""The command line's files and messages (issue 22): what a new user met in the first hour.

Every asset field in a snapshot file and a plan-many line, outputs that would overwrite
an input, the `--plot` format, the hints of `validate`, `--start` after `--end`, Ctrl-C
at the confirmation prompt, and library refusals that name the file they came from.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from cli_support import Run, cli

CRYPTO_WEIGHTS = '{"BTC/USD": "0.5"}'
CRYPTO_ACCOUNT = json.dumps(
    {
        "cash": "1000",
        "prices": {"BTC/USD": "60000"},
        "assets": {"BTC/USD": {"asset_class": "crypto", "quantity_increment": "0.0001"}},
    }
)
WHOLE_SHARES = '{"fractional": false}'


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(run: Run, code: int) -> str:
    """The one line on stderr of a command that failed with `code` and printed nothing."""
    assert run.code == code, run
    assert run.out == ""
    assert run.err.count("\n") == 1, run.err
    assert "Traceback" not in run.err
    return run.err.rstrip("\n")


# -- item 5: every Asset field in a file ---------------------------------------------------


def test_crypto_from_a_snapshot_file_buys_a_fraction_with_whole_shares_policy(
    tmp_path: Path,
) -> None:
    """500 of 1,000 into BTC/USD at 60,000 in 0.0001 steps: 0.0083 BTC, 498.00 (was refused)."""
    run = cli(
        "plan",
        "--weights", write(tmp_path, "w.json", CRYPTO_WEIGHTS),
        "--snapshot", write(tmp_path, "s.json", CRYPTO_ACCOUNT),
        "--policy", write(tmp_path, "p.json", WHOLE_SHARES),
        "--json",
    )  # fmt: skip
    assert run.code == 0, run.err
    (item,) = json.loads(run.out)["items"]
    assert (item["action"], item["quantity"], item["trade_amount"]) == ("BUY", "0.0083", "498.00")


def test_crypto_in_a_plan_many_line(tmp_path: Path) -> None:
    line = json.dumps(
        {
            "account_id": "btc",
            "weights": json.loads(CRYPTO_WEIGHTS),
            "snapshot": json.loads(CRYPTO_ACCOUNT),
            "policy": json.loads(WHOLE_SHARES),
        }
    )
    run = cli("plan-many", "--accounts", write(tmp_path, "a.jsonl", line + "\n"))
    assert run.code == 0, run.err
    (item,) = json.loads(run.out)["plan"]["items"]
    assert (item["quantity"], item["trade_amount"]) == ("0.0083", "498.00")
    assert Decimal(item["trade_amount"]) == Decimal("0.0083") * 60000
