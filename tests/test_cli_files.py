"""The command line's files and messages (issue 22): what a new user met in the first hour.

Every asset field in a snapshot file and a plan-many line, outputs that would overwrite
an input, the `--plot` format, the hints of `validate`, `--start` after `--end`, Ctrl-C
at the confirmation prompt, and library refusals that name the file they came from.
"""

from __future__ import annotations

import io
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import SupportsIndex

import pytest
from cli_support import Run, TtyStream, cli

import adapters.cli
from adapters.cli import main
from adapters.cli.terminal import Terminal

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


# -- item 4: an output never replaces an input ---------------------------------------------

PRICES = "date,SPY\n2024-01-02,10\n2024-01-03,11\n2024-01-04,12\n"
ACCOUNT = '{"cash": "1000", "prices": {"SPY": "10"}}'
ONE_LINE = '{"account_id": "a", "weights": {"SPY": "1"}, "snapshot": ' + ACCOUNT + "}\n"


def test_plan_many_out_over_its_accounts_is_refused_and_the_accounts_kept(tmp_path: Path) -> None:
    accounts = write(tmp_path, "a.jsonl", ONE_LINE)
    (tmp_path / "sub").mkdir()
    run = cli("plan-many", "--accounts", accounts, "--out", tmp_path / "sub" / ".." / "a.jsonl")
    message = one_line_error(run, 2)
    assert f"--out {tmp_path}/sub/../a.jsonl is the --accounts file" in message
    assert accounts.read_text(encoding="utf-8") == ONE_LINE


def test_plan_many_out_over_its_policy_is_refused(tmp_path: Path) -> None:
    accounts = write(tmp_path, "a.jsonl", ONE_LINE)
    policy = write(tmp_path, "p.json", "{}")
    run = cli("plan-many", "--accounts", accounts, "--policy", policy, "--out", policy)
    assert "is the --policy file" in one_line_error(run, 2)
    assert policy.read_text(encoding="utf-8") == "{}"


def test_rebalance_orders_csv_over_the_snapshot_is_refused(tmp_path: Path) -> None:
    """A hard link is the same file under another name."""
    snapshot = write(tmp_path, "account.toml", 'cash = "1000"\n[prices]\nSPY = "10"\n')
    (tmp_path / "linked.csv").hardlink_to(snapshot)
    weights = write(tmp_path, "w.json", '{"SPY": "1"}')
    run = cli(
        "rebalance", "--weights", weights, "--snapshot", snapshot,
        "--orders-csv", tmp_path / "linked.csv",
    )  # fmt: skip
    assert "--orders-csv" in one_line_error(run, 2)
    assert "is the --snapshot file" in run.err
    assert snapshot.read_text(encoding="utf-8").startswith('cash = "1000"')


def test_plan_report_over_the_bundled_sample_account_is_refused(tmp_path: Path) -> None:
    """`--broker fake` without `--snapshot` reads the sample account, an input like any
    other. Before, `--report` naming it (here through a link) wrote the page over it, and
    `portfolio demo` then failed on the package's own sample."""
    sample = Path(adapters.cli.__file__).parent / "sample" / "account.json"
    (tmp_path / "sample.json").symlink_to(sample)
    weights = write(tmp_path, "w.json", '{"SPY": "1"}')
    report = tmp_path / "sample.json"
    run = cli("plan", "--weights", weights, "--broker", "fake", "--report", report)
    assert "is the sample account file" in one_line_error(run, 2)
    assert report.is_symlink()


def good_inputs(directory: Path) -> dict[str, tuple[str | Path, ...]]:
    """Each writing command's input options, with good files written in `directory`."""
    weights = write(directory, "w.json", '{"SPY": "1"}')
    return {
        "plan": ("--weights", weights, "--snapshot", write(directory, "a.json", ACCOUNT)),
        "backtest": ("--prices", write(directory, "p.csv", PRICES), "--weights", weights),
        "plan-many": ("--accounts", write(directory, "a.jsonl", ONE_LINE)),
    }


@pytest.mark.parametrize("directory", [".", "..", "/", "made"])
@pytest.mark.parametrize("command", ["plan --report", "backtest --report", "plan-many --out"])
def test_an_output_that_names_a_directory_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, directory: str
) -> None:
    """`.`, `..`, `/` or a directory that exists: no file to write, and no traceback."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "made").mkdir()
    name, option = command.split()
    inputs = good_inputs(tmp_path)
    run = cli(name, *inputs[name], option, directory)
    assert f"{option} {directory} is a directory: name a file to write" in one_line_error(run, 2)


@pytest.mark.parametrize("command", ["plan --report", "backtest --report", "plan-many --out"])
def test_dash_as_an_output_is_a_usage_error_not_a_file_named_dash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Before, `--report -` (read by many tools as standard output) wrote a file named `-`."""
    monkeypatch.chdir(tmp_path)
    name, option = command.split()
    run = cli(name, *good_inputs(tmp_path)[name], option, "-")
    assert f"{option} -: name a file to write ('-' is not standard output here)" in one_line_error(
        run, 2
    )
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("command", ["plan --report", "backtest --report", "plan-many --out"])
def test_an_output_name_the_system_refuses_is_one_line_not_a_traceback(
    tmp_path: Path, command: str
) -> None:
    """A file name longer than the file system takes (255 bytes on most)."""
    name, option = command.split()
    inputs = good_inputs(tmp_path)
    out = tmp_path / ("a" * 300 + ".out")
    run = cli(name, *inputs[name], option, out)
    assert run.code == 2, run
    assert run.err.startswith(f"error: {out}: "), run.err
    assert run.err.count("\n") == 1, run.err
    assert list(tmp_path.glob(".*.part")) == []


def test_backtest_plot_over_an_input_is_refused(tmp_path: Path) -> None:
    prices = write(tmp_path, "prices.png", PRICES)  # a CSV under any name
    weights = write(tmp_path, "w.json", '{"SPY": "1"}')
    (tmp_path / "link.png").symlink_to(prices)
    run = cli("backtest", "--prices", prices, "--weights", weights, "--plot", tmp_path / "link.png")
    assert "is the --prices file" in one_line_error(run, 2)
    assert prices.read_text(encoding="utf-8") == PRICES


@pytest.mark.parametrize("name", ["p.csv", "curve", "curve.pdf", "curve.png.txt"])
def test_plot_needs_a_png_or_svg_name(tmp_path: Path, name: str) -> None:
    prices = write(tmp_path, "prices.csv", PRICES)
    weights = write(tmp_path, "w.json", '{"SPY": "1"}')
    run = cli("backtest", "--prices", prices, "--weights", weights, "--plot", tmp_path / name)
    assert "expected a file name ending in .png or .svg" in one_line_error(run, 2)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(("name", "magic"), [("curve.png", b"\x89PNG"), ("curve.SVG", b"<?xml")])
def test_plot_writes_the_format_its_name_says(tmp_path: Path, name: str, magic: bytes) -> None:
    prices = write(tmp_path, "prices.csv", PRICES)
    weights = write(tmp_path, "w.json", '{"SPY": "1"}')
    run = cli("backtest", "--prices", prices, "--weights", weights, "--plot", tmp_path / name)
    assert run.code == 0, run.err
    assert (tmp_path / name).read_bytes().startswith(magic)


def test_an_output_beside_the_inputs_is_written(tmp_path: Path) -> None:
    accounts = write(tmp_path, "a.jsonl", ONE_LINE)
    run = cli("plan-many", "--accounts", accounts, "--out", tmp_path / "plans.jsonl")
    assert run.code == 0, run.err
    assert json.loads((tmp_path / "plans.jsonl").read_text(encoding="utf-8"))["account_id"] == "a"


# -- item 12: messages ---------------------------------------------------------------------


def test_start_after_end_is_a_usage_error(tmp_path: Path) -> None:
    """It was a library Failure, exit 1; the command line is what is wrong: exit 2."""
    prices = write(tmp_path, "prices.csv", PRICES)
    weights = write(tmp_path, "w.json", '{"SPY": "1"}')
    run = cli(
        "backtest", "--prices", prices, "--weights", weights,
        "--start", "2024-01-04", "--end", "2024-01-03",
    )  # fmt: skip
    assert one_line_error(run, 2) == (
        "portfolio backtest: error: --start 2024-01-04 is after --end 2024-01-03 (see --help)"
    )


def test_start_on_end_is_one_bar(tmp_path: Path) -> None:
    prices = write(tmp_path, "prices.csv", PRICES)
    weights = write(tmp_path, "w.json", '{"SPY": "1"}')
    run = cli(
        "backtest", "--prices", prices, "--weights", weights, "--json",
        "--start", "2024-01-03", "--end", "2024-01-03",
    )  # fmt: skip
    assert run.code == 0, run.err
    result = json.loads(run.out)
    assert result["equity_curve"] == [{"date": "2024-01-03", "equity": "1000000.000000000"}]
    assert result["rebalance_dates"] == ["2024-01-03"]


# -- item 7 and item 12: what `validate` suggests ------------------------------------------

KEYS = {"APCA_API_KEY_ID": "PKTESTKEY0000000000", "APCA_API_SECRET_KEY": "s" * 40}


def test_validate_without_keys_suggests_a_command_that_runs() -> None:
    """It suggested `--broker fake`, which `validate` rejects; the suggestion now runs as is."""
    message = one_line_error(cli("validate"), 2)
    assert message.endswith("or try the bundled sample without keys: portfolio demo")
    suggested = cli(*message.rsplit(": ", 1)[1].split()[1:])
    assert suggested.code == 0, suggested.err
    assert suggested.out.startswith("The sample account")


def test_validate_with_keys_without_the_extra_names_no_flag_the_user_never_typed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "adapters.alpaca", None)  # as if alpaca-py were absent
    message = one_line_error(cli("validate", environ=KEYS), 2)
    assert message == (
        "error: Alpaca: needs the alpaca extra: pip install 'portfolio-rebalancer[alpaca]'"
    )


# -- item 12: the [y/N] prompt's line ------------------------------------------------------


class CtrlC(io.StringIO):
    """A stdin where the user presses Ctrl-C instead of answering."""

    def readline(self, _size: SupportsIndex | None = -1, /) -> str:  # type: ignore[override]  # typeshed: _IOBase.readline is bytes
        raise KeyboardInterrupt


class TtyAnswer(io.StringIO):
    """A stdin that is a terminal: it echoes what the user types, newline included."""

    def isatty(self) -> bool:
        return True


def rebalance_execute(tmp_path: Path, ask: io.StringIO | None, *, tty: bool) -> tuple[int, str]:
    weights = write(tmp_path, "w.json", '{"SPY": "1"}')
    snapshot = write(tmp_path, "s.json", ACCOUNT)
    err = TtyStream() if tty else io.StringIO()
    terminal = Terminal(out=io.StringIO(), err=err, environ={}, ask=ask)
    argv = ["rebalance", "--weights", str(weights), "--snapshot", str(snapshot), "--execute"]
    return main(argv, terminal), err.getvalue()


QUESTION = "Place 1 orders on the fake broker holding {}/s.json? [y/N] "


@pytest.mark.parametrize("tty", [False, True])
def test_ctrl_c_at_the_prompt_prints_interrupted_on_a_line_of_its_own(
    tmp_path: Path, *, tty: bool
) -> None:
    """It was `… [y/N] interrupted` (or a blank line after ^C on a terminal)."""
    code, err = rebalance_execute(tmp_path, CtrlC(), tty=tty)
    assert code == 130
    assert err.endswith(QUESTION.format(tmp_path) + "\ninterrupted\n")


@pytest.mark.parametrize(
    ("ask", "ending"),
    [
        (io.StringIO("n\n"), "\nnot confirmed: no order placed\n"),  # piped in: not echoed
        (io.StringIO(""), "\nnot confirmed: no order placed\n"),  # end of input
        (None, "\nnot confirmed: no order placed\n"),  # no one to ask
        (TtyAnswer("n\n"), "not confirmed: no order placed\n"),  # the terminal echoed n⏎
    ],
)
def test_what_follows_the_prompt_starts_a_line(
    tmp_path: Path, ask: io.StringIO | None, ending: str
) -> None:
    code, err = rebalance_execute(tmp_path, ask, tty=False)
    assert code == 1
    assert err.endswith(QUESTION.format(tmp_path) + ending)


# -- item 9: a library refusal names the file it came from ---------------------------------


@pytest.mark.parametrize(
    ("weights", "named", "message"),
    [
        ('{"SPY": "1.2"}', "w.json", "INVALID_WEIGHTS: {}: on 2024-01-02: a weight's magnitude"),
        ('{"QQQ": "1"}', "prices.csv", "MISSING_PRICE: {}: on 2024-01-02: no price for 1 symbol"),
    ],
)
def test_backtest_refusals_name_the_file(
    tmp_path: Path, weights: str, named: str, message: str
) -> None:
    prices = write(tmp_path, "prices.csv", PRICES)
    run = cli("backtest", "--prices", prices, "--weights", write(tmp_path, "w.json", weights))
    line = one_line_error(run, 1)
    assert line.startswith("error: " + message.format(tmp_path / named)), line
    assert f"file={tmp_path / named}" in line


def test_rebalance_refusal_of_a_negative_snapshot_names_it(tmp_path: Path) -> None:
    snapshot = write(tmp_path, "s.json", '{"cash": "-100", "prices": {"SPY": "10"}}')
    weights = write(tmp_path, "w.json", '{"SPY": "0.5"}')
    run = cli("rebalance", "--weights", weights, "--snapshot", snapshot)
    assert one_line_error(run, 1).startswith(
        f"error: INVALID_SNAPSHOT: {snapshot}: portfolio value is negative [file={snapshot} "
    )


def test_a_refusal_of_the_sample_account_names_no_file(tmp_path: Path) -> None:
    """`--broker fake` without a snapshot plans the bundled sample: no file of the user's."""
    weights = write(tmp_path, "w.json", '{"ZZZZ": "0.5"}')
    line = one_line_error(cli("plan", "--weights", weights, "--broker", "fake"), 1)
    assert line == (
        "error: MISSING_PRICE: no price for 1 symbol(s) that are targeted or held [symbols=ZZZZ]"
    )
