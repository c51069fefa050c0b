"""The plan's JSON document: plain decimals, a schema version, the policy, skipped amounts.

Every plan the planner writes must validate against the JSON Schema shipped in the
package (`portfolio/plan.schema.json`) and read back equal.
"""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from typing import Any

import attrs
import jsonschema
import pytest
from core_strategies import accounts, policies
from hypothesis import given

from portfolio import (
    Allocation,
    ErrorKind,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    plan_rebalance,
)

D = Decimal
SCHEMA: dict[str, Any] = json.loads(
    resources.files("portfolio").joinpath("plan.schema.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _whole_share_plan() -> RebalancePlan:
    """V = 10,000 cash + 10 × 500 = 15,000. QQQ: 0.3 × V = 4,500 → 11 shares at 400 =
    4,400, 100.00 left untraded; SPY: 0.5 × V = 7,500, held 5,000 → 5 shares = 2,500."""
    return plan_rebalance(
        Allocation(target_weights={"SPY": D("0.5"), "QQQ": D("0.3")}, correlation_id="c"),
        Snapshot(cash=D(10000), positions={"SPY": D(10)}, prices={"SPY": D(500), "QQQ": D(400)}),
        SizingPolicy(fractional=False, min_trade_amount=D(500)),
    ).unwrap()


def test_the_schema_validates_itself() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_names_every_reason_and_policy_field() -> None:
    reasons = SCHEMA["$defs"]["item"]["properties"]["reason"]["enum"]
    fields = SCHEMA["$defs"]["policy"]["properties"]
    assert set(reasons) == {reason.value for reason in Reason}
    assert set(fields) == {field.name for field in attrs.fields(SizingPolicy)}


def test_a_plan_document_by_hand() -> None:
    document = json.loads(_whole_share_plan().to_json())
    assert document["schema_version"] == 4
    assert document["policy"]["fractional"] is False
    assert document["policy"]["min_trade_amount"] == "500"
    qqq, spy = document["items"]
    assert (qqq["symbol"], qqq["quantity"], qqq["trade_amount"]) == ("QQQ", "11", "4400.00")
    assert qqq["skipped_amount"] == "100.00"
    assert qqq["current_weight"] == "0.0000000000"  # plain, never "0E-10"
    assert (spy["trade_amount"], spy["skipped_amount"]) == ("2500.00", "0.00")
    assert document["cash_after"] == "3100.00"  # 10,000 − 4,400 − 2,500
    VALIDATOR.validate(document)


def test_a_hold_carries_the_trade_it_skipped() -> None:
    """Held 9,000 of SPY against a target of 9,400: inside a five-point band, so HOLD."""
    plan = plan_rebalance(
        Allocation(target_weights={"SPY": D("0.94")}, correlation_id="c"),
        Snapshot(cash=D(1000), positions={"SPY": D(18)}, prices={"SPY": D(500)}),
        SizingPolicy(band=D("0.05")),
    ).unwrap()
    (item,) = plan.items
    assert (item.reason, item.trade_amount, item.skipped_amount) == (
        Reason.WITHIN_BAND,
        D(0),
        D("400.00"),
    )
    assert json.loads(plan.to_json())["items"][0]["skipped_amount"] == "400.00"


@given(accounts(), policies)
def test_every_plan_validates_against_the_schema_and_reads_back(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy
) -> None:
    """The schema is a promise to other readers: whatever the planner writes, it describes."""
    allocation, snapshot = account
    plan = plan_rebalance(allocation, snapshot, policy).unwrap()
    text = plan.to_json()
    VALIDATOR.validate(json.loads(text))
    assert "E-" not in text
    assert "E+" not in text
    assert RebalancePlan.from_json(text).unwrap() == plan


def test_annotated_plans_validate_too() -> None:
    plan = _whole_share_plan().with_metadata(run={"weights": {"SPY": 0.5}, "tags": ["x"]})
    VALIDATOR.validate(json.loads(plan.to_json()))
    assert RebalancePlan.from_json(plan.to_json()).unwrap() == plan


def test_a_plan_written_by_0_1_0_still_reads() -> None:
    document = json.loads(_whole_share_plan().to_json())
    del document["schema_version"], document["policy"]
    for item in document["items"]:
        del item["skipped_amount"]
    plan = RebalancePlan.from_json(json.dumps(document)).unwrap()
    assert plan.policy is None
    assert plan.items == _whole_share_plan().items


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda doc: doc.update(schema_version=99), "schema_version"),
        (lambda doc: doc.update(schema_version="1"), "schema_version"),
        (lambda doc: doc["items"][0].update(skipped_amount="0.00"), "items[0].skipped_amount"),
        (lambda doc: doc["policy"].update(band="2"), "policy.band"),
        (lambda doc: doc["policy"].update(fractional="no"), "policy.fractional"),
        (lambda doc: doc["policy"].update(colour="red"), "policy.colour"),
        (lambda doc: doc.update(policy=[]), "policy"),
        # Keys no plan writes: before, read as if absent (the schema forbids them).
        (lambda doc: doc["items"][0].update(limit_price="480"), "items[0].limit_price"),
        (lambda doc: doc.update(cash_afer="0"), "cash_afer"),
    ],
)
def test_a_bad_document_names_its_field(change: Any, field: str) -> None:
    document = json.loads(_whole_share_plan().to_json())
    change(document)
    error = RebalancePlan.from_json(json.dumps(document)).failure()
    assert error.kind is ErrorKind.INVALID_PLAN
    assert error.context["field"] == field


def test_a_key_twice_in_one_object_is_refused_not_read_as_the_last() -> None:
    """Before, `{"quantity": "5", "quantity": "500"}` read as 500: an edit that left the
    old value above it went unseen by whoever reviewed the top of the object."""
    text = _whole_share_plan().to_json()
    doubled = text.replace('"reason":', '"quantity": "500",\n      "reason":', 1)
    error = RebalancePlan.from_json(doubled).failure()
    assert error.kind is ErrorKind.INVALID_PLAN
    assert error.context["field"] == "quantity"
    assert "twice" in error.message


def test_extra_keys_in_a_plan_of_an_earlier_version_read_as_before() -> None:
    """Only documents of this version are held to its keys: older files keep reading."""
    document = json.loads(_whole_share_plan().to_json())
    document["schema_version"] = 3
    document["items"][0]["note"] = "kept by an older tool"
    assert RebalancePlan.from_json(json.dumps(document)).unwrap().items == (
        _whole_share_plan().items
    )
