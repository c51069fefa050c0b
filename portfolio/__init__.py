"""portfolio-rebalancer: target weights + a broker snapshot → a deterministic rebalance plan.

The functional core: frozen records in, `Result` out, no I/O. See docs/architecture.md.
"""

from portfolio.allocation import Allocation, CombinedAllocation
from portfolio.combine import combine_allocations
from portfolio.errors import ErrorKind, PortfolioError
from portfolio.execution import ExecutedOrder, ExecutionReport, Step, WaitPolicy
from portfolio.fill import CostModel, Fill, FilledOrder, fill_plan
from portfolio.frozen import FrozenDict
from portfolio.many import PlanRequest, plan_many
from portfolio.order_state import OrderState, OrderStatus
from portfolio.orders import OrderIntent, order_intents
from portfolio.plan import RebalancePlan
from portfolio.plan_item import Action, PlanItem, Reason
from portfolio.planner import Planner, plan_rebalance
from portfolio.policy import SizingPolicy
from portfolio.service import PortfolioService
from portfolio.snapshot import Asset, OpenOrder, Snapshot
from portfolio.steps.actions import actions
from portfolio.steps.deltas import Deltas, deltas
from portfolio.steps.targets import Targets, targets
from portfolio.steps.validate import Checked, validate
from portfolio.tax import LotMethod, LotSale, PastTrade, TaxLot, TaxPolicy, TaxReport, Term

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
    "order_intents",
    "plan_many",
    "plan_rebalance",
    "targets",
    "validate",
]
