"""The policy's modes, band trigger and buy buffer, applied around the per-symbol rules.

- `portfolio_trigger`: with `band_trigger="portfolio"`, a band breach by any symbol
  switches the bands off for every symbol (the whole book goes to target); while every
  symbol is inside its band, the bands hold them all.
- `buy_only`: sells become HOLDs (BUY_ONLY); the cash above the reserve goes to the buys
  with the largest shortfalls first (water-filling): the largest is cut down to the next
  largest, then both, and so on, so the account ends as close to its targets as it can.
- `sell_only`: buys become HOLDs (SELL_ONLY); if cash is below the reserve, the most
  overweight positions are sold first (water-filling on value above target, then below
  it if need be), exactly the missing cash and no more (a whole-lot symbol's share is
  rounded to whole lots, and a share below the broker's minimum order to nothing or to
  that minimum, so that the withdrawal is still covered with the least over-sale:
  `withdrawal_sales`). A withdrawal is never blocked by the minimum trade, like a
  liquidation.

All amounts in account currency; call inside the core context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import NamedTuple

from portfolio.records.asset_facts import Asset, broker_minimum, under_broker_minimum
from portfolio.records.money import CENT, SHARE_QUANTUM, ZERO
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.steps.rules import (
    Decisions,
    Row,
    Thresholds,
    item,
    liquidates,
    shares_for,
    surely_paid,
    too_small,
    within_band,
)

__all__ = [
    "buy_only",
    "held_by_buy_only",
    "least_cover",
    "portfolio_trigger",
    "sell_only",
    "water_fill",
    "withdrawal_sales",
]


def portfolio_trigger(rows: Sequence[Row], limits: Thresholds) -> Thresholds:
    """The thresholds without bands if any tradable symbol with a trade is outside its band."""
    broken = any(
        row.tradable
        and row.trade
        and row.target
        and not within_band(limits, row.current, row.target)
        for row in rows
    )
    return limits.without_bands() if broken else limits


def water_fill(
    wants: Sequence[Decimal], budget: Decimal, caps: Sequence[Decimal] | None = None
) -> list[Decimal]:
    """Amounts clip(want − level, 0, cap) for the one level that spends `budget`.

    The largest wants are served first: the largest is cut down to the next largest, then
    both, and so on. Without caps an amount never exceeds its want (the level stays ≥ 0);
    with caps the level may fall below 0, and everything up to the caps is given when
    the budget asks for it.

    >>> water_fill([Decimal(1000), Decimal(200)], Decimal(600))
    [Decimal('600'), Decimal('0')]
    """
    limits = list(wants if caps is None else caps)  # without caps, no more than wanted
    if budget <= 0:
        return [ZERO] * len(limits)
    if sum(limits, ZERO) <= budget:
        return limits
    fixed: dict[int, Decimal] = {}
    while True:  # each pass fixes at least one capped amount, or ends
        free = [n for n in range(len(limits)) if n not in fixed]
        level = _level([wants[n] for n in free], budget - sum(fixed.values(), ZERO))
        over = [n for n in free if wants[n] - level > limits[n]]
        if not over:
            break
        fixed.update((n, limits[n]) for n in over)
    return [fixed.get(n, max(want - level, ZERO)) for n, want in enumerate(wants)]


def _level(wants: Sequence[Decimal], budget: Decimal) -> Decimal:
    """The level L with Σ max(want − L, 0) = budget (0 < budget < Σ wants)."""
    ranked = sorted(wants, reverse=True)
    spent, level, count = ZERO, ranked[0], len(ranked)
    for n, want in enumerate(ranked[1:], start=1):
        if spent + n * (level - want) >= budget:
            count = n
            break
        spent += n * (level - want)
        level = want
    return level - (budget - spent) / count


def buy_only(
    decided: Decisions, budget: Decimal, limits: Thresholds, whole: frozenset[str]
) -> Decisions:
    """Sells held (BUY_ONLY); rebalancing buys water-filled within `budget`."""
    holds = [*decided.holds, *map(held_by_buy_only, decided.sells)]
    rebalancing = [i for i in decided.buys if i.reason is Reason.REBALANCE]
    wanted = [i.trade_amount for i in rebalancing]
    if sum(wanted, ZERO) <= budget:
        return Decisions([], decided.buys, sorted(holds, key=_SYMBOL))
    filled = dict(zip((i.symbol for i in rebalancing), water_fill(wanted, budget), strict=True))
    buys: list[PlanItem] = []
    for buy in decided.buys:
        if buy.symbol not in filled:
            buys.append(buy)
            continue
        amount = filled[buy.symbol].quantize(CENT, rounding=ROUND_DOWN)
        quantity, amount = shares_for(
            amount, buy.price, whole=buy.symbol in whole, rounding=limits.rounding
        )
        if quantity <= 0 or amount <= 0 or too_small(amount, limits):
            holds.append(_held(buy, Reason.CASH_LIMITED))
        else:
            buys.append(_resized(buy, Action.BUY, amount, quantity, Reason.CASH_LIMITED))
    return Decisions([], buys, sorted(holds, key=_SYMBOL))


def held_by_buy_only(decided: PlanItem) -> PlanItem:
    """A sale the `buy_only` mode forbids: a HOLD with reason BUY_ONLY."""
    return _held(decided, Reason.BUY_ONLY)


def sell_only(  # noqa: PLR0913 - the decisions, and what sizes each sale
    decided: Decisions,
    rows: Sequence[Row],
    need: Decimal,
    limits: Thresholds,
    *,
    steps: Mapping[str, Decimal],
    assets: Mapping[str, Asset],
) -> Decisions:
    """Buys held (SELL_ONLY); `need` (cents) raised from the most overweight positions.

    `steps` maps the whole-lot symbols to their lots (shares): their sales are rounded
    to whole lots, and a sale below its asset's minimum order to nothing or to that
    minimum, so that the withdrawal is still covered with the least over-sale
    (`withdrawal_sales`). A position worth less than its minimum order sells nothing
    (unless its sale is a liquidation): the others raise the cash.
    """
    minimums = {s: _order_minimum(a) for s, a in assets.items() if a.min_order_notional}
    candidates = [
        row
        for row in rows
        if row.tradable
        and row.current > 0
        and not (
            under_broker_minimum(row.current, minimums.get(row.symbol, ZERO))
            and not liquidates(row.held, row.target)
        )
    ]
    # Where sales round to lots or minimums, each position gives at most what its whole
    # sale surely raises at the fill: a liquidation whose value rounds up to its cents
    # raises a fraction of a cent less, and the others must cover that too (or the next
    # plan sells a lot, or a broker minimum, for it). Fractional ones keep their cents.
    rounds = any(row.symbol in steps or row.symbol in minimums for row in candidates)
    values = [_sure(row) if rounds else row.current for row in candidates]
    excess = [row.current - row.target for row in candidates]
    floor = min([*excess, ZERO])  # shifted so that every want is ≥ 0; the order is kept
    wants = [e - floor for e in excess]
    amounts = _cents_summing_to(water_fill(wants, need, values), need, values)
    shares = [_Share(*each) for each in zip(candidates, wants, amounts, values, strict=True)]
    sales = {
        each.symbol: each
        for each in withdrawal_sales(shares, need, limits, steps=steps, minimums=minimums)
    }
    sells: list[PlanItem] = []
    holds: list[PlanItem] = []
    for kept in [*decided.sells, *decided.buys, *decided.holds]:
        if kept.symbol in sales:
            sells.append(sales[kept.symbol])
        elif kept.action is Action.HOLD:
            holds.append(kept)
        else:
            holds.append(_held(kept, Reason.SELL_ONLY))
    return Decisions(sorted(sells, key=_SYMBOL), [], sorted(holds, key=_SYMBOL))


class _Share(NamedTuple):
    """A position's part of a withdrawal: its row, its want, its share, its cap.

    The want is the water-fill's; a share that reaches the cap sells the whole position.
    """

    row: Row
    want: Decimal
    amount: Decimal
    cap: Decimal


def withdrawal_sales(
    shares: Sequence[_Share],
    need: Decimal,
    limits: Thresholds,
    *,
    steps: Mapping[str, Decimal],
    minimums: Mapping[str, Decimal],
) -> list[PlanItem]:
    """The withdrawal's sales: each position's share (cents), rounded where it must be.

    `shares`: every position that may sell, with its share of `need` from the
    water-fill (0 for those its level does not reach). A share that cannot be sold as it
    is (a whole-lot symbol's, a part of a lot; one below the broker's minimum order,
    `minimums`) is rounded down (to whole lots, none below the minimum) or up (to the
    next lot, to the minimum). Every such share is first rounded down; the fractional
    positions then take up what that leaves, by the same water-fill (`_grown`), within
    what they hold; only what they cannot take is raised by rounding shares up: the
    fewest that raise it with the least over-sale (`least_cover`), at the fill's exact
    prices. So the withdrawal raises the cash it needs and as little more as the lots
    allow, and each whole-lot symbol sells within a lot (or its minimum) of its share.
    Where even every share rounded up falls short (the positions are too small), every
    share is rounded up. A position that sells nothing is not in the list.
    """
    sold = [each for each in shares if each.amount > 0]
    ups = [
        _sale(row, max(amount, minimums.get(row.symbol, ZERO)), limits, steps.get(row.symbol), cap)
        for row, _, amount, cap in sold
    ]
    downs = [
        _sale_down(row, amount, limits, steps.get(row.symbol), minimums.get(row.symbol, ZERO), cap)
        for row, _, amount, cap in sold
    ]
    free = [n for n, (up, down) in enumerate(zip(ups, downs, strict=True)) if up != down]
    if not free:
        return ups
    lots = {sold[n].row.symbol for n in free}
    growing = [
        each
        for each in shares
        if each.row.symbol not in steps
        and each.row.symbol not in lots
        and (each.amount > 0 or not minimums.get(each.row.symbol))
    ]
    room = sum((_sure(each.row) - each.amount for each in growing), ZERO)
    raised = sum(map(_proceeds, downs), ZERO)
    rises = [_proceeds(ups[n]) - _proceeds(downs[n]) for n in free]
    picked = {free[n] for n in least_cover(rises, need - raised - room)}
    chosen = {
        each.row.symbol: up if n in picked or n not in free else downs[n]
        for n, (each, up) in enumerate(zip(sold, ups, strict=True))
    }
    short = (need - sum(map(_proceeds, chosen.values()), ZERO)).quantize(CENT, rounding=ROUND_UP)
    if short > 0 and growing:
        for each, amount in _grown(growing, short):
            chosen[each.row.symbol] = _sale(each.row, amount, limits, None, each.cap)
    return [each for each in chosen.values() if each is not None]


def _grown(shares: Sequence[_Share], more: Decimal) -> list[tuple[_Share, Decimal]]:
    """The fractional positions' shares grown to raise `more` (cents) between them.

    The same water-fill as the withdrawal's (most overweight first), over these positions
    alone, for their shares and `more`: no share shrinks. (share, new amount) where > 0.
    """
    caps = [max(_sure(each.row), each.amount) for each in shares]
    budget = sum((each.amount for each in shares), ZERO) + more
    amounts = _cents_summing_to(water_fill([e.want for e in shares], budget, caps), budget, caps)
    return [(each, a) for each, a in zip(shares, amounts, strict=True) if a > 0]


def _sure(row: Row) -> Decimal:
    """What the whole position surely raises at the fill, in cents (`rules.surely_paid`)."""
    return -surely_paid(-row.held, row.price, -row.current)


def _proceeds(sale: PlanItem | None) -> Decimal:
    """What a sale raises at the fill (quantity × price, exact; None raises nothing)."""
    return ZERO if sale is None else -sale.quantity * sale.price


def least_cover(rises: Sequence[Decimal], gap: Decimal) -> tuple[int, ...]:
    """The indices of `rises` (each > 0) whose sum reaches `gap` with the least excess.

    Ties go to fewer indices, then to the earliest indices. Nothing where `gap` ≤ 0;
    every index where the sum of all is short. Exact up to `EXACT_COVER_UP_TO` rises
    (an exhaustive search with bounds); with more, the largest first until the gap is
    reached, then each picked rise dropped again, smallest first, while the rest reach it.

    >>> least_cover([Decimal(100), Decimal(100)], Decimal(100))
    (0,)
    """
    everything = tuple(range(len(rises)))
    if gap <= 0:
        return ()
    if sum(rises, ZERO) <= gap:
        return everything
    if len(rises) > EXACT_COVER_UP_TO:
        return _greedy_cover(rises, gap)
    best = (sum(rises, ZERO) - gap, len(rises), everything)
    order = sorted(everything, key=lambda n: (-rises[n], n))
    left = [ZERO] * (len(order) + 1)  # what the rises from position k on add up to
    for k in range(len(order) - 1, -1, -1):
        left[k] = left[k + 1] + rises[order[k]]
    stack: list[tuple[int, Decimal, tuple[int, ...]]] = [(0, ZERO, ())]
    while stack:
        k, total, picked = stack.pop()
        if total >= gap:
            key = (total - gap, len(picked), tuple(sorted(picked)))
            best = min(best, key)
            continue
        if k == len(order) or total + left[k] < gap:
            continue
        if best[0] == 0 and len(picked) + 1 > best[1]:
            continue  # no excess to lose, and no fewer rises to find
        n = order[k]
        stack.append((k + 1, total, picked))
        stack.append((k + 1, total + rises[n], (*picked, n)))
    return best[2]


#: The most rises `least_cover` searches exhaustively (2 ** 16 choices at most).
EXACT_COVER_UP_TO = 16


def _greedy_cover(rises: Sequence[Decimal], gap: Decimal) -> tuple[int, ...]:
    """The largest rises until `gap` is reached, then any no longer needed dropped."""
    picked: list[int] = []
    total = ZERO
    for n in sorted(range(len(rises)), key=lambda n: (-rises[n], n)):
        if total >= gap:
            break
        picked.append(n)
        total += rises[n]
    for n in sorted(picked, key=lambda n: (rises[n], -n)):
        if total - rises[n] >= gap:
            picked.remove(n)
            total -= rises[n]
    return tuple(sorted(picked))


def _sale_down(  # noqa: PLR0913, PLR0917 - the share, how it rounds, and its cap
    row: Row,
    amount: Decimal,
    limits: Thresholds,
    step: Decimal | None,
    minimum: Decimal,
    cap: Decimal,
) -> PlanItem | None:
    """A share rounded down: to whole lots, to nothing below the minimum order; or None.

    A fractional share at or above the minimum is sold as it is (as `_sale` sells it).
    """
    whole = amount >= min(cap, row.current)
    if whole or (step is None and not under_broker_minimum(amount, minimum)):
        return _sale(row, amount, limits, step, cap)
    if step is None:
        return None
    lots = (amount / (row.price * step)).to_integral_value(rounding=ROUND_DOWN)
    quantity = lots * step
    value = (quantity * row.price).quantize(CENT, rounding=limits.rounding)
    if not quantity or under_broker_minimum(value, minimum):
        return None
    return item(row, Action.SELL, -value, -quantity, Reason.REBALANCE)


def _order_minimum(asset: Asset) -> Decimal:
    """The broker's minimum order for the asset, in whole cents (rounded up)."""
    return broker_minimum(asset).quantize(CENT, rounding=ROUND_UP)


def _cents_summing_to(
    amounts: Sequence[Decimal], total: Decimal, caps: Sequence[Decimal]
) -> list[Decimal]:
    """The amounts rounded down to cents, the cents lost given back in order, within caps."""
    rounded = [a.quantize(CENT, rounding=ROUND_DOWN) for a in amounts]
    short = total - sum(rounded, ZERO)
    for n, cap in enumerate(caps):
        if short <= 0:
            break
        extra = min(short, cap.quantize(CENT, rounding=ROUND_DOWN) - rounded[n])
        if extra > 0:
            rounded[n] += extra
            short -= extra
    return rounded


def _sale(
    row: Row, amount: Decimal, limits: Thresholds, step: Decimal | None, cap: Decimal
) -> PlanItem:
    """A sale of `amount` (cents) of a long position; the whole position when it is all.

    `cap`: what the position gives at most (its value, or what it surely raises).
    `step`: the lot (shares) of a whole-lot symbol, None for fractional shares, whose
    shares round up at the ninth decimal (a sale worth less than a billionth of a share,
    at a price above 1E+7 a share, sells that billionth, as a whole-lot sale its lot).
    """
    price, held, current, target = row.price, row.held, row.current, row.target
    if amount >= min(cap, current):
        reason = Reason.LIQUIDATE if liquidates(held, target) else Reason.REBALANCE
        return item(row, Action.SELL, -current, -held, reason)
    if step is not None:  # enough whole lots to raise the amount
        lots = (amount / (price * step)).to_integral_value(rounding=ROUND_UP)
        quantity = min(lots * step, held)
        value = (quantity * price).quantize(CENT, rounding=limits.rounding)
        return item(row, Action.SELL, -value, -quantity, Reason.REBALANCE)
    # Rounded up, not toward zero: the shares sold raise at least the amount, so that the
    # cash reaches the reserve at the fill's exact prices too (and the next plan sells no cent).
    quantity = min((amount / price).quantize(SHARE_QUANTUM, rounding=ROUND_UP), held)
    # What they raise beyond the amount is under a cent below 1E+7 a share; above, a
    # billionth of a share is worth more than the amount may be, and the plan says so.
    value = max(amount, (quantity * price).quantize(CENT, rounding=ROUND_DOWN))
    return item(row, Action.SELL, -value, -quantity, Reason.REBALANCE)


def _held(decided: PlanItem, reason: Reason) -> PlanItem:
    return decided._replace(action=Action.HOLD, trade_amount=ZERO, quantity=ZERO, reason=reason)


def _resized(
    decided: PlanItem, action: Action, amount: Decimal, quantity: Decimal, reason: Reason
) -> PlanItem:
    return decided._replace(action=action, trade_amount=amount, quantity=quantity, reason=reason)


def _SYMBOL(decided: PlanItem) -> str:  # noqa: N802 - a sort key, named like a constant
    return decided.symbol
