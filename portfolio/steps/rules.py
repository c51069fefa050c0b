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

Each rule that is asked in more than one place is one named function here, and every
caller asks it: `too_small` (the minimum trade, rule 5), `liquidates` (rule 2),
`within_band` (rule 4), `fixed_rule_holds` (rules 1, 2 and 4, for the whole-lot rows
sized apart by `portfolio.steps.whole.lots`); the broker's minimum (rule 8) is
`portfolio.records.asset_facts.below_broker_minimum`. Where the two minimums meet (a
whole lot, or a sale that funds one) the smallest trade a symbol may make is
`smallest_trade` (`Thresholds.floor`), and `below_floor`, `trade_allowed` and
`fewest_lots` ask it, in account currency or in the integer units the whole-lot search
counts in.

`decide` is the planner's one hot loop: it takes `Row`s and returns one `PlanItem` per
row. This module and `portfolio.records.plan_item` are where the speed idioms live, each with
the figure that pays for it: items built with `tuple.__new__` (`_new`), identity
compares of enum members, and `# fmt: skip` blocks that build an item in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from itertools import repeat
from operator import attrgetter
from typing import NamedTuple, TypeVar

from portfolio.records.asset_facts import Asset, below_broker_minimum, held_below_minimum
from portfolio.records.money import CENT, SHARE_QUANTUM, ZERO
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.records.policy import SizingPolicy

__all__ = [
    "Decisions",
    "Fields",
    "Row",
    "Thresholds",
    "below_floor",
    "decide",
    "fewest_lots",
    "fixed_rule_holds",
    "item",
    "liquidates",
    "order_rules",
    "rows_of",
    "shares_for",
    "smallest_trade",
    "too_small",
    "trade_allowed",
    "within_band",
]

#: Zero in cents: a sub-cent liquidation is worth 0.00, never -0.00.
CENTS_ZERO = Decimal("0.00")
_BUY, _SELL, _HOLD = Action.BUY, Action.SELL, Action.HOLD
_REBALANCE = Reason.REBALANCE


class Row(NamedTuple):
    """One symbol's columns, as the rules read them.

    Amounts in account currency (cents), `held` in shares, weights fractions of V;
    `trade` is target − current, before any rule; `whole`: sized here in whole shares
    (False where `portfolio.steps.whole.lots` sizes the symbol's lots apart). Read by name:
    an attribute of a `NamedTuple` costs what an index does (CPython 3.11, `timeit`
    medians on this machine: `row.current` 76 ns, `row[3]` 105 ns, loop included).
    """

    symbol: str
    price: Decimal
    held: Decimal
    current: Decimal
    target: Decimal
    trade: Decimal
    current_weight: Decimal
    target_weight: Decimal
    tradable: bool
    whole: bool


#: Builds a `PlanItem` (or a `Row`) from a tuple of its fields without keyword parsing:
#: 0.4 µs against 1.6 µs for a frozen attrs record (see `portfolio.records.plan_item`), most of
#: the per-symbol budget of a planner that runs at a third of a bare loop's speed.
_new: Callable[[type[PlanItem], tuple[object, ...]], PlanItem] = tuple.__new__


#: A `Row`'s fields as a plain tuple, as `zip` lays the columns side by side: what
#: `decide` unpacks. A `Row` is one too. Making a `Row` of each costs 0.33 µs a symbol
#: (`tuple.__new__` over `zip`, `timeit` on this machine), about 8 % of a 10,000-symbol
#: plan: the hot path (a rebalance with no whole lots) hands `decide` the plain tuples,
#: and `rows_of` names them where a step reads fields by name.
Fields = tuple[str, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, bool, bool]
_new_row: Callable[[type[Row], Fields], Row] = tuple.__new__


def rows_of(fields: Iterable[Fields]) -> list[Row]:
    """One `Row` per tuple of its ten fields: the planner's one per-symbol row builder.

    Built with `tuple.__new__` (no keyword parsing), as items are.
    """
    return list(map(_new_row, repeat(Row), fields))


def item(row: Row, action: Action, amount: Decimal, quantity: Decimal, reason: Reason) -> PlanItem:
    """The `PlanItem` for `row` with this decision (built without keyword parsing)."""
    fields = (
        row.symbol,
        action,
        amount,
        quantity,
        row.price,
        row.current,
        row.target,
        row.current_weight,
        row.target_weight,
        reason,
    )
    return _new(PlanItem, fields)


class Thresholds(NamedTuple):
    """Per-plan constants: minimum trade (account currency), bands as value tolerances.

    `banded` is True when either band is switched on.
    """

    minimum: Decimal
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
        return cls(minimum, band_value, policy.relative_band, policy.rounding, banded)

    @classmethod
    def fixed(cls, policy: SizingPolicy) -> Thresholds | None:
        """`of(policy, V)` for every V, when V does not enter it (no `min_trade_pct`, no `band`).

        Then the minimum trade is `min_trade_amount` itself (`max` keeps its first of two
        equal arguments) and the absolute band is off: a model's thresholds, made once.
        """
        if policy.min_trade_pct or policy.band:
            return None
        return cls.of(policy, ZERO)

    def floor(self, broker_minimum: Decimal = ZERO) -> Decimal:
        """The smallest trade of a symbol whose broker takes no order below `broker_minimum`.

        `smallest_trade` of this plan's minimum trade (account currency).
        """
        return smallest_trade(self.minimum, broker_minimum)

    def with_floor(self, broker_minimum: Decimal) -> Thresholds:
        """The thresholds of a symbol whose broker takes no order below `broker_minimum`.

        Its minimum trade is `floor`, so that `too_small` asks both minimums at once.
        """
        if broker_minimum <= self.minimum:
            return self
        floor = self.floor(broker_minimum)
        return self._replace(minimum=floor)

    def without_bands(self) -> Thresholds:
        """The same thresholds with both bands off."""
        return self._replace(band_value=None, relative_band=ZERO, banded=False)


class Decisions(NamedTuple):
    """Every symbol's item, grouped by action, each group in row order."""

    sells: list[PlanItem]
    buys: list[PlanItem]
    holds: list[PlanItem]


def decide(rows: Iterable[Fields], limits: Thresholds) -> Decisions:
    """Decide every symbol: the rules above, in order. Amounts in cents, `held` in shares.

    The planner's one hot loop: one flat chain per row that builds its item once.
    """
    banded = limits.banded
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
        elif not target and liquidates(held, target):  # the call only where it can hold
            amount = -current if current else CENTS_ZERO
            (sell if held > 0 else buy)(_new(PlanItem, (  # copy_negate: exact, never rounded
                symbol, _SELL if held > 0 else _BUY, amount, held.copy_negate(), price, current,
                target, current_weight, target_weight, Reason.LIQUIDATE)))  # fmt: skip
            continue
        elif not trade:
            reason = Reason.AT_TARGET
        elif banded and within_band(limits, current, target):
            reason = Reason.WITHIN_BAND
        elif too_small(trade, limits):
            reason = Reason.BELOW_MIN_TRADE
        else:
            if whole:
                quantity, amount = shares_for(trade, price, whole=True, rounding=limits.rounding)
            else:
                quantity, amount = (trade / price).quantize(SHARE_QUANTUM, ROUND_DOWN), trade
            if not quantity:  # whole shares, or a price above 1E+7 per share and cents
                reason = Reason.ROUNDED_TO_ZERO
            elif whole and too_small(amount, limits):
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


def too_small(amount: Decimal, limits: Thresholds) -> bool:
    """The minimum trade (rule 5): |amount| below max(min_trade_amount, min_trade_pct × V).

    The one place the comparison is written; `amount` is signed, in account currency.

    >>> limits = Thresholds.of(SizingPolicy(min_trade_amount=Decimal(25)), Decimal(10000))
    >>> too_small(Decimal("-24.99"), limits), too_small(Decimal(25), limits)
    (True, False)
    """
    # one comparison (`copy_abs` reads no context): 0.73 thousand instructions a call
    # against 0.93 for two, with −minimum and minimum (cachegrind, a positive amount)
    return amount.copy_abs() < limits.minimum


def smallest_trade(minimum: Decimal, broker_minimum: Decimal = ZERO) -> Decimal:
    """The smallest trade a symbol may make: the minimum trade or the broker's, the larger.

    The minimum trade (rule 5) and the symbol's minimum order (rule 8), in account currency.

    >>> smallest_trade(Decimal(25), Decimal(100)), smallest_trade(Decimal(25))
    (Decimal('100'), Decimal('25'))
    """
    return max(minimum, broker_minimum)


#: An amount in account currency, or a whole count of one small unit of it (the
#: whole-lot search counts in integers: `portfolio.steps.whole.sizing`).
Amount = TypeVar("Amount", int, Decimal)


def below_floor(amount: Amount, floor: Amount) -> bool:
    """|amount| below `floor` (a `smallest_trade`): a trade this small is not made.

    `amount` is signed; 0 is below any floor above 0.

    >>> below_floor(Decimal("-99.99"), Decimal(100)), below_floor(100, 100)
    (True, False)
    """
    return abs(amount) < floor


def trade_allowed(amount: Amount, floor: Amount) -> bool:
    """No trade at all, or one of at least `floor` (a `smallest_trade`).

    >>> [trade_allowed(a, 25) for a in (0, 24, -25)]
    [True, False, True]
    """
    return not amount or not below_floor(amount, floor)


def fewest_lots(floor: int, lot: int) -> int:
    """The fewest lots a trade other than none may be: ⌈floor ÷ lot⌉, at least 1.

    `floor` (a `smallest_trade`) and `lot` (> 0) in the same integer units.

    >>> fewest_lots(25, 10), fewest_lots(0, 10), fewest_lots(30, 10)
    (3, 1, 3)
    """
    return max(1, -(-floor // lot))


def liquidates(held: Decimal, target: Decimal) -> bool:
    """The liquidation rule (rule 2): a position held with target 0 is closed in full.

    `held` in shares (signed), `target` in account currency. Never blocked by the
    minimum trade, the bands or the broker's minimum.
    """
    return bool(held) and not target  # Decimal truth: ≠ 0, tested in C


def fixed_rule_holds(row: Row, limits: Thresholds) -> bool:
    """Whether rule 1, 2 or 4 decides the row whatever the trade's size.

    Not tradable, liquidated (held, target 0), or within the band (a trade ≠ 0): the
    rules `decide` applies first, in its order. Whole lots are sized apart
    (`portfolio.steps.whole.lots`) only for the rows where none of them holds.
    """
    return (
        not row.tradable
        or liquidates(row.held, row.target)
        or (limits.banded and bool(row.trade) and within_band(limits, row.current, row.target))
    )


def within_band(limits: Thresholds, current: Decimal, target: Decimal) -> bool:
    """The bands (rule 4): |current − target| within the smaller band that is on.

    Amounts in account currency; False when both bands are off.
    """
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


def surely_paid(quantity: Decimal, price: Decimal, amount: Decimal) -> Decimal:
    """What a trade moves the cash by at the fill, for sure, in whole cents (signed).

    A fill moves the cash by exactly quantity × price, which may be a fraction of a cent
    off the trade's `amount` (shares truncated at the ninth decimal, a value rounded to
    cents): a sale counts no more than the whole cents it surely raises, a buy no less
    than the whole cents it may take. The larger of `amount` and the exact value rounded
    up (toward +∞), both signed as the plan writes them (a sale negative).

    >>> surely_paid(Decimal("-0.335"), Decimal("76.23"), Decimal("-25.54"))  # 25.53705
    Decimal('-25.53')
    >>> surely_paid(Decimal(20), Decimal("0.7896"), Decimal("15.79"))  # 15.792
    Decimal('15.80')
    """
    return max(amount, (quantity * price).quantize(CENT, rounding=ROUND_CEILING))
