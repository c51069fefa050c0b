"""The per-symbol rules of docs/policy.md, in the order they apply, in one place.

1. not tradable → HOLD (NOT_TRADABLE);
2. held with target 0 → close exactly the held quantity (LIQUIDATE), never blocked;
3. nothing to trade → HOLD (AT_TARGET);
4. inside the band → HOLD (WITHIN_BAND);
5. smaller than the minimum trade → HOLD (BELOW_MIN_TRADE);
6. whole shares that truncate to 0 → HOLD (ROUNDED_TO_ZERO);
7. otherwise BUY or SELL (REBALANCE);
8. a rebalancing trade below its asset's minimum order → HOLD (BELOW_BROKER_MINIMUM),
   applied to the decided items by `order_rules`.

`decide` is the planner's one hot loop: it takes rows of columns and returns one
`PlanItem` per row, built as a tuple (see `portfolio.plan_item`). `fixed_rule_holds` is
rules 1, 2 and 4 as one test, for the whole-lot rows sized apart (`portfolio.steps.lots`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_DOWN, Decimal
from operator import attrgetter
from typing import NamedTuple

from portfolio.asset_facts import Asset, below_broker_minimum, held_below_minimum
from portfolio.money import CENT, SHARE_QUANTUM, ZERO
from portfolio.plan_item import Action, PlanItem, Reason
from portfolio.policy import SizingPolicy

__all__ = [
    "Decisions",
    "Row",
    "Thresholds",
    "decide",
    "fixed_rule_holds",
    "item",
    "order_rules",
    "shares_for",
    "within_band",
]

#: Zero in cents: a sub-cent liquidation is worth 0.00, never -0.00.
CENTS_ZERO = Decimal("0.00")
_BUY, _SELL, _HOLD = Action.BUY, Action.SELL, Action.HOLD
_REBALANCE = Reason.REBALANCE

#: One symbol's columns: symbol, price, held shares, current value, target value, raw
#: trade amount, current weight, target weight, tradable, traded in whole shares.
Row = tuple[str, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, bool, bool]

#: Builds a `PlanItem` from a tuple of its fields, skipping keyword parsing (the hot loop).
_new: Callable[[type[PlanItem], tuple[object, ...]], PlanItem] = tuple.__new__


def item(row: Row, action: Action, amount: Decimal, quantity: Decimal, reason: Reason) -> PlanItem:
    """The `PlanItem` for `row` with this decision (built without keyword parsing)."""
    symbol, price, _, current, target, _, current_weight, target_weight, _, _ = row
    return _new(
        PlanItem,
        (
            symbol,
            action,
            amount,
            quantity,
            price,
            current,
            target,
            current_weight,
            target_weight,
            reason,
        ),
    )


class Thresholds(NamedTuple):
    """Per-plan constants: minimum trade (account currency), bands as value tolerances.

    `below_minimum` is −minimum (|trade| < minimum is one chained comparison); `banded`
    is True when either band is switched on.
    """

    minimum: Decimal
    below_minimum: Decimal
    band_value: Decimal | None
    relative_band: Decimal
    rounding: str
    banded: bool

    @classmethod
    def of(cls, policy: SizingPolicy, value: Decimal) -> Thresholds:
        """The policy's minimum trade and absolute band as amounts of V (account currency)."""
        minimum = max(policy.min_trade_amount, policy.min_trade_pct * value)
        band_value = policy.band * value if policy.band else None
        banded = band_value is not None or policy.relative_band != 0
        return cls(minimum, -minimum, band_value, policy.relative_band, policy.rounding, banded)

    def without_bands(self) -> Thresholds:
        """The same thresholds with both bands off."""
        return self._replace(band_value=None, relative_band=ZERO, banded=False)


class Decisions(NamedTuple):
    """Every symbol's item, grouped by action, each group in row order."""

    sells: list[PlanItem]
    buys: list[PlanItem]
    holds: list[PlanItem]


def decide(rows: Iterable[Row], limits: Thresholds) -> Decisions:
    """Decide every symbol: the rules above, in order. Amounts in cents, `held` in shares.

    The planner's one hot loop: one flat chain per row that builds its item once.
    """
    minimum, below_minimum, banded = limits.minimum, limits.below_minimum, limits.banded
    decided = Decisions([], [], [])
    sell, buy, hold = decided.sells.append, decided.buys.append, decided.holds.append
    for (
        symbol,
        price,
        held,
        current,
        target,
        trade,
        current_weight,
        target_weight,
        tradable,
        whole,
    ) in rows:
        if not tradable:
            reason = Reason.NOT_TRADABLE
        elif held and not target:  # Decimal truth: ≠ 0, tested in C
            amount = -current if current else CENTS_ZERO
            (sell if held > 0 else buy)(_new(PlanItem, (  # copy_negate: exact, never rounded
                symbol, _SELL if held > 0 else _BUY, amount, held.copy_negate(), price, current,
                target, current_weight, target_weight, Reason.LIQUIDATE)))  # fmt: skip
            continue
        elif not trade:
            reason = Reason.AT_TARGET
        elif banded and within_band(limits, current, target):
            reason = Reason.WITHIN_BAND
        elif below_minimum < trade < minimum:
            reason = Reason.BELOW_MIN_TRADE
        else:
            if whole:
                quantity, amount = shares_for(trade, price, whole=True, rounding=limits.rounding)
            else:
                quantity, amount = (trade / price).quantize(SHARE_QUANTUM, ROUND_DOWN), trade
            if not quantity:  # whole shares, or a price above 1E+7 per share and cents
                reason = Reason.ROUNDED_TO_ZERO
            elif whole and below_minimum < amount < minimum:
                reason = Reason.BELOW_MIN_TRADE
            else:
                buying = amount > ZERO
                (buy if buying else sell)(_new(PlanItem, (
                    symbol, _BUY if buying else _SELL, amount, quantity, price, current,
                    target, current_weight, target_weight, _REBALANCE)))  # fmt: skip
                continue
        hold(_new(PlanItem, (symbol, _HOLD, ZERO, ZERO, price, current, target, current_weight,
                             target_weight, reason)))  # fmt: skip
    return decided


def fixed_rule_holds(row: Row, limits: Thresholds) -> bool:
    """Whether rule 1, 2 or 4 decides the row whatever the trade's size.

    Not tradable, liquidated (held, target 0), or within the band (a trade ≠ 0): the
    tests `decide` makes inline, in its order. Whole lots are sized apart
    (`portfolio.steps.lots`) only for the rows where none of them holds.
    """
    _, _, held, current, target, trade, _, _, tradable, _ = row
    return (
        not tradable
        or bool(held and not target)
        or (limits.banded and bool(trade) and within_band(limits, current, target))
    )


def within_band(limits: Thresholds, current: Decimal, target: Decimal) -> bool:
    """|current − target| within the smaller of the bands that are on (account currency)."""
    relative = abs(target) * limits.relative_band if limits.relative_band else None
    if relative is None:
        band = limits.band_value
    elif limits.band_value is None:
        band = relative
    else:
        band = min(limits.band_value, relative)
    return band is not None and abs(current - target) <= band


def shares_for(
    amount: Decimal, price: Decimal, *, whole: bool, rounding: str
) -> tuple[Decimal, Decimal]:
    """Signed shares for an amount, and the amount those shares are worth.

    Fractional: shares to nine decimals toward zero, amount unchanged. Whole: shares
    truncated toward zero, amount = shares × price rounded to cents.

    >>> shares_for(Decimal("250.00"), Decimal("100"), whole=True, rounding="ROUND_HALF_EVEN")
    (Decimal('2'), Decimal('200.00'))
    """
    if whole:
        quantity = (amount / price).to_integral_value(rounding=ROUND_DOWN)
        return quantity, (quantity * price).quantize(CENT, rounding=rounding)
    return (amount / price).quantize(SHARE_QUANTUM, rounding=ROUND_DOWN), amount


def order_rules(decided: Decisions, assets: Mapping[str, Asset]) -> Decisions:
    """The decided items, a rebalancing trade below its asset's minimum order held.

    Items keep their groups (an item whose action changes moves to its new group) and
    the symbol order within each group.
    """
    if not assets:
        return decided
    sells, buys, holds = decided
    blocked = {i.symbol for i in (*sells, *buys) if below_broker_minimum(i, assets.get(i.symbol))}
    if not blocked:
        return decided
    moved = [held_below_minimum(i) for i in (*sells, *buys) if i.symbol in blocked]
    return Decisions(
        [i for i in sells if i.symbol not in blocked],
        [i for i in buys if i.symbol not in blocked],
        sorted([*holds, *moved], key=attrgetter("symbol")),
    )
