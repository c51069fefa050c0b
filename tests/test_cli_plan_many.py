"""`portfolio plan-many` through `main(argv, terminal)`: JSONL in, JSONL out, exit 0/1/2."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import pytest
from cli_support import Run
from cli_support import cli as run_cli
from hypothesis import given
from hypothesis import strategies as st
from many_support import account, account_line
from returns.result import Failure, Success

from adapters.cli.account_lines import _compact, plan_lines, plan_packed, unpack
from adapters.cli.commands.plan_many import _Tally
from adapters.cli.plan_workers import CHUNK_LINES, LEAST_LINES, Workers, open_workers
from adapters.cli.rate_progress import count_lines
from adapters.cli.terminal import ExitCode
from portfolio import ErrorKind, PortfolioError, RebalancePlan, SizingPolicy, plan_rebalance
from portfolio.executors import worker_failed
from portfolio.formats.json_values import encode

ONE = '{"account_id": "one", "weights": {"SPY": "1"}, "snapshot": {"cash": "1000", "prices": {"SPY": "100"}}}'  # noqa: E501 - a JSONL line is one line
NO_PRICE = '{"account_id": "no-price", "weights": {"QQQ": "0.5"}, "snapshot": {"cash": "10", "prices": {}}}'  # noqa: E501 - same


def cli(*argv: str | Path, tty: bool = False) -> Run:
    return run_cli("plan-many", *argv, tty=tty)


def accounts_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "accounts.jsonl"
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_one_line_per_account_in_order_and_a_failure_named_exit_1(tmp_path: Path) -> None:
    path = accounts_file(tmp_path, ONE, NO_PRICE, account_line(account(7)))
    run = cli("--accounts", path)
    assert run.code == ExitCode.FAILURE
    first, second, third = (json.loads(line) for line in run.out.splitlines())
    assert [first["account_id"], second["account_id"], third["account_id"]] == [
        "one",
        "no-price",
        "acct-000007",
    ]
    (item,) = first["plan"]["items"]  # all cash into SPY at 100: 10 shares, 1000.00
    assert (item["action"], item["quantity"], item["trade_amount"]) == (
        "BUY",
        "10.000000000",
        "1000.00",
    )
    assert second["error"]["kind"] == "missing_price"
    assert second["error"]["context"] == {"symbols": "QQQ"}
    named = f"error: {path}: account no-price (line 2): MISSING_PRICE: no price for 1 symbol(s)"
    assert run.err.splitlines()[0] == f"{named} that are targeted or held [symbols=QQQ]"
    assert len(run.err.splitlines()) == 2
    assert run.err.splitlines()[-1].startswith("plan-many: 3 accounts, 2 planned, 1 failed in ")


def test_the_summary_line_counts_one_account_as_one(tmp_path: Path) -> None:
    """Before: `plan-many: 1 accounts, 1 planned, 0 failed`."""
    run = cli("--accounts", accounts_file(tmp_path, ONE))
    assert run.err.startswith("plan-many: 1 account, 1 planned, 0 failed in ")


def test_each_plan_line_reads_back_as_the_plan_itself(tmp_path: Path) -> None:
    request = account(3)
    run = cli("--accounts", accounts_file(tmp_path, account_line(request)))
    assert run.code == ExitCode.OK
    document = json.loads(run.out, parse_float=Decimal)
    read = RebalancePlan.from_json(json.dumps(document["plan"])).unwrap()
    direct = plan_rebalance(
        request.allocation.with_correlation_id(request.account_id), request.snapshot
    )
    assert read == direct.unwrap()


def test_a_line_carries_its_accounts_lots_and_recent_trades(tmp_path: Path) -> None:
    """A taxable account's lots ride in its line's snapshot: its plan is plan_rebalance's
    with them (HIFO relieves lot b first; the budget of 300 keeps 6 SPY: GAIN_BUDGET)."""
    line = {
        "account_id": "taxed",
        "weights": {"SPY": "0.25", "QQQ": "0.75"},
        "snapshot": {
            "cash": "0",
            "positions": {"SPY": "20"},
            "prices": {"SPY": "150", "QQQ": "100"},
            "as_of": "2024-06-03T20:00:00+00:00",
            "lots": {
                "SPY": [
                    {"quantity": "10", "cost": "100", "acquired": "2023-01-05", "lot_id": "a"},
                    {"quantity": "10", "cost": "140", "acquired": "2024-05-20", "lot_id": "b"},
                ]
            },
        },
    }
    policy = tmp_path / "tax.toml"
    policy.write_text('[tax]\nmethod = "hifo"\nmax_realized_gain = "300"\n', encoding="utf-8")
    path = accounts_file(tmp_path, json.dumps(line))
    run = cli("--accounts", path, "--policy", policy)
    assert run.code == ExitCode.OK, run.err
    read = RebalancePlan.from_json(json.dumps(json.loads(run.out)["plan"])).unwrap()
    assert read.tax is not None
    assert [s.lot_id for s in read.tax.sales] == ["b", "a"]
    spy = read.item("SPY")
    assert spy is not None
    assert (spy.quantity, spy.reason.value) == (Decimal(-14), "GAIN_BUDGET")


def test_a_plan_line_is_plan_rebalance_s_own_json_held_included(tmp_path: Path) -> None:
    """A plan written by plan-many can be executed: it records what it was made from."""
    request = account(3)
    run = cli("--accounts", accounts_file(tmp_path, account_line(request)))
    written = json.loads(run.out)["plan"]
    direct = plan_rebalance(
        request.allocation.with_correlation_id(request.account_id), request.snapshot
    ).unwrap()
    assert written == json.loads(direct.to_json())
    assert set(written["held"]) == {item.symbol for item in direct.items}


def test_a_plan_line_is_the_plan_of_to_json_on_one_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"fractional": false, "band": "0.01"}', encoding="utf-8")
    line = json.loads(account_line(account(5)))
    line["snapshot"]["as_of"] = "2026-01-02T21:00:00+00:00"
    run = cli("--accounts", accounts_file(tmp_path, json.dumps(line)), "--policy", policy)
    written = json.loads(run.out)["plan"]
    plan = RebalancePlan.from_json(json.dumps(written)).unwrap()
    assert written == json.loads(plan.to_json())
    assert plan.policy is not None
    assert (plan.policy.fractional, plan.policy.band) == (False, Decimal("0.01"))


def test_two_workers_write_exactly_what_one_writes(tmp_path: Path) -> None:
    lines = [account_line(account(k, symbols=4)) for k in range(700)]
    lines[300] = NO_PRICE
    path = accounts_file(tmp_path, *lines)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert cli("--accounts", path, "--out", one).code == ExitCode.FAILURE
    assert cli("--accounts", path, "--out", two, "--workers", "2").code == ExitCode.FAILURE
    assert one.read_bytes() == two.read_bytes()
    assert len(one.read_text(encoding="utf-8").splitlines()) == 700


UNREADABLE = Path("/proc/self/mem")  # opens, then fails at the first read (Linux)


def _opens_then_fails(path: Path) -> bool:
    try:
        with path.open("rb") as opened:
            opened.readline()
    except OSError as exc:
        return exc.filename is None  # the read failed, not the open
    return False


@pytest.mark.skipif(not _opens_then_fails(UNREADABLE), reason="needs Linux's /proc/self/mem")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_file_that_fails_while_read_is_exit_2_and_out_untouched(
    tmp_path: Path, workers: str
) -> None:
    out = tmp_path / "plans.jsonl"
    out.write_text("yesterday's plans\n", encoding="utf-8")
    run = cli("--accounts", UNREADABLE, "--out", out, "--workers", workers)
    assert run.code == ExitCode.USAGE
    assert run.err == f"error: {UNREADABLE}: Input/output error\n"
    assert out.read_text(encoding="utf-8") == "yesterday's plans\n"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"account_id": "x", "weights": {"SPY": "1"}',  # 43 characters, cut short
            "line 2: not valid JSON at column 44: Expecting ',' delimiter",
        ),
        (ONE.replace('"1000"', '"lots"'), "line 2: snapshot.cash: not a number: 'lots'"),
        (ONE.replace('"weights"', '"weight"'), "line 2: weight: unknown key"),
        (
            ONE.replace('"account_id": "one", ', ""),
            "line 2: account_id: expected a non-empty string, missing",
        ),
        (
            ONE.replace('"account_id": "one"', '"account_id": 5'),
            "line 2: account_id: expected a non-empty string, got 5",
        ),
        (ONE.replace('"SPY": "1"}', '"SPY": NaN}'), "line 2: weights.SPY: NaN is not a number"),
        (
            ONE.replace('"1000"', "1E+99999999999999999999"),
            "line 2: snapshot.cash: number out of range: ",
        ),
        (
            ONE.replace('"1000"', "9" * 5000),
            "line 2: snapshot.cash: a number with more than 4,300 digits",
        ),
        (ONE.replace('"1000"', '"1", "cash": "2"'), "line 2: snapshot.cash: key given twice"),
    ],
)
def test_a_malformed_line_is_exit_2_naming_line_and_field_and_out_untouched(
    tmp_path: Path, line: str, message: str
) -> None:
    out = tmp_path / "plans.jsonl"
    out.write_text("yesterday's plans\n", encoding="utf-8")
    path = accounts_file(tmp_path, NO_PRICE, line, ONE.replace('"one"', '"three"'))
    run = cli("--accounts", path, "--out", out)
    assert run.code == ExitCode.USAGE
    assert run.err.startswith(f"error: {path}: {message}"), run.err
    assert run.err.count("\n") == 1
    assert out.read_text(encoding="utf-8") == "yesterday's plans\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_line_that_is_not_json_names_the_column_where_it_breaks(tmp_path: Path) -> None:
    """A JSONL line is often kilobytes long: the line number alone does not find the typo."""
    path = accounts_file(tmp_path, ONE, '{"account_id" "x"}')  # the colon missing: column 15
    run = cli("--accounts", path)
    assert run.code == ExitCode.USAGE
    where = "line 2: not valid JSON at column 15"
    assert run.err == f"error: {path}: {where}: Expecting ':' delimiter\n"


def test_an_account_id_with_a_line_break_is_named_on_one_line(tmp_path: Path) -> None:
    """A failure is one line on stderr: an id's line break cannot start a forged line."""
    forged = NO_PRICE.replace('"no-price"', '"a\\nerror: forged"')  # JSON's escape: a line feed
    path = accounts_file(tmp_path, forged)
    run = cli("--accounts", path)
    assert run.code == ExitCode.FAILURE
    assert json.loads(run.out)["account_id"] == "a\nerror: forged"  # the output keeps it
    failure, summary = run.err.splitlines()
    assert failure.startswith(f"error: {path}: account a\\nerror: forged (line 1): MISSING_PRICE")
    assert summary.startswith("plan-many: 1 account, 0 planned, 1 failed")


#: An account whose weights target nothing: its plan sells all of it.
EMPTY = '{"account_id": "closing", "weights": {}, "snapshot": {"cash": "5", "positions": {"SPY": "3"}, "prices": {"SPY": "100"}}}'  # noqa: E501 - a JSONL line is one line


@pytest.mark.parametrize("weights", ["{}", '{"SPY": "0"}'])
def test_weights_that_target_nothing_are_exit_2_without_liquidate_all(
    tmp_path: Path, weights: str
) -> None:
    """As `portfolio plan` refuses such a weights file: a plan on them sells everything."""
    out = tmp_path / "plans.jsonl"
    out.write_text("yesterday's plans\n", encoding="utf-8")
    path = accounts_file(tmp_path, ONE, EMPTY.replace('"weights": {}', f'"weights": {weights}'))
    run = cli("--accounts", path, "--out", out)
    assert run.code == ExitCode.USAGE
    assert run.err == (
        f"error: {path}: line 2: weights: no non-zero weight: the plan would sell every "
        "position; pass --liquidate-all if that is what you want\n"
    )
    assert out.read_text(encoding="utf-8") == "yesterday's plans\n"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_liquidate_all_sells_the_accounts_that_target_nothing_and_plans_the_others(
    tmp_path: Path, workers: str
) -> None:
    path = accounts_file(tmp_path, ONE, EMPTY)
    run = cli("--accounts", path, "--liquidate-all", "--workers", workers)
    assert run.code == ExitCode.OK, run.err
    one, closing = (json.loads(line) for line in run.out.splitlines())
    assert [(i["action"], i["trade_amount"]) for i in one["plan"]["items"]] == [("BUY", "1000.00")]
    # 3 SPY at 100 sold in full: 300.00, the reason a liquidation
    assert [
        (i["action"], i["quantity"], i["trade_amount"], i["reason"])
        for i in closing["plan"]["items"]
    ] == [("SELL", "-3", "-300.00", "LIQUIDATE")]


def test_on_stdout_the_lines_before_a_malformed_line_are_whole(tmp_path: Path) -> None:
    run = cli("--accounts", accounts_file(tmp_path, ONE, "", "not json"))
    assert run.code == ExitCode.USAGE
    assert [json.loads(line)["account_id"] for line in run.out.splitlines()] == ["one"]
    assert "line 3: not valid JSON" in run.err  # the blank line 2 is skipped but counted


def test_a_duplicate_account_id_is_exit_2_naming_both_lines(tmp_path: Path) -> None:
    run = cli("--accounts", accounts_file(tmp_path, ONE, NO_PRICE, ONE))
    assert run.code == ExitCode.USAGE
    assert (
        run.err
        == f"error: {tmp_path / 'accounts.jsonl'}: line 3: account_id 'one' is already on line 1\n"
    )


def test_the_policy_file_applies_to_lines_without_a_policy_of_their_own(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"fractional": false}', encoding="utf-8")
    own = json.dumps(
        {**json.loads(ONE), "account_id": "own", "policy": {"cash_reserve_pct": "0.5"}}
    )
    odd = ONE.replace('"one"', '"odd"').replace('"100"', '"300"')
    run = cli("--accounts", accounts_file(tmp_path, odd, own), "--policy", policy)
    assert run.code == ExitCode.OK, run.err
    odd_plan, own_plan = (json.loads(line)["plan"] for line in run.out.splitlines())
    assert odd_plan["items"][0]["quantity"] == "3"  # whole shares: 1000 / 300 → 3
    assert own_plan["items"][0]["trade_amount"] == "500.00"  # half kept in cash


def test_a_line_s_own_policy_out_of_range_shows_the_value_as_written(tmp_path: Path) -> None:
    """Before: `value=Decimal('20')`, Python's spelling, on a command line's message."""
    lines = (
        {**json.loads(ONE), "account_id": "lev", "policy": {"max_gross_exposure": "20"}},
        {**json.loads(ONE), "account_id": "tax", "policy": {"tax": {"max_realized_gain": "-5"}}},
    )
    path = accounts_file(tmp_path, *map(json.dumps, lines))
    run = cli("--accounts", path)
    assert run.code == ExitCode.FAILURE
    lev = (
        f"error: {path}: account lev (line 1): INVALID_POLICY: SizingPolicy.max_gross_exposure"
        " must be a Decimal in (0, 10] [field=max_gross_exposure value=20]"
    )
    tax = (
        f"error: {path}: account tax (line 2): INVALID_POLICY: SizingPolicy.tax.max_realized_gain"
        " must be None or a finite Decimal in [0, 1E+15] [field=tax.max_realized_gain value=-5]"
    )
    assert run.err.splitlines()[:2] == [lev, tax]
    values = [json.loads(line)["error"]["context"]["value"] for line in run.out.splitlines()]
    assert values == ["20", "-5"]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("--accounts", "nowhere.jsonl"), "nowhere.jsonl: no such file"),
        (("--accounts", "a", "--workers", "0"), "expected a whole number from 1 to "),
        (("--accounts", "a", "--workers", "100000"), "(4 per CPU), got '100000'"),
        (("--accounts", "a", "--workers", "2", "--scheduler", "x"), "not allowed with"),
        (("--accounts", "a", "--out", "/no/such/dir/p.jsonl"), "p.jsonl"),
    ],
)
def test_bad_command_lines_are_one_line_and_exit_2(
    argv: tuple[str, ...], fragment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").write_text(ONE + "\n", encoding="utf-8")
    run = cli(*argv)
    assert (run.code, run.out, run.err.count("\n")) == (ExitCode.USAGE, "", 1), run
    assert fragment in run.err


def test_scheduler_without_dask_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` now fails
    run = cli("--accounts", accounts_file(tmp_path, ONE), "--scheduler", "tcp://127.0.0.1:1")
    assert run.code == ExitCode.USAGE
    assert "portfolio-rebalancer[dask]" in run.err


def test_a_terminal_gets_a_progress_line_with_rate_and_time_left(tmp_path: Path) -> None:
    run = cli("--accounts", accounts_file(tmp_path, ONE, NO_PRICE), tty=True)
    assert "] 100% 2/2 " in run.err
    assert "/s 0 s left" in run.err


BOM = "\ufeff"  # a byte-order mark, as Windows editors start a UTF-8 file with


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_line_of_only_a_byte_order_mark_is_blank(tmp_path: Path, workers: str) -> None:
    """Before: `line 2: not valid JSON at column 1: Expecting value`, exit 2. Two files
    saved by a Windows editor and joined with `cat` bring the second one's mark to the
    start of a line; an empty one brings a line of nothing else."""
    path = tmp_path / "accounts.jsonl"
    path.write_text(f"{BOM}{ONE}\n{BOM}\n{BOM}{NO_PRICE}\n", encoding="utf-8")
    run = cli("--accounts", path, "--workers", workers)
    assert run.code == ExitCode.FAILURE, run.err
    assert [json.loads(line)["account_id"] for line in run.out.splitlines()] == ["one", "no-price"]
    assert run.err.startswith(f"error: {path}: account no-price (line 3): MISSING_PRICE: ")


def test_a_file_of_only_a_byte_order_mark_is_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "accounts.jsonl"
    path.write_text(BOM, encoding="utf-8")
    run = cli("--accounts", path)
    assert (run.code, run.out) == (ExitCode.OK, "")
    assert run.err.startswith("plan-many: 0 accounts, 0 planned, 0 failed in ")


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_lines_end_in_lf_crlf_or_cr_alone_as_in_every_file_read(
    tmp_path: Path, end: str, workers: str
) -> None:
    """Before, with CR alone (an old Mac's line end): `line 1: not valid JSON at column
    102: Extra data`, the whole file read as one line."""
    path = tmp_path / "accounts.jsonl"
    path.write_bytes(end.join([ONE, "", NO_PRICE, "{broken", ""]).encode())
    run = cli("--accounts", path, "--workers", workers)
    assert run.code == ExitCode.USAGE
    assert [json.loads(line)["account_id"] for line in run.out.splitlines()] == ["one", "no-price"]
    broken = "line 4: not valid JSON at column 2: Expecting property name enclosed in double quotes"
    assert run.err == f"error: {path}: {broken}\n"


@pytest.mark.parametrize(
    ("text", "lines"),
    [(b"a\nb", 2), (b"a\r\nb\r\n", 2), (b"a\rb\r", 2), (b"a\r\rb", 3), (b"", 0), (b"\r", 1)],
)
def test_the_progress_line_counts_the_lines_the_command_reads(
    tmp_path: Path, text: bytes, lines: int
) -> None:
    """Before: a file whose lines end in CR alone was counted as one line (`100% 2/1`)."""
    path = tmp_path / "accounts.jsonl"
    path.write_bytes(text)
    assert count_lines(path) == lines


def test_a_lost_chunk_becomes_an_error_line_per_account_named() -> None:
    tally = _Tally(source="accounts.jsonl")
    lost = Failure(worker_failed("the worker running this chunk failed", OSError("gone")))
    lines = tally.add((5, (ONE.encode(), b"\n", b"{broken")), lost)
    assert [json.loads(line)["account_id"] for line in lines] == ["one", "line 7"]
    assert json.loads(lines[0])["error"]["kind"] == ErrorKind.WORKER_FAILED.value
    assert tally.failures[0].startswith(
        "error: accounts.jsonl: account one (line 5): WORKER_FAILED: "
    )
    assert tally.stop is None
    assert tally.add((8, ()), Success(())) == []
    assert isinstance(lost.failure(), PortfolioError)


def test_a_worker_sends_back_the_outcomes_of_one_process_packed_in_one_bytes_object() -> None:
    """What a pool or Dask worker returns unpacks to exactly what the driver plans alone."""
    lines = b"\n".join(line.encode() for line in (ONE, NO_PRICE, "", "not json"))
    chunk = (7, lines, SizingPolicy(), False)
    packed = plan_packed(chunk)
    assert isinstance(packed, bytes)
    assert unpack(packed) == plan_lines(chunk)
    assert [outcome[:2] for outcome in unpack(packed)] == [(7, "one"), (8, "no-price"), (10, None)]


def test_a_pool_has_at_least_two_chunks_in_flight_per_worker() -> None:
    """Fewer, and a worker would wait while the driver writes the chunk before its own."""
    with ExitStack() as stack:
        assert open_workers(1, None, stack).unwrap() == Workers()
        pool = open_workers(6, None, stack).unwrap()
    assert (pool.chunk_lines, pool.in_flight, pool.threads) == (CHUNK_LINES, 12, 6)
    assert isinstance(pool.executor, ProcessPoolExecutor)


def test_chunks_shrink_near_the_end_so_the_workers_finish_together() -> None:
    """Full chunks while much is left; then a share of what is left per worker thread,
    never below 32 lines nor above the full size; full size when nothing tells the size."""
    workers = Workers(chunk_lines=512, threads=2)
    per_line = 800.0
    assert workers.lines_for(20_000 * 800, per_line) == 512
    assert workers.lines_for(1_000 * 800, per_line) == 250  # a quarter of 1,000 lines
    assert workers.lines_for(10 * 800, per_line) == LEAST_LINES
    assert workers.lines_for(0, per_line) == workers.lines_for(100, 0.0) == 512
    assert Workers(chunk_lines=8).lines_for(10 * 800, per_line) == 8


def test_shrinking_chunks_on_a_pool_keep_every_line_once_and_in_order(tmp_path: Path) -> None:
    """2,000 lines in chunks of 256 down to 32, on two processes: the file of one process."""
    lines = [account_line(account(k, symbols=2)) for k in range(2_000)]
    path = accounts_file(tmp_path, *lines)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert cli("--accounts", path, "--out", one).code == ExitCode.OK
    assert cli("--accounts", path, "--out", two, "--workers", "2").code == ExitCode.OK
    assert one.read_bytes() == two.read_bytes()
    ids = [json.loads(line)["account_id"] for line in two.read_text(encoding="utf-8").splitlines()]
    assert ids == [f"acct-{k:06d}" for k in range(2_000)]


TAXED = '{"account_id": "taxed", "weights": {"SPY": "1"}, "snapshot": {"cash": "1000", "prices": {"SPY": "100"}}}'  # noqa: E501 - a JSONL line is one line
QUOTED = '{"account_id": "a \\": b", "weights": {"SPY": "1"}, "snapshot": {"cash": "1000", "prices": {"SPY": "100"}}}'  # noqa: E501 - same


def test_a_taxed_account_s_line_is_as_compact_as_every_other_line(tmp_path: Path) -> None:
    """Before, a plan with a tax report kept to_json()'s `": "` separators on its line."""
    policy = tmp_path / "tax.toml"
    policy.write_text('[tax]\nmethod = "hifo"\n', encoding="utf-8")
    path = accounts_file(tmp_path, ONE, TAXED, QUOTED)
    untaxed = cli("--accounts", path)
    taxed = cli("--accounts", path, "--policy", policy)
    assert (untaxed.code, taxed.code) == (ExitCode.OK, ExitCode.OK), taxed.err
    for line in untaxed.out.splitlines() + taxed.out.splitlines():
        assert line == json.dumps(json.loads(line), separators=(",", ":"))
    accounts = [json.loads(line) for line in taxed.out.splitlines()]
    assert [a["account_id"] for a in accounts] == ["one", "taxed", 'a ": b']
    assert all(a["plan"]["tax"] is not None for a in accounts)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)


@given(json_values)
def test_compact_is_the_plan_json_without_its_layout(value: object) -> None:
    """Every character of a string and a number stays; only the layout between them goes."""
    assert _compact(encode(value)) == json.dumps(value, separators=(",", ":"))


def test_the_plans_file_written_is_named_on_stderr_before_the_summary(tmp_path: Path) -> None:
    """Before, `--out` wrote its file silently, unlike `--report`, `--plot`, `--orders-csv`."""
    out = tmp_path / "plans.jsonl"
    run = cli("--accounts", accounts_file(tmp_path, ONE, NO_PRICE), "--out", out)
    assert run.code == ExitCode.FAILURE  # a failed account is a line of the file too
    assert f"Plans written to {out}" in run.err.splitlines()[:-1]
    assert run.err.splitlines()[-1].startswith("plan-many: 2 accounts, 1 planned, 1 failed")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert "written to" not in cli("--accounts", accounts_file(tmp_path, ONE)).err  # stdout


def test_a_plans_file_never_written_is_never_said_to_be(tmp_path: Path) -> None:
    out = tmp_path / "plans.jsonl"
    run = cli("--accounts", accounts_file(tmp_path, ONE, "{"), "--out", out)
    assert run.code == ExitCode.USAGE
    assert "written to" not in run.err
    assert not out.exists()
