"""FakeBroker under random price moves, plans and fills, checked against a one-number model.

The model is the account's equity: it changes by Σ quantity × Δprice when prices move,
and by −fees when a plan is filled, and by nothing else.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from adapters.fake import FakeBroker
from portfolio import (
    Allocation,
    CostModel,
    ErrorKind,
    Reason,
    SizingPolicy,
    plan_rebalance,
)
from portfolio.records.money import CORE_CONTEXT

D = Decimal
SYMBOLS = ("AAA", "BBB", "CCC", "DDD")

prices = st.decimals(min_value=D(1), max_value=D(2000), places=2)
weights = st.dictionaries(
    st.sampled_from(SYMBOLS), st.decimals(min_value=D(0), max_value=D("0.25"), places=2)
)
factors = st.decimals(min_value=D("0.80"), max_value=D("1.25"), places=2)
costs = st.builds(
    CostModel,
    bps=st.decimals(min_value=D(0), max_value=D(50), places=1),
    min_fee=st.decimals(min_value=D(0), max_value=D(5), places=2),
)


class FakeBrokerMachine(RuleBasedStateMachine):
    broker: FakeBroker
    equity: Decimal

    @initialize(
        cash=st.decimals(min_value=D(0), max_value=D(10**6), places=2),
        held=st.dictionaries(
            st.sampled_from(SYMBOLS), st.decimals(min_value=D(0), max_value=D(500), places=3)
        ),
        quotes=st.tuples(*[prices] * len(SYMBOLS)),
    )
    def open_account(
        self, cash: Decimal, held: dict[str, Decimal], quotes: tuple[Decimal, ...]
    ) -> None:
        self.broker = FakeBroker(
            cash=cash, positions=held, prices=dict(zip(SYMBOLS, quotes, strict=True))
        )
        self.equity = self.broker.account.equity

    @rule(symbol=st.sampled_from(SYMBOLS), factor=factors)
    def move_price(self, symbol: str, factor: Decimal) -> None:
        before = self.broker.account
        self.broker.move_prices({symbol: factor})
        after = self.broker.account
        if after.prices[symbol] < 1:  # keep prices sane: undo moves below 1
            self.broker.set_prices({symbol: before.prices[symbol]})
            return
        with decimal.localcontext(CORE_CONTEXT):
            change = after.prices[symbol] - before.prices[symbol]
            self.equity += before.positions.get(symbol, D(0)) * change

    @rule(wanted=weights, cost=costs, fractional=st.booleans(), minimum=st.sampled_from([0, 1]))
    def plan_and_fill(
        self, wanted: dict[str, Decimal], cost: CostModel, fractional: bool, minimum: int
    ) -> None:
        allocation = Allocation(target_weights=wanted, correlation_id="machine")
        policy = SizingPolicy(min_trade_amount=D(minimum), fractional=fractional)
        snapshot = self.broker.get_snapshot(allocation.symbols).unwrap()
        plan = plan_rebalance(allocation, snapshot, policy).unwrap()
        assert plan.cash_after >= 0, "cash never negative when planning without margin"
        equity_before = self.broker.account.equity
        fill = self.broker.fill(plan, cost).unwrap()
        with decimal.localcontext(CORE_CONTEXT):
            assert equity_before == self.broker.account.equity + fill.fees
            self.equity -= fill.fees
        liquidated = {item.symbol for item in plan.items if item.reason is Reason.LIQUIDATE}
        assert not liquidated & set(self.broker.account.positions)

    @rule(kind=st.sampled_from(list(ErrorKind)), times=st.integers(min_value=1, max_value=2))
    def broker_fails(self, kind: ErrorKind, times: int) -> None:
        before = self.broker.account
        self.broker.fail_next(kind, times=times)
        for _ in range(times):
            assert self.broker.get_snapshot(SYMBOLS).failure().kind is kind
        assert self.broker.account == before
        assert self.broker.calls[-1].ok is False

    @invariant()
    def equity_matches_the_model(self) -> None:
        with decimal.localcontext(CORE_CONTEXT):
            assert self.broker.account.equity == self.equity

    @invariant()
    def cash_is_never_negative(self) -> None:
        assert self.broker.account.cash >= 0

    @invariant()
    def every_position_is_open_and_priced(self) -> None:
        account = self.broker.account
        assert all(quantity != 0 for quantity in account.positions.values())
        assert set(account.positions) <= set(account.prices)


FakeBrokerMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=25, deadline=None
)
test_fake_broker = FakeBrokerMachine.TestCase
