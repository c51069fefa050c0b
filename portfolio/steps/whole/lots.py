"""The actions step for symbols that trade in whole lots: whole shares and crypto increments.

These symbols are sized together by `portfolio.whole_shares.allocate_whole`, before the
fractional buys. They get the cash first, less a cent per symbol whose lot is not priced
in whole cents (so that rounding amounts to cents can never overdraw), and the fractional
buys take what they leave, scaled down pro rata when whole lots overshoot (see
`portfolio.steps.cash`). The error counts the distance between the cash whole lots
leave and what the fractional buys want (`fractional_need`): with no fractional buy,
cash left idle is error, and whole lots are bought while the cash lasts; with them, a
whole-lot symbol may end a lot above its target where that is nearer, the fractional
buys taking less. The cash a plan means to keep (weights summing below 1) is not spent
on whole lots, nor cash beyond an allocation's `portfolio_value`.

The fractional symbols absorb both ways: where whole lots need more than the cash and
the planned sales, the fractional holdings sell it (`funded_lots`, `funding_sales`:
every candidate position the same fraction of what it holds after its planned sale).

The trades that pay for whole lots or take cash from them count what a fill pays for
sure (`counted`): a fill moves the cash by exactly quantity × price, which may be a
fraction of a cent off the trade's amount in cents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from itertools import repeat
from operator import attrgetter, mod, mul, sub

from portfolio.records.asset_facts import below_broker_minimum, broker_minimum, held_below_minimum
from portfolio.records.money import CENT, SHARE_QUANTUM, ZERO
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.records.snapshot import Asset
from portfolio.steps.modes import held_by_buy_only
from portfolio.steps.rules import (
    Decisions,
    Row,
    Thresholds,
    below_floor,
    fixed_rule_holds,
    surely_paid,
    too_small,
)
from portfolio.steps.targets import investable_value
from portfolio.steps.validate import Columns
from portfolio.steps.whole.items import lot_items
from portfolio.steps.whole.sizing import allocate_whole

__all__ = [
    "counted",
    "fractional_need",
    "funded_lots",
    "funding_candidates",
    "funding_sales",
    "lot_spending",
    "merged",
    "overcounted",
    "plan_lots",
    "sellable_value",
    "size_lots",
    "split_lot_rows",
    "to_decide",
]

_LIMITED, _REBALANCE = Reason.CASH_LIMITED, Reason.REBALANCE
_BUY, _SELL = Action.BUY, Action.SELL
#: Decisions that stand for whole-lot symbols too: `plan_lots` does not size them.
_FIXED = (Reason.NOT_TRADABLE, Reason.LIQUIDATE, Reason.WITHIN_BAND)


def to_decide(rows: Sequence[Row], steps: Mapping[str, Decimal], limits: Thresholds) -> list[Row]:
    """The rows `decide` must see where `plan_lots` sizes every whole lot it may.

    Every fractional row, and the whole-lot rows a fixed rule holds
    (`portfolio.steps.rules.fixed_rule_holds`); `split_lot_rows` sizes the rest.
    """
    return [row for row in rows if row[0] not in steps or fixed_rule_holds(row, limits)]


def split_lot_rows(
    decided: Decisions, rows: list[Row], steps: Mapping[str, Decimal]
) -> tuple[Decisions, list[Row]]:
    """(the items that stand, the rows of whole-lot symbols to size, by symbol).

    `steps` maps each whole-lot symbol to its lot (shares). A whole-lot symbol is sized
    unless `decided` holds it for a fixed reason (`decided` may leave out the whole-lot
    rows no fixed rule holds: see `to_decide`).
    """
    lot_rows = {row[0]: row for row in rows if row[0] in steps}
    fixed_1, fixed_2, fixed_3 = _FIXED  # compared by identity: hashing an enum is slow
    standing: set[str] = set()
    groups: list[list[PlanItem]] = []
    for group in decided:
        kept: list[PlanItem] = []
        for each in group:
            reason = each.reason
            if reason is fixed_1 or reason is fixed_2 or reason is fixed_3:
                kept.append(each)
                standing.add(each.symbol)
            elif each.symbol not in lot_rows:
                kept.append(each)
        groups.append(kept)
    return Decisions(*groups), [lot_rows[s] for s in sorted(lot_rows) if s not in standing]


def size_lots(  # noqa: PLR0913 - the parts of the plan the sizing reads
    rows: list[Row],
    steps: Mapping[str, Decimal],
    columns: Columns,
    goals: Sequence[Decimal],
    *,
    available: Decimal,
    limits: Thresholds,
    need: Decimal = ZERO,
    buys_only: bool = False,
    buffer: Decimal = ZERO,
    sellable: Decimal = ZERO,
) -> list[PlanItem]:
    """Size the whole-lot symbols with the cash available, less the cash the plan keeps.

    `available` is what buys may spend (after sales, the reserve and liquidation buys,
    shrunk by the buy buffer); the weights' cash (1 − Σ weights of the investable value)
    is kept, and so is cash beyond the account's value (an allocation's `portfolio_value`
    below what the account holds): whole lots never spend it. Where the cash is below it
    already, lots may still be exchanged, sales paying buys (docs/policy.md: a plan never
    adds to what an account holds invested beyond what the weights allow).
    `need` is what the fractional buys want (`fractional_need`): the error counts the
    distance between the cash whole lots leave and it. With `buys_only` (the `buy_only`
    mode) nothing is sold: a symbol above its target holds (Reason.BUY_ONLY). With a
    `buy_price_buffer` (`buffer`), the proceeds of these symbols' own sales count shrunk
    by it too (see `lot_spending`), and those sales stay truncated toward zero.
    `sellable`: what the fractional holdings may raise beyond their planned sales
    (`sellable_value`); the lots may spend it, `funding_sales` then raises it.
    """
    if not rows:
        return []
    assets = columns.assets
    investable = investable_value(columns.total_value, columns.policy)
    unweighted = 1 - sum((max(w, ZERO) for w in columns.weights), ZERO)
    kept = (investable * unweighted).quantize(CENT, rounding=ROUND_DOWN)  # cents, as targets
    symbols = [row[0] for row in rows]
    lots = [steps[s] for s in symbols]
    minimums = [broker_minimum(assets.get(s)) for s in symbols] if assets else [ZERO] * len(rows)
    sales = ZERO if buys_only or not buffer else _sales(rows, lots, minimums, limits)
    weights_keep = max(kept + _beyond_value(columns), ZERO)
    return plan_lots(
        rows,
        lots,
        minimums,
        cash=available - weights_keep - sales * buffer / (1 + buffer),
        kept=weights_keep,
        limits=limits,
        need=need,
        noise=2 * CENT * (len(goals) + 1),  # V and each target round to cents
        buys_only=buys_only,
        fixed_sales=bool(buffer),
        sellable=sellable,
        banded=_banded_lots(symbols, steps, columns, goals),
    )


def _banded_lots(
    sized: Sequence[str], steps: Mapping[str, Decimal], columns: Columns, goals: Sequence[Decimal]
) -> list[Decimal]:
    """The lots (account currency) of the whole-lot symbols with a target not sized now.

    A whole-lot symbol is not sized when a fixed rule holds it (`split_lot_rows`: the
    band, a liquidation, not tradable) or an earlier round of the tax rules pinned its
    trade (`steps.actions._lots_adjusted`). These are the tradable ones with a target:
    those the band holds, and in a taxed plan's later rounds the pinned ones too (their
    cent kept as the first round kept it). Found by elimination: a new fixed reason
    would need a look here. `goals` are the plan's targets in `columns`' symbol order.
    """
    if len(sized) == len(steps):
        return []
    assets, apart = columns.assets, set(sized)
    return [
        price * steps[symbol]
        for symbol, price, goal in zip(columns.symbols, columns.prices, goals, strict=True)
        if symbol in steps
        and symbol not in apart
        and goal
        and (assets.get(symbol) is None or assets[symbol].tradable)
    ]


def fractional_need(buys: Sequence[PlanItem], steps: Mapping[str, Decimal]) -> Decimal:
    """What the fractional rebalancing buys want of the cash (account currency).

    `steps` names the whole-lot symbols (left out); liquidation buys are paid first.
    """
    return sum(
        (i.trade_amount for i in buys if i.reason is _REBALANCE and i.symbol not in steps), ZERO
    )


def _beyond_value(columns: Columns) -> Decimal:
    """The account's worth beyond its value V: cash + Σ held × price − V (may be < 0).

    Not 0 only where an allocation's `portfolio_value` differs from what the account
    holds: the weights spend V, whatever more or less the account holds (V is in cents:
    the half cent of its rounding is not counted).
    """
    held = sum(map(mul, columns.quantities, columns.prices), ZERO)
    beyond = columns.cash + held - columns.total_value
    return beyond if abs(beyond) > CENT / 2 else ZERO


def counted(each: PlanItem) -> Decimal:
    """What a trade is counted as where whole lots are sized: the cents its fill pays for sure.

    `rules.surely_paid` of the item (signed, account currency), so that a whole lot sized
    on these counts is never cut by the fill.

    >>> from portfolio.records.plan_item import Action, PlanItem, Reason
    >>> sale = PlanItem("X", Action.SELL, Decimal("-25.54"), Decimal("-0.335"), Decimal("76.23"),
    ...                 Decimal("25.54"), ZERO, ZERO, ZERO, Reason.LIQUIDATE)
    >>> counted(sale)  # 0.335 × 76.23 = 25.53705
    Decimal('-25.53')
    """
    return surely_paid(each.quantity, each.price, each.trade_amount)


def overcounted(items: Sequence[PlanItem]) -> Decimal:
    """What the trades' amounts count beyond what `counted` counts (≥ 0, account currency)."""
    return sum((counted(each) - each.trade_amount for each in items), ZERO)


def lot_spending(lots: Sequence[PlanItem], buffer: Decimal) -> Decimal:
    """What whole-lot trades take from the cash the other buys may spend (account currency).

    Their buys, less their sales' proceeds shrunk by the buy buffer: buys × (1 + buffer)
    must fit the cash and every sale's proceeds. Each trade is `counted`.
    """
    buys = sum([counted(i) for i in lots if i.action is _BUY], ZERO)
    return buys - _sold(lots) / (1 + buffer)


def _sales(
    rows: Sequence[Row], steps: Sequence[Decimal], minimums: Sequence[Decimal], limits: Thresholds
) -> Decimal:
    """The proceeds of the whole-lot sales `allocate_whole` makes: each truncated to lots.

    Sales are never changed after truncation, so this is known before the sizing.
    """
    total = ZERO
    for row, step, least in zip(rows, steps, minimums, strict=True):
        trade, lot = row.trade, row.price * step
        floor = limits.floor(least)
        if trade < 0 and not below_floor(trade, floor):
            value = (-trade / lot).to_integral_value(rounding=ROUND_DOWN) * lot
            total += ZERO if below_floor(value, floor) else value
    return total


def merged(decided: Decisions, more: list[PlanItem], assets: Mapping[str, Asset]) -> Decisions:
    """The groups with `more` items added, each group in symbol order.

    A buy the cash pass scaled below its broker minimum becomes a HOLD (that frees cash).
    """
    sells, buys, holds = decided
    kept: list[PlanItem] = []
    for each in [*buys, *more]:
        limited = each.reason is _LIMITED and assets  # no asset facts: no broker minimum
        if limited and below_broker_minimum(each, assets.get(each.symbol)):
            each = held_below_minimum(each)  # noqa: PLW2901
        action = each.action  # compared by identity: hashing an enum is slow
        (kept if action is _BUY else sells if action is _SELL else holds).append(each)
    by_symbol = attrgetter("symbol")
    return Decisions(
        sorted(sells, key=by_symbol), sorted(kept, key=by_symbol), sorted(holds, key=by_symbol)
    )


def plan_lots(  # noqa: PLR0913 - the rows and their two columns of asset facts
    rows: Sequence[Row],
    steps: Sequence[Decimal],
    broker_minimums: Sequence[Decimal],
    *,
    cash: Decimal,
    limits: Thresholds,
    need: Decimal,
    noise: Decimal,
    buys_only: bool = False,
    fixed_sales: bool = False,
    sellable: Decimal = ZERO,
    kept: Decimal = ZERO,
    banded: Sequence[Decimal] = (),
) -> list[PlanItem]:
    """One item per row (in row order): a whole number of lots, or a HOLD saying why not.

    `kept`: the part of what `cash` leaves aside that the weights keep (their cash, and
    cash beyond the account's value), not the policy's reserve: a plan may buy while it is
    short, as long as the reserve is not.

    A cent is kept aside for each lot that costs a fraction of a cent (`_unpriced`): the
    rows' and the `banded` ones (account currency: the lots of the whole-lot symbols
    their band holds, which trade again once they leave it). So the plan made after this
    one filled, where a band holds a symbol this one sized, keeps the same cents and does
    not spend the freed cent on another lot.

    `steps` are the lots in shares, `broker_minimums` the smallest orders in account
    currency; `cash` is what these symbols may spend beyond the reserve, before their
    own sales; `noise` how far cent rounding may move a target between two plans. With
    `buys_only`, a target below what is held counts as what is held (nothing is sold).
    """
    if not rows:
        return []
    symbols, prices, held, current, goals = list(zip(*rows, strict=True))[:5]
    if buys_only:
        goals = tuple(map(max, goals, current))
    rounding_allowance = CENT * (_unpriced(map(mul, prices, steps)) + _unpriced(banded))
    quantities = allocate_whole(
        symbols,
        prices,
        held,
        goals,
        steps,
        cash=cash - rounding_allowance,
        allowance=rounding_allowance + kept,
        aside=rounding_allowance,
        minimum=limits.floor(),
        need=need,
        broker_minimums=broker_minimums,
        noise=noise,
        buys_only=buys_only,
        fixed_sales=fixed_sales,
        sellable=sellable,
    )
    items = lot_items(rows, list(map(sub, quantities, held)), steps, broker_minimums, limits)
    if buys_only:  # a sale the mode forbids holds with the mode's reason
        items = [
            held_by_buy_only(each)
            if each.action is Action.HOLD and row.trade < 0 and not too_small(row.trade, limits)
            else each
            for each, row in zip(items, rows, strict=True)
        ]
    return items


def _unpriced(lots: Iterable[Decimal]) -> int:
    """How many of `lots` (account currency) cost a fraction of a cent."""
    return sum(map(bool, map(mod, lots, repeat(CENT))))


#: Fractional decisions whose position may be sold further to fund whole lots.
_SELLABLE_HOLDS = (Reason.AT_TARGET, Reason.BELOW_MIN_TRADE)


def funding_candidates(
    decided: Decisions, steps: Mapping[str, Decimal], unfunded: frozenset[str] = frozenset()
) -> list[PlanItem]:
    """The fractional items whose long position may be sold further to fund whole lots.

    Rebalancing sales and buys, and holds that are on target or below the minimum trade:
    never a position a fixed rule holds (not tradable, liquidated, within its band), a
    trade the broker's minimum or a tax rule held, a short, nor one of `unfunded` (a
    holding with tax lots: a further sale would escape the tax rules).
    """
    return [
        each
        for each in (*decided.sells, *decided.buys, *decided.holds)
        if each.symbol not in steps
        and each.symbol not in unfunded
        and each.current_value > 0
        and (
            each.reason is _REBALANCE
            if each.action is not Action.HOLD
            else each.reason in _SELLABLE_HOLDS
        )
    ]


def sellable_value(candidates: Sequence[PlanItem]) -> Decimal:
    """What the candidates hold after their planned sales (their buys not made): Σ value."""
    return sum((_left_after(each) for each in candidates), ZERO)


def _left_after(each: PlanItem) -> Decimal:
    """The position's value after its planned sale (a buy or a hold: the value held)."""
    return each.current_value + each.trade_amount if each.action is _SELL else each.current_value


def funding_sales(
    candidates: Sequence[PlanItem],
    shortfall: Decimal,
    held: Mapping[str, Decimal],
    floors: Mapping[str, Decimal],
) -> list[PlanItem] | None:
    """The candidates' items with `shortfall` (account currency, > 0) more sold; or None.

    The rule (docs/policy.md): every candidate position sells the same fraction of what
    it holds after its planned sale (so the fractional symbols keep their proportions to
    one another), each share rounded up to the cent. A sale never exceeds the position;
    where it would leave less than the symbol's floor (`floors`: the larger of the minimum
    trade and the broker's minimum order), the whole position is sold; a candidate whose
    whole sale would be below its floor is left out and the others share its part. A
    candidate's planned buy is not made (the lots took its cash). The sales are
    REBALANCE: they move the account to the documented objective's optimum, as the sales
    to target do. None where the candidates cannot raise the shortfall.
    """
    active = list(candidates)
    while active:
        room = sellable_value(active)
        if room < shortfall:
            return None
        extra = {e.symbol: _cents_up(shortfall * _left_after(e) / room) for e in active}
        small = [
            e
            for e in active
            if below_floor(_sale_of(e, extra[e.symbol]), floors.get(e.symbol, ZERO))
        ]
        if not small:
            break
        active = [e for e in active if e not in small]
    else:
        return None
    sold = {e.symbol: _more_sold(e, extra[e.symbol], held[e.symbol], floors) for e in active}
    return [sold.get(each.symbol, each) for each in candidates]


def _sale_of(each: PlanItem, extra: Decimal) -> Decimal:
    """The whole sale (account currency, > 0) of a candidate that sells `extra` more."""
    planned = -each.trade_amount if each.action is _SELL else ZERO
    return planned + min(extra, _left_after(each))


def _more_sold(
    each: PlanItem, extra: Decimal, held: Decimal, floors: Mapping[str, Decimal]
) -> PlanItem:
    """`each` as a SELL of `extra` more (the whole position where too little would stay)."""
    if _left_after(each) - extra < max(floors.get(each.symbol, ZERO), CENT):
        amount, quantity = -each.current_value, -held
    else:
        # The shares round up at the ninth decimal, as a withdrawal's: the sale's proceeds
        # at the exact price raise its amount (`counted`), which pays for whole lots.
        sale = _sale_of(each, extra)
        quantity = -min((sale / each.price).quantize(SHARE_QUANTUM, rounding=ROUND_UP), held)
        amount = -max(sale, (-quantity * each.price).quantize(CENT, rounding=ROUND_DOWN))
    return each._replace(action=_SELL, trade_amount=amount, quantity=quantity, reason=_REBALANCE)


def _cents_up(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_UP)


def funded_lots(  # noqa: PLR0913 - the decisions and what sizing the lots reads
    decided: Decisions,
    lot_rows: list[Row],
    steps: Mapping[str, Decimal],
    columns: Columns,
    goals: Sequence[Decimal],
    *,
    available: Decimal,
    limits: Thresholds,
    unfunded: frozenset[str] = frozenset(),
) -> tuple[list[PlanItem], Decisions, Decimal]:
    """(the whole lots, the decisions with any funding sales, what the lots take of the cash).

    `available` is what buys may spend (see `size_lots`). The rebalance mode's cash pass
    (the other modes size their lots themselves, `portfolio.steps.actions._STRATEGIES`):
    without a buy buffer, the lots may also spend what the fractional holdings hold beyond their
    planned sales (`funding_candidates`); where they do, `funding_sales` sells that much
    more of them. Where those sales cannot raise it (the minimum trade), the lots are sized
    again from the cash and the planned sales alone. What the lots take is their buys less
    their sales and the funding sales. The sales fund the lots only: where `available` is
    below 0 already (the reserve short), they raise what lots that buy leave it short
    (a plan that buys keeps the reserve), and nothing for lots that only sell.
    """
    policy = columns.policy
    buffer = policy.buy_price_buffer
    plain = not buffer and bool(lot_rows)
    candidates = funding_candidates(decided, steps, unfunded) if plain else []
    need = fractional_need(decided.buys, steps)
    lots: list[PlanItem] = []
    spent = ZERO
    for sellable in (sellable_value(candidates), ZERO) if candidates else (ZERO,):
        lots = size_lots(
            lot_rows,
            steps,
            columns,
            goals,
            available=available,
            limits=limits,
            need=need,
            buffer=buffer,
            sellable=sellable,
        )
        spent = lot_spending(lots, buffer) if lots else ZERO
        # What the lots take beyond the cash; lots that buy keep the reserve too (rule 6):
        # where it is short already, what they leave it short (sales alone need not).
        short = spent - (available if _buys(lots) else max(available, ZERO))
        if short <= 0 or not sellable:
            break
        more = _funded_by(candidates, short, _funding_facts(columns, limits))
        if more is not None:  # the fractional candidates sell what the lots need more
            raised = _sold(more) - _sold(candidates)
            return lots, _replaced(decided, more), spent - raised
    return lots, decided, spent


#: The most times `_funded_by` asks the candidates for more than the shortfall.
_MOST_ASKS = 4


def _funded_by(
    candidates: Sequence[PlanItem],
    short: Decimal,
    facts: tuple[dict[str, Decimal], dict[str, Decimal]],
) -> list[PlanItem] | None:
    """`funding_sales` whose `counted` proceeds raise `short` more; or None.

    The candidates' sales are made again, their shares rounded up (`_more_sold`), so the
    cent their planned sales may surely lack (`overcounted`) is not asked twice; a whole
    position sold may surely raise a cent less than its value in cents (its exact value
    rounded): where the sales lack it, they are asked for that much more, a few times.
    """
    planned = [each for each in candidates if each.action is _SELL]
    asked = max(short - overcounted(planned), CENT)
    for _ in range(_MOST_ASKS):
        more = funding_sales(candidates, asked, *facts)
        if more is None:
            return None
        lacking = short - (_sold(more) - _sold(candidates))
        if lacking <= 0:
            return more
        asked += lacking
    return None


def _buys(lots: Sequence[PlanItem]) -> bool:
    return any(each.action is _BUY for each in lots)


def _sold(items: Sequence[PlanItem]) -> Decimal:
    """What the sales among `items` raise, each `counted` (account currency, ≥ 0)."""
    return -sum([counted(e) for e in items if e.action is _SELL], ZERO)


def _funding_facts(
    columns: Columns, limits: Thresholds
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(shares held, the smallest trade) per symbol, for `funding_sales`."""
    assets = columns.assets
    floors = {s: limits.floor(broker_minimum(assets.get(s))) for s in columns.symbols}
    return dict(zip(columns.symbols, columns.quantities, strict=True)), floors


def _replaced(decided: Decisions, more: list[PlanItem]) -> Decisions:
    """`decided` with the items of `more` in place of their symbols', each in its group."""
    by_symbol = {each.symbol: each for each in more}
    groups: tuple[list[PlanItem], list[PlanItem], list[PlanItem]] = ([], [], [])
    for each in (*decided.sells, *decided.buys, *decided.holds):
        each = by_symbol.get(each.symbol, each)  # noqa: PLW2901
        groups[_GROUPS.index(each.action)].append(each)
    return Decisions(*groups)


_GROUPS = (Action.SELL, Action.BUY, Action.HOLD)
