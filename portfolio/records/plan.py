"""The output of the core: a `RebalancePlan` of `PlanItem` rows, as values."""

from __future__ import annotations

import decimal
import html
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
from returns.result import Result

from portfolio.formats.display import (
    counted,
    html_table,
    money,
    percent,
    price,
    shares,
    shown,
    text_table,
)
from portfolio.formats.frames import data_frame
from portfolio.formats.plan_json import plan_fields_from_json, plan_to_json
from portfolio.records.errors import PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.held import Held
from portfolio.records.money import CORE_CONTEXT, ZERO
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.records.policy import SizingPolicy
from portfolio.tax.report import TaxReport

if TYPE_CHECKING:
    from pandas import DataFrame

__all__ = [
    "PLAN_COLUMNS",
    "PLAN_HEADERS",
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


#: The columns of `RebalancePlan.to_records()`: a `PlanItem`'s fields, in order.
PLAN_COLUMNS = PlanItem._fields
#: Rows `str()` and `_repr_html_()` show before saying how many more there are.
SHOWN_ROWS = 30
PLAN_HEADERS = ("Symbol", "Action", "Amount", "Quantity", "Price", "Weight now → target", "Reason")
_RIGHT = frozenset({2, 3, 4})


def _row(item: PlanItem) -> tuple[str, ...]:
    """One item as the cells of a table; a HOLD row's amount is the skipped trade, in (…)."""
    skipped = item.skipped_amount if item.action is Action.HOLD else ZERO
    amount = f"({skipped:+,.2f})" if skipped else money(item.trade_amount)
    weights = f"{percent(item.current_weight):>7} → {percent(item.target_weight):>7}"
    return (
        item.symbol,
        item.action.value,
        amount,
        shares(item.quantity),
        price(item.price),
        weights,
        item.reason.value,
    )


_NO_METADATA: FrozenDict[str, object] = FrozenDict()


#: The `held` mappings a plan keeps as they are: immutable already.
_FROZEN_HELD = frozenset({FrozenDict, Held})


def _freeze_held(value: Mapping[str, Decimal] | None) -> Mapping[str, Decimal] | None:
    """A mapping copied into a `FrozenDict` (the planner's `Held` is kept); None kept as it is.

    The type first: `isinstance(value, Mapping)` of a `Held` runs `ABCMeta.__instancecheck__`
    in Python (1.8 thousand instructions, once a plan).
    """
    if type(value) in _FROZEN_HELD or not isinstance(value, Mapping):
        return value
    return FrozenDict(value)


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
    `held` is what the plan was made from: the signed shares of every planned symbol
    (open orders counted as filled, as the planner counts them; 0 when none), which
    `PortfolioService.execute` compares with the account before placing anything (see
    `portfolio.orders.staleness`). The planner sets it; `None` for a plan built by hand or read
    from a file written before schema_version 2. It records provenance, not a decision,
    so it takes no part in equality (as `plan_id` names the decisions).
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
    held: Mapping[str, Decimal] | None = attrs.field(default=None, eq=False, converter=_freeze_held)
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

    def summary(self) -> tuple[str, ...]:
        """The plan in words: what it is, the trades' totals, cash before and after, taxes."""
        header = f"Rebalance plan {self.plan_id} (correlation id {self.correlation_id})"
        if self.as_of is not None:
            header += f", prices as of {self.as_of.isoformat()}"
        trades = counted(len(self.trades), "trade")
        cash = f"Cash {money(self.cash_before)} → projected {money(self.cash_after)}"
        return (
            header,
            f"Sells {money(self.total_sells)}   buys {money(self.total_buys)}   ({trades})",
            f"{cash}   (portfolio value {money(self.total_value)})",
            *(() if self.tax is None else self.tax.summary()),
        )

    def to_text(self, limit: int | None = None) -> str:
        """The items as a text table between the header and the summary (no final newline).

        HOLD rows show the trade the policy skipped, in parentheses. With `limit`, the
        first `limit` items and a line saying how many more there are.
        """
        rows = [_row(item) for item in self.items]
        rows, hidden = shown(rows, limit) if limit is not None else (rows, 0)
        more = [f"… and {hidden} more rows (to_records() or to_frame() has them all)"]
        header, *totals = self.summary()
        lines = [header, "", text_table(PLAN_HEADERS, rows, _RIGHT), *(more if hidden else [])]
        return "\n".join([*lines, "", *totals])

    def __str__(self) -> str:
        """`to_text` with the first 30 items."""
        return self.to_text(SHOWN_ROWS)

    def __repr__(self) -> str:
        """One short line: the id, counts and the money; `str()` shows the items."""
        return (
            f"RebalancePlan(plan_id={self.plan_id!r}, correlation_id={self.correlation_id!r}, "
            f"as_of={self.as_of!r}, items={len(self.items)}, trades={len(self.trades)}, "
            f"total_value={self.total_value!r}, cash_before={self.cash_before!r}, "
            f"cash_after={self.cash_after!r})"
        )

    def to_html(self, limit: int | None = None) -> str:
        """The items as an HTML table under the plan's header, the summary below it.

        With `limit`, the first `limit` items and a line saying how many more there are.
        A plan made under tax rules then lists every lot its sales relieve
        (`TaxReport.to_html`): what the person approving it needs before money moves.
        """
        rows = [_row(item) for item in self.items]
        rows, hidden = shown(rows, limit) if limit is not None else (rows, 0)
        header, *totals = self.summary()
        more = f"… and {hidden} more rows (to_records() or to_frame() has them all)"
        notes = [*([more] if hidden else []), *totals]
        return (
            f"<div>{html_table(PLAN_HEADERS, rows, _RIGHT, caption=header)}"
            + "".join(f"<p>{html.escape(note)}</p>" for note in notes)
            + ("" if self.tax is None else self.tax.to_html())
            + "</div>"
        )

    def _repr_html_(self) -> str:
        """Jupyter's view: `to_html` with the first 30 items."""
        return self.to_html(SHOWN_ROWS)

    def to_records(self) -> list[dict[str, object]]:
        """One dict per item, keys `PLAN_COLUMNS`; action and reason by name, Decimals exact.

        >>> plan = RebalancePlan(plan_id="p", correlation_id="c", total_value=Decimal(100),
        ...     cash_before=Decimal(100), cash_after=Decimal(0), items=(PlanItem(
        ...     symbol="SPY", action=Action.BUY, trade_amount=Decimal(100),
        ...     quantity=Decimal("0.2"), price=Decimal(500), current_value=Decimal(0),
        ...     target_value=Decimal(100), current_weight=Decimal(0),
        ...     target_weight=Decimal(1), reason=Reason.REBALANCE),))
        >>> record = plan.to_records()[0]
        >>> record["symbol"], record["action"], record["quantity"], record["reason"]
        ('SPY', 'BUY', Decimal('0.2'), 'REBALANCE')
        """
        return [
            {**item._asdict(), "action": item.action.value, "reason": item.reason.value}
            for item in self.items
        ]

    def to_frame(self) -> DataFrame:
        """`to_records()` as a pandas DataFrame indexed by symbol (needs the `frame` extra).

        Raises ImportError naming the extra when pandas is not installed.
        """
        return data_frame(
            self.to_records(), PLAN_COLUMNS, "symbol", what="RebalancePlan.to_frame()"
        )

    def to_json(self) -> str:
        """The plan as JSON (docs/formats.md): exact plain decimal strings, enums by name.

        The document follows `plan.schema.json`, shipped beside this module.
        """
        return plan_to_json(self)

    @classmethod
    def from_json(cls, text: str | bytes) -> Result[RebalancePlan, PortfolioError]:
        """Parse `to_json()` output back; a Failure(INVALID_PLAN) names what is wrong."""
        return plan_fields_from_json(text).map(lambda fields: cls(**fields))
