"""The compact shipping form of `plan_many`'s requests and plans, exact both ways.

Pickling the records themselves costs about as much as planning them (every Decimal
and every frozen record is rebuilt through its constructor), so chunks travel as
tuples of strings instead: a Decimal is its exact text (`Decimal(str(d)) == d`, digits,
exponent and sign kept), a plan is one string of its fields joined by a separator. On a
20-symbol account this is ~17 µs for a request and ~25 µs for a plan, against ~150 µs
and ~500 µs for pickling the records (see docs/scale.md).

Whatever the compact form cannot carry exactly (a value that is not a `Decimal`, a key
that is not a `str`, a `CombinedAllocation`, a separator inside a name) is shipped as
the record itself, so a request plans the same on every executor, bad data included.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import partial

from portfolio.records.allocation import Allocation
from portfolio.records.frozen import FrozenDict
from portfolio.records.plan import Action, PlanItem, Reason, RebalancePlan
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Snapshot
from portfolio.tax.report import TaxReport

__all__ = [
    "CompactPlan",
    "CompactRequest",
    "decode_allocation_snapshot",
    "decode_plan",
    "encode_allocation_snapshot",
    "encode_plan",
    "exact_pairs",
]

#: ASCII unit separator: joins a plan's fields into one string.
SEP = "\x1f"
_HEAD = 5
_ITEM = 10
_ACTIONS = {action.value: action for action in Action}
#: A `PlanItem` (a typed tuple) from its ten fields in order, as `PlanItem._make` does.
_item = partial(tuple.__new__, PlanItem)
_REASONS = {reason.value: reason for reason in Reason}

#: (correlation_id, weight symbols, weights, cash, position symbols, quantities,
#: price symbols, prices, rest): amounts as exact decimal text; `rest` holds the
#: allocation's portfolio_value and as_of, and the snapshot's assets, as_of and open orders.
CompactRequest = tuple[
    str,
    tuple[str, ...],
    tuple[str, ...],
    str,
    tuple[str, ...],
    tuple[str, ...],
    tuple[str, ...],
    tuple[str, ...],
    tuple[object, ...],
]
#: (the plan's fields joined by SEP, as_of, metadata or None, policy, held and tax or None).
CompactPlan = tuple[
    str,
    datetime | None,
    Mapping[str, object] | None,
    SizingPolicy | None,
    Mapping[str, Decimal] | None,
    TaxReport | None,
]


def exact_pairs(values: object) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """A mapping of str → Decimal as (keys, exact texts); None when it is anything else."""
    if type(values) is not FrozenDict:
        return None
    keys, amounts = tuple(values), tuple(values.values())
    if all(type(k) is str for k in keys) and all(type(a) is Decimal for a in amounts):
        return keys, tuple(map(str, amounts))
    return None


def encode_allocation_snapshot(allocation: object, snapshot: object) -> CompactRequest | None:
    """The compact form of one account's inputs, or None when it cannot be exact."""
    if type(allocation) is not Allocation or type(snapshot) is not Snapshot:
        return None
    weights = exact_pairs(allocation.target_weights)
    positions = exact_pairs(snapshot.positions)
    prices = exact_pairs(snapshot.prices)
    cash: object = snapshot.cash
    name: object = allocation.correlation_id
    if weights is None or positions is None or prices is None:
        return None
    if (
        type(cash) is not Decimal
        or type(name) is not str
        or type(snapshot.assets) is not FrozenDict
        or not _no_tax_inputs(snapshot)
    ):
        return None
    rest = (
        allocation.portfolio_value,
        allocation.as_of,
        snapshot.assets or None,
        snapshot.as_of,
        snapshot.open_orders,
    )
    return (name, *weights, str(cash), *positions, *prices, rest)


def _no_tax_inputs(snapshot: Snapshot) -> bool:
    """No lots and no recent trades (the compact form has no place for them).

    A snapshot with either travels as the record itself: its lots decide a taxed plan,
    and dropping them planned every sale at an unknown basis.
    """
    lots: object = snapshot.lots
    trades: object = snapshot.recent_trades
    return type(lots) is FrozenDict and not lots and type(trades) is tuple and not trades


def decode_allocation_snapshot(compact: CompactRequest) -> tuple[Allocation, Snapshot]:
    """Rebuild the records `encode_allocation_snapshot` was given (equal to them)."""
    name, wkeys, wvals, cash, qkeys, qvals, pkeys, pvals, rest = compact
    portfolio_value, allocation_as_of, assets, snapshot_as_of, open_orders = rest
    allocation = Allocation(
        target_weights=FrozenDict(dict(zip(wkeys, map(Decimal, wvals), strict=True))),
        correlation_id=name,
        portfolio_value=portfolio_value,  # type: ignore[arg-type]  # shipped as it was given
        as_of=allocation_as_of,  # type: ignore[arg-type]  # same
    )
    snapshot = Snapshot(
        cash=Decimal(cash),
        positions=FrozenDict(dict(zip(qkeys, map(Decimal, qvals), strict=True))),
        prices=FrozenDict(dict(zip(pkeys, map(Decimal, pvals), strict=True))),
        assets=assets or FrozenDict(),  # type: ignore[arg-type]  # same
        as_of=snapshot_as_of,  # type: ignore[arg-type]  # same
        open_orders=open_orders,  # type: ignore[arg-type]  # same
    )
    return allocation, snapshot


def encode_plan(plan: RebalancePlan) -> CompactPlan | RebalancePlan:
    """One string for the plan's fields; the plan itself if a name holds the separator."""
    fields = [
        plan.plan_id,
        plan.correlation_id,
        str(plan.total_value),
        str(plan.cash_before),
        str(plan.cash_after),
    ]
    for i in plan.items:
        fields += (
            i.symbol,
            i.action.value,
            str(i.trade_amount),
            str(i.quantity),
            str(i.price),
            str(i.current_value),
            str(i.target_value),
            str(i.current_weight),
            str(i.target_weight),
            i.reason.value,
        )
    text = SEP.join(fields)
    if text.count(SEP) != len(fields) - 1:
        return plan
    return text, plan.as_of, plan.metadata or None, plan.policy, plan.held, plan.tax


def decode_plan(compact: CompactPlan) -> RebalancePlan:
    """Rebuild the plan `encode_plan` was given (equal to it, field for field)."""
    text, as_of, metadata, policy, held, tax = compact
    fields = text.split(SEP)
    body = fields[_HEAD:]
    numbers = [map(Decimal, body[at::_ITEM]) for at in range(2, 9)]  # the seven amounts
    rows = zip(
        body[0::_ITEM],
        map(_ACTIONS.__getitem__, body[1::_ITEM]),
        *numbers,
        map(_REASONS.__getitem__, body[9::_ITEM]),
        strict=True,
    )
    items = tuple(map(_item, rows))  # columns in C, then one tuple per item: a third the time
    return RebalancePlan(
        plan_id=fields[0],
        correlation_id=fields[1],
        items=items,
        total_value=Decimal(fields[2]),
        cash_before=Decimal(fields[3]),
        cash_after=Decimal(fields[4]),
        as_of=as_of,
        metadata=metadata or {},
        policy=policy,
        held=held,
        tax=tax,
    )
