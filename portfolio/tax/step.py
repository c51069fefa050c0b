"""The one hook of the tax rules into the planner, and the plan's `TaxReport`.

`tax_inputs` checks a snapshot's lots and recent trades (rule 5) once per plan. The
planner then calls `adjusted` on its decisions after the per-symbol rules and before
the cash rule: sales are cut (rules 2, 3) or held (rule 4), buys of symbols recently
sold at a loss are held (rule 4), and the cash rule cuts the buys that the cut sales
no longer pay for. `with_report` adds the `TaxReport` of the plan's sales.

Symbols traded in whole lots that the planner sizes apart (whole shares, except in
the `sell_only` mode) are sized with the cash after `adjusted` ran; the planner then
calls `lots_adjusted` on the whole-lot sales it sized, pins those the rules cut or
hold, and sizes the other whole lots again (see docs/tax.md).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_DOWN, Decimal
from operator import attrgetter, itemgetter
from typing import NamedTuple

import attrs
from returns.result import Failure, Result, Success

from portfolio.records.asset_facts import broker_minimum, quantity_step
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.money import CENT, SHARE_QUANTUM, ZERO
from portfolio.records.plan import RebalancePlan
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.records.snapshot import Snapshot, held_quantities
from portfolio.records.symbol_keys import key_problem, upper_keys
from portfolio.steps.plan_id import canonical_text
from portfolio.steps.rules import Decisions, Thresholds, too_small
from portfolio.steps.validate import Columns
from portfolio.tax.budget import Candidate, Kept, down_to_step, within_budget
from portfolio.tax.choice import (
    SaleTerms,
    choose,
    deferrable,
    loss_sold,
    recent_lots,
    wash_sale,
    window_index,
)
from portfolio.tax.groups import group_recent, loss_groups, widened
from portfolio.tax.policy import LotMethod, TaxPolicy
from portfolio.tax.records import PastTrade, TaxLot, lots_problem, trades_problem
from portfolio.tax.relief import (
    Piece,
    Priced,
    in_order,
    priced,
    priced_estimated_tax,
    priced_gain,
    relieve,
)
from portfolio.tax.report import SoldRows, TaxReport

__all__ = [
    "SoldLots",
    "TaxInputs",
    "adjusted",
    "lots_adjusted",
    "sold_lots",
    "tax_inputs",
    "tax_policy_text",
    "trusted_tax_inputs",
    "with_report",
]

_SYMBOL = attrgetter("symbol")
_QUANTITY = attrgetter("quantity")
_ITEM_QUANTITY = itemgetter(3)  # `PlanItem.quantity`: an item is a tuple row
_HOLD, _SELL = Action.HOLD, Action.SELL
_SHARES = itemgetter(1)
CENTS = Decimal("0.00")
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(32))  # a month or a day as `isoformat` writes it


class Book(NamedTuple):
    """One symbol's lots as a sale at its price sees them, worked out once per plan.

    `ordered` in the method's order (`in_order`); `pool` those rule 3 lets a sale
    relieve, in the same order; `recent` those bought within the wash-sale window;
    `shares` the total (the position), `available` the shares of `pool`; `window_at`,
    when `pool` is oldest first (FIFO on a backtest's lots), the index of its first lot
    within the window (`choose`), else None.
    """

    ordered: Sequence[TaxLot]
    pool: Sequence[TaxLot]
    recent: list[TaxLot]
    shares: Decimal
    available: Decimal
    window_at: int | None = None


class TaxInputs(NamedTuple):
    """A snapshot's tax data, checked, for one plan.

    The sale terms, the lots (upper-case keys), the symbols recently sold at a loss.
    `chosen` holds the pieces `adjusted` chose for each sale, by symbol, for
    `with_report`; `sized` the quantity object of the sale each choice was made for (a
    plan item that still holds that very object needs no check of its size in
    `sold_lots`); `books` each sold symbol's `Book` (all three made afresh for each plan,
    so the plan stays a pure function). `oldest_first`: each symbol's lots are oldest
    first (acquired never decreasing), given for a backtest's own lots
    (`trusted_tax_inputs`); `held`: the positions, which the lots sum to exactly (the
    snapshot's, checked by `tax_inputs`, or a backtest's own); `trades` the recent
    trades they were read from. `kept`: the symbols the user's weights target whose
    target a harvest moved to 0 (`portfolio.tax.harvest`): what is left of them is no
    liquidation (`_user_decided`).
    """

    terms: SaleTerms
    lots: Mapping[str, tuple[TaxLot, ...]]
    loss_sold: frozenset[str]
    chosen: dict[str, list[Priced]]
    books: dict[str, Book]
    sized: dict[str, Decimal]
    oldest_first: bool = False
    held: Mapping[str, Decimal] | None = None
    trades: tuple[PastTrade, ...] = ()
    kept: frozenset[str] = frozenset()

    def book(self, symbol: str, lots: tuple[TaxLot, ...], price: Decimal) -> Book:
        """The `Book` of `symbol` (its `lots`) at `price`, the symbol's price in the plan."""
        book = self.books.get(symbol)
        if book is None:
            terms, oldest_first = self.terms, self.oldest_first
            ordered = in_order(lots, terms.policy, price, terms.on, oldest_first=oldest_first)
            pool = deferrable(ordered, price, terms)
            shares = None if self.held is None else self.held.get(symbol)
            if shares is None:
                shares = sum(map(_QUANTITY, lots), ZERO)
            available = shares  # what `pool` holds, summed in the lots' order
            if len(pool) < len(lots):
                available = sum(map(_QUANTITY, deferrable(lots, price, terms)), ZERO)
            recent = recent_lots(lots, terms, oldest_first=oldest_first)
            if terms.policy.identical:  # recent buys of the group's other members count too
                recent += group_recent(symbol, self.lots, terms)
            at = None
            if oldest_first and terms.policy.method is LotMethod.FIFO:  # `pool` oldest first
                at = window_index(pool, terms)
            book = Book(ordered, pool, recent, shares, available, at)
            self.books[symbol] = book
        return book


def tax_inputs(snapshot: Snapshot, tax: TaxPolicy) -> Result[TaxInputs, PortfolioError]:
    """The snapshot's lots and recent trades, checked (rule 5).

    Call after the snapshot's own rules passed. A Failure(INVALID_SNAPSHOT) names the
    symbol at fault.
    """
    lots, trades = snapshot.lots, snapshot.recent_trades
    held = None
    problem = key_problem(lots, "lots", ErrorKind.INVALID_SNAPSHOT)
    if problem is None:
        lots = upper_keys(lots)  # type: ignore[assignment] # keys checked just above
        held = held_quantities(snapshot)
        problem = lots_problem(lots, held, snapshot.as_of)
    problem = problem or trades_problem(trades, snapshot.as_of)
    if problem is None and trades and snapshot.as_of is None:
        problem = PortfolioError.invalid_snapshot("recent_trades need the snapshot's as_of")
    if problem is not None:
        return Failure(problem)
    if snapshot.as_of is None:  # no lots: the terms are never used
        terms = SaleTerms(tax, date.max, date.max, date.min)
    else:
        terms = SaleTerms.of(tax, snapshot.as_of.date())
    sold = widened(loss_sold(trades, terms), tax)  # a whole identical group (harvesting rule 2)
    # The positions the lots were just checked to sum to exactly: each sold symbol's
    # shares without a sum over its lots (8 -> 1 µs a plan at 20 symbols, 0.32 ms at
    # 1,000; timeit).
    return Success(TaxInputs(terms, lots, sold, {}, {}, {}, held=held, trades=trades))


def adjusted(decided: Decisions, columns: Columns, inputs: TaxInputs) -> Decisions:
    """The decisions under rules 2-4: sales cut or held, buys held (see the module)."""
    sells, buys, holds = decided
    kept_sells, moved = _sales_adjusted(sells, columns, inputs, ZERO)
    blocked = inputs.loss_sold | loss_groups(kept_sells, inputs.chosen, inputs.terms.policy)
    if blocked:
        washed = [i for i in buys if _wash_buy(i, blocked)]
        buys = [i for i in buys if not _wash_buy(i, blocked)]
        moved += [_held(i, Reason.WASH_SALE) for i in washed]
    if not moved:
        return Decisions(kept_sells, buys, holds)
    return Decisions(kept_sells, buys, sorted([*holds, *moved], key=_SYMBOL))


def lots_adjusted(
    trades: list[PlanItem], standing: list[PlanItem], columns: Columns, inputs: TaxInputs
) -> list[PlanItem]:
    """The whole-lot trades the cash pass sized, under rules 2-4: the items that change.

    `standing` are the plan's other sales (decided before, or pinned by an earlier
    call): what they realize comes off the gain budget first. A sale cut keeps whole
    lots; one held, or a buy of a symbol recently sold at a loss, becomes a HOLD with
    the rule's reason. The planner pins what this returns and sizes the other whole
    lots again (docs/tax.md).
    """
    spent = ZERO
    for item in standing:
        sold = inputs.chosen.get(item.symbol)
        if sold is not None:
            spent += priced_gain(sold)
    sales = [i for i in trades if i.action is _SELL]
    kept, moved = _sales_adjusted(sales, columns, inputs, spent)
    policy = inputs.terms.policy
    blocked = inputs.loss_sold | loss_groups([*standing, *kept], inputs.chosen, policy)
    if blocked:
        moved += [
            _held(i, Reason.WASH_SALE)
            for i in trades
            if i.action is not _SELL and _wash_buy(i, blocked)
        ]
    unchanged = set(map(id, sales))
    return [*(i for i in kept if id(i) not in unchanged), *moved]


def _sales_adjusted(
    sells: list[PlanItem], columns: Columns, inputs: TaxInputs, spent: Decimal
) -> tuple[list[PlanItem], list[PlanItem]]:
    """(the sales kept, cut or not; those held) under rules 2-4; `spent`: budget used."""
    limits = Thresholds.of(columns.policy, columns.total_value)
    steps = _steps(columns)
    kept_sells: list[PlanItem] = []
    moved: list[PlanItem] = []
    candidates: dict[str, tuple[PlanItem, Candidate, Book]] = {}
    fixed = spent  # what the liquidations (never cut) and the standing sales realize
    identical = bool(inputs.terms.policy.identical)  # a liquidation may wash only in a group
    budget = inputs.terms.policy.max_realized_gain
    assets = columns.assets
    if inputs.kept:  # a harvest moved a targeted symbol's whole weight
        sells = [_user_decided(item, inputs) for item in sells]
    for item in sells:
        lots = inputs.lots.get(item.symbol)
        if not lots:  # unknown basis: nothing to decide by
            kept_sells.append(item)
            continue
        # a cut sale is held below the minimum trade, and below its broker's minimum order
        own = limits.with_floor(broker_minimum(assets.get(item.symbol))) if assets else limits
        book = inputs.book(item.symbol, lots, item.price)
        wanted = min(-item.quantity, book.shares)
        if item.reason is Reason.LIQUIDATE:
            pieces = relieve(book.ordered, wanted)
            if identical and wash_sale(book.recent, pieces, item.price):
                moved.append(_held(item, Reason.WASH_SALE))  # a twin's recent lot stays held
                continue
            sold = inputs.chosen[item.symbol] = priced(pieces, item.price)
            inputs.sized[item.symbol] = item.quantity
            fixed += priced_gain(sold)
            kept_sells.append(item)
            continue
        step = steps.get(item.symbol, SHARE_QUANTUM)
        sale, pieces = _sale(item, book, wanted, step, inputs.terms)
        if sale.action is _HOLD or (sale is not item and too_small(sale.trade_amount, own)):
            moved.append(_held(item, sale.reason))
            continue
        sold = inputs.chosen[item.symbol] = priced(pieces, item.price)
        inputs.sized[item.symbol] = sale.quantity
        if budget is not None:  # what rule 2 may cut
            shares, gain = -sale.quantity, priced_gain(sold)
            candidate = Candidate(item.symbol, item.price, pieces, shares, step, own, gain)
            candidates[item.symbol] = (sale, candidate, book)
        kept_sells.append(sale)
    if budget is not None and candidates:
        kept_sells = _budgeted(kept_sells, candidates, budget - fixed, inputs, moved)
    return kept_sells, moved


def _user_decided(item: PlanItem, inputs: TaxInputs) -> PlanItem:
    """The sale as the user's weights decide it: a liquidation only when they ask for one.

    The planner liquidates what targets 0 (`steps.rules.liquidates`), and a liquidation
    is never cut by rules 2 and 3. A harvest that moves a symbol's whole weight to its
    substitute leaves the rest of it at target 0 though the user's weights target it
    (`TaxInputs.kept`): that sale is a rebalancing sale, which the rules may cut.
    """
    if item.reason is Reason.LIQUIDATE and item.symbol in inputs.kept:
        return item._replace(reason=Reason.REBALANCE)
    return item


def _wash_buy(item: PlanItem, loss_sold: frozenset[str]) -> bool:
    """A rebalancing buy of a symbol sold at a loss within the window (rule 4)."""
    return item.symbol in loss_sold and item.reason is not Reason.LIQUIDATE


def _sale(
    item: PlanItem, book: Book, wanted: Decimal, step: Decimal, terms: SaleTerms
) -> tuple[PlanItem, list[Piece]]:
    """One rebalancing sale under rules 3 and 4: (the item, the pieces).

    The item is a HOLD when rule 3 leaves nothing or rule 4 cannot be avoided.
    """
    reason = item.reason
    if len(book.pool) < len(book.ordered):
        available = book.available
        if available < wanted:
            wanted, reason = down_to_step(available, step), Reason.SHORT_TERM_GAIN
    if wanted <= 0:
        return _held(item, reason), []
    pieces = choose(book.pool, book.recent, wanted, item.price, terms, window_at=book.window_at)
    if pieces is None:
        return _held(item, Reason.WASH_SALE), []
    if reason is item.reason:
        return item, pieces
    return _sold(item, wanted, reason), pieces


def _budgeted(
    sells: list[PlanItem],
    candidates: dict[str, tuple[PlanItem, Candidate, Book]],
    room: Decimal,
    inputs: TaxInputs,
    moved: list[PlanItem],
) -> list[PlanItem]:
    """The sales within the gain budget (rule 2); sales cut to nothing join `moved`."""

    def rechoose(candidate: Candidate, shares: Decimal) -> list[Piece] | None:
        book = candidates[candidate.symbol][2]
        return choose(
            book.pool, book.recent, shares, candidate.price, inputs.terms, window_at=book.window_at
        )

    cuts = within_budget([c for _, c, _ in candidates.values()], room, rechoose)
    if not cuts:
        return sells
    kept: list[PlanItem] = []
    for item in sells:
        cut: Kept | None = cuts.get(item.symbol)
        if cut is None:
            kept.append(item)
        elif cut.quantity > 0:
            sale = _sold(item, cut.quantity, Reason.GAIN_BUDGET)
            kept.append(sale)
            sold = cut.sold  # priced at the sale's price by the cut
            inputs.chosen[item.symbol] = priced(cut.pieces, item.price) if sold is None else sold
            inputs.sized[item.symbol] = sale.quantity
        else:
            moved.append(_held(item, Reason.GAIN_BUDGET))
    return kept


#: The lots each sale of a plan relieves, priced at its price, by symbol in plan order.
SoldLots = dict[str, list[Priced]]


def sold_lots(plan: RebalancePlan, inputs: TaxInputs) -> tuple[SoldLots, list[str]]:
    """(the lots each sale of `plan` relieves, the symbols sold without lots).

    The pieces `adjusted` chose for each sale (`TaxInputs.chosen`), the one choice both
    the plan's `TaxReport` and a backtest's lots read.
    """
    sold_by_symbol: SoldLots = {}
    unknown: list[str] = []
    chosen, sized = inputs.chosen, inputs.sized
    for item in plan.items:
        if item.action is not _SELL:
            continue
        if sized.get(item.symbol) is item.quantity:  # the sale the choice was made for
            # its size unchecked: 10 sales 60,000 -> 16,000 instructions (cachegrind)
            sold_by_symbol[item.symbol] = chosen[item.symbol]
            continue
        lots = inputs.lots.get(item.symbol)
        if not lots:
            unknown.append(item.symbol)
            continue
        book = inputs.book(item.symbol, lots, item.price)
        shares = min(-item.quantity, book.shares)
        sold = chosen.get(item.symbol)
        if sold is None or sum(map(_SHARES, sold), ZERO) != shares:
            sold = priced(_pieces(item, book, shares, inputs.terms), item.price)
        sold_by_symbol[item.symbol] = sold
    return sold_by_symbol, unknown


def with_report(plan: RebalancePlan, inputs: TaxInputs) -> RebalancePlan:
    """The plan with its `TaxReport`, and an id that covers the tax policy and data.

    A plan without an id (made without one by `Planner.plan_trusted` for a harvesting
    plan in a backtest's fold, which names its plans only when they are read) stays
    without one.
    """
    sold, unknown = sold_lots(plan, inputs)
    first_short = inputs.terms.first_short
    policy = inputs.terms.policy
    short, long, tax, gains = priced_estimated_tax(sold.values(), first_short, policy)
    over = CENTS
    if policy.max_realized_gain is not None:
        over = max(short + long - policy.max_realized_gain, CENTS)
    report = TaxReport.of_rows(  # its `LotSale`s built when read
        SoldRows(sold, first_short),
        short_term_gain=short,
        long_term_gain=long,
        estimated_tax=tax,
        unknown_basis=tuple(unknown),
        over_budget=over,
    )
    if not plan.plan_id:
        return attrs.evolve(plan, tax=report)
    return attrs.evolve(plan, tax=report, plan_id=_plan_id(plan, sold, gains, policy))


def _pieces(item: PlanItem, book: Book, shares: Decimal, terms: SaleTerms) -> list[Piece]:
    """The lots a sale in the plan relieves: the choice `adjusted` made for it.

    A sale without a choice of the right size (the planner runs the rules on every
    sale, so only as a safeguard) relieves the lots its rules allow, or else the
    method's order.
    """
    if item.reason is Reason.LIQUIDATE:
        return relieve(book.ordered, shares)
    if book.available >= shares:
        pieces = choose(book.pool, book.recent, shares, item.price, terms, window_at=book.window_at)
        if pieces is not None:
            return pieces
    return relieve(book.ordered, shares)


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


def _plan_id(plan: RebalancePlan, sold: SoldLots, gains: list[Decimal], tax: TaxPolicy) -> str:
    """The plan's id, extended to name the tax policy and what the tax rules decided.

    The planner's id covers the account and the rest of the policy; the lots and recent
    trades act through the decisions (the items' quantities and reasons) and the lots
    relieved (`sold`, as the report's `LotSale`s name them, with their `gains` in the same
    order), which this adds. Orders take their ids from the plan's (docs/execution.md),
    so two plans that differ must not share one.
    """
    items = plan.items
    lots: list[str] = []
    quantities: list[Decimal] = []
    for symbol, pieces in sold.items():  # each `LotSale`'s fields, without the `LotSale`
        for lot, shares, _, _ in pieces:
            # `isoformat`'s text of a date of year 1000 on, from a table of two digits:
            # 21 lots named, 3.70 -> 3.68 million instructions a 20-symbol plan
            day = lot.acquired
            lots.append(
                f"{symbol}:{lot.lot_id}:{day.year}-{_TWO_DIGITS[day.month]}-{_TWO_DIGITS[day.day]}"
                if type(day) is date and day.year >= 1000  # four digits
                else f"{symbol}:{lot.lot_id}:{day.isoformat()}"
            )
            quantities.append(shares)
    numbers = canonical_text((*map(_ITEM_QUANTITY, items), *quantities, *gains))
    # Lists, not generators, for `join`; a reason's `_value_` is its `value` without the
    # enum property's call (the reasons: 47,000 -> 14,000 instructions on 20 items).
    parts = (
        plan.plan_id,
        tax_policy_text(tax),
        "\x00".join([item.reason._value_ for item in items]),
        "\x00".join(lots),
        numbers,
    )
    text = "\x01".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()[:32]


# Equal policies are written alike, so the text is kept by policy: a planner names every
# plan with its one policy (a taxed 20-symbol plan: 3.77 -> 3.75 million instructions,
# cachegrind; the text 28,000 instructions, the policy's hash 6,600).
@functools.lru_cache(maxsize=64)
def tax_policy_text(tax: TaxPolicy) -> str:
    r"""The policy as a plan id names it: every field, equal policies written alike.

    Decimals through `canonical_text`, as the rest of the id writes them (0.3, 0.30 and
    3E-1 all "0.3"). Equal policies give the same text, unequal ones different texts:
    the fields in their order, NUL-separated; the method by its value; None as "None",
    never a number's text; the `identical` groups as stored (their order is part of the
    policy) and the substitutes in the order `TaxPolicy` keeps them (by symbol), each as
    the repr of its tuples, which writes any symbol unambiguously and never a NUL.

    >>> tax_policy_text(TaxPolicy(short_term_rate=Decimal("0.30")))
    'FIFO\x00None\x000\x000.3\x000\x0030\x00()\x00()\x00None\x000'
    """
    budget, threshold = tax.max_realized_gain, tax.harvest_threshold
    parts = (
        tax.method.value,
        "None" if budget is None else canonical_text((budget,)),
        f"{tax.defer_short_term_gains:d}",
        canonical_text((tax.short_term_rate, tax.long_term_rate)),
        str(tax.wash_sale_days),
        repr(tax.identical),
        repr(tuple(tax.substitutes.items())),
        "None" if threshold is None else canonical_text((threshold,)),
        canonical_text((tax.harvest_min_loss,)),
    )
    return "\x00".join(parts)


def trusted_tax_inputs(
    lots: Mapping[str, tuple[TaxLot, ...]],
    trades: tuple[PastTrade, ...],
    tax: TaxPolicy,
    on: date,
    held: Mapping[str, Decimal],
) -> TaxInputs:
    """`tax_inputs` of lots and trades valid by construction, unchecked (a backtest's own).

    `lots` with upper-case keys, summing exactly to the positions `held`, each symbol's
    oldest first (acquired never decreasing); the plan's date `on`.
    """
    terms = SaleTerms.of(tax, on)
    sold = widened(loss_sold(trades, terms), tax)
    return TaxInputs(terms, lots, sold, {}, {}, {}, oldest_first=True, held=held, trades=trades)
