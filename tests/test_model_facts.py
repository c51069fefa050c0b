"""What a model fixes, made once when it is prepared, gives what each account would compute.

`steps.prepare.Prepared` carries facts of the allocation and the policy that the steps
would otherwise work out again for every account on the model: the weights' headroom
(`target_column`'s rounding check), the thresholds when the portfolio value does not
enter them (`Thresholds.fixed`), and the symbols' text of the plan id (`IdSeed.listed`).
Each shortcut must give exactly what the long way gives, digits included.
"""

from __future__ import annotations

import decimal
from decimal import Decimal, localcontext

from hypothesis import given
from hypothesis import strategies as st

from portfolio import Allocation, SizingPolicy, Snapshot
from portfolio.records.money import CORE_CONTEXT
from portfolio.steps.planner import plan_prepared
from portfolio.steps.prepare import prepare
from portfolio.steps.rules import Thresholds
from portfolio.steps.targets import target_column

D = Decimal
ROUNDINGS = st.sampled_from(
    [
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_UP,
        decimal.ROUND_CEILING,
        decimal.ROUND_DOWN,
        decimal.ROUND_05UP,
    ]
)
WEIGHTS = st.lists(st.decimals(min_value="0", max_value="0.2", places=4), min_size=1, max_size=12)
AMOUNTS = st.decimals(min_value="0", max_value="1E+9", places=4)


@given(WEIGHTS, AMOUNTS, ROUNDINGS)
def test_the_headroom_shortcut_rounds_the_targets_as_the_sum_does(
    weights: list[Decimal], investable: Decimal, rounding: str
) -> None:
    """The bound on the rounding may skip the sum, never change a target.

    With 1 − Σw covering a cent a target and one more, no rounding can take the targets
    above the investable value, so the targets are the rounded products as they are.
    """
    with localcontext(CORE_CONTEXT):
        headroom = 1 - sum(weights, D(0))
        long_way = target_column(weights, investable, rounding)
        short_way = target_column(weights, investable, rounding, headroom)
    assert [str(v) for v in short_way] == [str(v) for v in long_way]


def test_the_headroom_is_left_to_the_sum_where_it_cannot_tell() -> None:
    """0.3, 0.3 and 0.4 of 100.05 round to 0.01 above it: the sum takes the cent back."""
    weights = [D("0.3"), D("0.3"), D("0.4")]
    with localcontext(CORE_CONTEXT):
        values = target_column(weights, D("100.05"), decimal.ROUND_HALF_EVEN, D(0))
    assert values == [D("30.01"), D("30.02"), D("40.02")]


@given(
    st.decimals(min_value="0", max_value="1000", places=2),
    st.decimals(min_value="0", max_value="0.5", places=3),
    st.lists(st.decimals(min_value="0", max_value="1E+15", places=2), min_size=1, max_size=5),
)
def test_fixed_thresholds_are_those_of_every_portfolio_value(
    minimum: Decimal, relative_band: Decimal, values: list[Decimal]
) -> None:
    """Without a minimum trade in percent or an absolute band, V does not enter them."""
    policy = SizingPolicy(min_trade_amount=minimum, relative_band=relative_band)
    fixed = Thresholds.fixed(policy)
    assert fixed is not None
    assert fixed.minimum is policy.min_trade_amount
    with localcontext(CORE_CONTEXT):
        assert all(fixed == Thresholds.of(policy, value) for value in values)


def test_thresholds_that_depend_on_the_portfolio_value_are_not_fixed() -> None:
    assert Thresholds.fixed(SizingPolicy(min_trade_pct=D("0.01"))) is None
    assert Thresholds.fixed(SizingPolicy(band=D("0.05"))) is None


def test_a_plan_id_is_the_same_whether_the_symbols_text_was_written_once_or_again() -> None:
    """The model's symbols written once (`IdSeed.listed`) give the id a fresh join gives."""
    allocation = Allocation(
        target_weights={"SPY": D("0.5"), "QQQ": D("0.3")}, correlation_id="model"
    )
    snapshot = Snapshot(
        cash=D(1000), positions={"SPY": D(2)}, prices={"SPY": D(400), "QQQ": D(300)}
    )
    prepared = prepare(allocation, SizingPolicy()).unwrap()
    seed = prepared.seed.rebased("acct")
    assert seed.listed(prepared.targeted) == "QQQ\x00SPY\x00"
    assert seed.listed(("QQQ", "SPY")) == seed.listed(prepared.targeted)  # joined again
    assert seed.listed(()) == ""
    shared = plan_prepared(prepared, snapshot, "acct").unwrap()
    alone = plan_prepared(
        prepare(allocation.with_correlation_id("acct"), SizingPolicy()).unwrap(), snapshot
    )
    assert shared.plan_id == alone.unwrap().plan_id
