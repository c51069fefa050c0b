"""Typed constructors: a record read from a file's table by its fields' declared types."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from portfolio import Asset, ErrorKind, SizingPolicy
from portfolio.formats.json_values import BadValueError
from portfolio.records.policy import policy_problem
from portfolio.records.typed_fields import typed_fields

D = Decimal


def test_a_policy_table_is_read_field_by_field() -> None:
    table = {
        "min_trade_amount": "25",
        "band": D("0.05"),
        "relative_band": 0,
        "fractional": False,
        "rounding": "ROUND_HALF_UP",
        "mode": "buy_only",
    }
    assert SizingPolicy.from_mapping(table) == Success(
        SizingPolicy(
            min_trade_amount=D(25),
            band=D("0.05"),
            fractional=False,
            rounding="ROUND_HALF_UP",
            mode="buy_only",
        )
    )


@pytest.mark.parametrize(
    ("table", "field", "message"),
    [
        ({"minimum": 5}, "minimum", "unknown policy field (known: min_trade_amount, "),
        ({"fractional": "no"}, "fractional", "expected true or false, got 'no'"),
        ({"fractional": 1}, "fractional", "expected true or false, got 1"),
        ({"band": "wide"}, "band", "not a number: 'wide'"),
        ({"band": "0_05"}, "band", "not a number: '0_05'"),  # Decimal() reads 5
        ({"band": True}, "band", "expected a number, got true"),
        ({"band": 0.05}, "band", "expected a number, got float"),
        ({"band": "NaN"}, "band", "not a finite number: 'NaN'"),
        ({"band": [1]}, "band", "expected a number, got a list"),
        ({"rounding": 5}, "rounding", "expected a string, got 5"),
    ],
)
def test_a_bad_policy_value_is_invalid_policy_naming_the_field(
    table: dict[str, object], field: str, message: str
) -> None:
    error = SizingPolicy.from_mapping(table).failure()
    assert error.kind is ErrorKind.INVALID_POLICY
    assert error.context["field"] == field
    assert error.message.startswith(message)


def test_ranges_are_the_policys_own_rule_not_the_readers() -> None:
    """A value of the right kind out of range reads, and `policy_problem` names it."""
    policy = SizingPolicy.from_mapping({"band": "2", "mode": "buy_some"}).unwrap()
    assert (policy.band, policy.mode) == (D(2), "buy_some")
    problem = policy_problem(policy)
    assert problem is not None
    assert problem.context["field"] == "band"


POLICIES = st.builds(
    SizingPolicy,
    min_trade_amount=st.decimals(min_value=0, max_value=10**6, places=2),
    min_trade_pct=st.decimals(min_value=0, max_value="0.99", places=4),
    band=st.decimals(min_value=0, max_value=1, places=3),
    fractional=st.booleans(),
    allow_short=st.booleans(),
    rounding=st.sampled_from(["ROUND_HALF_EVEN", "ROUND_DOWN", "ROUND_HALF_UP"]),
    mode=st.sampled_from(["rebalance", "buy_only", "sell_only"]),
    band_trigger=st.sampled_from(["asset", "portfolio"]),
)


@given(POLICIES)
def test_a_policy_written_as_text_reads_back_equal(policy: SizingPolicy) -> None:
    """A policy file holds what the record holds: every valid policy survives the trip."""
    assert policy_problem(policy) is None
    table = {
        name: str(value) if isinstance(value, Decimal) else value
        for name, value in attrs.asdict(policy, recurse=False).items()
    }
    assert SizingPolicy.from_mapping(table) == Success(policy)


def test_asset_facts_are_read_by_type_and_the_symbol_is_the_key() -> None:
    facts = {"asset_class": "crypto", "quantity_increment": "0.0001", "fractionable": True}
    assert Asset.from_mapping("BTC/USD", facts) == Success(
        Asset(symbol="BTC/USD", asset_class="crypto", quantity_increment=D("0.0001"))
    )
    assert Asset.from_mapping("X", {"quantity_increment": None}) == Success(Asset(symbol="X"))
    error = Asset.from_mapping("X", {"symbol": "Y"}).failure()
    assert (error.kind, error.context["field"]) == (ErrorKind.INVALID_SNAPSHOT, "assets.X.symbol")
    assert error.message.startswith("unknown field (known: fractionable, tradable, ")


@attrs.frozen(kw_only=True)
class Note:
    """A record with a field that defaults to None but holds text: its type says so."""

    text: str | None = None
    size: Decimal = Decimal(0)


def test_the_declared_type_decides_not_the_default() -> None:
    """Guessing from the default read any None-default field as a number (refusing text)."""
    assert typed_fields(Note, {"text": "kept as written", "size": "3"}, noun="field") == {
        "text": "kept as written",
        "size": D(3),
    }
    with pytest.raises(BadValueError) as refused:
        typed_fields(Note, {"text": 5}, noun="field", where="notes.a")
    assert (refused.value.where, refused.value.problem) == (
        "notes.a.text",
        "expected str | None, got int",
    )
