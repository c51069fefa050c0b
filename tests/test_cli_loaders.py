"""Input files → records: exact decimals, and one clear InputError per kind of bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from adapters.cli.documents import parse_document
from adapters.cli.loaders import (
    convert,
    load_policy,
    load_snapshot,
    load_weights,
    policy_from,
    snapshot_from,
    weights_from,
)
from adapters.cli.terminal import InputError
from portfolio import Asset, SizingPolicy, Snapshot


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_of(result: Result[object, InputError]) -> str:
    assert isinstance(result, Failure), result
    return str(result.failure())


def test_weights_as_strings_or_numbers_are_exact(tmp_path: Path) -> None:
    path = write(tmp_path, "w.json", '{"SPY": "0.6", "QQQ": 0.1, "IWM": 1e-1, "TLT": 0}')
    weights = load_weights(path).unwrap()
    assert weights == {
        "SPY": Decimal("0.6"),
        "QQQ": Decimal("0.1"),
        "IWM": Decimal("1E-1"),
        "TLT": Decimal(0),
    }
    assert str(weights["QQQ"]) == "0.1"  # never 0.1000000000000000055511151231257827


def test_weights_in_toml_are_exact(tmp_path: Path) -> None:
    path = write(tmp_path, "w.toml", 'SPY = 0.6\n"BRK.B" = "0.15"\nQQQ = 0.1\n')
    assert load_weights(path) == Success(
        {"SPY": Decimal("0.6"), "BRK.B": Decimal("0.15"), "QQQ": Decimal("0.1")}
    )


def test_snapshot_with_every_part(tmp_path: Path) -> None:
    text = json.dumps(
        {
            "cash": "10000.50",
            "positions": {"SPY": "20", "BRK.A": 1},
            "prices": {"SPY": "500.25", "BRK.A": "612000"},
            "assets": {"BRK.A": {"fractionable": False}},
            "as_of": "2024-06-28T20:00:00+00:00",
        }
    )
    snapshot = load_snapshot(write(tmp_path, "s.json", text)).unwrap()
    assert snapshot.cash == Decimal("10000.50")
    assert snapshot.positions == {"SPY": Decimal(20), "BRK.A": Decimal(1)}
    assert snapshot.prices == {"SPY": Decimal("500.25"), "BRK.A": Decimal(612000)}
    assert snapshot.assets == {"BRK.A": Asset(symbol="BRK.A", fractionable=False)}
    assert snapshot.as_of is not None
    assert snapshot.as_of.isoformat() == "2024-06-28T20:00:00+00:00"


def test_snapshot_positions_and_assets_are_optional(tmp_path: Path) -> None:
    path = write(tmp_path, "s.json", '{"cash": 100, "prices": {"SPY": "500"}}')
    assert load_snapshot(path) == Success(Snapshot(cash=Decimal(100), prices={"SPY": Decimal(500)}))


def test_policy_from_toml_uses_the_field_names(tmp_path: Path) -> None:
    text = (
        'min_trade_amount = "25"\nband = "0.05"\nrelative_band = 0.25\n'
        'fractional = false\nrounding = "ROUND_HALF_UP"\n'
    )
    assert load_policy(write(tmp_path, "p.toml", text)) == Success(
        SizingPolicy(
            min_trade_amount=Decimal(25),
            band=Decimal("0.05"),
            relative_band=Decimal("0.25"),
            fractional=False,
            rounding="ROUND_HALF_UP",
        )
    )


def test_empty_policy_is_the_default(tmp_path: Path) -> None:
    assert load_policy(write(tmp_path, "p.json", "{}")) == Success(SizingPolicy())


BAD_WEIGHTS = [
    # The column of a trailing comma is 15 on Python 3.11 and 14 on 3.13: both start "1".
    ('{"SPY": "0.6",}', "w.json: line 1 column 1"),
    ('{"SPY": NaN}', "w.json: SPY: NaN is not a number this tool accepts"),
    ('{"SPY": Infinity}', "w.json: SPY: Infinity is not a number this tool accepts"),
    ('{"SPY": "NaN"}', "w.json: SPY: not a finite number: 'NaN'"),
    ('{"SPY": "-inf"}', "w.json: SPY: not a finite number: '-inf'"),
    ('{"SPY": "six"}', "w.json: SPY: not a number: 'six'"),
    ('{"SPY": true}', "w.json: SPY: expected a number, got true"),
    ('{"SPY": null}', "w.json: SPY: expected a number, got null"),
    ('{"SPY": [0.6]}', "w.json: SPY: expected a number, got a list"),
    ('["SPY", 0.6]', "w.json: top level: expected an object of key/value pairs, got a list"),
    ("", "w.json: empty file (expected a JSON document)"),
    (" \n\t\n", "w.json: empty file (expected a JSON document)"),
    (
        '{"SPY": 1E+99999999999999999999}',
        "w.json: SPY: number out of range: '1E+99999999999999999999'",
    ),
    (
        '{"SPY": -1e-99999999999999999999}',
        "w.json: SPY: number out of range: '-1e-99999999999999999999'",
    ),
    ('{"SPY": ' + "9" * 5000 + "}", "w.json: SPY: a number with more than 4,300 digits"),
    ('{"SPY": ' + "[" * 100_000 + "]" * 100_000 + "}", "w.json: not valid JSON: nested too deeply"),
    ('{"SPY": "0.5", "QQQ": 0.1, "SPY": "0.6"}', "w.json: SPY: key given twice"),
    (
        '{"SPY": "' + "1" * 5000 + 'x"}',
        "w.json: SPY: not a number: '11111111111111111111111111111111111111…",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_WEIGHTS)
def test_bad_weights_name_the_file_and_the_place(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "w.json", text)
    assert error_of(load_weights(path)).replace(str(tmp_path) + "/", "").startswith(message)


def test_bad_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "w.toml", "SPY = 0.6\nQQQ = \n")
    message = error_of(load_weights(path))
    assert message.startswith(f"{path}: not valid TOML:")
    assert "line 2" in message
    assert "\n" not in message


def test_nan_in_toml_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "w.toml", "SPY = nan\n")
    assert error_of(load_weights(path)) == f"{path}: SPY: not a finite number: NaN"


BAD_TOML = [
    ("SPY = 1e99999999999999999999\n", "SPY: number out of range: '1e99999999999999999999'"),
    ("SPY = " + "9" * 5000 + "\n", "not valid TOML: a number with more than 4,300 digits"),
    ("SPY = " + "[" * 5000 + "]" * 5000 + "\n", "not valid TOML: nested too deeply"),
    ("SPY = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n", "not valid TOML: nested too deeply"),
]


@pytest.mark.parametrize(("text", "message"), BAD_TOML)
def test_toml_numbers_and_nesting_beyond_reach_are_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    """Each of these raised (InvalidOperation, ValueError, RecursionError) before."""
    path = write(tmp_path, "w.toml", text)
    assert error_of(load_weights(path)) == f"{path}: {message}"


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("s.json", '{"cash": "1", "prices": {"SPY": NaN}}', "prices.SPY: NaN"),
        (
            "s.json",
            '{"cash": "1", "prices": {"SPY": 1}, "assets": {"SPY": {"min_order_notional": 1e-9999999999999999999}}}',  # noqa: E501 - one document
            "assets.SPY.min_order_notional: number out of range",
        ),
        ("s.json", '{"cash": 1, "prices": {"SPY": 1}, "x": [1, [2, -Infinity]]}', "x.1.1: -Inf"),
        ("s.toml", 'cash = "1"\n[prices]\nSPY = 1e99999999999999999999\n', "prices.SPY: number"),
    ],
)
def test_a_number_beyond_reach_is_named_by_its_key_path(
    tmp_path: Path, name: str, text: str, where: str
) -> None:
    """Before, `NaN` or `1e-9999999999999999999` in a snapshot named the file but not the key."""
    path = write(tmp_path, name, text)
    assert error_of(load_snapshot(path)).startswith(f"{path}: {where}")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"cash": "1", "positions": {"SPY": 1, "SPY": 2}, "prices": {"SPY": 1}}', "positions.SPY"),
        (
            '{"cash": 1, "prices": {"SPY": 1}, "assets": {"SPY": {"tradable": 1, "tradable": 0}}}',
            "assets.SPY.tradable",
        ),
        ('{"cash": "1", "prices": {"SPY": 1}, "cash": "2"}', "cash"),
    ],
)
def test_a_key_given_twice_is_named_by_its_path(tmp_path: Path, text: str, where: str) -> None:
    """Before, `SPY: key given twice` did not say whether in positions or in prices."""
    path = write(tmp_path, "s.json", text)
    assert error_of(load_snapshot(path)) == f"{path}: {where}: key given twice"


def test_a_refused_number_nested_as_deep_as_the_parser_goes_is_still_one_line(
    tmp_path: Path,
) -> None:
    depth = 900  # below the parser's limit: the path to the number is found without recursion
    path = write(tmp_path, "w.json", '{"SPY": ' + "[" * depth + "NaN" + "]" * depth + "}")
    message = error_of(load_weights(path))
    assert message.startswith(f"{path}: SPY.0.0.0.")
    assert message.endswith("NaN is not a number this tool accepts")


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    """Windows editors start UTF-8 files with a BOM; the price CSV reader ignores it too."""
    path = write(tmp_path, "w.json", b'\xef\xbb\xbf{"SPY": "0.6"}')
    assert load_weights(path) == Success({"SPY": Decimal("0.6")})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"cash": 1, "prices": {}, "as_of": 20240101}',
            "as_of: not an ISO 8601 date-time: 20240101",
        ),
        ('{"cash": 1, "prices": {}, "as_of": [[1]]}', "as_of: not an ISO 8601 date-time: a list"),
    ],
)
def test_a_date_time_that_is_not_text_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "s.json", text)
    assert error_of(load_snapshot(path)) == f"{path}: {message}"


def test_a_deeply_nested_value_is_named_not_printed(tmp_path: Path) -> None:
    """A message quotes a bad value cut short, and names a list or an object by its kind."""
    path = write(tmp_path, "p.json", '{"fractional": ' + "[" * 900 + "]" * 900 + "}")
    assert error_of(load_policy(path)) == f"{path}: fractional: expected true or false, got a list"


def test_missing_unreadable_and_binary_files(tmp_path: Path) -> None:
    assert error_of(load_weights(tmp_path / "nope.json")) == f"{tmp_path}/nope.json: no such file"
    assert error_of(load_weights(tmp_path)) == f"{tmp_path}: Is a directory"
    binary = write(tmp_path, "w.json", b"\xff\xfe\x00")
    assert error_of(load_weights(binary)) == f"{binary}: not UTF-8 text"


BAD_SNAPSHOTS = [
    ('{"prices": {}}', "cash: missing"),
    ('{"cash": 1}', "prices: missing"),
    ('{"cash": 1, "prices": {}, "holdings": {}}', "holdings: unknown key"),
    ('{"cash": "1,000", "prices": {}}', "cash: not a number: '1,000'"),
    ('{"cash": 1, "prices": {"SPY": "abc"}}', "prices.SPY: not a number: 'abc'"),
    ('{"cash": 1, "prices": {}, "positions": {"SPY": "NaN"}}', "positions.SPY: not a finite"),
    ('{"cash": 1, "prices": {}, "positions": [1]}', "positions: expected an object"),
    ('{"cash": 1, "prices": {}, "assets": {"X": {"fractionable": "no"}}}', "assets.X.fractionable"),
    (
        '{"cash": 1, "prices": {}, "assets": {"X": {"halal": true}}}',
        "assets.X.halal: unknown field",
    ),
    ('{"cash": 1, "prices": {}, "assets": {"X": 1}}', "assets.X: expected an object"),
    ('{"cash": 1, "prices": {}, "as_of": "yesterday"}', "as_of: not an ISO 8601 date-time"),
]


@pytest.mark.parametrize(("text", "place"), BAD_SNAPSHOTS)
def test_bad_snapshots_name_the_key_path(tmp_path: Path, text: str, place: str) -> None:
    path = write(tmp_path, "s.json", text)
    assert error_of(load_snapshot(path)).startswith(f"{path}: {place}")


def test_every_asset_field_is_read_from_a_snapshot_file(tmp_path: Path) -> None:
    """`asset_class` was refused ("expected true or false"): crypto could not be described."""
    text = json.dumps(
        {
            "cash": "1000",
            "prices": {"BTC/USD": "60000", "BRK.A": "612000"},
            "assets": {
                "BTC/USD": {
                    "asset_class": "crypto",
                    "min_order_notional": "1",
                    "quantity_increment": 0.0001,
                    "shortable": False,
                },
                "BRK.A": {"fractionable": False, "quantity_increment": None},
            },
        }
    )
    snapshot = load_snapshot(write(tmp_path, "s.json", text)).unwrap()
    assert snapshot.assets == {
        "BTC/USD": Asset(
            symbol="BTC/USD",
            asset_class="crypto",
            min_order_notional=Decimal(1),
            quantity_increment=Decimal("0.0001"),
        ),
        "BRK.A": Asset(symbol="BRK.A", fractionable=False),
    }


def test_asset_fields_in_toml(tmp_path: Path) -> None:
    text = (
        'cash = "1000"\n[prices]\n"BTC/USD" = "60000"\n'
        '[assets."BTC/USD"]\nasset_class = "crypto"\nquantity_increment = "0.0001"\n'
    )
    snapshot = load_snapshot(write(tmp_path, "s.toml", text)).unwrap()
    assert snapshot.assets == {
        "BTC/USD": Asset(
            symbol="BTC/USD", asset_class="crypto", quantity_increment=Decimal("0.0001")
        )
    }


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ('{"asset_class": true}', "assets.X.asset_class: expected a string, got True"),
        ('{"min_order_notional": "one"}', "assets.X.min_order_notional: not a number: 'one'"),
        ('{"quantity_increment": "NaN"}', "assets.X.quantity_increment: not a finite number"),
        ('{"quantity_increment": false}', "assets.X.quantity_increment: expected a number"),
    ],
)
def test_bad_asset_fields_name_the_field(tmp_path: Path, facts: str, message: str) -> None:
    path = write(tmp_path, "s.json", f'{{"cash": 1, "prices": {{}}, "assets": {{"X": {facts}}}}}')
    assert error_of(load_snapshot(path)).startswith(f"{path}: {message}")


BAD_POLICIES = [
    ('{"min_trade": 5}', "min_trade: unknown policy field (known: min_trade_amount, "),
    ('{"fractional": "no"}', "fractional: expected true or false, got 'no'"),
    ('{"band": "wide"}', "band: not a number: 'wide'"),
    ('{"rounding": 5}', "rounding: expected a string, got 5"),
]


@pytest.mark.parametrize(("text", "place"), BAD_POLICIES)
def test_bad_policies_name_the_field(tmp_path: Path, text: str, place: str) -> None:
    path = write(tmp_path, "p.json", text)
    assert error_of(load_policy(path)).startswith(f"{path}: {place}")


@settings(max_examples=200)
@given(value=st.decimals(allow_nan=False, allow_infinity=False), quoted=st.booleans())
def test_any_finite_decimal_is_read_exactly(value: Decimal, *, quoted: bool) -> None:
    """Numbers reach the core with every digit the user wrote, never through a float."""
    written = json.dumps(str(value)) if quoted else str(value)
    weights = convert(
        parse_document(f'{{"SPY": {written}}}', "w.json").unwrap(), weights_from, "w.json"
    )
    assert weights == Success({"SPY": value})
    assert str(weights.unwrap()["SPY"]) == str(value)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=10,
)


BUILDERS: tuple[Callable[[object], object], ...] = (weights_from, snapshot_from, policy_from)


@settings(max_examples=200)
@given(JSON_VALUES)
def test_loaders_never_raise_on_any_json(document: object) -> None:
    """Whatever a file holds, a loader answers with a Result, never an exception."""
    parsed = parse_document(json.dumps(document), "f.json")
    for build in BUILDERS:
        outcome = parsed.bind(partial(convert, build=build, source="f.json"))
        assert isinstance(outcome, Success | Failure)
