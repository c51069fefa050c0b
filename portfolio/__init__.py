"""portfolio-rebalancer: target weights + a broker snapshot → a deterministic rebalance plan.

The functional core: frozen records in, `Result` out, no I/O. See docs/architecture.md.
"""

from portfolio.allocation import Allocation, CombinedAllocation
from portfolio.errors import ErrorKind, PortfolioError
from portfolio.frozen import FrozenDict
from portfolio.plan import Action, PlanItem, Reason, RebalancePlan
from portfolio.policy import SizingPolicy
from portfolio.snapshot import Asset, Snapshot

__all__ = [
    "Action",
    "Allocation",
    "Asset",
    "CombinedAllocation",
    "ErrorKind",
    "FrozenDict",
    "PlanItem",
    "PortfolioError",
    "Reason",
    "RebalancePlan",
    "SizingPolicy",
    "Snapshot",
]
