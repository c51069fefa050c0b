"""`portfolio plan --lots FILE` with a policy's `[tax]` table (docs/tax.md, docs/cli.md)."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cli_support import cli
from returns.result import Result, Success

from adapters.cli.tax_inputs import LotsFile, LotsOnTop
from portfolio import LotMethod, PortfolioError, RebalancePlan, Snapshot, TaxLot, TaxPolicy

ACCOUNT = {
    "cash": "0",
    "positions": {"SPY": "20"},
    "prices": {"SPY": "150", "QQQ": "100"},
    "as_of": "2024-06-03T20:00:00+00:00",
}
LOTS = "symbol,quantity,cost,acquired,lot_id\nSPY,10,100,2023-01-05,a\nSPY,10,140,2024-05-20,b\n"
POLICY = """
min_trade_amount = "1"

[tax]
method = "hifo"
max_realized_gain = "300"
short_term_rate = "0.35"
long_term_rate = "0.15"
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    written = {
        "weights": ('{"SPY": "0.25", "QQQ": "0.75"}', "weights.json"),
        "account": (json.dumps(ACCOUNT), "account.json"),
        "lots": (LOTS, "lots.csv"),
        "policy": (POLICY, "policy.toml"),
    }
    paths = {}
    for key, (text, name) in written.items():
        paths[key] = tmp_path / name
        paths[key].write_text(text, encoding="utf-8")
    return paths


def plan_args(files: dict[str, Path], *more: str | Path) -> tuple[str | Path, ...]:
    return (
        "plan", "--weights", files["weights"], "--snapshot", files["account"],
        "--policy", files["policy"], "--lots", files["lots"], *more,
    )  # fmt: skip


def test_the_table_shows_the_realized_gains_and_the_estimated_tax(files: dict[str, Path]) -> None:
    """HIFO sells lot b first (10 × (150 − 140) = 100 short-term); the budget of 300 leaves
    200 for lot a at 50 a share: 4 shares. Tax: 100 × 0.35 + 200 × 0.15 = 65.00."""
    run = cli(*plan_args(files))
    assert run.code == 0, run.err
    assert "SPY     SELL    -2,100.00       -14" in run.out
    assert "GAIN_BUDGET" in run.out
    assert (
        "Realized gains: short-term 100.00   long-term 200.00   estimated tax 65.00"
        "   (2 lots relieved)"
    ) in run.out


def test_json_carries_the_lot_sales_and_the_tax_policy(files: dict[str, Path]) -> None:
    run = cli(*plan_args(files, "--json"))
    assert run.code == 0, run.err
    plan = RebalancePlan.from_json(run.out).unwrap()
    assert plan.policy is not None
    assert plan.policy.tax == TaxPolicy(
        method=LotMethod.HIFO,
        max_realized_gain=Decimal(300),
        short_term_rate=Decimal("0.35"),
        long_term_rate=Decimal("0.15"),
    )
    assert plan.tax is not None
    assert [(s.lot_id, s.quantity, s.gain) for s in plan.tax.sales] == [
        ("b", Decimal(10), Decimal("100.00")),
        ("a", Decimal(4), Decimal("200.00")),
    ]
    assert json.loads(run.out)["tax"]["sales"][1]["acquired"] == "2023-01-05"


def test_the_lots_reach_the_fake_broker_too(files: dict[str, Path]) -> None:
    run = cli(*plan_args(files, "--broker", "fake"))
    assert run.code == 0, run.err
    assert "estimated tax 65.00" in run.out


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("symbol,quantity,cost\nSPY,10,100\n", "line 1: the header must be"),
        ("symbol,quantity,cost,acquired\nSPY,10,abc,2023-01-05\n", "line 2, column cost"),
        (
            "symbol,quantity,cost,acquired\nSPY,10,100,2023-01-05\nSPY,10,100,5 May\n",
            "line 3, column acquired",
        ),
        ("symbol,quantity,cost,acquired\nSPY,10,100\n", "line 2: expected 4 columns"),
        ("symbol,quantity,cost,acquired\n,10,100,2023-01-05\n", "line 2, column symbol"),
    ],
)
def test_a_bad_lots_file_exits_2_naming_the_line_and_column(
    files: dict[str, Path], text: str, where: str
) -> None:
    files["lots"].write_text(text, encoding="utf-8")
    run = cli(*plan_args(files))
    assert run.code == 2
    assert run.err.startswith(f"error: {files['lots']}: {where}")
    assert run.err.count("\n") == 1  # one line, no traceback


@pytest.mark.parametrize("text", ["", "\ufeff", "\n\n"], ids=["empty", "bom", "blank"])
def test_an_empty_lots_file_is_told_so(files: dict[str, Path], text: str) -> None:
    """Before: `line 1: the header must be symbol,…`, of a file with no line 1; the price
    CSV's reader says the file is empty."""
    files["lots"].write_text(text, encoding="utf-8")
    run = cli(*plan_args(files))
    assert run.code == 2
    assert run.err == (
        f"error: {files['lots']}: line 1: the file is empty; expected the header"
        " symbol,quantity,cost,acquired[,lot_id]\n"
    )


def test_lots_that_do_not_match_the_positions_are_a_library_failure(
    files: dict[str, Path],
) -> None:
    files["lots"].write_text("symbol,quantity,cost,acquired\nSPY,12,100,2023-01-05\n")
    run = cli(*plan_args(files))
    assert run.code == 1
    assert "INVALID_SNAPSHOT" in run.err
    assert "symbol=SPY" in run.err
    assert f"{files['lots']}: line 2: the lots must sum exactly to the position" in run.err


@pytest.mark.parametrize(
    ("rows", "named"),
    [
        ("SPY,5,100,2023-01-05\n\nspy,6,140,2024-01-05\n", "lines 2, 4: the lots must sum"),
        ("SPY,20,100,2023-01-05\nQQQ,1,90,2023-01-05\n", "line 3: lots of a symbol not held"),
        ("SPY,1,1,2023-01-05\n" * 7, "lines 2, 3, 4, 5, 6 and 2 more: the lots must sum"),
    ],
    ids=["sum", "not-held", "many"],
)
def test_lots_a_symbol_cannot_have_are_named_by_their_lines(
    files: dict[str, Path], rows: str, named: str
) -> None:
    """Before, only a refusal of one lot named its line: a symbol's lots that do not
    sum to its position, or lots of a symbol not held, were named by the symbol alone."""
    files["lots"].write_text(f"symbol,quantity,cost,acquired\n{rows}", encoding="utf-8")
    run = cli(*plan_args(files))
    assert run.code == 1
    assert run.err.startswith(f"error: INVALID_SNAPSHOT: {files['lots']}: {named}"), run.err
    assert run.err.count("\n") == 1


def test_a_lot_the_account_refuses_is_named_by_the_lots_file_and_its_line(
    files: dict[str, Path],
) -> None:
    """Lot b (line 4: the blank line 3 counts) was acquired after the account's as_of."""
    text = "symbol,quantity,cost,acquired\nSPY,10,100,2023-01-05\n\nspy,10,140,2024-06-04\n"
    files["lots"].write_text(text, encoding="utf-8")
    run = cli(*plan_args(files))
    assert run.code == 1
    assert run.err.startswith(
        f"error: INVALID_SNAPSHOT: {files['lots']}: line 4: a lot cannot be acquired after"
    )
    assert "lot=1 symbol=SPY" in run.err  # `spy` is SPY's second lot


def test_two_lots_of_a_symbol_with_one_lot_id_are_refused_naming_both_lines(
    files: dict[str, Path],
) -> None:
    """Before: planned, and the plan's sales named lot `a` twice, two lots a report, a
    broker or an accountant cannot tell apart."""
    files["lots"].write_text(LOTS.replace(",b\n", ",a\n"), encoding="utf-8")
    run = cli(*plan_args(files))
    assert run.code == 1
    lots = files["lots"]
    assert run.err == (
        f"error: INVALID_SNAPSHOT: {lots}: line 3: SPY's lot_id 'a' is already on line 2"
        f" [file={lots} line=3 lot=1 lot_id=a symbol=SPY]\n"
    )


@pytest.mark.parametrize(
    "rows",
    [
        "SPY,10,100,2023-01-05,\nSPY,10,140,2024-05-20,\n",  # no lot ids: nothing to tell apart
        "SPY,20,100,2023-01-05,a\nQQQ,0.5,90,2023-01-05,a\n",  # one id, two symbols
    ],
    ids=["no-ids", "two-symbols"],
)
def test_lots_without_ids_or_of_other_symbols_may_share_them(
    files: dict[str, Path], rows: str
) -> None:
    files["account"].write_text(
        json.dumps(ACCOUNT | {"positions": {"SPY": "20", "QQQ": "0.5"}}), encoding="utf-8"
    )
    files["lots"].write_text(f"symbol,quantity,cost,acquired,lot_id\n{rows}", encoding="utf-8")
    run = cli(*plan_args(files))
    assert run.code == 0, run.err


def test_without_tax_rules_the_lots_are_not_read_against_the_account(
    files: dict[str, Path],
) -> None:
    """The plan reads no lot without a `[tax]` table, so lots that would not fit pass;
    before, nothing said that the lots given were not read at all."""
    files["lots"].write_text("symbol,quantity,cost,acquired\nSPY,12,100,2030-01-05\n")
    files["policy"].write_text('min_trade_amount = "1"\n', encoding="utf-8")
    run = cli(*plan_args(files))
    assert run.code == 0, run.err
    assert run.err == (
        f"warning: --lots {files['lots']}: the policy has no [tax] table, so no tax rule "
        "reads these lots (docs/tax.md)\n"
    )


def test_a_spreadsheets_lots_file_reads_as_the_plain_one(files: dict[str, Path]) -> None:
    """A byte-order mark, capitalised column names and lower-case symbols change nothing."""
    plain = cli(*plan_args(files, "--json"))
    header, *rows = LOTS.splitlines()
    written = [header.title().replace("Lot_Id", "LOT_ID"), *(row.lower() for row in rows)]
    files["lots"].write_text("\ufeff" + "\r\n".join(written) + "\r\n", encoding="utf-8")
    run = cli(*plan_args(files, "--json"))
    assert (run.code, run.out) == (0, plain.out), run.err


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ('[tax]\nmethod = "cheapest"\n', "tax.method"),
        ('[tax]\nwash_sale_days = "30"\n', "tax.wash_sale_days"),
        ("[tax]\ndefer_short_term_gains = 1\n", "tax.defer_short_term_gains"),
        ("[tax]\ncolour = 1\n", "tax.colour"),
        ('[tax]\nshort_term_rate = "2"\n', "tax.short_term_rate"),
    ],
)
def test_a_bad_tax_table_exits_2_naming_its_field(
    files: dict[str, Path], table: str, where: str
) -> None:
    files["policy"].write_text(table, encoding="utf-8")
    run = cli(*plan_args(files))
    assert run.code == 2
    assert run.err.startswith(f"error: {files['policy']}: {where}: ")


def test_a_tax_table_number_of_the_wrong_kind_is_shown_as_written(files: dict[str, Path]) -> None:
    """TOML's 30.0 is read as a Decimal: the message shows 30.0, not Decimal('30.0')."""
    files["policy"].write_text("[tax]\nwash_sale_days = 30.0\n", encoding="utf-8")
    run = cli(*plan_args(files))
    assert run.code == 2
    assert run.err == (
        f"error: {files['policy']}: tax.wash_sale_days: expected a whole number, got 30.0\n"
    )


def rebalance_args(files: dict[str, Path], *more: str | Path) -> tuple[str | Path, ...]:
    return (
        "rebalance", "--weights", files["weights"], "--snapshot", files["account"],
        "--policy", files["policy"], *more,
    )  # fmt: skip


def test_rebalance_applies_the_tax_rules_to_the_lots_of_a_file(files: dict[str, Path]) -> None:
    """The plan `plan --lots` prints (14 SPY sold, the budget's cut), as orders, no warning."""
    run = cli(*rebalance_args(files, "--lots", files["lots"], "--json"))
    assert run.code == 0, run.err
    orders = {o["symbol"]: o for o in json.loads(run.out)["orders"]}
    assert Decimal(orders["SPY"]["quantity"]) == 14
    assert "warning" not in run.err


def test_rebalance_places_the_plan_the_lots_of_a_file_decided(files: dict[str, Path]) -> None:
    """The file's lots describe the account before any order: they decide the plan, and
    placing it (sells, then buys to the cash that arrived) reads the broker's own account."""
    run = cli(*rebalance_args(files, "--lots", files["lots"], "--execute", "--yes", "--json"))
    assert run.code == 0, run.err
    placed = json.loads(run.out)
    assert placed["executed"] is True
    orders = {o["symbol"]: o for o in placed["orders"]}
    assert orders["SPY"]["side"] == "SELL"
    assert Decimal(orders["SPY"]["filled_quantity"]) == 14
    assert {o["status"] for o in placed["orders"]} == {"filled"}


def test_rebalance_warns_when_no_tax_rule_reads_the_lots_given(files: dict[str, Path]) -> None:
    files["policy"].write_text('min_trade_amount = "1"\n', encoding="utf-8")
    run = cli(*rebalance_args(files, "--lots", files["lots"]))
    assert run.code == 0, run.err
    assert run.err.startswith(f"warning: --lots {files['lots']}: the policy has no [tax] table")


def test_rebalance_says_which_sales_no_tax_rule_could_apply_to(files: dict[str, Path]) -> None:
    """Without lots SPY's sale has no basis: the budget cannot cut it (15 shares, as
    untaxed), and a warning says so before anything is placed."""
    run = cli(*rebalance_args(files, "--json"))
    assert run.code == 0, run.err
    orders = {o["symbol"]: o for o in json.loads(run.out)["orders"]}
    assert Decimal(orders["SPY"]["quantity"]) == 15
    assert run.err.startswith("warning: sold without lots, so no tax rule applied to them: SPY")


def test_a_saved_plan_takes_no_lots_file(files: dict[str, Path], tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(cli(*plan_args(files, "--json")).out, encoding="utf-8")
    run = cli("rebalance", "--plan", plan, "--snapshot", files["account"], "--lots", files["lots"])
    assert run.code == 2
    assert "--plan carries its own policy, targets and lots" in run.err


class _OddAccount:
    """A broker port of our own whose account has a NaN quantity and a symbol that is not text."""

    def get_snapshot(self, _symbols: Collection[str]) -> Result[Snapshot, PortfolioError]:
        positions: dict[object, Decimal] = {"SPY": Decimal("NaN"), 3: Decimal(1)}
        return Success(
            Snapshot(
                cash=Decimal(1),
                positions=positions,  # type: ignore[arg-type]  # garbage on purpose
                prices={},
                as_of=datetime(2024, 6, 3, tzinfo=UTC),
            )
        )


def test_an_account_the_lots_cannot_be_compared_with_is_left_to_the_planner() -> None:
    """No check and no exception here: the lots ride along, and the planner names the fault."""
    lots = {"SPY": (TaxLot(quantity=Decimal(1), cost=Decimal(1), acquired=date(2023, 1, 2)),)}
    read = LotsFile(Path("lots.csv"), lots, {"SPY": (2,)})
    snapshot = LotsOnTop(_OddAccount(), read).get_snapshot(("SPY",)).unwrap()
    assert snapshot.lots == lots


def test_lots_and_recent_trades_written_in_the_snapshot_file_plan_as_a_lots_file(
    files: dict[str, Path],
) -> None:
    """The same lots in `account.json` (as `--lots` gives them) make the same plan; a
    recent loss sale of QQQ written there holds its buy (rule 4)."""
    by_file = cli(*plan_args(files, "--json"))
    account: dict[str, object] = {
        **ACCOUNT,
        "lots": {
            "SPY": [
                {"quantity": "10", "cost": "100", "acquired": "2023-01-05", "lot_id": "a"},
                {"quantity": "10", "cost": "140", "acquired": "2024-05-20", "lot_id": "b"},
            ]
        },
    }
    files["account"].write_text(json.dumps(account), encoding="utf-8")
    no_lots_file = ("plan", "--weights", files["weights"], "--snapshot", files["account"])
    inside = cli(*no_lots_file, "--policy", files["policy"], "--json")
    assert (inside.code, inside.out) == (0, by_file.out), inside.err
    loss = {"symbol": "QQQ", "action": "sell", "quantity": "1", "price": "100"}
    account["recent_trades"] = [{**loss, "on": "2024-05-30", "realized_gain": "-5"}]
    files["account"].write_text(json.dumps(account), encoding="utf-8")
    washed = RebalancePlan.from_json(
        cli(*no_lots_file, "--policy", files["policy"], "--json").out
    ).unwrap()
    qqq = washed.item("QQQ")
    assert qqq is not None
    assert qqq.reason.value == "WASH_SALE"


@pytest.mark.parametrize(
    ("lots", "where"),
    [
        (
            {"SPY": [{"quantity": "x", "cost": "1", "acquired": "2023-01-05"}]},
            "lots.SPY[0].quantity",
        ),
        ({"SPY": [{"cost": "1", "acquired": "2023-01-05"}]}, "lots.SPY[0].quantity: missing"),
        ({"SPY": [{"quantity": "20", "cost": "1", "acquired": "5 May"}]}, "lots.SPY[0].acquired"),
        ({"SPY": {"quantity": "20"}}, "lots.SPY: expected a list of lots"),
    ],
)
def test_a_bad_lot_in_the_snapshot_file_exits_2_naming_it(
    files: dict[str, Path], lots: object, where: str
) -> None:
    files["account"].write_text(json.dumps({**ACCOUNT, "lots": lots}), encoding="utf-8")
    run = cli("plan", "--weights", files["weights"], "--snapshot", files["account"])
    assert run.code == 2
    assert run.err.startswith(f"error: {files['account']}: {where}"), run.err
