"""Step 4, actions: decide BUY / SELL / HOLD per symbol, keep the plan within cash, order it.

The per-symbol rules are `portfolio.steps.rules.decide` (the planner's one hot loop),
cash feasibility is `portfolio.steps.cash.limit_to_cash`. `plan_from_columns` lays the
columns side by side, chooses the mode's strategy once (`_rebalance`, `_buy_only`,
`_sell_only`), runs it, then the cash pass, and assembles the plan; `actions` is the
same for a `Deltas` record.

The broker's order rules:

- symbols that trade in whole lots (whole shares, crypto increments; see
  `portfolio.asset_facts.quantity_step`) and are not held back by a fixed rule (not
  tradable, liquidated, within the band) are sized together by `portfolio.steps.whole.lots`,
  with the cash first (shrunk by the `buy_price_buffer`; in `buy_only`, the cash above
  the reserve and no sales); the fractional buys take what they leave (`limit_to_cash`).
  In `sell_only` the withdrawal's sales are rounded to whole lots with the least
  over-sale (`portfolio.steps.modes.withdrawal_sales`);
- a trade below the asset's minimum order is held (`order_rules`; BELOW_BROKER_MINIMUM),
  and so is a fractional buy that the cash pass scales below it;
- open orders are netted into the account by the validate step (`portfolio.orders.open_orders`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import ROUND_UP, Decimal, localcontext
from itertools import repeat
from operator import attrgetter, mul
from typing import NamedTuple

from portfolio.records.asset_facts import quantity_step
from portfolio.records.held import Held
from portfolio.records.money import CENT, CORE_CONTEXT, ZERO
from portfolio.records.plan import RebalancePlan
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.records.policy import BandTrigger, Mode, SizingPolicy
from portfolio.steps.cash import limit_to_cash
from portfolio.steps.checked import step_input
from portfolio.steps.deltas import Deltas
from portfolio.steps.modes import buy_only, portfolio_trigger, sell_only
from portfolio.steps.rules import (
    Decisions,
    Fields,
    Row,
    Thresholds,
    decide,
    order_rules,
    rows_of,
)
from portfolio.steps.validate import Columns
from portfolio.steps.whole.lots import (
    fractional_need,
    funded_lots,
    lot_spending,
    merged,
    overcounted,
    size_lots,
    split_lot_rows,
    to_decide,
)

__all__ = ["WEIGHT_QUANTUM", "actions", "plan_from_columns"]

#: Weights in a plan carry ten decimals (fractions of V).
WEIGHT_QUANTUM = Decimal("1E-10")
_AMOUNT = attrgetter("trade_amount")
_SYMBOL = attrgetter("symbol")
_SELL = Action.SELL
_BUDGET = Reason.GAIN_BUDGET
#: The tax rules on a plan's decisions before the cash rule (`tax.step.adjusted`).
Adjust = Callable[[Decisions, Columns], Decisions]
#: The tax rules on the whole-lot trades the cash pass sized, given the sales that stand:
#: the items they change.
AdjustLots = Callable[[list[PlanItem], list[PlanItem], Columns], list[PlanItem]]
_ONE = Decimal(1)


def actions(deltas: Deltas) -> RebalancePlan:
    """Turn deltas into the plan: SELLs, then BUYs, then HOLDs, each by symbol.

    Cannot fail on checked input. `cash_after = cash_before − Σ trade_amount`, computed
    in the core's context; buys never spend more than cash + sale proceeds − the reserve.
    """
    step_input(deltas, Deltas, "actions(deltas)", "deltas")
    targets = deltas.targets
    columns = Columns.of(targets.checked)
    symbols = columns.symbols
    with localcontext(CORE_CONTEXT):
        return plan_from_columns(
            columns,
            tuple(map(targets.target_values.__getitem__, symbols)),
            tuple(map(deltas.current_values.__getitem__, symbols)),
            tuple(map(deltas.trade_amounts.__getitem__, symbols)),
        )


def plan_from_columns(  # noqa: PLR0913 - the columns, and the tax rules' two hooks
    columns: Columns,
    goals: Sequence[Decimal],
    current: Sequence[Decimal],
    trades: Sequence[Decimal],
    adjust: Adjust | None = None,
    *,
    adjust_lots: AdjustLots | None = None,
    unfunded: frozenset[str] = frozenset(),
) -> RebalancePlan:
    """The plan from validated columns and the target, current and trade columns (cents).

    The mode's strategy is chosen once (`_STRATEGIES`); the band trigger is applied
    once, before it; `adjust` (the tax rules, `portfolio.tax.step.adjusted`) may change
    the decisions before the cash rule, and `adjust_lots` (`tax.step.lots_adjusted`) the
    whole-lot trades the cash pass sized (see `_lots_adjusted`), or the sales a withdrawal
    makes instead of those the rules held (`_withdrawn`); the cash pass and the
    plan's totals are the same for every mode. `unfunded`: the fractional holdings that
    may not be sold further to fund whole lots (those whose lots the tax rules govern:
    the rules saw their sales before the cash pass). Call inside the core context
    (`actions` and the planner do).
    """
    policy, value, cash = columns.policy, columns.total_value, columns.cash
    strategy = _STRATEGIES[policy.mode]  # a StrEnum: its members are their names
    fields, steps = _rows(columns, goals, current, trades, sized_apart=strategy.sizes_lots)
    rows: Iterable[Fields] = fields
    limits = columns.limits if columns.limits is not None else Thresholds.of(policy, value)
    if policy.band_trigger == BandTrigger.PORTFOLIO and limits.banded:
        rows = named = rows_of(fields)
        limits = portfolio_trigger(named, limits)
    reserve = policy.reserve(value)
    decided, lot_rows, sized = strategy.decide(
        _Planned(columns, goals, rows, steps, limits, reserve, adjust, adjust_lots)
    )
    if sized and adjust_lots is not None:  # the whole lots a strategy sized (buy_only)
        sized = _tax_held(sized, decided, adjust_lots, columns)
    asked = decided.sells  # before the tax rules: a sale they cut may be offered again
    if adjust is not None and not strategy.adjusts:
        decided = adjust(decided, columns)
    proceeds = _raised(decided.sells)
    bought = sum(map(_AMOUNT, decided.buys), ZERO)
    room = cash + proceeds - reserve  # what buys may spend: after sales, less the reserve
    taxed_lots = adjust_lots is not None and bool(lot_rows) and sized is None
    before = _copied(decided) if taxed_lots else decided  # `merged` appends to the lists
    if lot_rows or policy.buy_price_buffer or bought > room:  # the cash pass
        funded = _funded(
            decided,
            lot_rows,
            columns,
            goals,
            room=room,
            limits=limits,
            steps=steps,
            sized=sized,
            unfunded=unfunded,
        )
    else:  # every buy fits (liquidation buys included): the cash pass would change nothing
        funded = merged(decided, [], columns.assets) if columns.assets else decided
    if taxed_lots and adjust_lots is not None:  # the tax rules on the whole-lot sales
        funded = _lots_adjusted(
            funded,
            before,
            lot_rows,
            adjust_lots,
            asked=asked,
            columns=columns,
            goals=goals,
            spare=cash - reserve,
            limits=limits,
            steps=steps,
            unfunded=unfunded,
        )
    if funded is not decided:
        proceeds = _raised(funded.sells)
        bought = sum(map(_AMOUNT, funded.buys), ZERO)
    sells, buys, holds = funded
    return RebalancePlan(
        plan_id=columns.plan_id,
        correlation_id=columns.correlation_id,
        items=(*sells, *buys, *holds),
        total_value=value,
        cash_before=cash,
        cash_after=cash + proceeds - bought,
        as_of=columns.as_of,
        metadata=columns.metadata,
        policy=policy,
        held=Held(columns.symbols, columns.quantities),
    )


class _Planned(NamedTuple):
    """What a mode's strategy reads: the columns, the rows, the lots and the thresholds.

    `steps` maps each whole-lot symbol to its lot (shares); `reserve` is the cash kept
    (account currency, unrounded); `adjust` and `adjust_lots` the tax rules' hooks, read
    by a strategy that applies them itself (`_Strategy.adjusts`).
    """

    columns: Columns
    goals: Sequence[Decimal]
    rows: Iterable[Fields]
    steps: dict[str, Decimal]
    limits: Thresholds
    reserve: Decimal
    adjust: Adjust | None = None
    adjust_lots: AdjustLots | None = None


#: A strategy's answer: the decisions before the cash pass, the whole-lot rows still to
#: size, and the whole lots it sized itself (None: the cash pass sizes them).
_Decided = tuple[Decisions, list[Row], list[PlanItem] | None]


def _rebalance(planned: _Planned) -> _Decided:
    """Both sides trade: the rules, then the whole-lot rows no fixed rule holds, to size."""
    columns, _, fields, steps, limits, *_ = planned
    if not steps:  # the hot path: `decide` reads the plain tuples
        return order_rules(decide(fields, limits), columns.assets), [], None
    rows = rows_of(fields)
    decided = order_rules(decide(to_decide(rows, steps, limits), limits), columns.assets)
    decided, lot_rows = split_lot_rows(decided, rows, steps)
    return decided, lot_rows, None


def _buy_only(planned: _Planned) -> _Decided:
    """A deposit: nothing is sold.

    Whole lots, then the fractional buys, within the cash above the reserve.
    """
    columns, goals, _, steps, limits, reserve, *_ = planned
    decided, lot_rows, _ = _rebalance(planned)
    spare = columns.cash - reserve
    if lot_rows:  # the liquidation buys count what the fill may take (`lots.counted`)
        spare -= overcounted(decided.buys)
    budget = _available(columns.policy, spare, decided.buys)
    sized = size_lots(
        lot_rows,
        steps,
        columns,
        goals,
        available=budget,
        limits=limits,
        need=fractional_need(decided.buys, steps),
        buys_only=True,
    )
    # the fractional buys take what the lots leave as the fill pays them (`lots.counted`)
    left = budget - lot_spending(sized, columns.policy.buy_price_buffer)
    return buy_only(decided, left, limits, frozenset(steps)), lot_rows, sized


def _sell_only(planned: _Planned) -> _Decided:
    """A withdrawal: nothing is bought.

    The cash the reserve lacks is raised from the most overweight positions, the whole-lot
    sales rounded to lots with the least over-sale. Under tax rules, what the rules cut or
    hold is raised from the other positions (`_withdrawn`).
    """
    columns, _, fields, steps, limits, reserve, adjust, _ = planned
    rows = rows_of(fields)
    decided = order_rules(decide(rows, limits), columns.assets)
    need = (reserve - columns.cash).quantize(CENT, rounding=ROUND_UP)
    sold = sell_only(decided, rows, need, limits, steps=steps, assets=columns.assets)
    if adjust is None:
        return sold, [], None
    settled = adjust(sold, columns)
    if need > 0:
        settled = _withdrawn(settled, sold, decided=decided, rows=rows, need=need, planned=planned)
    return settled, [], None


def _withdrawn(  # noqa: PLR0913 - the withdrawal as the rules left it, and what sizes it again
    settled: Decisions,
    sold: Decisions,
    *,
    decided: Decisions,
    rows: Sequence[Row],
    need: Decimal,
    planned: _Planned,
) -> Decisions:
    """A withdrawal under tax rules: what they cut or held raised from the other positions.

    `sold` is the withdrawal's sales before the rules, `settled` after them (`adjust`).
    While the sales raise less than `need` (cents), the symbols whose items the rules
    changed are pinned as the rules left them, and the rest of the need is raised from
    the other positions (`sell_only`), under the rules again with the pinned sales
    standing (`adjust_lots`: their gains come off the budget first). A round that sells a
    position whole (a liquidation, which the budget never cuts) cuts the pinned sales the
    budget cut again, with it standing (`_liquidations_first`). Each round pins one
    symbol more at least, so it ends; a withdrawal the rules leave short stays short.
    """
    columns, limits, steps, adjust_lots = (
        planned.columns,
        planned.limits,
        planned.steps,
        planned.adjust_lots,
    )
    if adjust_lots is None:
        return settled
    before = {i.symbol: i for i in _items(sold)}
    asked = {i.symbol: i for i in sold.sells}  # each sale as the withdrawal asked for it
    changed = {i.symbol for i in _items(settled) if before.get(i.symbol) != i}
    pinned: dict[str, PlanItem] = {}
    while changed and _raised(settled.sells) < need:
        pinned = {i.symbol: i for i in _items(settled) if i.symbol in changed or i.symbol in pinned}
        standing = [i for i in pinned.values() if i.action is _SELL]
        rest = Decisions(*([i for i in group if i.symbol not in pinned] for group in decided))
        sold = sell_only(
            rest,
            [row for row in rows if row.symbol not in pinned],
            need - _raised(standing),
            limits,
            steps=steps,
            assets=columns.assets,
        )
        asked.update((i.symbol, i) for i in sold.sells)
        changes = {i.symbol: i for i in adjust_lots(sold.sells, standing, columns)}
        now = [changes.get(i.symbol, i) for i in sold.sells]
        recut = _liquidations_first(standing, now, asked, columns, adjust_lots)
        changed = set(changes) | recut.keys()
        standing = [recut.get(i.symbol, i) for i in standing]
        sells = [i for i in (*standing, *now) if i.action is _SELL]
        holds = [*sold.holds, *(i for i in (*standing, *now) if i.action is not _SELL)]
        holds += (i for i in pinned.values() if i.action is not _SELL)
        settled = Decisions(sorted(sells, key=_SYMBOL), [], sorted(holds, key=_SYMBOL))
    return settled


def _liquidations_first(
    standing: list[PlanItem],
    now: list[PlanItem],
    asked: dict[str, PlanItem],
    columns: Columns,
    adjust_lots: AdjustLots,
) -> dict[str, PlanItem]:
    """The standing sales the gain budget cut, cut again when this round liquidates.

    The budget goes to liquidations first (docs/tax.md, rule 2). A withdrawal's round may
    sell a target-0 position whole after an earlier round's sale was cut to the whole
    budget: that sale is cut again, as it was asked for (`asked`), with this round's sales
    (cut or not) and the other standing ones off the budget first, so that the plan's
    sales stay within it together. The items that change, by symbol.
    """
    cut = [i for i in standing if i.reason is Reason.GAIN_BUDGET]
    if not cut or not any(i.reason is Reason.LIQUIDATE and i.action is _SELL for i in now):
        return {}
    first = [i for i in standing if i.reason is not Reason.GAIN_BUDGET]  # sales, all of them
    first += (i for i in now if i.action is _SELL)  # this round's, cut or not
    return _offered_again(cut, first, asked, adjust_lots, columns)


def _items(decided: Decisions) -> list[PlanItem]:
    """Every item of `decided`, sales first."""
    return [*decided.sells, *decided.buys, *decided.holds]


def _raised(sells: Iterable[PlanItem]) -> Decimal:
    """What `sells` raise (cents, ≥ 0)."""
    return -sum(map(_AMOUNT, sells), ZERO)


class _Strategy(NamedTuple):
    """A mode's way of deciding.

    `sizes_lots`: whole lots sized apart (`steps.whole.lots`); `adjusts`: the strategy
    applies the tax rules' `adjust` itself.
    """

    decide: Callable[[_Planned], _Decided]
    sizes_lots: bool
    adjusts: bool = False


#: One strategy per `SizingPolicy.mode`, chosen once per plan.
_STRATEGIES: dict[str, _Strategy] = {
    Mode.REBALANCE: _Strategy(_rebalance, sizes_lots=True),
    Mode.BUY_ONLY: _Strategy(_buy_only, sizes_lots=True),
    Mode.SELL_ONLY: _Strategy(_sell_only, sizes_lots=False, adjusts=True),
}


def _funded(  # noqa: PLR0913 - the decisions and what sizing them within the cash reads
    decided: Decisions,
    lot_rows: list[Row],
    columns: Columns,
    goals: Sequence[Decimal],
    *,
    room: Decimal,
    limits: Thresholds,
    steps: dict[str, Decimal],
    sized: list[PlanItem] | None,
    unfunded: frozenset[str] = frozenset(),
) -> Decisions:
    """The decisions within the cash: whole lots sized first, the fractional buys cut to the rest.

    `room` = cash + sale proceeds − the reserve (account currency); `steps` maps each
    whole-lot symbol to its lot (shares), and those are the symbols traded in whole lots;
    `sized`: the whole lots if sized already; `unfunded`: holdings that fund no lots.
    """
    sells, buys, holds = decided
    if lot_rows or sized:  # whole lots count what the fill surely pays (`lots.counted`)
        room -= overcounted([*sells, *buys])
    available = _available(columns.policy, room, buys)
    buffer = columns.policy.buy_price_buffer
    lots = sized
    if lots is None:  # fractional holdings may be sold further to fund them
        lots, (sells, buys, holds), spent = funded_lots(
            decided,
            lot_rows,
            steps,
            columns,
            goals,
            available=available,
            limits=limits,
            unfunded=unfunded,
        )
        available -= spent
    elif lots:
        available -= lot_spending(lots, buffer)
    whole = frozenset(steps)
    buys, held_back = limit_to_cash(buys, available=available, limits=limits, whole=whole)
    if lots or held_back or columns.assets:
        return merged(Decisions(sells, buys, holds), [*lots, *held_back], columns.assets)
    return Decisions(sells, buys, holds)


def _lots_adjusted(  # noqa: PLR0913 - what sizing the lots again reads
    funded: Decisions,
    decided: Decisions,
    lot_rows: list[Row],
    adjust_lots: AdjustLots,
    *,
    asked: Sequence[PlanItem],
    columns: Columns,
    goals: Sequence[Decimal],
    spare: Decimal,
    limits: Thresholds,
    steps: dict[str, Decimal],
    unfunded: frozenset[str],
) -> Decisions:
    """The whole-lot trades `adjust_lots` changes pinned as it leaves them, the rest sized again.

    When it changes any, every whole-lot sale it saw is pinned, and the other whole-lot
    symbols are sized again with the cash left; their sales go to it in turn. A pass
    that sells offers the sales the gain budget cut before it again, those decided
    before the whole-lot step (fractional ones) and those of earlier passes
    (`_offered_again`): when that changes any, the pass's sales are pinned too. `asked`:
    the sales decided before the whole-lot step, as the rules found them; `spare` =
    cash − the reserve. Each pass pins at least one more symbol, so it ends.
    """
    # each sale as asked for, before the rules: those decided before the whole-lot
    # step, then each whole-lot sale as sized
    offered = {i.symbol: i for i in asked}
    while lot_rows:
        sizing = {row[0] for row in lot_rows}
        trades = [i for i in funded.sells if i.symbol in sizing]
        offered.update((i.symbol, i) for i in trades)
        sold = bool(trades)
        # every buy: a whole-lot sale at a loss holds the buys of its group, fractional too
        trades += funded.buys
        changed = adjust_lots(trades, decided.sells, columns)
        # Every sale the rules saw is pinned as they left it: a cut may rest on another
        # sale's loss, which sizing that sale again could shrink.
        fixed = {i.symbol for i in changed}
        pinned = [*changed, *(i for i in trades if i.action is _SELL and i.symbol not in fixed)]
        again: dict[str, PlanItem] = {}
        cut = [
            i
            for i in (*decided.sells, *decided.holds)
            if i.reason is _BUDGET and i.symbol in offered
        ]
        if cut and sold:  # this pass's sales may leave the budget room (a loss)
            cuts = {i.symbol for i in cut}
            others = [
                i for i in (*decided.sells, *pinned) if i.action is _SELL and i.symbol not in cuts
            ]
            again = _offered_again(cut, others, offered, adjust_lots, columns)
        if not changed and not again:
            break
        fixed |= {i.symbol for i in pinned}
        now = [*(again.get(i.symbol, i) for i in (*decided.sells, *decided.holds)), *pinned]
        sells = [i for i in now if i.action is _SELL]
        holds = [i for i in now if i.action is not _SELL]
        buys = [i for i in decided.buys if i.symbol not in fixed]  # a buy held stays held
        decided = Decisions(sorted(sells, key=_SYMBOL), buys, sorted(holds, key=_SYMBOL))
        lot_rows = [row for row in lot_rows if row[0] not in fixed]
        room = spare + _raised(decided.sells)
        funded = _funded(
            _copied(decided),
            lot_rows,
            columns,
            goals,
            room=room,
            limits=limits,
            steps=steps,
            sized=None,
            unfunded=unfunded,
        )
    return funded


def _offered_again(
    cut: list[PlanItem],
    others: list[PlanItem],
    asked: dict[str, PlanItem],
    adjust_lots: AdjustLots,
    columns: Columns,
) -> dict[str, PlanItem]:
    """The sales the gain budget cut, offered again: the items that change, by symbol.

    `cut` as they stand (cut or held), each offered again as it was asked for (`asked`),
    together, so that the budget cuts them in its order (rule 2), with `others` (the
    plan's other sales) standing: a sale the rules leave unchanged is made in full.
    """
    made = {i.symbol: i for i in adjust_lots([asked[i.symbol] for i in cut], others, columns)}
    offered = {i.symbol: made.get(i.symbol, asked[i.symbol]) for i in cut}  # unchanged: in full
    return {i.symbol: offered[i.symbol] for i in cut if offered[i.symbol] != i}


def _tax_held(
    sized: list[PlanItem], decided: Decisions, adjust_lots: AdjustLots, columns: Columns
) -> list[PlanItem]:
    """The whole lots a strategy sized itself, each buy the tax rules hold made its HOLD.

    The buy-only strategy sizes its lots within the cash and sells nothing, so nothing is
    sized again: the cash a held buy leaves goes to the fractional buys (the cash pass),
    or stays.
    """
    trades = [i for i in sized if i.action is not Action.HOLD]
    changed = {i.symbol: i for i in adjust_lots(trades, decided.sells, columns)}
    return [changed.get(i.symbol, i) for i in sized] if changed else sized


def _copied(decided: Decisions) -> Decisions:
    """New lists of the same items (`merged` appends to the lists it is given)."""
    return Decisions(list(decided.sells), list(decided.buys), list(decided.holds))


def _available(policy: SizingPolicy, cash: Decimal, buys: Sequence[PlanItem]) -> Decimal:
    """What rebalancing buys may spend (account currency).

    `cash` (after sales and the reserve) less the liquidation buys, shrunk so that it
    still suffices after prices rise by `buy_price_buffer`.
    """
    covers = sum((i.trade_amount for i in buys if i.reason is Reason.LIQUIDATE), ZERO)
    if not policy.buy_price_buffer:
        return cash - covers  # exactly what dividing by 1 gives
    return (cash - covers) / (1 + policy.buy_price_buffer)


def _rows(
    columns: Columns,
    goals: Sequence[Decimal],
    current: Sequence[Decimal],
    trades: Sequence[Decimal],
    *,
    sized_apart: bool = False,
) -> tuple[Iterator[Fields], dict[str, Decimal]]:
    """A `Row`'s fields per symbol, in symbol order, and the lot (shares) of each whole-lot symbol.

    Weights are fractions of V; on an empty account the target weight is w × (1 − reserve).
    With `sized_apart` (whole lots sized by `plan_lots`) every row is marked fractional.
    """
    policy, value, assets, symbols = (
        columns.policy,
        columns.total_value,
        columns.assets,
        columns.symbols,
    )
    if value:
        # map(Decimal.quantize, map(mul, …)): the form `deltas.current_column` measures
        scale, quantum = repeat(1 / value), repeat(WEIGHT_QUANTUM)
        current_weights = list(map(Decimal.quantize, map(mul, current, scale), quantum))
        target_weights = list(map(Decimal.quantize, map(mul, goals, scale), quantum))
    else:
        invested = 1 - policy.cash_reserve_pct
        current_weights = [ZERO] * len(symbols)
        target_weights = [(w * invested).quantize(WEIGHT_QUANTUM) for w in columns.weights]
    if assets:
        facts = [assets.get(s) for s in symbols]
        tradable: Sequence[bool] | repeat[bool] = [a is None or a.tradable for a in facts]
        lots = [quantity_step(a, fractional=policy.fractional) for a in facts]
        steps = {s: lot for s, lot in zip(symbols, lots, strict=True) if lot is not None}
        whole_shares: Sequence[bool] | repeat[bool] = [lot is not None for lot in lots]
    else:
        tradable, whole_shares = repeat(True), repeat(not policy.fractional)  # noqa: FBT003 - a column of True
        steps = dict.fromkeys(symbols if not policy.fractional else (), _ONE)
    if sized_apart:
        whole_shares = repeat(False)  # noqa: FBT003 - a column of False
    rows = zip(
        symbols,
        columns.prices,
        columns.quantities,  # open orders already netted by the validate step
        current,
        goals,
        trades,
        current_weights,
        target_weights,
        tradable,
        whole_shares,
        strict=False,  # the flag columns may repeat without end; `symbols` sets the length
    )
    return rows, steps
