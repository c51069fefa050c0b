"""Order baskets: `rebalance --orders-csv FILE --format csv|ibkr`, golden files, refusals."""

from __future__ import annotations

import csv
import doctest
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from cli_support import Run, cli
from full_disk import files_at_most
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from adapters.cli import csv_out
from adapters.cli.baskets import IBKR_HEADER, BasketFormat, basket
from adapters.cli.csv_out import FORMULA_STARTS
from adapters.cli.order_report import intents_csv
from portfolio import Action, Asset, OrderIntent

D = Decimal
GOLDEN = Path(__file__).parent / "golden"
# V = 11,000: 20 SPY at 500 and 10 TLT at 100. Half SPY, half QQQ at 250, whole shares:
# SPY 5,500 → 11 (sell 9), TLT → 0 (sell all 10), QQQ 5,500 → 22 (buy); sells first.
ACCOUNT = (
    '{"cash": "0", "positions": {"SPY": "20", "TLT": "10"},'
    ' "prices": {"SPY": "500", "TLT": "100", "QQQ": "250"}}'
)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "w.json").write_text('{"SPY": "0.5", "QQQ": "0.5"}', encoding="utf-8")
    (tmp_path / "account.json").write_text(ACCOUNT, encoding="utf-8")
    (tmp_path / "whole.json").write_text('{"fractional": false}', encoding="utf-8")
    return tmp_path


def export(files: Path, out: Path, *more: str) -> Run:
    return cli(
        "rebalance", "--weights", files / "w.json", "--snapshot", files / "account.json",
        "--orders-csv", out, *more,
    )  # fmt: skip


def test_a_basket_that_cannot_be_written_whole_leaves_the_old_one(files: Path) -> None:
    """Before, the basket was written in place: a failed write left half of it."""
    out = files / "basket.csv"
    out.write_text("yesterday's basket\n", encoding="utf-8")
    with files_at_most(100):  # the basket: a header and three orders, ~250 bytes
        run = export(files, out, "--policy", str(files / "whole.json"))
    assert run.code == 2
    assert run.err.startswith(f"error: {out}: ")
    assert out.read_text(encoding="utf-8") == "yesterday's basket\n"
    assert sorted(path.name for path in files.iterdir()) == [
        "account.json", "basket.csv", "w.json", "whole.json",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("more", "golden"),
    [
        (["--format", "ibkr"], "basket_ibkr.csv"),
        (["--format", "csv"], "basket_csv.csv"),
        ([], "basket_csv.csv"),  # csv is the default: the file of before
    ],
)
def test_each_format_writes_its_golden_file(files: Path, more: list[str], golden: str) -> None:
    out = files / "basket.csv"
    run = export(files, out, "--policy", str(files / "whole.json"), *more)
    assert run.code == 0, run.err
    assert out.read_bytes() == (GOLDEN / golden).read_bytes()


@pytest.mark.parametrize("more", [[], ["--json"], ["--format", "ibkr"]])
def test_the_basket_written_is_named_on_stderr_as_every_written_file_is(
    files: Path, more: list[str]
) -> None:
    """Before, `--orders-csv` wrote its file silently, unlike `--report` and `--plot`."""
    out = files / "basket.csv"
    run = export(files, out, "--policy", str(files / "whole.json"), *more)
    assert run.code == 0, run.err
    assert f"Basket written to {out}\n" in run.err
    assert str(out) not in run.out  # stdout stays the orders (the JSON, with --json)


def test_the_ibkr_golden_file_is_what_basket_trader_reads() -> None:
    rows = list(csv.reader(io.StringIO((GOLDEN / "basket_ibkr.csv").read_text("utf-8"))))
    assert tuple(rows[0]) == IBKR_HEADER
    first_line = (GOLDEN / "basket_ibkr.csv").read_text("utf-8").splitlines()[0]
    assert first_line == "Action,Quantity,Symbol,SecType,Exchange,Currency,TimeInForce,OrderType"
    assert [row[:3] for row in rows[1:]] == [
        ["SELL", "9", "SPY"],
        ["SELL", "10", "TLT"],
        ["BUY", "22", "QQQ"],
    ]
    assert {tuple(row[3:]) for row in rows[1:]} == {("STK", "SMART", "USD", "DAY", "MKT")}


def test_fractional_shares_are_refused_never_rounded_and_nothing_is_written(files: Path) -> None:
    out = files / "basket.csv"
    odd = files / "odd.json"
    odd.write_text(
        '{"cash": "100", "positions": {"SPY": "20"}, "prices": {"SPY": "500", "QQQ": "400"}}',
        encoding="utf-8",
    )
    run = cli(
        "rebalance", "--weights", files / "w.json", "--snapshot", odd, "--orders-csv", out,
        "--format", "ibkr",
    )  # fmt: skip
    assert (run.code, run.out, run.err.count("\n")) == (2, "", 1), run.err
    # V = 10,100: SPY 5,050 → sell 9.9; QQQ 5,050 → buy 12.625
    assert "SELL SPY: 9.9 shares: fractional" in run.err
    assert "BUY QQQ: 12.625 shares: fractional" in run.err
    assert "basket.csv: not written" in run.err
    assert not out.exists()


def intent(
    symbol: str, side: Action, quantity: str | None = "1", notional: str | None = None
) -> OrderIntent:
    return OrderIntent(
        client_order_id=f"rb-p-t-{symbol}",
        symbol=symbol,
        side=side,
        quantity=None if quantity is None else D(quantity),
        notional=None if notional is None else D(notional),
    )


@pytest.mark.parametrize(
    ("order", "assets", "reason"),
    [
        (
            intent("BTCUSD", Action.BUY),
            {"BTCUSD": Asset(symbol="BTCUSD", asset_class="crypto")},
            "a crypto pair",
        ),
        (intent("BTC/USD", Action.BUY), {}, "a crypto pair"),
        (intent("SPY", Action.BUY, "2.5"), {}, "2.5 shares: fractional"),
        (intent("SPY", Action.BUY, None, "100"), {}, "an order by amount (100)"),
        (intent("BRK.B", Action.SELL, "3"), {}, "not a plain IBKR symbol"),
        (
            intent("SPY", Action.BUY),
            {"SPY": Asset(symbol="SPY", asset_class="us_option")},
            "asset class us_option",
        ),
    ],
    ids=["crypto-class", "crypto-pair", "fraction", "notional", "share-class", "option"],
)
def test_what_basket_trader_cannot_carry_is_refused_by_name(
    order: OrderIntent, assets: dict[str, Asset], reason: str
) -> None:
    refused = basket((intent("QQQ", Action.SELL, "4"), order), BasketFormat.IBKR, assets).failure()
    assert refused.startswith("the IBKR basket cannot carry ")
    assert f"{order.side.value} {order.symbol}: {reason}" in refused
    assert "QQQ" not in refused  # the order it can carry is not named
    assert basket((order,), BasketFormat.CSV, assets) == intents_csv((order,))


def test_every_order_it_cannot_carry_is_named_at_once() -> None:
    orders = (intent("AAA", Action.SELL, "0.5"), intent("BBB", Action.BUY, "1.25"))
    refused = basket(orders, BasketFormat.IBKR, {}).failure()
    assert "SELL AAA: 0.5 shares" in refused
    assert "BUY BBB: 1.25 shares" in refused


def test_whole_shares_written_with_a_decimal_point_are_whole() -> None:
    text = basket((intent("SPY", Action.BUY, "22.000000000"),), BasketFormat.IBKR, {}).unwrap()
    assert text.splitlines()[1] == "BUY,22,SPY,STK,SMART,USD,DAY,MKT"


symbols = st.sampled_from(["AAA", "BBB", "CCC", "SPY", "QQQ", "TLT"])
orders = st.lists(
    st.builds(
        intent,
        symbols,
        st.sampled_from([Action.BUY, Action.SELL]),
        st.integers(min_value=1, max_value=10_000).map(str),
    ),
    max_size=12,
)


@given(orders, st.sampled_from(list(BasketFormat)))
def test_sells_come_first_and_every_order_is_written_once(
    given_orders: list[OrderIntent], form: BasketFormat
) -> None:
    rows = list(csv.reader(io.StringIO(basket(tuple(given_orders), form, {}).unwrap())))[1:]
    side = 0 if form is BasketFormat.IBKR else 2
    sides = [row[side] for row in rows]
    assert sides == sorted(sides, key=lambda s: s != "SELL")
    symbol, quantity = (2, 1) if form is BasketFormat.IBKR else (1, 3)
    written = sorted((row[side], row[symbol], D(row[quantity])) for row in rows)
    wanted = sorted((o.side.value, o.symbol, o.quantity) for o in given_orders)
    assert written == wanted


FORMULAS = ['=HYPERLINK("HTTP://X")', "+1+1", "-2+3", "@SUM(A1)"]


@pytest.mark.parametrize("symbol", FORMULAS)
def test_a_symbol_a_spreadsheet_would_run_is_refused_and_no_basket_written(
    files: Path, symbol: str
) -> None:
    """Before, `=HYPERLINK(…)` as a symbol went into the basket as it was: a formula."""
    weights, account, out = files / "f.json", files / "f_account.json", files / "basket.csv"
    weights.write_text(json.dumps({symbol: "0.5", "SPY": "0.5"}), encoding="utf-8")
    prices = {symbol: "10", "SPY": "500"}
    account.write_text(json.dumps({"cash": "10000", "prices": prices}), encoding="utf-8")
    run = cli(
        "rebalance", "--weights", weights, "--snapshot", account, "--orders-csv", out,
        "--execute", "--yes",
    )  # fmt: skip
    assert (run.code, run.out, run.err.count("\n")) == (2, "", 1), run.err
    refusal = f"error: {out}: not written: a spreadsheet would run these cells as formulas: "
    assert run.err.startswith(refusal)
    assert f"column symbol: {symbol!r} begins with {symbol[0]!r}" in run.err
    assert "SPY" not in run.err  # only the cells at fault are named
    assert not out.exists()


@given(st.text(min_size=1).filter(lambda s: not any(c.isspace() for c in s)))
def test_any_symbol_is_read_back_as_written_or_refused(symbol: str) -> None:
    """A basket never alters a symbol (a broker reads it back); it refuses a formula instead."""
    order = intent(symbol, Action.BUY)
    match basket((order,), BasketFormat.CSV, {}):
        case Success(text):
            (row,) = list(csv.DictReader(io.StringIO(text)))
            assert row["symbol"] == symbol
            assert not symbol.startswith(FORMULA_STARTS)
        case Failure(reason):
            assert symbol.startswith(FORMULA_STARTS), reason


def test_the_csv_writer_examples_run() -> None:
    assert doctest.testmod(csv_out).failed == 0
