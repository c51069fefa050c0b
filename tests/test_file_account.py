"""A snapshot file planned through the shell's one path gives the file's own plan."""

from __future__ import annotations

from decimal import Decimal

from core_strategies import accounts, policies
from hypothesis import given, settings

from adapters.cli.brokers import FileAccount
from portfolio import Allocation, PortfolioService, SizingPolicy, Snapshot, plan_rebalance


@settings(max_examples=150)
@given(accounts(), policies)
def test_the_service_over_a_file_plans_exactly_what_the_planner_does(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy
) -> None:
    """`portfolio plan --snapshot FILE` goes through the service: nothing may change on the way."""
    allocation, snapshot = account
    service = PortfolioService(FileAccount(snapshot), policy)
    through_shell = service.create_rebalance_plan(allocation, allocation.correlation_id)
    assert through_shell == plan_rebalance(allocation, snapshot, policy)


def test_a_file_account_answers_the_file_whatever_is_asked() -> None:
    snapshot = Snapshot(cash=Decimal(5), prices={"SPY": Decimal(500), "GLD": Decimal(100)})
    assert FileAccount(snapshot).get_snapshot(("QQQ",)).unwrap() is snapshot
