"""The one hook of the tax rules into the planner, and the plan's `TaxReport`.

`tax_inputs` checks a snapshot's lots and recent trades (rule 5) once per plan. The
planner then calls `adjusted` on its decisions after the per-symbol rules and before
the cash rule: sales are cut (rules 2, 3) or held (rule 4), buys of symbols recently
sold at a loss are held (rule 4), and the cash rule cuts the buys that the cut sales
no longer pay for. `with_report` adds the `TaxReport` of the plan's sales.

Symbols traded in whole lots that the planner sizes apart (whole shares, except in
the `sell_only` mode) reach `adjusted` only when a fixed rule holds them: their
rebalancing sales are reported but not cut (see docs/tax.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_DOWN, Decimal
from operator import attrgetter, itemgetter
from typing import NamedTuple

import attrs
from returns.result import Failure, Result, Success

from portfolio.asset_facts import quantity_step
from portfolio.errors import ErrorKind, PortfolioError
from portfolio.money import CENT, SHARE_QUANTUM, ZERO
from portfolio.plan import RebalancePlan
from portfolio.plan_item import Action, PlanItem, Reason
from portfolio.snapshot import Snapshot, held_quantities
from portfolio.steps.plan_id import canonical_text
from portfolio.steps.rules import Decisions, Thresholds
from portfolio.steps.validate import Columns
from portfolio.symbol_keys import key_problem, upper_keys
from portfolio.tax.budget import Candidate, Kept, down_to_step, within_budget
from portfolio.tax.choice import SaleTerms, choose, deferrable, loss_sold
from portfolio.tax.policy import TaxPolicy
from portfolio.tax.records import TaxLot, lots_problem, trades_problem
from portfolio.tax.relief import Piece, estimated_tax, in_order, realized, relieve, sales_of
from portfolio.tax.report import LotSale, TaxReport

__all__ = ["TaxInputs", "adjusted", "tax_inputs", "with_report"]

_SYMBOL = attrgetter("symbol")
_QUANTITY, _GAIN = attrgetter("quantity"), attrgetter("gain")
_ITEM_QUANTITY = itemgetter(3)  # `PlanItem.quantity`: an item is a tuple row
_HOLD, _SELL = Action.HOLD, Action.SELL
_SHARES = itemgetter(1)
CENTS = Decimal("0.00")


class TaxInputs(NamedTuple):
    """A snapshot's tax data, checked, for one plan.

    The sale terms, the lots (upper-case keys), the symbols recently sold at a loss.
    `chosen` holds the pieces `adjusted` chose for each sale, by symbol, for
    `with_report` (made afresh for each plan, so the plan stays a pure function).
    """

    terms: SaleTerms
    lots: Mapping[str, tuple[TaxLot, ...]]
    loss_sold: frozenset[str]
    chosen: dict[str, list[Piece]]


def tax_inputs(snapshot: Snapshot, tax: TaxPolicy) -> Result[TaxInputs, PortfolioError]:
    """The snapshot's lots and recent trades, checked (rule 5).

    Call after the snapshot's own rules passed. A Failure(INVALID_SNAPSHOT) names the
    symbol at fault.
    """
    lots, trades = snapshot.lots, snapshot.recent_trades
    problem = key_problem(lots, "lots", ErrorKind.INVALID_SNAPSHOT)
    if problem is None:
        lots = upper_keys(lots)  # type: ignore[assignment] # keys checked just above
        problem = lots_problem(lots, held_quantities(snapshot), snapshot.as_of)
    problem = problem or trades_problem(trades)
    if problem is None and trades and snapshot.as_of is None:
        problem = PortfolioError.invalid_snapshot("recent_trades need the snapshot's as_of")
    if problem is not None:
        return Failure(problem)
    on = date.max if snapshot.as_of is None else snapshot.as_of.date()
    terms = SaleTerms.of(tax, on) if snapshot.as_of is not None else SaleTerms(tax, on, on)
    return Success(TaxInputs(terms, lots, loss_sold(trades, terms), {}))


def adjusted(decided: Decisions, columns: Columns, inputs: TaxInputs) -> Decisions:
    """The decisions under rules 2-4: sales cut or held, buys held (see the module)."""
    sells, buys, holds = decided
    minimum = Thresholds.of(columns.policy, columns.total_value).minimum
    steps = _steps(columns)
    kept_sells: list[PlanItem] = []
    moved: list[PlanItem] = []
    candidates: dict[str, tuple[PlanItem, Candidate, list[TaxLot]]] = {}
    fixed = ZERO  # what the liquidations (never cut) realize
    for item in sells:
        lots = inputs.lots.get(item.symbol)
        if not lots:  # unknown basis: nothing to decide by
            kept_sells.append(item)
            continue
        wanted = min(-item.quantity, sum(map(_QUANTITY, lots), ZERO))
        if item.reason is Reason.LIQUIDATE:
            pieces = inputs.chosen[item.symbol] = _liquidation(lots, wanted, item.price, inputs)
            fixed += realized(pieces, item.price)
            kept_sells.append(item)
            continue
        step = steps.get(item.symbol, SHARE_QUANTUM)
        sale, pool, pieces = _sale(item, lots, wanted, step, inputs)
        if sale.action is _HOLD or (sale is not item and -sale.trade_amount < minimum):
            moved.append(_held(item, sale.reason))
            continue
        shares, gain = -sale.quantity, realized(pieces, item.price)
        candidate = Candidate(item.symbol, item.price, pieces, shares, step, minimum, gain)
        candidates[item.symbol] = (sale, candidate, pool)
        inputs.chosen[item.symbol] = pieces
        kept_sells.append(sale)
    budget = inputs.terms.policy.max_realized_gain
    if budget is not None and candidates:
        kept_sells = _budgeted(kept_sells, candidates, budget - fixed, inputs, moved)
    if inputs.loss_sold:
        washed = [i for i in buys if _wash_buy(i, inputs.loss_sold)]
        buys = [i for i in buys if not _wash_buy(i, inputs.loss_sold)]
        moved += [_held(i, Reason.WASH_SALE) for i in washed]
    if not moved:
        return Decisions(kept_sells, buys, holds)
    return Decisions(kept_sells, buys, sorted([*holds, *moved], key=_SYMBOL))


def _wash_buy(item: PlanItem, loss_sold: frozenset[str]) -> bool:
    """A rebalancing buy of a symbol sold at a loss within the window (rule 4)."""
    return item.symbol in loss_sold and item.reason is not Reason.LIQUIDATE


def _sale(
    item: PlanItem, lots: tuple[TaxLot, ...], wanted: Decimal, step: Decimal, inputs: TaxInputs
) -> tuple[PlanItem, list[TaxLot], list[Piece]]:
    """One rebalancing sale under rules 3 and 4: (the item, the lots it may relieve, the pieces).

    The item is a HOLD when rule 3 leaves nothing or rule 4 cannot be avoided.
    """
    terms = inputs.terms
    pool = deferrable(lots, item.price, terms)
    reason = item.reason
    if len(pool) < len(lots):
        available = sum((lot.quantity for lot in pool), ZERO)
        if available < wanted:
            wanted, reason = down_to_step(available, step), Reason.SHORT_TERM_GAIN
    if wanted <= 0:
        return _held(item, reason), pool, []
    pieces = choose(lots, pool, wanted, item.price, terms)
    if pieces is None:
        return _held(item, Reason.WASH_SALE), pool, []
    if reason is item.reason:
        return item, pool, pieces
    return _sold(item, wanted, reason), pool, pieces


def _budgeted(
    sells: list[PlanItem],
    candidates: dict[str, tuple[PlanItem, Candidate, list[TaxLot]]],
    room: Decimal,
    inputs: TaxInputs,
    moved: list[PlanItem],
) -> list[PlanItem]:
    """The sales within the gain budget (rule 2); sales cut to nothing join `moved`."""

    def rechoose(candidate: Candidate, shares: Decimal) -> list[Piece] | None:
        symbol = candidate.symbol
        pool = candidates[symbol][2]
        return choose(inputs.lots[symbol], pool, shares, candidate.price, inputs.terms)

    cuts = within_budget([c for _, c, _ in candidates.values()], room, rechoose)
    if not cuts:
        return sells
    kept: list[PlanItem] = []
    for item in sells:
        cut: Kept | None = cuts.get(item.symbol)
        if cut is None:
            kept.append(item)
        elif cut.quantity > 0:
            kept.append(_sold(item, cut.quantity, Reason.GAIN_BUDGET))
            inputs.chosen[item.symbol] = cut.pieces
        else:
            moved.append(_held(item, Reason.GAIN_BUDGET))
    return kept


def with_report(plan: RebalancePlan, inputs: TaxInputs) -> RebalancePlan:
    """The plan with its `TaxReport`, and an id that covers the tax policy and data."""
    sales: list[LotSale] = []
    unknown: list[str] = []
    for item in plan.items:
        if item.action is not _SELL:
            continue
        lots = inputs.lots.get(item.symbol)
        if not lots:
            unknown.append(item.symbol)
            continue
        shares = min(-item.quantity, sum(map(_QUANTITY, lots), ZERO))
        pieces = inputs.chosen.get(item.symbol)
        if pieces is None or sum(map(_SHARES, pieces), ZERO) != shares:
            pieces = _pieces(item, lots, shares, inputs)
        sales += sales_of(item.symbol, pieces, item.price, inputs.terms.on)
    policy = inputs.terms.policy
    short, long, tax = estimated_tax(sales, policy)
    over = CENTS
    if policy.max_realized_gain is not None:
        over = max(short + long - policy.max_realized_gain, CENTS)
    report = TaxReport(
        sales=tuple(sales),
        short_term_gain=short,
        long_term_gain=long,
        estimated_tax=tax,
        unknown_basis=tuple(unknown),
        over_budget=over,
    )
    return attrs.evolve(plan, tax=report, plan_id=_plan_id(plan, report, policy))


def _pieces(
    item: PlanItem, lots: tuple[TaxLot, ...], shares: Decimal, inputs: TaxInputs
) -> list[Piece]:
    """The lots a sale in the plan relieves: the choice `adjusted` made for it.

    A sale `adjusted` did not decide (a whole-lot sale sized apart) relieves the lots
    its rules allow, or else the method's order.
    """
    terms = inputs.terms
    if item.reason is Reason.LIQUIDATE:
        return _liquidation(lots, shares, item.price, inputs)
    pool = deferrable(lots, item.price, terms)
    if sum((lot.quantity for lot in pool), ZERO) >= shares:
        pieces = choose(lots, pool, shares, item.price, terms)
        if pieces is not None:
            return pieces
    return relieve(in_order(lots, terms.policy, item.price, terms.on), shares)


def _liquidation(
    lots: Sequence[TaxLot], shares: Decimal, price: Decimal, inputs: TaxInputs
) -> list[Piece]:
    terms = inputs.terms
    return relieve(in_order(lots, terms.policy, price, terms.on), shares)


def _steps(columns: Columns) -> dict[str, Decimal]:
    """The share step of each symbol traded in whole lots (the rest: nine decimals)."""
    fractional = columns.policy.fractional
    if not columns.assets:
        return {} if fractional else dict.fromkeys(columns.symbols, Decimal(1))
    steps = {}
    for symbol in columns.symbols:
        step = quantity_step(columns.assets.get(symbol), fractional=fractional)
        if step is not None:
            steps[symbol] = step
    return steps


def _sold(item: PlanItem, shares: Decimal, reason: Reason) -> PlanItem:
    """The sale cut to `shares` (> 0): proceeds rounded down to cents."""
    amount = (shares * item.price).quantize(CENT, rounding=ROUND_DOWN)
    return item._replace(trade_amount=-amount, quantity=-shares, reason=reason)


def _held(item: PlanItem, reason: Reason) -> PlanItem:
    return item._replace(action=_HOLD, trade_amount=ZERO, quantity=ZERO, reason=reason)


def _plan_id(plan: RebalancePlan, report: TaxReport, tax: TaxPolicy) -> str:
    """The plan's id, extended to name the tax policy and what the tax rules decided.

    The planner's id covers the account and the rest of the policy; the lots and recent
    trades act through the decisions (the items' quantities and reasons) and the lots
    relieved, which this adds. Orders take their ids from the plan's (docs/execution.md),
    so two plans that differ must not share one.
    """
    sales = report.sales
    numbers = canonical_text(
        (*map(_ITEM_QUANTITY, plan.items), *map(_QUANTITY, sales), *map(_GAIN, sales))
    )
    parts = (
        plan.plan_id,
        repr(tax),
        "\x00".join(item.reason.value for item in plan.items),
        "\x00".join(f"{s.symbol}:{s.lot_id}:{s.acquired.isoformat()}" for s in sales),
        numbers,
    )
    text = "\x01".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()[:32]
