"""The `portfolio` command through its entry point: `main(argv, terminal)` with StringIO streams.

Every success path, `--json` round trips, and every kind of bad input ending in exit 1
or 2 with exactly one line on stderr, nothing on stdout and no traceback.
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from alpaca_server import AlpacaServer
from cli_support import Run, cli

from portfolio import Allocation, RebalancePlan, Snapshot, plan_rebalance

KEY, SECRET = "PKTESTKEY0000000000", "test-secret-0000000000000000000000000000"
WEIGHTS = '{"SPY": "0.6", "QQQ": 0.4}'
ACCOUNT = '{"cash": "10000", "positions": {"SPY": "20"}, "prices": {"SPY": "500", "QQQ": "400"}}'
# Three closes of one symbol: 10, 11, 12.
PRICES = "date,AAA\n2024-01-02,10\n2024-01-03,11\n2024-01-04,12\n"


def assert_one_line_error(run: Run, code: int, *fragments: str) -> None:
    assert run.code == code, run
    assert run.out == ""
    assert run.err.count("\n") == 1, run.err
    assert "Traceback" not in run.err
    for fragment in fragments:
        assert fragment in run.err


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "w.json").write_text(WEIGHTS, encoding="utf-8")
    (tmp_path / "s.json").write_text(ACCOUNT, encoding="utf-8")
    (tmp_path / "prices.csv").write_text(PRICES, encoding="utf-8")
    (tmp_path / "p.json").write_text("{}", encoding="utf-8")
    return tmp_path


# -- plan ---------------------------------------------------------------------------------


EXPECTED_TABLE = """\
Rebalance plan {plan_id} (correlation id cli)

Symbol  Action    Amount  Quantity   Price  Weight now → target  Reason
──────  ──────  ────────  ────────  ──────  ───────────────────  ─────────
QQQ     BUY     8,000.00       +20  400.00    0.00% →  40.00%    REBALANCE
SPY     BUY     2,000.00        +4  500.00   50.00% →  60.00%    REBALANCE

Sells 0.00   buys 10,000.00   (2 trades)
Cash 10,000.00 → projected 0.00   (portfolio value 20,000.00)
"""


def test_plan_prints_a_table_with_totals(files: Path) -> None:
    run = cli("plan", "--weights", files / "w.json", "--snapshot", files / "s.json")
    assert run.code == 0, run.err
    # V = 10,000 + 20 × 500 = 20,000: QQQ 40 % = 8,000 (20 shares), SPY 60 % = 12,000 (+4).
    plan_id = run.out.split()[2]
    assert run.out == EXPECTED_TABLE.format(plan_id=plan_id)


def test_plan_sells_come_first(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text('{"QQQ": "1"}', encoding="utf-8")
    (tmp_path / "s.json").write_text(ACCOUNT, encoding="utf-8")
    run = cli("plan", "--weights", tmp_path / "w.json", "--snapshot", tmp_path / "s.json")
    rows = [line.split()[:3] for line in run.out.splitlines()[4:6]]
    assert rows == [["SPY", "SELL", "-10,000.00"], ["QQQ", "BUY", "20,000.00"]]


def test_plan_json_is_exactly_to_json_and_parses_back(files: Path) -> None:
    run = cli("plan", "--weights", files / "w.json", "--snapshot", files / "s.json", "--json")
    expected = plan_rebalance(
        Allocation(
            target_weights={"SPY": Decimal("0.6"), "QQQ": Decimal("0.4")}, correlation_id="cli"
        ),
        Snapshot(
            cash=Decimal(10000),
            positions={"SPY": Decimal(20)},
            prices={"SPY": Decimal(500), "QQQ": Decimal(400)},
        ),
    ).unwrap()
    assert run.out == expected.to_json() + "\n"
    assert RebalancePlan.from_json(run.out).unwrap() == expected


def test_plan_reads_toml_weights_and_a_policy(files: Path) -> None:
    (files / "w.toml").write_text('SPY = "0.6"\nQQQ = 0.4\n', encoding="utf-8")
    (files / "p.toml").write_text("fractional = false\nmin_trade_amount = 2500\n", encoding="utf-8")
    run = cli(
        "plan", "--weights", files / "w.toml", "--snapshot", files / "s.json",
        "--policy", files / "p.toml", "--json",
    )  # fmt: skip
    plan = RebalancePlan.from_json(run.out).unwrap()
    summary = [(i.symbol, i.action.value, str(i.trade_amount), i.reason.value) for i in plan.items]
    assert summary == [
        ("QQQ", "BUY", "8000.00", "REBALANCE"),  # 20 whole shares
        ("SPY", "HOLD", "0", "BELOW_MIN_TRADE"),  # 2,000.00 < 2,500
    ]


def test_a_hold_row_shows_the_trade_it_skipped(files: Path) -> None:
    (files / "p.toml").write_text("min_trade_amount = 2500\n", encoding="utf-8")
    run = cli("plan", "--weights", files / "w.json", "--snapshot", files / "s.json",
              "--policy", files / "p.toml")  # fmt: skip
    assert run.code == 0, run.err
    # SPY: 12,000 target − 10,000 held = 2,000 below the 2,500 minimum: skipped, shown signed.
    (spy,) = [line.split() for line in run.out.splitlines() if line.startswith("SPY")]
    assert spy[:4] == ["SPY", "HOLD", "(+2,000.00)", "0"]
    assert spy[-1] == "BELOW_MIN_TRADE"
    assert run.out.rstrip().endswith("the trade the policy skipped, target − current value")


def test_no_skipped_note_without_a_skipped_trade(files: Path) -> None:
    run = cli("plan", "--weights", files / "w.json", "--snapshot", files / "s.json")
    assert "skipped" not in run.out


def test_plan_on_the_fake_broker_defaults_to_the_sample_account(files: Path) -> None:
    run = cli("plan", "--weights", files / "w.json", "--broker", "fake", "--json")
    plan = RebalancePlan.from_json(run.out).unwrap()
    assert plan.cash_before == Decimal("5000.00")
    assert plan.as_of is not None
    assert plan.as_of.isoformat() == "2024-12-31T21:00:00+00:00"


def test_plan_on_the_fake_broker_with_a_snapshot_file(files: Path) -> None:
    direct = cli("plan", "--weights", files / "w.json", "--snapshot", files / "s.json", "--json")
    via_fake = cli(
        "plan", "--weights", files / "w.json", "--snapshot", files / "s.json",
        "--broker", "fake", "--json",
    )  # fmt: skip
    one, other = (RebalancePlan.from_json(r.out).unwrap() for r in (direct, via_fake))
    assert one.items == other.items


def alpaca_account(server: AlpacaServer) -> dict[str, str]:
    server.set_cash("10000")
    server.hold("SPY", "20", price="500")
    server.trades.update({"SPY": 500, "QQQ": 400})
    server.list_asset("SPY")
    server.list_asset("QQQ")
    return server.environ()


def test_plan_reads_alpaca_through_the_keys_in_the_environment(files: Path) -> None:
    with AlpacaServer(KEY, SECRET) as server:
        env = alpaca_account(server)
        run = cli("plan", "--weights", files / "w.json", "--broker", "alpaca", environ=env)
        methods = {request.method for request in server.requests}
    assert run.code == 0, run.err
    assert [line.split()[:3] for line in run.out.splitlines()[4:6]] == [
        ["QQQ", "BUY", "8,000.00"],
        ["SPY", "BUY", "2,000.00"],
    ]
    assert methods == {"GET"}  # read-only: no order is ever sent


def test_plan_on_alpaca_without_keys_exits_2_naming_them(files: Path) -> None:
    run = cli("plan", "--weights", files / "w.json", "--broker", "alpaca")
    assert_one_line_error(run, 2, "APCA_API_KEY_ID / APCA_API_SECRET_KEY not set", "portfolio demo")


def test_empty_weights_would_sell_everything_so_they_exit_2(files: Path) -> None:
    (files / "none.json").write_text("{}", encoding="utf-8")
    run = cli("plan", "--weights", files / "none.json", "--snapshot", files / "s.json")
    assert_one_line_error(run, 2, f"{files}/none.json: no non-zero weight", "--liquidate-all")


def test_all_zero_weights_are_empty_weights(files: Path) -> None:
    (files / "zero.json").write_text('{"SPY": 0}', encoding="utf-8")
    run = cli("plan", "--weights", files / "zero.json", "--broker", "fake")
    assert_one_line_error(run, 2, "no non-zero weight")


def test_liquidate_all_sells_every_position(files: Path) -> None:
    (files / "none.json").write_text("{}", encoding="utf-8")
    run = cli("plan", "--weights", files / "none.json", "--snapshot", files / "s.json",
              "--liquidate-all", "--json")  # fmt: skip
    assert run.code == 0, run.err
    plan = RebalancePlan.from_json(run.out).unwrap()
    # 20 SPY at 500: sold whole; cash 10,000 + 10,000.
    assert [(i.symbol, i.action.value, i.quantity) for i in plan.items] == [
        ("SPY", "SELL", Decimal(-20))
    ]
    assert plan.cash_after == Decimal("20000.00")


def test_liquidate_all_with_targets_is_refused(files: Path) -> None:
    run = cli("plan", "--weights", files / "w.json", "--snapshot", files / "s.json",
              "--liquidate-all")  # fmt: skip
    assert_one_line_error(run, 2, "w.json: --liquidate-all needs a weights file without")


def test_validate_refuses_empty_weights_too(files: Path) -> None:
    (files / "none.json").write_text("{}", encoding="utf-8")
    run = cli("validate", "--weights", files / "none.json")
    assert_one_line_error(run, 2, "none.json: no non-zero weight")


# -- backtest -----------------------------------------------------------------------------


def test_backtest_prints_a_summary(files: Path) -> None:
    (files / "half.json").write_text('{"AAA": "0.5"}', encoding="utf-8")
    run = cli(
        "backtest", "--prices", files / "prices.csv", "--weights", files / "half.json",
        "--schedule", "once", "--cash", "1000", "--fee-bps", "10",
    )  # fmt: skip
    assert run.code == 0, run.err
    assert run.err == ""  # not a terminal: no progress bar
    lines = run.out.splitlines()
    assert lines[0] == (
        "Backtest: once rebalancing, 2024-01-02 → 2024-01-04 (3 bars), initial cash 1,000.00"
    )
    # 50 shares for 500.00 + 0.50 fee (10 bps); at 12: 600.00 + 499.50 cash = 1,099.50.
    assert lines[2].split() == ["Final", "equity", "1,099.50"]
    assert lines[3].split() == ["Total", "return", "9.95%"]
    assert lines[8].split() == ["Fees", "0.50"]
    assert lines[9].split() == ["Rebalances", "1"]


def test_backtest_json_has_the_figures_and_the_curve(files: Path) -> None:
    (files / "half.json").write_text('{"AAA": "0.5"}', encoding="utf-8")
    run = cli(
        "backtest", "--prices", files / "prices.csv", "--weights", files / "half.json",
        "--schedule", "once", "--cash", "1000", "--fee-bps", "10", "--json",
    )  # fmt: skip
    document = json.loads(run.out)
    assert Decimal(document["final_equity"]) == Decimal("1099.50")
    assert Decimal(document["fees"]) == Decimal("0.50")
    assert document["rebalances"] == 1
    assert document["rebalance_dates"] == ["2024-01-02"]
    curve = [(point["date"], Decimal(point["equity"])) for point in document["equity_curve"]]
    assert curve == [
        ("2024-01-02", Decimal("999.50")),
        ("2024-01-03", Decimal("1049.50")),
        ("2024-01-04", Decimal("1099.50")),
    ]


def test_backtest_min_trade_reaches_the_policy(files: Path) -> None:
    (files / "half.json").write_text('{"AAA": "0.5"}', encoding="utf-8")

    def traded(*options: str) -> Decimal:
        run = cli(
            "backtest", "--prices", files / "prices.csv", "--weights", files / "half.json",
            "--schedule", "daily", "--cash", "1000", "--json", *options,
        )  # fmt: skip
        return Decimal(json.loads(run.out)["traded_value"])

    # Buy 50 at 10 (500.00). At 11, equity 1,050: half is 525, 550 held, so sell 25.00.
    # At 12 the holding is again above half (by 23.87). A 100 minimum skips both sales.
    assert traded() > Decimal(548)
    assert traded("--min-trade", "100") == Decimal("500.00")


def test_backtest_draws_progress_on_a_terminal(files: Path) -> None:
    (files / "aaa.json").write_text('{"AAA": "1"}', encoding="utf-8")
    run = cli("backtest", "--prices", files / "prices.csv", "--weights", files / "aaa.json",
              tty=True)  # fmt: skip
    assert run.code == 0
    assert run.err.endswith("] 100% 3/3\n")
    assert "[" + "#" * 30 + "]" in run.err


def test_backtest_writes_an_equity_curve_png(files: Path) -> None:
    (files / "aaa.json").write_text('{"AAA": "1"}', encoding="utf-8")
    png = files / "curve.png"
    run = cli("backtest", "--prices", files / "prices.csv", "--weights", files / "aaa.json",
              "--plot", png)  # fmt: skip
    assert run.code == 0, run.err
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert run.err == f"Equity curve written to {png}\n"


def test_backtest_plot_without_matplotlib_says_how_to_install_it(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("matplotlib", "matplotlib.figure"):
        monkeypatch.setitem(sys.modules, name, None)  # `import matplotlib` now fails
    run = cli("backtest", "--prices", files / "prices.csv", "--weights", files / "w.json",
              "--plot", files / "curve.png")  # fmt: skip
    assert_one_line_error(run, 2, "--plot: needs matplotlib", "portfolio-rebalancer[plot]")
    assert not (files / "curve.png").exists()


# -- demo and validate --------------------------------------------------------------------


def test_demo_prints_a_plan_and_a_backtest() -> None:
    run = cli("demo")
    assert run.code == 0, run.err
    assert "Rebalance plan" in run.out
    assert "XLE     SELL" in run.out  # held, not targeted: liquidated
    assert "LIQUIDATE" in run.out
    assert "Final equity" in run.out
    assert "Backtest: monthly rebalancing, 2022-01-03 → 2024-12-31" in run.out


def test_validate_without_keys_exits_2_naming_them() -> None:
    run = cli("validate", "--json")
    assert_one_line_error(run, 2, "error: Alpaca: APCA_API_KEY_ID / APCA_API_SECRET_KEY not set")


def test_validate_names_the_one_key_missing() -> None:
    run = cli("validate", environ={"APCA_API_KEY_ID": KEY, "APCA_API_SECRET_KEY": " "})
    assert_one_line_error(run, 2, "error: Alpaca: APCA_API_SECRET_KEY not set")
    assert "APCA_API_KEY_ID" not in run.err


def test_validate_with_keys_reads_alpaca_and_places_no_order(files: Path) -> None:
    with AlpacaServer(KEY, SECRET) as server:
        env = alpaca_account(server)
        run = cli("validate", "--weights", files / "w.json", environ=env)
        methods = {request.method for request in server.requests}
    assert run.code == 0, run.err
    assert run.err.startswith("Reading the account from Alpaca")
    assert "Cash 10,000.00 → projected 0.00" in run.out
    assert methods == {"GET"}


@pytest.mark.alpaca_paper  # skipped without keys and on CI: see tests/conftest.py
def test_validate_against_alpaca_paper_trading() -> None:
    run = cli("validate", "--json", environ=dict(os.environ))
    assert run.code == 0, run.err
    assert RebalancePlan.from_json(run.out).unwrap().correlation_id == "validate"


# -- bad input: one line, exit 1 or 2, never a traceback ----------------------------------


LIBRARY_FAILURES = [
    # weights sum above 1
    ('{"SPY": "0.7", "QQQ": "0.5"}', ACCOUNT, "INVALID_WEIGHTS: w.json: the sum of |weights|"),
    # percent weights
    ('{"SPY": 60, "QQQ": 40}', ACCOUNT, "INVALID_WEIGHTS: w.json: a weight's magnitude exceeds"),
    # an unknown symbol: nobody prices it
    ('{"SPY": "0.5", "ZZZZ": "0.1"}', ACCOUNT, "MISSING_PRICE: s.json: no price for 1 symbol"),
    # a negative weight without shorting
    ('{"SPY": "-0.1"}', ACCOUNT, "INVALID_WEIGHTS: w.json: negative weights"),
    # a zero price
    (WEIGHTS, ACCOUNT.replace('"400"', '"0"'), "INVALID_PRICE: s.json: prices must be"),
    # a negative account
    (WEIGHTS, ACCOUNT.replace('"10000"', '"-20000"'), "INVALID_SNAPSHOT: s.json: portfolio value"),
]


@pytest.mark.parametrize(("weights", "account", "message"), LIBRARY_FAILURES)
def test_library_failures_exit_1_with_one_line_naming_the_file(
    tmp_path: Path, weights: str, account: str, message: str
) -> None:
    """A refusal of a file's content names that file (issue 22 item 9): message and context."""
    (tmp_path / "w.json").write_text(weights, encoding="utf-8")
    (tmp_path / "s.json").write_text(account, encoding="utf-8")
    run = cli("plan", "--weights", tmp_path / "w.json", "--snapshot", tmp_path / "s.json")
    kind, name, text = message.split(": ", 2)
    assert_one_line_error(run, 1, f"error: {kind}: {tmp_path}/{name}: {text}")
    assert f"file={tmp_path}/{name}" in run.err


BAD_POLICIES = [
    ('{"band": "2"}', "band: SizingPolicy.band must be a Decimal in [0, 1]"),
    ('{"min_trade_amount": "-5"}', "min_trade_amount: SizingPolicy.min_trade_amount must be"),
    ('{"rounding": "UP"}', "rounding: SizingPolicy.rounding must be one of"),
    ('{"max_gross_exposure": 0}', "max_gross_exposure: SizingPolicy.max_gross_exposure must"),
]


@pytest.mark.parametrize(("policy", "message"), BAD_POLICIES)
def test_a_policy_value_out_of_range_exits_2_naming_file_and_field(
    files: Path, policy: str, message: str
) -> None:
    (files / "p.json").write_text(policy, encoding="utf-8")
    run = cli("plan", "--weights", files / "w.json", "--snapshot", files / "s.json",
              "--policy", files / "p.json")  # fmt: skip
    assert_one_line_error(run, 2, f"error: {files}/p.json: {message}")


def test_a_backtest_policy_out_of_range_exits_2(files: Path) -> None:
    (files / "p.json").write_text('{"min_trade_amount": "-5"}', encoding="utf-8")
    run = cli("backtest", "--prices", files / "prices.csv", "--weights", files / "w.json",
              "--policy", files / "p.json")  # fmt: skip
    assert_one_line_error(run, 2, f"{files}/p.json: min_trade_amount:")


BAD_FILES = [
    ("w.json", '{"SPY": "0.6"', "w.json: line 1 column 14: not valid JSON"),
    ("w.json", '{"SPY": NaN}', "w.json: SPY: NaN is not a number"),
    ("w.json", '{"SPY": "0x10"}', "w.json: SPY: not a number: '0x10'"),
    ("w.json", '{"SPY": "0.6", "QQQ": true}', "w.json: QQQ: expected a number, got true"),
    ("w.json", '{"SPY": "sixty"}', "w.json: SPY: not a number: 'sixty'"),
    (
        "w.json",
        '{"SPY": "60%", "QQQ": "0.4"}',
        "w.json: SPY: not a number: '60%' (weights are fractions: 0.6, not 60%)",
    ),
    ("s.json", '{"cash": "10000"}', "s.json: prices: missing"),
    ("s.json", '{"cash": "ten", "prices": {}}', "s.json: cash: not a number: 'ten'"),
    ("p.json", '{"minimum": 5}', "p.json: minimum: unknown policy field"),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD_FILES)
def test_bad_files_exit_2_naming_the_file_and_place(
    files: Path, name: str, text: str, message: str
) -> None:
    (files / name).write_text(text, encoding="utf-8")
    run = cli(
        "plan", "--weights", files / "w.json", "--snapshot", files / "s.json",
        "--policy", files / "p.json",
    )  # fmt: skip
    assert_one_line_error(run, 2, f"{files}/{message}")


def test_bad_toml_exits_2(files: Path) -> None:
    (files / "w.toml").write_text("SPY = 0.6\nQQQ = = 0.4\n", encoding="utf-8")
    run = cli("plan", "--weights", files / "w.toml", "--snapshot", files / "s.json")
    assert_one_line_error(run, 2, f"{files}/w.toml: not valid TOML", "line 2")


def test_a_missing_file_exits_2(files: Path) -> None:
    run = cli("plan", "--weights", files / "nope.json", "--snapshot", files / "s.json")
    assert_one_line_error(run, 2, f"{files}/nope.json: no such file")


BAD_CSVS = [
    ("date,AAA\n2024-01-02,10\n2024-01-03,ten\n", "line 3"),
    ("date,AAA\n2024-01-02,10\n2024-01-03\n", "line 3"),
    ("date,AAA\n2024-01-02,10,11\n", "expected 2 cells, found 3"),
    ("date,AAA\n2024-13-02,10\n", "not an ISO date"),
    ("date\n2024-01-02\n", "the header needs a date column"),
    ("date,AAA\n", "no price rows"),
]


@pytest.mark.parametrize(("csv", "fragment"), BAD_CSVS)
def test_bad_price_csvs_exit_2_naming_the_file(files: Path, csv: str, fragment: str) -> None:
    (files / "aaa.json").write_text('{"AAA": "1"}', encoding="utf-8")
    (files / "bad.csv").write_text(csv, encoding="utf-8")
    run = cli("backtest", "--prices", files / "bad.csv", "--weights", files / "aaa.json")
    assert_one_line_error(run, 2, "INVALID_BARS", "bad.csv", fragment)


def test_a_weight_missing_from_the_csv_columns_names_the_symbol(files: Path) -> None:
    (files / "two.json").write_text('{"AAA": "0.5", "BBB": "0.5"}', encoding="utf-8")
    run = cli("backtest", "--prices", files / "prices.csv", "--weights", files / "two.json")
    assert_one_line_error(run, 1, "MISSING_PRICE", "BBB", "2024-01-02")


def test_a_missing_price_csv_exits_2(files: Path) -> None:
    run = cli("backtest", "--prices", files / "nope.csv", "--weights", files / "w.json")
    assert_one_line_error(run, 2, "INVALID_BARS", "nope.csv")


USAGE_ERRORS = [
    ([], "the following arguments are required: COMMAND"),
    (["optimise"], "unknown command 'optimise' (commands: plan, backtest"),
    (["rebalance"], "one of the arguments --weights --plan is required"),
    (["plan", "--snapshot", "s.json"], "the following arguments are required: --weights"),
    (["plan", "--weights", "w.json"], "give --snapshot FILE, or --broker fake|alpaca"),
    (["plan", "--weights", "w", "--broker", "alpaca", "--snapshot", "s"], "exclude each other"),
    (["plan", "--weights", "w", "--broker", "ib"], "invalid choice: 'ib'"),
    (["backtest", "--prices", "p", "--weights", "w", "--schedule", "yearly"], "'yearly'"),
    (["backtest", "--prices", "p", "--weights", "w", "--cash", "lots"], "not a number: 'lots'"),
    (["backtest", "--prices", "p", "--weights", "w", "--cash", "NaN"], "finite number > 0"),
    (["backtest", "--prices", "p", "--weights", "w", "--cash", "-5"], "finite number > 0"),
    (
        ["backtest", "--prices", "p", "--weights", "w", "--cash", "0"],
        "--cash: expected a finite number > 0",
    ),
    (["backtest", "--prices", "p", "--weights", "w", "--fee-bps", "-5"], "finite number ≥ 0"),
    (["backtest", "--prices", "p", "--weights", "w", "--min-trade", "1e5x"], "not a number"),
    (["backtest", "--prices", "p", "--weights", "w", "--min-trade", "1E20"], "--min-trade: Sizing"),
    (["backtest", "--prices", "p", "--weights", "w", "--cash", "1E20"], "--cash: cash must be"),
    (["backtest", "--prices", "p", "--weights", "w", "--fee-bps", "10001"], "from 0 to 10000"),
    (["demo", "--fast"], "unrecognized arguments: --fast"),
]


@pytest.mark.parametrize(("argv", "message"), USAGE_ERRORS)
def test_usage_errors_exit_2_with_one_line(argv: list[str], message: str) -> None:
    run = cli(*argv)
    assert_one_line_error(run, 2, message, "(see --help)")


def test_help_exits_0() -> None:
    run = cli("backtest", "--help")
    assert run.code == 0
    assert "--schedule {once,daily,weekly,monthly,quarterly,annually,drift}" in run.out
