"""Executing plans on FakeBroker under partial fills, rejections, time-outs, faults and re-runs.

The model is the set of client ids the shell has placed, and for a clean run (every order
fills, nothing else pending) the positions and cash the intents must produce.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from returns.pipeline import is_successful

from adapters.fake import FakeBroker, Method, OrderOutcome
from portfolio import (
    Action,
    Allocation,
    ErrorKind,
    ExecutionReport,
    PortfolioService,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    Step,
    WaitPolicy,
    order_intents,
)

D = Decimal
SYMBOLS = ("AAA", "BBB", "CCC")
POLICY = SizingPolicy(allow_short=True, max_gross_exposure=D(2), min_trade_amount=D(0))

weights = st.dictionaries(
    st.sampled_from(SYMBOLS), st.decimals(min_value="-0.3", max_value="0.3", places=2), min_size=1
)
outcomes: st.SearchStrategy[list[OrderOutcome]] = st.one_of(
    st.just([]), st.lists(st.sampled_from(list(OrderOutcome)), min_size=1, max_size=3)
)
faults = st.sampled_from([ErrorKind.TIMEOUT, ErrorKind.BROKER_UNAVAILABLE])


class ExecutionMachine(RuleBasedStateMachine):
    broker: FakeBroker
    service: PortfolioService
    now: float

    @initialize(
        cash=st.decimals(min_value=0, max_value=100_000, places=2),
        held=st.dictionaries(
            st.sampled_from(SYMBOLS), st.decimals(min_value=0, max_value=300, places=3)
        ),
        quotes=st.tuples(*[st.decimals(min_value=1, max_value=900, places=2)] * len(SYMBOLS)),
    )
    def open_account(
        self, cash: Decimal, held: dict[str, Decimal], quotes: tuple[Decimal, ...]
    ) -> None:
        self.broker = FakeBroker(
            cash=cash, positions=held, prices=dict(zip(SYMBOLS, quotes, strict=True))
        )
        self.now = 0.0
        self.service = PortfolioService(
            self.broker, POLICY, wait=WaitPolicy(timeout=10), clock=self.clock, sleep=self.sleep
        )
        self.placed: Counter[str] = Counter()
        self.plans: list[RebalancePlan] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def record(self, report: ExecutionReport) -> None:
        self.placed.update(
            o.intent.client_order_id for o in report.orders if o.step is Step.SUBMITTED
        )
        for order in report.orders:
            if order.step is Step.FAILED:  # the broker has no such order
                assert order.state is None, order
                assert order.error is not None, order
            if order.state is not None and order.state.status.is_final:
                assert order.error is None, order  # the read that saw it final succeeded

    @rule(wanted=weights, told=outcomes)
    def plan_and_execute(self, wanted: dict[str, Decimal], told: list[OrderOutcome]) -> None:
        allocation = Allocation(target_weights=wanted, correlation_id=f"m{len(self.plans)}")
        planned = self.service.create_rebalance_plan(allocation, allocation.correlation_id)
        if not is_successful(planned):
            return  # the plan's read took a fault, or the account cannot be planned on
        plan = planned.unwrap()
        self.plans.append(plan)
        clean = not told and not self.broker.account.open_orders and self.broker.pending == (0, 0)
        before, orders_before = self.broker.account, dict(self.broker.orders)
        faulted = self.broker.pending[0] > 0
        self.broker.next_orders(*told)
        result = self.service.execute(plan)
        if not is_successful(result):  # nothing placed: an open order, or a fault on a first read
            assert self.broker.orders == orders_before
            if result.failure().kind in {ErrorKind.PLAN_STALE, ErrorKind.INVALID_PLAN}:
                assert before.open_orders
            else:
                assert faulted
            return
        report = result.unwrap()
        self.record(report)
        if clean:
            self.reaches_the_targets(plan, report, before)

    def reaches_the_targets(
        self, plan: RebalancePlan, report: ExecutionReport, before: Snapshot
    ) -> None:
        """Every order fills: positions move by exactly the intents, cash by their value."""
        assert report.complete, report
        intents = order_intents(plan, before).unwrap()
        positions, cash = dict(before.positions), before.cash
        for intent in intents:
            signed = intent.quantity if intent.side is Action.BUY else -intent.quantity  # type: ignore[operator]
            positions[intent.symbol] = positions.get(intent.symbol, D(0)) + signed  # type: ignore[operator]
            cash -= signed * before.prices[intent.symbol]  # type: ignore[operator]
        assert dict(self.broker.account.positions) == {s: q for s, q in positions.items() if q}
        assert self.broker.account.cash == cash

    @precondition(lambda self: bool(self.plans))
    @rule(data=st.data())
    def rerun_a_plan(self, data: st.DataObject) -> None:
        plan = data.draw(st.sampled_from(self.plans))
        result = self.service.execute(plan)
        result.map(self.record)  # a plan the account has moved past may fail: nothing placed

    @rule()
    def open_orders_fill(self) -> None:
        self.broker.fill_open_orders()

    @rule(kind=faults, method=st.sampled_from([Method.SUBMIT_ORDER, Method.GET_ORDER, None]))
    def broker_fails_once(self, kind: ErrorKind, method: Method | None) -> None:
        self.broker.fail_next(kind, method=method)

    @invariant()
    def cash_is_never_negative(self) -> None:
        assert self.broker.account.cash >= 0

    @invariant()
    def no_client_id_is_placed_twice(self) -> None:
        assert all(count == 1 for count in self.placed.values())
        assert set(self.placed) <= set(self.broker.orders)

    @invariant()
    def no_order_fills_more_than_asked(self) -> None:
        for state in self.broker.orders.values():
            assert state.quantity is None or state.filled_quantity <= state.quantity


ExecutionMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=12, deadline=None
)
test_execution = ExecutionMachine.TestCase
