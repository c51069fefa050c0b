"""The whole pipeline: validate → targets → deltas → actions, as one Result."""

from __future__ import annotations

from returns.pipeline import flow
from returns.pointfree import bind, map_
from returns.result import Failure, Result

from portfolio.allocation import Allocation, CombinedAllocation
from portfolio.errors import PortfolioError
from portfolio.plan import RebalancePlan
from portfolio.plan_actions import actions
from portfolio.policy import SizingPolicy
from portfolio.snapshot import Snapshot
from portfolio.target_values import targets
from portfolio.trade_deltas import deltas
from portfolio.validation import validate

__all__ = ["plan_rebalance"]


def plan_rebalance(
    allocation: Allocation | CombinedAllocation,
    snapshot: Snapshot,
    policy: SizingPolicy = SizingPolicy(),  # noqa: B008 - a frozen record is a safe default
) -> Result[RebalancePlan, PortfolioError]:
    """Plan a rebalance: pure, deterministic, and never raising.

    A `CombinedAllocation` carries its attribution into `metadata["strategy_attribution"]`.

    >>> from decimal import Decimal as D
    >>> from portfolio import Allocation, Snapshot
    >>> plan = plan_rebalance(
    ...     Allocation(target_weights={"SPY": D("0.6"), "QQQ": D("0.4")}, correlation_id="doc"),
    ...     Snapshot(cash=D(10000), positions={"SPY": D(20)},
    ...              prices={"SPY": D(500), "QQQ": D(400)}),
    ... ).unwrap()
    >>> [(i.symbol, i.action.value, str(i.trade_amount), str(i.quantity)) for i in plan.items]
    [('QQQ', 'BUY', '8000.00', '20.000000000'), ('SPY', 'BUY', '2000.00', '4.000000000')]
    """
    try:
        return flow(
            validate(allocation, snapshot, policy),
            bind(targets),
            map_(deltas),
            map_(actions),
        )
    except ArithmeticError as exc:  # a last guard: the steps are bounded, this should not happen
        return Failure(
            PortfolioError.invalid_snapshot("arithmetic failed while planning", error=repr(exc))
        )
