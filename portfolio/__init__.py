"""portfolio-rebalancer: target weights + a broker snapshot → a deterministic rebalance plan.

The functional core: frozen records in, `Result` out, no I/O. See docs/architecture.md.
"""

from portfolio.many import PlanRequest, plan_many
from portfolio.orders.execution import ExecutedOrder, ExecutionReport, Step, WaitPolicy
from portfolio.orders.fill import CostModel, Fill, FilledOrder, fill_plan
from portfolio.orders.intents import OrderIntent, order_intents
from portfolio.orders.state import OrderState, OrderStatus
from portfolio.records.allocation import Allocation, CombinedAllocation
from portfolio.records.combine import combine_allocations
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.plan import RebalancePlan
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Asset, OpenOrder, Snapshot
from portfolio.service import PortfolioService
from portfolio.steps.actions import actions
from portfolio.steps.deltas import Deltas, deltas
from portfolio.steps.planner import Planner, plan_rebalance
from portfolio.steps.targets import Targets, targets
from portfolio.steps.validate import Checked, validate
from portfolio.tax import LotMethod, LotSale, PastTrade, TaxLot, TaxPolicy, TaxReport, Term
from portfolio.tax.groups import groups_by_symbol, same_security

__all__ = [
    "Action",
    "Allocation",
    "Asset",
    "Checked",
    "CombinedAllocation",
    "CostModel",
    "Deltas",
    "ErrorKind",
    "ExecutedOrder",
    "ExecutionReport",
    "Fill",
    "FilledOrder",
    "FrozenDict",
    "LotMethod",
    "LotSale",
    "OpenOrder",
    "OrderIntent",
    "OrderState",
    "OrderStatus",
    "PastTrade",
    "PlanItem",
    "PlanRequest",
    "Planner",
    "PortfolioError",
    "PortfolioService",
    "Reason",
    "RebalancePlan",
    "SizingPolicy",
    "Snapshot",
    "Step",
    "Targets",
    "TaxLot",
    "TaxPolicy",
    "TaxReport",
    "Term",
    "WaitPolicy",
    "actions",
    "combine_allocations",
    "deltas",
    "fill_plan",
    "groups_by_symbol",
    "order_intents",
    "plan_many",
    "plan_rebalance",
    "same_security",
    "targets",
    "validate",
]
