"""One symbol's decision: `Action`, `Reason` and the `PlanItem` row.

`PlanItem` is an immutable, typed tuple (a `typing.NamedTuple` subclass), not an attrs
class: the planner builds one per symbol, and a tuple row costs about a quarter of a
frozen attrs record to build (0.4 µs against 1.6 µs on CPython 3.11), which is most of
the per-symbol budget of a planner that runs at a third of a bare loop's speed (see
docs/architecture.md). It is frozen, hashable, equal only to another `PlanItem` with
the same fields, and built by keyword like the other records.
"""

from __future__ import annotations

import decimal
import enum
from decimal import Decimal
from typing import NamedTuple, final

__all__ = ["Action", "PlanItem", "Reason"]


class Action(enum.Enum):
    """What to do with one symbol."""

    BUY = "BUY"
    SELL = "SELL"
    HOLD = "HOLD"


class Reason(enum.Enum):
    """Why the planner decided what it did."""

    REBALANCE = "REBALANCE"
    LIQUIDATE = "LIQUIDATE"
    AT_TARGET = "AT_TARGET"
    BELOW_MIN_TRADE = "BELOW_MIN_TRADE"
    WITHIN_BAND = "WITHIN_BAND"
    CASH_LIMITED = "CASH_LIMITED"
    ROUNDED_TO_ZERO = "ROUNDED_TO_ZERO"
    NOT_TRADABLE = "NOT_TRADABLE"
    BELOW_BROKER_MINIMUM = "BELOW_BROKER_MINIMUM"
    BUY_ONLY = "BUY_ONLY"
    SELL_ONLY = "SELL_ONLY"
    #: Tax rules (docs/tax.md): a sale cut to the gain budget, a sale cut to the lots that
    #: realize no short-term gain, a trade held by the wash-sale rule.
    GAIN_BUDGET = "GAIN_BUDGET"
    SHORT_TERM_GAIN = "SHORT_TERM_GAIN"
    WASH_SALE = "WASH_SALE"
    #: Tax-loss harvesting (docs/tax.md): a sale that harvests a loss, and the buy of the
    #: substitute that keeps the exposure.
    HARVEST = "HARVEST"


class _Fields(NamedTuple):
    symbol: str
    action: Action
    trade_amount: Decimal
    quantity: Decimal
    price: Decimal
    current_value: Decimal
    target_value: Decimal
    current_weight: Decimal
    target_weight: Decimal
    reason: Reason


@final
class PlanItem(_Fields):
    """One symbol's decision.

    Amounts (`trade_amount`, `current_value`, `target_value`) are in account currency,
    rounded to cents; `trade_amount` is positive for BUY, negative for SELL and exactly
    0 for HOLD. `quantity` is signed shares (0 for HOLD). `price` is per share.
    Weights are fractions of the plan's total value, cash included.

    >>> item = PlanItem(symbol="SPY", action=Action.HOLD, trade_amount=Decimal(0),
    ...     quantity=Decimal(0), price=Decimal(500), current_value=Decimal(0),
    ...     target_value=Decimal(0), current_weight=Decimal(0), target_weight=Decimal(0),
    ...     reason=Reason.AT_TARGET)
    >>> item.symbol, item == item._replace(), item == tuple(item), tuple(item) == item
    ('SPY', True, False, False)
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        """Equal to another `PlanItem` with equal fields; never to a plain tuple."""
        return type(other) is PlanItem and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        """The negation of `==`."""
        return type(other) is not PlanItem or tuple.__ne__(self, other)

    __hash__ = _Fields.__hash__

    @property
    def skipped_amount(self) -> Decimal:
        """The part of the gap to target that this item does not trade (account currency).

        `target_value − current_value − trade_amount`: the whole gap for a HOLD, what
        share rounding or the cash limit left for a BUY or SELL, 0 for a trade that
        reaches its target. Exact for any plan the planner makes (amounts in cents).

        >>> hold = PlanItem(symbol="SPY", action=Action.HOLD, trade_amount=Decimal(0),
        ...     quantity=Decimal(0), price=Decimal(500), current_value=Decimal("9000.00"),
        ...     target_value=Decimal("9400.00"), current_weight=Decimal("0.45"),
        ...     target_weight=Decimal("0.47"), reason=Reason.WITHIN_BAND)
        >>> hold.skipped_amount
        Decimal('400.00')
        """
        with decimal.localcontext(_EXACT):
            return self.target_value - self.current_value - self.trade_amount


#: Wide enough that the difference of three bounded amounts is exact.
_EXACT = decimal.Context(prec=60, traps=[decimal.InvalidOperation, decimal.Overflow])
