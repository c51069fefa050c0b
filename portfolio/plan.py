"""The output of the core: a `RebalancePlan` of `PlanItem` rows, as values."""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import attrs
from returns.result import Result

from portfolio.errors import PortfolioError
from portfolio.frozen import FrozenDict
from portfolio.money import CORE_CONTEXT, ZERO
from portfolio.plan_item import Action, PlanItem, Reason
from portfolio.plan_json import plan_fields_from_json, plan_to_json
from portfolio.policy import SizingPolicy
from portfolio.tax.report import TaxReport

__all__ = [
    "Action",
    "PlanItem",
    "Reason",
    "RebalancePlan",
    "freeze_metadata",
    "freeze_metadata_mapping",
]


def freeze_metadata(value: object, _inside: frozenset[int] = frozenset()) -> object:
    """Deep-freeze JSON-like metadata: mappings → FrozenDict, lists → tuples, floats → Decimal.

    Floats become `Decimal(str(x))` so that the plan's JSON round-trips exactly. A
    container that contains itself is cut where it repeats (JSON cannot hold a cycle).

    >>> loop: dict[str, object] = {"name": "loop"}
    >>> loop["self"] = loop
    >>> freeze_metadata(loop)
    FrozenDict({'name': 'loop', 'self': '<cycle>'})
    """
    if isinstance(value, Mapping | list | tuple):
        if id(value) in _inside:
            return "<cycle>"
        inside = _inside | {id(value)}
        if isinstance(value, Mapping):
            return FrozenDict({str(k): freeze_metadata(v, inside) for k, v in value.items()})
        return tuple(freeze_metadata(item, inside) for item in value)
    if isinstance(value, float):
        return Decimal(str(value))
    return value


_NO_METADATA: FrozenDict[str, object] = FrozenDict()


def freeze_metadata_mapping(value: Mapping[str, object]) -> Mapping[str, object]:
    """Deep-freeze a metadata mapping (anything else becomes an empty one)."""
    if not value:
        return _NO_METADATA
    frozen = freeze_metadata(value)
    return frozen if isinstance(frozen, FrozenDict) else FrozenDict()


@attrs.frozen(kw_only=True)
class RebalancePlan:
    """A whole rebalance decision: SELLs first, then BUYs, then HOLDs, by symbol within each.

    `total_value` is the portfolio value V the weights refer to; `cash_before` is the
    snapshot's cash and `cash_after = cash_before − Σ trade_amount` (account currency).
    `plan_id` is derived from the inputs' content, `as_of` from the snapshot, so the same
    inputs always give an equal plan. `metadata` holds JSON-like annotations such as
    `strategy_attribution`. `policy` is the `SizingPolicy` the plan was made with (the
    planner always sets it; `None` for a plan built by hand or read from a 0.1.0 file).
    """

    plan_id: str
    correlation_id: str
    items: tuple[PlanItem, ...]
    total_value: Decimal
    cash_before: Decimal
    cash_after: Decimal
    as_of: datetime | None = None
    metadata: Mapping[str, object] = attrs.field(
        factory=FrozenDict, converter=freeze_metadata_mapping
    )
    policy: SizingPolicy | None = None
    #: What the plan's sales realize (docs/tax.md); None when the policy has no `tax`.
    tax: TaxReport | None = None

    @property
    def trades(self) -> tuple[PlanItem, ...]:
        """The items that are not HOLD, in plan order (sells first)."""
        return tuple(item for item in self.items if item.action is not Action.HOLD)

    @property
    def total_buys(self) -> Decimal:
        """Σ trade_amount over BUY items (≥ 0)."""
        with decimal.localcontext(CORE_CONTEXT):
            return sum((i.trade_amount for i in self.items if i.action is Action.BUY), ZERO)

    @property
    def total_sells(self) -> Decimal:
        """Σ |trade_amount| over SELL items (≥ 0): the expected sale proceeds."""
        with decimal.localcontext(CORE_CONTEXT):
            return -sum((i.trade_amount for i in self.items if i.action is Action.SELL), ZERO)

    def item(self, symbol: str) -> PlanItem | None:
        """The item for `symbol` (case-insensitive), if any."""
        wanted = symbol.upper()
        return next((i for i in self.items if i.symbol == wanted), None)

    def with_metadata(
        self, entries: Mapping[str, object] | None = None, /, **more: object
    ) -> RebalancePlan:
        """A new plan with these metadata entries added (or replaced); this plan is unchanged.

        `plan_id` stays the same: it names the decisions, and metadata annotates them.

        >>> plan = RebalancePlan(plan_id="p", correlation_id="c", items=(),
        ...     total_value=Decimal(0), cash_before=Decimal(0), cash_after=Decimal(0))
        >>> tagged = plan.with_metadata(strategy_attribution={"AAPL": {"momentum": 0.6}})
        >>> tagged.metadata["strategy_attribution"]["AAPL"]["momentum"], plan.metadata
        (Decimal('0.6'), FrozenDict({}))
        """
        merged: dict[str, object] = dict(self.metadata)
        if isinstance(entries, Mapping):
            merged.update({str(key): value for key, value in entries.items()})
        merged.update(more)
        return attrs.evolve(self, metadata=merged)

    def to_json(self) -> str:
        """The plan as JSON (docs/formats.md): exact plain decimal strings, enums by name.

        The document follows `plan.schema.json`, shipped beside this module.
        """
        return plan_to_json(self)

    @classmethod
    def from_json(cls, text: str | bytes) -> Result[RebalancePlan, PortfolioError]:
        """Parse `to_json()` output back; a Failure(INVALID_PLAN) names what is wrong."""
        return plan_fields_from_json(text).map(lambda fields: cls(**fields))
