"""Tax-loss harvesting and identical groups: a hand-computed example per rule (docs/tax.md).

Every plan is dated 2024-06-03 with a 30-day wash-sale window (it opens 2024-05-04).
VOO is held at a loss: 10 shares bought at 100, now 90; VTI (50) and SCHB (25) are its
substitutes, IVV (90) its twin when the policy says VOO and IVV are identical.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D  # noqa: N817 - amounts read as D(100)
from pathlib import Path

import attrs
import jsonschema
import pytest
from cli_support import cli
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Result

from adapters.fake import FakeBroker
from portfolio import (
    Action,
    Allocation,
    Asset,
    ErrorKind,
    LotMethod,
    PastTrade,
    PortfolioError,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    TaxLot,
    TaxPolicy,
    plan_rebalance,
)
from portfolio.records.policy import Mode
from portfolio.tax.groups import group_of

AS_OF = datetime(2024, 6, 3, 20, 0, tzinfo=UTC)
OLD, RECENT = date(2023, 1, 5), date(2024, 5, 20)
PRICES = {"VOO": "90", "VTI": "50", "SCHB": "25", "IVV": "90"}
HARVEST = TaxPolicy(harvest_threshold=D("0.05"), substitutes={"VOO": ("VTI", "SCHB")})
SCHEMA = json.loads((Path(__file__).parent.parent / "portfolio" / "plan.schema.json").read_text())


def lot(lot_id: str, quantity: str, cost: str, acquired: date = OLD) -> TaxLot:
    return TaxLot(quantity=D(quantity), cost=D(cost), acquired=acquired, lot_id=lot_id)


VOO_LOT = lot("v1", "10", "100")


def loss_sale(symbol: str, on: date = date(2024, 5, 24)) -> PastTrade:
    return PastTrade(
        symbol=symbol, action=Action.SELL, quantity=D(1), price=D(50), on=on, realized_gain=D(-5)
    )


def plan(
    tax: TaxPolicy | None,
    *,
    weights: Mapping[str, str] | None = None,
    positions: Mapping[str, str] | None = None,
    lots: Mapping[str, tuple[TaxLot, ...]] | None = None,
    prices: Mapping[str, str] = PRICES,
    cash: str = "100",
    trades: tuple[PastTrade, ...] = (),
    assets: Mapping[str, Asset] | None = None,
    fractional: bool = True,
    short: bool = False,
) -> Result[RebalancePlan, PortfolioError]:
    snapshot = Snapshot(
        cash=D(cash),
        positions={s: D(q) for s, q in (positions or {"VOO": "10"}).items()},
        prices={s: D(p) for s, p in prices.items()},
        as_of=AS_OF,
        lots={"VOO": (VOO_LOT,)} if lots is None else lots,
        recent_trades=trades,
        assets=assets or {},
    )
    target = {s: D(w) for s, w in (weights or {"VOO": "0.9"}).items()}
    policy = SizingPolicy(tax=tax, fractional=fractional)
    if short:  # negative weights, up to 2 of gross exposure
        policy = attrs.evolve(policy, allow_short=True, max_gross_exposure=D(2))
    return plan_rebalance(Allocation(target_weights=target, correlation_id="tlh"), snapshot, policy)


def trades(made: RebalancePlan) -> list[tuple[str, str, str, str]]:
    """(symbol, action, amount, reason) of every item, in plan order."""
    return [
        (i.symbol, i.action.value, str(i.trade_amount), i.reason.value)
        for i in made.items
        if i.action is not Action.HOLD or i.reason in {Reason.WASH_SALE, Reason.HARVEST}
    ]


# Rule 1: harvest ----------------------------------------------------------------------


def test_a_lot_over_the_threshold_is_sold_and_its_value_bought_in_the_first_substitute() -> None:
    # V = 100 cash + 10 × 90 = 1,000; the lot's loss 1,000 − 900 = 100 ≥ 5 % of 1,000.
    # All of VOO's 0.9 (900 of 900 proceeds) moves to VTI: 900 / 50 = 18 shares.
    made = plan(HARVEST).unwrap()
    assert trades(made) == [
        ("VOO", "SELL", "-900.00", "HARVEST"),
        ("VTI", "BUY", "900.00", "HARVEST"),
    ]
    assert [str(i.quantity) for i in made.items] == ["-10.000000000", "18.000000000"]
    report = made.tax
    assert report is not None
    assert (report.harvested_loss, report.short_term_gain, report.long_term_gain) == (
        D("100.00"),
        D("0.00"),
        D("-100.00"),
    )
    assert [(s.lot_id, s.quantity, s.gain) for s in report.sales] == [("v1", D(10), D("-100.00"))]
    assert report.substituted == (("VOO", "VTI"),)
    assert made.cash_after == D("100.00")
    assert "Losses harvested: 100.00" in made.summary()


def test_without_a_threshold_or_a_substitute_nothing_is_harvested() -> None:
    plain = plan(TaxPolicy()).unwrap()
    assert trades(plain) == []  # VOO sits at its target
    for tax in (attrs.evolve(HARVEST, harvest_threshold=None), TaxPolicy(harvest_threshold=D(0))):
        made = plan(tax).unwrap()
        assert made.items == plain.items
        assert made.tax is not None
        assert (made.tax.harvested_loss, made.tax.substituted) == (D("0.00"), ())


@pytest.mark.parametrize(
    ("prices", "assets"),
    [
        ({"VOO": "90"}, None),  # no substitute has a price
        (PRICES, {s: Asset(symbol=s, tradable=False) for s in ("VTI", "SCHB")}),
        (PRICES, {"VOO": Asset(symbol="VOO", tradable=False)}),
        (PRICES, {s: Asset(symbol=s, min_order_notional=D(1000)) for s in ("VTI", "SCHB")}),
    ],
    ids=["no-price", "substitutes-not-tradable", "symbol-not-tradable", "substitutes-minimum"],
)
def test_no_harvest_when_no_substitute_can_be_bought(
    prices: Mapping[str, str], assets: Mapping[str, Asset] | None
) -> None:
    made = plan(HARVEST, prices=prices, assets=assets).unwrap()
    assert [i.reason for i in made.items if i.reason is Reason.HARVEST] == []
    assert made.tax is not None
    assert made.tax.harvested_loss == 0


def test_a_substitute_in_its_own_wash_sale_window_gives_way_to_the_next() -> None:
    # VTI was sold at a loss on 2024-05-24: buying it is a wash sale. SCHB: 900 / 25 = 36.
    made = plan(HARVEST, trades=(loss_sale("VTI"),)).unwrap()
    assert trades(made) == [
        ("VOO", "SELL", "-900.00", "HARVEST"),
        ("SCHB", "BUY", "900.00", "HARVEST"),
    ]
    assert made.tax is not None
    assert made.tax.substituted == (("VOO", "SCHB"),)
    # Both substitutes in their windows: no harvest at all.
    both = plan(HARVEST, trades=(loss_sale("VTI"), loss_sale("SCHB"))).unwrap()
    assert trades(both) == []


def test_a_substitute_whose_broker_minimum_the_proceeds_miss_gives_way_to_the_next() -> None:
    # VTI's broker takes no order below 1,000: the 900 of proceeds cannot buy it (the buy
    # was held, BELOW_BROKER_MINIMUM, and the 900 sat in cash while the report said VTI
    # was bought instead). SCHB takes them: 900 / 25 = 36.
    made = plan(HARVEST, assets={"VTI": Asset(symbol="VTI", min_order_notional=D(1000))}).unwrap()
    assert trades(made) == [
        ("VOO", "SELL", "-900.00", "HARVEST"),
        ("SCHB", "BUY", "900.00", "HARVEST"),
    ]
    assert made.tax is not None
    assert made.tax.substituted == (("VOO", "SCHB"),)
    assert made.cash_after == D("100.00")


def test_a_substitute_is_chosen_by_the_weight_it_takes_not_the_proceeds() -> None:
    # V = 800 + 10 × 90 = 1,700; VOO's 0.5 is 850. The harvest raises 900, but what moves
    # to the substitute is VOO's weight: 850. VTI's broker takes 880 at least: the 900
    # would do, the 850 it is bought for would not (held, BELOW_BROKER_MINIMUM, while the
    # report named VTI). SCHB takes the 850 (34 shares at 25).
    made = plan(
        HARVEST,
        weights={"VOO": "0.5", "IVV": "0.5"},
        cash="800",
        assets={"VTI": Asset(symbol="VTI", min_order_notional=D(880))},
    ).unwrap()
    assert trades(made) == [
        ("VOO", "SELL", "-900.00", "HARVEST"),
        ("IVV", "BUY", "850.00", "REBALANCE"),
        ("SCHB", "BUY", "850.00", "HARVEST"),
    ]
    assert made.tax is not None
    assert made.tax.substituted == (("VOO", "SCHB"),)


def test_a_substitute_taking_the_harvest_and_the_rest_of_the_gap_is_named_once() -> None:
    # V = 1,000 + 10 × 90 = 1,900; VOO's 0.9 is 1,710. The harvest's 900 moves to VTI, and
    # so does the rest of VOO's gap (810: VOO's buys are held after the harvest): one buy
    # of 1,710, one substitution (it was listed twice, "VOO → VTI, VOO → VTI").
    made = plan(HARVEST, cash="1000").unwrap()
    assert trades(made) == [
        ("VOO", "SELL", "-900.00", "HARVEST"),
        ("VTI", "BUY", "1710.00", "HARVEST"),
    ]
    assert made.tax is not None
    assert made.tax.substituted == (("VOO", "VTI"),)
    assert "Bought instead: VOO → VTI\n" in made.to_text() + "\n"


def test_a_whole_share_substitute_buys_whole_shares_and_leaves_the_rest_in_cash() -> None:
    # VTI at 70 in whole shares: 900 / 70 = 12.86, so 12 shares (840); the 60 left of
    # the proceeds stays in cash: 100 + 900 − 840 = 160.
    made = plan(HARVEST, prices={**PRICES, "VTI": "70"}, fractional=False).unwrap()
    assert [(i.symbol, i.quantity, i.trade_amount, i.reason) for i in made.items] == [
        ("VOO", D(-10), D("-900.00"), Reason.HARVEST),
        ("VTI", D(12), D("840.00"), Reason.HARVEST),
    ]
    assert made.cash_after == D("160.00")


def test_the_threshold_and_the_minimum_loss_are_inclusive() -> None:
    # 10 shares at 100 cost 1,000: at 95 the loss is 50.00 = 5 %; at 95.01 it is 49.90.
    at = {**PRICES, "VOO": "95"}
    over = {**PRICES, "VOO": "95.01"}
    assert plan(HARVEST, prices=at).unwrap().items[0].reason is Reason.HARVEST
    assert plan(HARVEST, prices=over).unwrap().items[0].reason is not Reason.HARVEST
    least = attrs.evolve(HARVEST, harvest_threshold=D(0), harvest_min_loss=D(50))
    assert plan(least, prices=at).unwrap().items[0].reason is Reason.HARVEST
    more = attrs.evolve(least, harvest_min_loss=D("50.01"))
    assert plan(more, prices=at).unwrap().items[0].reason is not Reason.HARVEST


def test_a_recent_lot_at_a_gain_still_held_after_the_sale_stops_the_harvest() -> None:
    # 2 shares bought on 2024-05-20 at 85 (a gain at 90) would stay: the loss would wash.
    lots = {"VOO": (VOO_LOT, lot("v2", "2", "85", RECENT))}
    made = plan(HARVEST, positions={"VOO": "12"}, lots=lots).unwrap()
    assert Reason.HARVEST not in {i.reason for i in made.items}


def test_a_recent_lot_at_a_loss_is_harvested_with_the_old_one() -> None:
    # 2 shares bought on 2024-05-20 at 92 (a loss of 4, under the threshold) go too:
    # 12 shares, proceeds 1,080, loss 100 + 4 = 104.
    lots = {"VOO": (VOO_LOT, lot("v2", "2", "92", RECENT))}
    made = plan(HARVEST, positions={"VOO": "12"}, lots=lots).unwrap()
    sold = made.items[0]
    assert (sold.symbol, sold.trade_amount, sold.reason) == ("VOO", D("-1080.00"), Reason.HARVEST)
    assert made.tax is not None
    assert made.tax.harvested_loss == D("104.00")
    assert sorted(s.lot_id for s in made.tax.sales) == ["v1", "v2"]


def test_a_partial_harvest_moves_only_the_proceeds_worth_of_weight() -> None:
    # VOO: the loss lot (10 at 100) and a long-held gain lot (10 at 60). V = 100 + 1,800
    # = 1,900, VOO's target 0.9 × 1,900 = 1,710 (it is 90 over). The harvest sells 900
    # and moves 900 / 1,900 of weight to VTI: 18 shares; VOO's own trade is unchanged
    # (its 90 over target is sold from the gain lot).
    lots = {"VOO": (VOO_LOT, lot("v0", "10", "60", date(2020, 1, 2)))}
    made = plan(HARVEST, positions={"VOO": "20"}, lots=lots).unwrap()
    assert trades(made) == [
        ("VOO", "SELL", "-990.00", "HARVEST"),
        ("VTI", "BUY", "900.00", "HARVEST"),
    ]
    assert made.tax is not None
    assert [(s.lot_id, str(s.quantity), str(s.gain)) for s in made.tax.sales] == [
        ("v1", "10", "-100.00"),
        ("v0", "1.000000000", "30.00"),
    ]
    assert made.tax.harvested_loss == D("100.00")


# A harvest that moves the symbol's whole weight: the rest is no liquidation -------------
# VOO: the loss lot v1 (10 at 100, long-held, now 90) and lot v2 (1 share bought at 80 on
# 2024-03-03, three months ago: a short-term gain of 10 at 90). V = 10 + 11 × 90 = 1,000;
# VOO's 0.1 is 100. The harvest sells v1 (900) and moves min(0.1, 900 / 1,000) = 0.1,
# all of VOO's weight, to VTI: 2 shares. VOO then targets 0, but the user's weights do
# not liquidate it: the 90 of v2 is a rebalancing sale, under rules 2 and 3.
GAIN_LOT = lot("v2", "1", "80", date(2024, 3, 3))


def whole_weight_harvest(tax: TaxPolicy) -> RebalancePlan:
    """VOO 0.1 of V = 1,000: lots v1 (harvested) and v2 (a short-term gain), 10 in cash."""
    return plan(
        tax,
        weights={"VOO": "0.1"},
        positions={"VOO": "11"},
        lots={"VOO": (VOO_LOT, GAIN_LOT)},
        cash="10",
    ).unwrap()


@pytest.mark.parametrize(
    "tax",
    [
        attrs.evolve(HARVEST, defer_short_term_gains=True),
        attrs.evolve(HARVEST, max_realized_gain=D(0)),
    ],
    ids=["deferred", "over-budget"],
)
def test_the_rest_of_a_symbol_whose_whole_weight_moves_is_no_liquidation(tax: TaxPolicy) -> None:
    # Sold as a liquidation (never cut), v2's short-term gain of 10 was realized: one
    # sale of 990 though the policy defers short-term gains, or keeps the net gain of
    # the other sales within 0 (the harvested loss does not widen that room). The
    # rules hold the 90: only v1 is sold; 10 + 900 − 100 = 810 is left in cash.
    made = whole_weight_harvest(tax)
    assert trades(made) == [
        ("VOO", "SELL", "-900.00", "HARVEST"),
        ("VTI", "BUY", "100.00", "HARVEST"),
    ]
    assert made.items[0].quantity == D(-10)
    assert made.cash_after == D("810.00")
    report = made.tax
    assert report is not None
    assert [(s.lot_id, s.quantity, s.gain) for s in report.sales] == [("v1", D(10), D("-100.00"))]
    assert (report.short_term_gain, report.harvested_loss) == (D("0.00"), D("100.00"))
    assert report.substituted == (("VOO", "VTI"),)


def test_the_rest_of_a_symbol_whose_whole_weight_moves_is_sold_when_the_rules_allow() -> None:
    # No deferral, no budget: v2 is sold with the harvest (one order of all 11 shares, no
    # dust left), its gain of 10 a rebalance's: 10 + 990 − 100 = 900 in cash.
    made = whole_weight_harvest(HARVEST)
    assert trades(made) == [
        ("VOO", "SELL", "-990.00", "HARVEST"),
        ("VTI", "BUY", "100.00", "HARVEST"),
    ]
    assert made.items[0].quantity == D(-11)
    assert made.cash_after == D("900.00")
    report = made.tax
    assert report is not None
    assert [(s.lot_id, s.gain, s.term.value) for s in report.sales] == [
        ("v1", D("-100.00"), "LONG"),
        ("v2", D("10.00"), "SHORT"),
    ]
    assert report.harvested_loss == D("100.00")


# Rule 2: identical groups ----------------------------------------------------------------

TWINS = TaxPolicy(identical=(("VOO", "IVV"),))


def test_a_recent_loss_sale_of_a_twin_holds_the_buy() -> None:
    # VOO is 450 under its 900 target; IVV, its twin, was sold at a loss on 2024-05-24.
    account = {"positions": {"VOO": "5"}, "lots": {}, "cash": "550"}
    alone = plan(TaxPolicy(), **account, trades=(loss_sale("IVV"),)).unwrap()  # type: ignore[arg-type]
    assert trades(alone) == [("VOO", "BUY", "450.00", "REBALANCE")]
    made = plan(TWINS, **account, trades=(loss_sale("IVV"),)).unwrap()  # type: ignore[arg-type]
    assert trades(made) == [("VOO", "HOLD", "0", "WASH_SALE")]


def test_a_recent_buy_of_a_twin_makes_a_loss_sale_a_wash_sale() -> None:
    # VOO 400 over target at a loss; IVV bought on 2024-05-20 and still held.
    account = {
        "weights": {"VOO": "0.5", "IVV": "0.09"},
        "positions": {"VOO": "10", "IVV": "1"},
        "lots": {"VOO": (VOO_LOT,), "IVV": (lot("i1", "1", "80", RECENT),)},
        "cash": "10",
    }
    alone = plan(TaxPolicy(), **account).unwrap()  # type: ignore[arg-type]
    assert trades(alone)[0][::3] == ("VOO", "REBALANCE")
    made = plan(TWINS, **account).unwrap()  # type: ignore[arg-type]
    assert trades(made) == [("VOO", "HOLD", "0", "WASH_SALE")]


def test_a_held_buy_goes_to_the_first_substitute() -> None:
    # VOO sold at a loss on 2024-05-24; its 450 gap to target buys VTI instead (9 shares).
    tax = TaxPolicy(substitutes={"VOO": ("VTI",)})
    made = plan(tax, positions={"VOO": "5"}, lots={}, cash="550", trades=(loss_sale("VOO"),))
    assert trades(made.unwrap()) == [
        ("VTI", "BUY", "450.00", "REBALANCE"),
        ("VOO", "HOLD", "0", "WASH_SALE"),
    ]
    report = made.unwrap().tax
    assert report is not None
    assert report.substituted == (("VOO", "VTI"),)


# Rule 3: nothing silent; no loss sale and buy of a twin in one plan ---------------------


def test_a_plan_never_sells_at_a_loss_and_buys_a_twin() -> None:
    # VOO 400 over target sold at a loss; IVV 360 under target: the buy is held.
    account = {"weights": {"VOO": "0.5", "IVV": "0.36"}, "cash": "100"}
    alone = plan(TaxPolicy(), **account).unwrap()  # type: ignore[arg-type]
    assert trades(alone) == [
        ("VOO", "SELL", "-400.00", "REBALANCE"),
        ("IVV", "BUY", "360.00", "REBALANCE"),
    ]
    made = plan(TWINS, **account).unwrap()  # type: ignore[arg-type]
    assert trades(made) == [
        ("VOO", "SELL", "-400.00", "REBALANCE"),
        ("IVV", "HOLD", "0", "WASH_SALE"),
    ]


def test_a_harvest_holds_the_buys_of_its_group() -> None:
    # IVV (VOO's twin) is 90 under its target: after VOO's harvest it may not be bought.
    tax = attrs.evolve(HARVEST, identical=(("VOO", "IVV"),))
    made = plan(tax, weights={"VOO": "0.8", "IVV": "0.09"}, cash="100").unwrap()
    assert ("IVV", "HOLD", "0", "WASH_SALE") in trades(made)
    assert made.items[0][::9] == ("VOO", Reason.HARVEST)


# The plan's JSON -------------------------------------------------------------------------


def test_a_harvesting_plan_round_trips_through_json_and_matches_the_schema() -> None:
    made = plan(HARVEST, trades=(loss_sale("VTI"),)).unwrap()
    document = json.loads(made.to_json())
    jsonschema.validate(document, SCHEMA)
    assert document["schema_version"] == 4
    assert document["tax"]["harvested_loss"] == "100.00"
    assert document["tax"]["substituted"] == [["VOO", "SCHB"]]
    assert document["policy"]["tax"]["substitutes"] == {"VOO": ["VTI", "SCHB"]}
    back = RebalancePlan.from_json(made.to_json()).unwrap()
    assert back.tax == made.tax
    assert back.policy is not None
    assert back.policy == made.policy


def test_a_version_3_plan_still_reads() -> None:
    document = json.loads(plan(TaxPolicy()).unwrap().to_json())
    document["schema_version"] = 3
    for name in ("harvested_loss", "substituted"):
        del document["tax"][name]
    for name in ("identical", "substitutes", "harvest_threshold", "harvest_min_loss"):
        del document["policy"]["tax"][name]
    back = RebalancePlan.from_json(json.dumps(document)).unwrap()
    assert back.tax is not None
    assert (back.tax.harvested_loss, back.tax.substituted) == (D("0.00"), ())
    assert back.policy is not None
    assert back.policy.tax == TaxPolicy()


# Bad policy values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tax", "field"),
    [
        (TaxPolicy(harvest_threshold=D(-1)), "tax.harvest_threshold"),
        (TaxPolicy(harvest_threshold=D("NaN")), "tax.harvest_threshold"),
        (TaxPolicy(harvest_min_loss=D("-0.01")), "tax.harvest_min_loss"),
        (TaxPolicy(identical=(("VOO", "IVV"), ("IVV", "SPY"))), "tax.identical"),
        (TaxPolicy(identical=(("VOO",),)), "tax.identical"),
        (TaxPolicy(identical=(("VOO", "voo"),)), "tax.identical"),
        (TaxPolicy(identical=(("VOO", ""),)), "tax.identical"),
        (TaxPolicy(identical=(("VOO", "IVV"),), substitutes={"VOO": ("IVV",)}), "tax.substitutes"),
        (TaxPolicy(substitutes={"VOO": ("VOO",)}), "tax.substitutes"),
        (TaxPolicy(substitutes={"VOO": ()}), "tax.substitutes"),
        (TaxPolicy(substitutes={"VOO": ("VTI", "vti")}), "tax.substitutes"),
        (TaxPolicy(substitutes={"VOO": ("VTI",), "voo": ("SCHB",)}), "tax.substitutes"),
    ],
)
def test_a_bad_harvest_field_is_invalid_policy_naming_it(tax: TaxPolicy, field: str) -> None:
    error = plan(tax).failure()
    assert (error.kind, error.context["field"]) == (ErrorKind.INVALID_POLICY, field)


# The command line --------------------------------------------------------------------

CLI_POLICY = """
[tax]
harvest_threshold = "0.05"
harvest_min_loss = "100"
identical = [["SPY", "IVV"]]
substitutes = { SPY = ["VTI"] }
"""


@pytest.fixture
def cli_files(tmp_path: Path) -> dict[str, Path]:
    account = {
        "cash": "0",
        "positions": {"SPY": "20"},
        "prices": {"SPY": "150", "VTI": "100"},
        "as_of": "2024-06-03T20:00:00+00:00",
    }
    lots = (
        "symbol,quantity,cost,acquired,lot_id\nSPY,10,100,2023-01-05,a\nSPY,10,170,2024-01-10,b\n"
    )
    written = {
        "weights": ('{"SPY": "1"}', "weights.json"),
        "account": (json.dumps(account), "account.json"),
        "lots": (lots, "lots.csv"),
        "policy": (CLI_POLICY, "policy.toml"),
    }
    paths = {}
    for key, (text, name) in written.items():
        paths[key] = tmp_path / name
        paths[key].write_text(text, encoding="utf-8")
    return paths


def cli_args(files: dict[str, Path], *more: str) -> tuple[str | Path, ...]:
    return (
        "plan", "--weights", files["weights"], "--snapshot", files["account"],
        "--policy", files["policy"], "--lots", files["lots"], *more,
    )  # fmt: skip


def test_the_policy_file_harvests_and_the_table_says_so(cli_files: dict[str, Path]) -> None:
    """Lot b (10 at 170, now 150) loses 200 ≥ 5 % of 1,700 and ≥ 100: sold for 1,500,
    which buys 15 VTI at 100."""
    run = cli(*cli_args(cli_files))
    assert run.code == 0, run.err
    assert "HARVEST" in run.out
    assert "Losses harvested: 200.00" in run.out
    assert "Bought instead: SPY → VTI" in run.out
    document = json.loads(cli(*cli_args(cli_files, "--json")).out)
    assert document["policy"]["tax"]["identical"] == [["SPY", "IVV"]]
    assert [(i["symbol"], i["quantity"]) for i in document["items"][:2]] == [
        ("SPY", "-10.000000000"),
        ("VTI", "15.000000000"),
    ]


@pytest.mark.parametrize(
    ("table", "where"),
    [
        (
            '[tax]\nharvest_threshold = "-0.05"\nsubstitutes = { SPY = ["VTI"] }\n',
            "tax.harvest_threshold",
        ),
        ('[tax]\nharvest_threshold = "lots"\n', "tax.harvest_threshold"),
        ('[tax]\nharvest_min_loss = "-1"\n', "tax.harvest_min_loss"),
        ('[tax]\nidentical = "SPY"\n', "tax.identical"),
        ('[tax]\nidentical = [["SPY", 1]]\n', "tax.identical[0]"),
        ('[tax]\nidentical = [["SPY", "IVV"], ["IVV", "VOO"]]\n', "tax.identical"),
        ('[tax]\nsubstitutes = { SPY = "VTI" }\n', "tax.substitutes.SPY"),
        ('[tax]\nsubstitutes = ["VTI"]\n', "tax.substitutes"),
        (
            '[tax]\nidentical = [["SPY", "IVV"]]\nsubstitutes = { SPY = ["IVV"] }\n',
            "tax.substitutes",
        ),
    ],
)
def test_a_bad_harvest_key_exits_2_naming_it(
    cli_files: dict[str, Path], table: str, where: str
) -> None:
    cli_files["policy"].write_text(table, encoding="utf-8")
    run = cli(*cli_args(cli_files))
    assert run.code == 2, run.out
    assert run.err.startswith(f"error: {cli_files['policy']}: {where}: ")


def test_a_threshold_without_substitutes_in_a_file_exits_2(cli_files: dict[str, Path]) -> None:
    """Before, the plan silently harvested nothing: a harvest buys a substitute, and the
    file named none (the library accepts such a policy: no substitute can be bought)."""
    cli_files["policy"].write_text('[tax]\nharvest_threshold = "0.05"\n', encoding="utf-8")
    run = cli(*cli_args(cli_files))
    assert run.code == 2
    assert run.err == (
        f"error: {cli_files['policy']}: tax.harvest_threshold: needs substitutes (the symbols "
        "a harvest buys): without them nothing is harvested\n"
    )


# Properties ------------------------------------------------------------------------------

SYMBOLS = ("AAA", "BBB", "CCC", "DDD")
GROUPED = TaxPolicy(
    identical=(("AAA", "BBB"),),
    substitutes={"AAA": ("CCC", "DDD"), "BBB": ("CCC",), "CCC": ("DDD",)},
)
money = st.decimals(min_value=D(20), max_value=D(200), places=2)
days_ago = st.integers(min_value=0, max_value=60)


@st.composite
def held_lots(
    draw: st.DrawFn, costs: st.SearchStrategy[D] = money
) -> tuple[dict[str, tuple[TaxLot, ...]], tuple[PastTrade, ...]]:
    """Up to 3 lots of each of SYMBOLS (cost per share from `costs`), and up to 2 sales
    in the wash-sale window, at a gain or a loss."""
    lots: dict[str, tuple[TaxLot, ...]] = {}
    for n, symbol in enumerate(SYMBOLS):
        count = draw(st.integers(min_value=0, max_value=3))
        lots[symbol] = tuple(
            TaxLot(
                quantity=D(draw(st.integers(min_value=1, max_value=20))),
                cost=draw(costs),
                acquired=AS_OF.date() - timedelta(days=draw(st.integers(0, 800))),
                lot_id=f"{symbol}{n}{k}",
            )
            for k in range(count)
        )
    trades = tuple(
        PastTrade(
            symbol=draw(st.sampled_from(SYMBOLS)),
            action=Action.SELL,
            quantity=D(1),
            price=D(50),
            on=AS_OF.date() - timedelta(days=draw(days_ago)),
            realized_gain=draw(st.decimals(min_value=D(-50), max_value=D(50), places=2)),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=2)))
    )
    return {s: v for s, v in lots.items() if v}, trades


@st.composite
def accounts(draw: st.DrawFn) -> tuple[Snapshot, Allocation, SizingPolicy]:
    lots, trades = draw(held_lots())
    snapshot = Snapshot(
        cash=draw(st.decimals(min_value=D(0), max_value=D(5000), places=2)),
        positions={s: sum((lot.quantity for lot in v), D(0)) for s, v in lots.items()},
        prices={s: draw(money) for s in SYMBOLS},
        as_of=AS_OF,
        lots=lots,
        recent_trades=trades,
    )
    weights = draw(
        st.dictionaries(
            st.sampled_from(SYMBOLS), st.decimals(min_value=D(0), max_value=D("0.25"), places=2)
        )
    )
    threshold = draw(st.sampled_from([None, D(0), D("0.05"), D("0.2")]))
    tax = attrs.evolve(GROUPED, harvest_threshold=threshold)
    policy = SizingPolicy(tax=tax, fractional=draw(st.booleans()))
    return snapshot, Allocation(target_weights=weights, correlation_id="p"), policy


@settings(max_examples=300, deadline=None)
@given(accounts())
def test_no_plan_sells_at_a_loss_and_buys_its_group_within_the_window(
    account: tuple[Snapshot, Allocation, SizingPolicy],
) -> None:
    snapshot, allocation, policy = account
    made = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert made.tax is not None
    tax = policy.tax
    assert tax is not None
    start = AS_OF.date() - timedelta(days=tax.wash_sale_days)
    losers = {s.symbol for s in made.tax.sales if s.gain < 0}
    earlier = {
        t.symbol
        for t in snapshot.recent_trades
        if t.realized_gain < 0 and t.on >= start  # type: ignore[operator]
    }
    blocked = {m for s in losers | earlier for m in group_of(s, tax)}
    bought = {i.symbol for i in made.items if i.action is Action.BUY}
    assert not bought & blocked
    sold: dict[str, D] = {}
    for sale in made.tax.sales:
        sold[sale.lot_id] = sold.get(sale.lot_id, D(0)) + sale.quantity
    for symbol in losers:
        for member in group_of(symbol, tax):
            for held in snapshot.lots.get(member, ()):
                if held.acquired >= start:
                    assert sold.get(held.lot_id, D(0)) == held.quantity, (symbol, held)
    harvested = sum((-s.gain for s in made.tax.sales if s.gain < 0), D(0))
    assert D(0) <= made.tax.harvested_loss <= harvested


@settings(max_examples=100, deadline=None)
@given(accounts())
def test_substitutes_never_needed_change_nothing(
    account: tuple[Snapshot, Allocation, SizingPolicy],
) -> None:
    snapshot, allocation, _ = account
    quiet = attrs.evolve(snapshot, recent_trades=())
    plain = plan_rebalance(allocation, quiet, SizingPolicy(tax=TaxPolicy())).unwrap()
    named = SizingPolicy(tax=TaxPolicy(substitutes={"AAA": ("CCC",)}))
    made = plan_rebalance(allocation, quiet, named).unwrap()
    assert made.items == plain.items
    assert made.tax is not None
    assert plain.tax is not None
    assert made.tax.sales == plain.tax.sales


def test_the_fake_broker_relieves_the_lots_the_plan_harvests() -> None:
    """VOO: lot g (10 at 60, 2020) and lot v1 (10 at 100, 2023), price 90. FIFO alone
    would relieve lot g first; the harvest names lot v1 (loss 100), and the fake sells it,
    leaving lot g and buying 18 VTI."""
    gain_lot = lot("g", "10", "60", date(2020, 1, 2))
    broker = FakeBroker(
        cash=D(0),
        positions={"VOO": D(20)},
        prices={"VOO": D(90), "VTI": D(50)},
        lots={"VOO": [gain_lot, VOO_LOT]},
        lot_method=LotMethod.FIFO,
        as_of=AS_OF,
    )
    allocation = Allocation(target_weights={"VOO": D(1)}, correlation_id="fake")
    snapshot = broker.get_snapshot(("VOO", "VTI")).unwrap()
    made = plan_rebalance(allocation, snapshot, SizingPolicy(tax=HARVEST)).unwrap()
    assert made.tax is not None
    assert [(s.lot_id, s.gain) for s in made.tax.sales] == [("v1", D("-100.00"))]
    broker.fill(made).unwrap()
    account = broker.account
    assert account.lots["VOO"] == (gain_lot,)
    assert account.positions["VTI"] == D(18)
    sale = next(t for t in account.recent_trades if t.action is Action.SELL)
    assert sale.realized_gain == D("-100.00")


def test_in_whole_shares_too_a_plan_never_sells_at_a_loss_and_buys_a_twin() -> None:
    # Whole shares: VOO's 400 over target sells 4 shares (360); IVV's 360 would buy 4.
    account = {"weights": {"VOO": "0.5", "IVV": "0.36"}, "cash": "100", "fractional": False}
    alone = plan(TaxPolicy(), **account).unwrap()  # type: ignore[arg-type]
    assert trades(alone) == [
        ("VOO", "SELL", "-360.00", "REBALANCE"),
        ("IVV", "BUY", "360.00", "REBALANCE"),
    ]
    made = plan(TWINS, **account).unwrap()  # type: ignore[arg-type]
    assert trades(made) == [
        ("VOO", "SELL", "-360.00", "REBALANCE"),
        ("IVV", "HOLD", "0", "WASH_SALE"),
    ]


def test_a_harvest_whose_proceeds_round_up_leaves_no_short() -> None:
    # 0.5 VOO at 90.03 is worth 45.015, 45.02 in cents: lot v1 (0.5 at 100, cost 50.00)
    # loses 4.98, over 5 % of its cost. V = 145.02, VOO's target 0.9 × 145.02 = 130.52:
    # the harvest sells the 0.5 shares for 45.02 and its weight (the proceeds) and the
    # rest of VOO's gap move to VTI, all of VOO's 0.9: 130.52 (2.6104 VTI at 50). VOO's
    # target is 0, not the half cent the proceeds' rounding took beyond what was held,
    # which made it −0.01 and sold 0.000111074 shares that were not there.
    snapshot = Snapshot(
        cash=D(100),
        positions={"VOO": D("0.5")},
        prices={"VOO": D("90.03"), "VTI": D(50)},
        as_of=AS_OF,
        lots={"VOO": (lot("v1", "0.5", "100"),)},
    )
    allocation = Allocation(target_weights={"VOO": D("0.9")}, correlation_id="tlh")
    policy = SizingPolicy(
        min_trade_amount=D(0), tax=attrs.evolve(HARVEST, substitutes={"VOO": ("VTI",)})
    )
    made = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert [(i.symbol, i.quantity, i.trade_amount, i.target_value) for i in made.items] == [
        ("VOO", D("-0.5"), D("-45.02"), D(0)),
        ("VTI", D("2.6104"), D("130.52"), D("130.52")),
    ]


def test_a_whole_share_sale_at_a_loss_holds_a_fractional_twins_buy() -> None:
    # VOO alone trades in whole shares: its 400 over target sells 4 shares (360, lot v1
    # at 100: a loss of 40); IVV, fractional, is 360 under target. The lots are sized
    # after the fractional buys were decided, and the loss still holds IVV's buy.
    account = {
        "weights": {"VOO": "0.5", "IVV": "0.36"},
        "cash": "100",
        "assets": {"VOO": Asset(symbol="VOO", fractionable=False)},
    }
    made = plan(TWINS, **account).unwrap()  # type: ignore[arg-type]
    assert trades(made) == [
        ("VOO", "SELL", "-360.00", "REBALANCE"),
        ("IVV", "HOLD", "0", "WASH_SALE"),
    ]
    assert made.cash_after == D("460.00")
    assert made.tax is not None
    assert [(s.lot_id, s.gain) for s in made.tax.sales] == [("v1", D("-40.00"))]


@pytest.mark.parametrize("mode", [Mode.BUY_ONLY, Mode.SELL_ONLY])
def test_a_deposit_or_a_withdrawal_harvests_nothing(mode: Mode) -> None:
    # A deposit sells nothing and a withdrawal buys nothing: no harvest either way.
    snapshot = Snapshot(
        cash=D(100),
        positions={"VOO": D(10)},
        prices={s: D(p) for s, p in PRICES.items()},
        as_of=AS_OF,
        lots={"VOO": (VOO_LOT,)},
    )
    allocation = Allocation(target_weights={"VOO": D("0.9")}, correlation_id="mode")
    made = plan_rebalance(allocation, snapshot, SizingPolicy(tax=HARVEST, mode=mode)).unwrap()
    assert [i.action for i in made.items] == [Action.HOLD]


def test_a_deposit_moves_a_held_buy_to_the_substitute() -> None:
    # As in the rebalance mode: VOO's 450 gap buys 9 VTI.
    snapshot = Snapshot(
        cash=D(550),
        positions={"VOO": D(5)},
        prices={s: D(p) for s, p in PRICES.items()},
        as_of=AS_OF,
        recent_trades=(loss_sale("VOO"),),
    )
    allocation = Allocation(target_weights={"VOO": D("0.9")}, correlation_id="mode")
    policy = SizingPolicy(tax=HARVEST, mode=Mode.BUY_ONLY)
    made = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert trades(made) == [
        ("VTI", "BUY", "450.00", "REBALANCE"),
        ("VOO", "HOLD", "0", "WASH_SALE"),
    ]


def test_equal_substitutes_written_in_another_order_name_the_same_plan() -> None:
    """The plan id writes the policy: a mapping's order must not change it."""
    one = TaxPolicy(substitutes={"VTI": ("ITOT",), "SPY": ("IVV", "VOO")})
    other = TaxPolicy(substitutes={"SPY": ("IVV", "VOO"), "VTI": ("ITOT",)})
    assert one == other
    assert repr(one) == repr(other)
    assert list(one.substitutes) == ["SPY", "VTI"]


def test_a_lot_the_harvest_and_the_rebalance_both_sell_is_one_lot_sale() -> None:
    """A hypothesis find (the fake broker's stateful test). AAA at 58.968: lot AAA (1 at
    62.08, loss 5.01 %) and the recent lots L3 (0.2) and L4 (1) at 100 are harvested,
    but only 0.8 of lot AAA fits the weight moved; the plan after it sells the other
    0.2. One order relieves lot AAA once: 1 × 58.968 = 58.97 less 62.08 = −3.11, not
    0.8 (47.17 − 49.66 = −2.49) and 0.2 (11.79 − 12.42 = −0.63) rounded apart, so the
    report's gains add up to what a broker realizes (−8.21 − 41.03 − 3.11 = −52.35).
    The harvested loss is the harvest's own shares': 8.21 + 41.03 + 2.49 = 51.73."""
    lots = {
        "AAA": (
            TaxLot(quantity=D(1), cost=D("62.08"), acquired=date(2023, 5, 1), lot_id="AAA"),
            TaxLot(quantity=D("0.2"), cost=D(100), acquired=date(2024, 1, 2), lot_id="L3"),
            TaxLot(quantity=D(1), cost=D(100), acquired=date(2024, 1, 2), lot_id="L4"),
        ),
        "CCC": (TaxLot(quantity=D(1), cost=D(50), acquired=date(2024, 1, 2), lot_id="L5"),),
    }
    snapshot = Snapshot(
        cash=D(1730),
        positions={"AAA": D("2.2"), "CCC": D(1)},
        prices={"AAA": D("58.968"), "BBB": D(64), "CCC": D(50), "DDD": D(25)},
        as_of=datetime(2024, 1, 2, 21, tzinfo=UTC),
        lots=lots,
    )
    policy = TaxPolicy(
        harvest_threshold=D("0.05"),
        identical=(("AAA", "BBB"),),
        substitutes={"AAA": ("CCC", "DDD"), "BBB": ("CCC",), "CCC": ("DDD",)},
    )
    allocation = Allocation(
        target_weights={"AAA": D("0.05"), "BBB": D("0.05")}, correlation_id="one-lot"
    )
    made = plan_rebalance(allocation, snapshot, SizingPolicy(fractional=False, tax=policy))
    report = made.unwrap().tax
    assert report is not None
    sold = [(s.lot_id, str(s.quantity), str(s.gain)) for s in report.sales]
    assert sold == [("L3", "0.2", "-8.21"), ("L4", "1", "-41.03"), ("AAA", "1.0", "-3.11")]
    assert sum(s.gain for s in report.sales) == D("-52.35")
    assert report.harvested_loss == D("51.73")


# A substitute that cannot take the weight takes no harvest --------------------------------
# See docs/tax.md: a substitute takes the weight when the plan buys it or holds it.


def named(made: RebalancePlan) -> tuple[D, tuple[tuple[str, str], ...]]:
    """What the report says was harvested and bought instead."""
    assert made.tax is not None
    return made.tax.harvested_loss, made.tax.substituted


def test_a_substitute_the_weights_short_takes_no_harvest() -> None:
    # V = 100 + 10 × 90 = 1,000. The weights short VTI (−0.2: sell 4 shares short, 200).
    # Moving VOO's 0.9 into VTI bought 14 VTI (700), closing the user's short, while the
    # report named VTI; at −0.95 VTI was sold short and the 900 sat in cash. VTI gives
    # way to SCHB: 900 / 25 = 36 shares; VTI's short stays the user's.
    made = plan(HARVEST, weights={"VOO": "0.9", "VTI": "-0.2"}, short=True).unwrap()
    assert trades(made) == [
        ("VOO", "SELL", "-900.00", "HARVEST"),
        ("VTI", "SELL", "-200.00", "REBALANCE"),
        ("SCHB", "BUY", "900.00", "HARVEST"),
    ]
    assert named(made) == (D("100.00"), (("VOO", "SCHB"),))
    # VTI the only substitute: no harvest; VOO sits at its target, nothing is named.
    alone = attrs.evolve(HARVEST, substitutes={"VOO": ("VTI",)})
    made = plan(alone, weights={"VOO": "0.9", "VTI": "-0.2"}, short=True).unwrap()
    assert trades(made) == [("VTI", "SELL", "-200.00", "REBALANCE")]
    assert made.items[1][::9] == ("VOO", Reason.AT_TARGET)
    assert named(made) == (D("0.00"), ())


def test_a_whole_share_substitute_dearer_than_the_moved_weight_takes_no_harvest() -> None:
    # V = 1,000; VOO's 0.1 is 100. The harvest sells the 10 shares (900) and moves
    # min(0.1, 900 / 1,000) = 0.1 of weight: 100 of VTI, whose one share costs 150 (the
    # proceeds would buy one, the weight does not). VTI was held, ROUNDED_TO_ZERO, while
    # the report named it. SCHB takes the 100: 4 shares at 25; 100 + 900 − 100 = 900 left.
    prices = {**PRICES, "VTI": "150"}
    made = plan(HARVEST, weights={"VOO": "0.1"}, prices=prices, fractional=False).unwrap()
    assert trades(made) == [
        ("VOO", "SELL", "-900.00", "HARVEST"),
        ("SCHB", "BUY", "100.00", "HARVEST"),
    ]
    assert named(made) == (D("100.00"), (("VOO", "SCHB"),))
    assert made.cash_after == D("900.00")
    # SCHB at 120 too: no substitute can take 100, so no harvest. VOO is 800 over its
    # target: the plan sells 9 whole shares (810) as it would without the tax rules,
    # a loss of 9 × 10 = 90 that it realizes as a rebalance, not a harvest.
    dear = {**prices, "SCHB": "120"}
    made = plan(HARVEST, weights={"VOO": "0.1"}, prices=dear, fractional=False).unwrap()
    assert trades(made) == [("VOO", "SELL", "-810.00", "REBALANCE")]
    assert named(made) == (D("0.00"), ())
    assert made.tax is not None
    assert [(s.lot_id, s.quantity, s.gain) for s in made.tax.sales] == [("v1", D(9), D("-90.00"))]


def test_a_substitute_held_above_the_weight_moved_keeps_it() -> None:
    # VTI is held (20 at 50, lot t1 at 40) and not targeted. V = 100 + 900 + 1,000 = 2,000;
    # VOO's 0.4 is 800. The harvest raises 900 and moves 0.4 to VTI, whose 1,000 is above
    # the 800 it then targets: the plan sells 4 VTI (a gain of 40) instead of all 20 (a
    # gain of 200). VTI takes the weight without a buy: it keeps 800 of what it holds.
    account = {
        "weights": {"VOO": "0.4"},
        "positions": {"VOO": "10", "VTI": "20"},
        "lots": {"VOO": (VOO_LOT,), "VTI": (lot("t1", "20", "40"),)},
    }
    made = plan(HARVEST, **account).unwrap()  # type: ignore[arg-type]
    assert trades(made) == [
        ("VOO", "SELL", "-900.00", "HARVEST"),
        ("VTI", "SELL", "-200.00", "REBALANCE"),
    ]
    assert named(made) == (D("100.00"), (("VOO", "VTI"),))
    assert made.items[1].current_value + made.items[1].trade_amount == D(800)


def test_a_held_substitute_whose_buy_this_plans_own_loss_holds_takes_no_weight() -> None:
    """VTI (held at a loss, untargeted) is liquidated, so the wash-sale rule holds buys of
    its twin IVV in this plan. IVV, held already (1 share), cannot take VOO's weight: VOO
    is not harvested (no 900 sold for a loss and left in cash under IVV's name).

    V = 100 + 10 × 90 + 1 × 50 + 1 × 90 = 1,140: VOO's 0.9 is 1,026, so 126 of VOO is
    bought (1.4 shares); VTI and IVV are sold (untargeted)."""
    tax = TaxPolicy(
        harvest_threshold=D("0.05"), substitutes={"VOO": ("IVV",)}, identical=(("IVV", "VTI"),)
    )
    lots = {
        "VOO": (VOO_LOT,),
        "VTI": (lot("t1", "1", "60"),),
        "IVV": (lot("i1", "1", "80"),),
    }
    made = plan(tax, positions={"VOO": "10", "VTI": "1", "IVV": "1"}, lots=lots).unwrap()
    assert trades(made) == [
        ("IVV", "SELL", "-90.00", "LIQUIDATE"),
        ("VTI", "SELL", "-50.00", "LIQUIDATE"),
        ("VOO", "BUY", "126.00", "REBALANCE"),
    ]
    assert made.tax is not None
    assert (made.tax.harvested_loss, made.tax.substituted) == (D(0), ())


def test_a_held_substitute_whose_buy_the_cash_rule_cuts_to_nothing_takes_no_harvest() -> None:
    """VTI is held (1 share at 50) and untargeted; XXX (90 at 100, bought 2024-03-01 at 50)
    is 8,005 over its target, but its gains are short-term and deferred, so the buys
    have only the harvest's proceeds. V = 900 + 50 + 9,000 = 9,950: VOO's 0.09 is 895.50.

    The harvest sold VOO's 900 at a loss and moved 0.09 to VTI (a buy of 845.50), but
    the cash rule shares the 900 between VTI and IVV (7,960 wanted): VTI's 86.41 is
    below the minimum trade of 100, a HOLD, and IVV bought 813.58. The report named VTI
    while the weight moved sat in cash and IVV: VOO's exposure was gone. Now VOO is not
    harvested: the plan is the plan without harvesting (VOO 4.50 over, below the
    minimum; VTI liquidated; IVV's 50 below the minimum)."""
    tax = TaxPolicy(
        harvest_threshold=D("0.05"), substitutes={"VOO": ("VTI",)}, defer_short_term_gains=True
    )
    snapshot = Snapshot(
        cash=D(0),
        positions={"VOO": D(10), "VTI": D(1), "XXX": D(90)},
        prices={**{s: D(p) for s, p in PRICES.items()}, "XXX": D(100)},
        as_of=AS_OF,
        lots={
            "VOO": (VOO_LOT,),
            "VTI": (lot("t1", "1", "50"),),
            "XXX": (lot("x1", "90", "50", date(2024, 3, 1)),),
        },
    )
    weights = {"VOO": D("0.09"), "IVV": D("0.8"), "XXX": D("0.1")}
    allocation = Allocation(target_weights=weights, correlation_id="tlh")

    def made(tax: TaxPolicy) -> RebalancePlan:
        policy = SizingPolicy(tax=tax, min_trade_amount=D(100))
        return plan_rebalance(allocation, snapshot, policy).unwrap()

    harvesting = made(tax)
    assert named(harvesting) == (D(0), ())
    assert [
        (i.symbol, i.action.value, str(i.trade_amount), i.reason.value) for i in harvesting.items
    ] == [
        ("VTI", "SELL", "-50.00", "LIQUIDATE"),
        ("IVV", "HOLD", "0", "CASH_LIMITED"),
        ("VOO", "HOLD", "0", "BELOW_MIN_TRADE"),
        ("XXX", "HOLD", "0", "SHORT_TERM_GAIN"),
    ]
    assert harvesting.items == made(attrs.evolve(tax, harvest_threshold=None)).items
    # A cut that still buys VTI keeps the harvest (the planner's cash rule shares the
    # proceeds, as for any buy): without the minimum trade each buy gets 900 / 8,805.50
    # of what it wants, VTI 845.50 × that = 86.41 and IVV 7,960 × that = 813.58.
    policy = SizingPolicy(tax=tax)
    cut = plan_rebalance(allocation, snapshot, policy).unwrap()
    assert named(cut) == (D("100.00"), (("VOO", "VTI"),))
    assert [(i.symbol, str(i.trade_amount), i.reason.value) for i in cut.items[:3]] == [
        ("VOO", "-900.00", "HARVEST"),
        ("IVV", "813.58", "CASH_LIMITED"),
        ("VTI", "86.41", "HARVEST"),
    ]


def test_a_held_substitute_the_plan_sells_below_its_target_takes_no_harvest() -> None:
    """Whole shares. VTI is held (2 at 400) and untargeted; XXX's sale is deferred as
    above. V = 900 + 800 + 9,000 = 10,700; VOO's 0.09 is 963.

    The harvest sold VOO's 900 and moved 900 / 10,700 of weight to VTI (a target of 900,
    above its 800), but the whole shares, sized together, sold 1 VTI (400) to buy 13
    IVV (1,170) with the proceeds: VTI ended at 400, the report named it, and VOO's
    exposure was gone. Now VOO is not harvested: the plan without harvesting."""
    tax = TaxPolicy(
        harvest_threshold=D("0.05"), substitutes={"VOO": ("VTI",)}, defer_short_term_gains=True
    )
    account = {
        "weights": {"VOO": "0.09", "IVV": "0.8", "XXX": "0.1"},
        "positions": {"VOO": "10", "VTI": "2", "XXX": "90"},
        "lots": {
            "VOO": (VOO_LOT,),
            "VTI": (lot("t1", "2", "400"),),
            "XXX": (lot("x1", "90", "50", date(2024, 3, 1)),),
        },
        "prices": {**PRICES, "VTI": "400", "XXX": "100"},
        "cash": "0",
        "fractional": False,
    }
    made = plan(tax, **account).unwrap()  # type: ignore[arg-type]
    assert named(made) == (D(0), ())
    assert trades(made) == [
        ("VTI", "SELL", "-800.00", "LIQUIDATE"),
        ("IVV", "BUY", "630.00", "CASH_LIMITED"),
    ]
    plain = plan(attrs.evolve(tax, harvest_threshold=None), **account).unwrap()  # type: ignore[arg-type]
    assert made.items == plain.items
