"""The policy's modes, band trigger and buy buffer, applied around the per-symbol rules.

- `portfolio_trigger`: with `band_trigger="portfolio"`, a band breach by any symbol
  switches the bands off for every symbol (the whole book goes to target); while every
  symbol is inside its band, the bands hold them all.
- `buy_only`: sells become HOLDs (BUY_ONLY); the cash above the reserve goes to the buys
  with the largest shortfalls first (water-filling): the largest is cut down to the next
  largest, then both, and so on, so the account ends as close to its targets as it can.
- `sell_only`: buys become HOLDs (SELL_ONLY); if cash is below the reserve, the most
  overweight positions are sold first (water-filling on value above target, then below
  it if need be), exactly the missing cash and no more (a whole-lot symbol's sale is
  rounded up to its lot, and a sale below the broker's minimum order up to that minimum,
  so that the withdrawal is still covered). A withdrawal is never blocked by the minimum
  trade, like a liquidation.

All amounts in account currency; call inside the core context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_UP, Decimal

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
    too_small,
    within_band,
)

__all__ = ["buy_only", "held_by_buy_only", "portfolio_trigger", "sell_only", "water_fill"]


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
    up to whole lots, and a sale below its asset's minimum order up to that minimum, so
    that the withdrawal is still covered. A position worth less than its minimum order
    sells nothing (unless its sale is a liquidation): the others raise the cash.
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
    values = [row.current for row in candidates]
    excess = [row.current - row.target for row in candidates]
    floor = min([*excess, ZERO])  # shifted so that every want is ≥ 0; the order is kept
    wants = [e - floor for e in excess]
    amounts = _cents_summing_to(water_fill(wants, need, values), need, values)
    sales = {row.symbol: (row, a) for row, a in zip(candidates, amounts, strict=True) if a > 0}
    sells: list[PlanItem] = []
    holds: list[PlanItem] = []
    for kept in [*decided.sells, *decided.buys, *decided.holds]:
        if kept.symbol in sales:
            row, amount = sales[kept.symbol]
            amount = max(amount, minimums.get(kept.symbol, ZERO))
            sells.append(_sale(row, amount, limits, steps.get(kept.symbol)))
        elif kept.action is Action.HOLD:
            holds.append(kept)
        else:
            holds.append(_held(kept, Reason.SELL_ONLY))
    return Decisions(sorted(sells, key=_SYMBOL), [], sorted(holds, key=_SYMBOL))


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


def _sale(row: Row, amount: Decimal, limits: Thresholds, step: Decimal | None) -> PlanItem:
    """A sale of `amount` (cents) of a long position; the whole position when it is all.

    `step`: the lot (shares) of a whole-lot symbol, None for fractional shares, whose
    shares round up at the ninth decimal (a sale worth less than a billionth of a share,
    at a price above 1E+7 a share, sells that billionth, as a whole-lot sale its lot).
    """
    price, held, current, target = row.price, row.held, row.current, row.target
    if amount >= current:
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
