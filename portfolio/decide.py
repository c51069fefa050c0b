"""One symbol's decision: the rules of docs/policy.md, in the order they apply.

1. not tradable → HOLD (NOT_TRADABLE);
2. held with target 0 → close exactly the held quantity (LIQUIDATE), never blocked;
3. nothing to trade → HOLD (AT_TARGET);
4. inside the band → HOLD (WITHIN_BAND);
5. smaller than the minimum trade → HOLD (BELOW_MIN_TRADE);
6. whole shares that truncate to 0 → HOLD (ROUNDED_TO_ZERO);
7. otherwise BUY or SELL (REBALANCE).
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from portfolio.money import CENT, SHARE_QUANTUM, ZERO
from portfolio.plan import Action, PlanItem, Reason

__all__ = ["Thresholds", "decide", "hold", "shares_for"]

_DOWN = "ROUND_DOWN"
#: Zero in cents: a sub-cent liquidation is worth 0.00, never -0.00.
CENTS_ZERO = Decimal("0.00")


@attrs.frozen(kw_only=True)
class Thresholds:
    """Per-plan constants: minimum trade (account currency), bands as value tolerances."""

    minimum: Decimal
    band_value: Decimal | None
    relative_band: Decimal
    rounding: str
    banded: bool = attrs.field(init=False)

    @banded.default
    def _banded(self) -> bool:
        """True when either band is switched on."""
        return self.band_value is not None or self.relative_band != 0


def decide(  # noqa: PLR0911, PLR0913, PLR0917 - one return per rule; flat for speed
    symbol: str,
    price: Decimal,
    held: Decimal,
    current: Decimal,
    target: Decimal,
    trade: Decimal,
    weights: tuple[Decimal, Decimal],
    tradable: bool,  # noqa: FBT001 - positional-only, for speed
    whole: bool,  # noqa: FBT001
    limits: Thresholds,
    /,
) -> PlanItem:
    """Decide one symbol. Amounts in cents, `held` in shares, `weights` = (current, target)."""
    current_weight, target_weight = weights
    if not tradable:
        return hold(symbol, price, current, target, weights, Reason.NOT_TRADABLE)
    if target == ZERO and held != ZERO:
        return PlanItem(
            symbol=symbol,
            action=Action.SELL if held > 0 else Action.BUY,
            trade_amount=-current if current else CENTS_ZERO,
            quantity=-held,
            price=price,
            current_value=current,
            target_value=target,
            current_weight=current_weight,
            target_weight=target_weight,
            reason=Reason.LIQUIDATE,
        )
    if trade == ZERO:
        return hold(symbol, price, current, target, weights, Reason.AT_TARGET)
    if limits.banded and _within_band(limits, current, target):
        return hold(symbol, price, current, target, weights, Reason.WITHIN_BAND)
    minimum = limits.minimum
    if abs(trade) < minimum:
        return hold(symbol, price, current, target, weights, Reason.BELOW_MIN_TRADE)
    if whole:
        quantity, amount = shares_for(trade, price, whole=True, rounding=limits.rounding)
        if quantity == ZERO:
            return hold(symbol, price, current, target, weights, Reason.ROUNDED_TO_ZERO)
        if abs(amount) < minimum:
            return hold(symbol, price, current, target, weights, Reason.BELOW_MIN_TRADE)
    else:
        quantity, amount = (trade / price).quantize(SHARE_QUANTUM, _DOWN), trade
        if quantity == ZERO:  # a price above 1E+7 per share and a trade of cents
            return hold(symbol, price, current, target, weights, Reason.ROUNDED_TO_ZERO)
    return PlanItem(
        symbol=symbol,
        action=Action.BUY if amount > ZERO else Action.SELL,
        trade_amount=amount,
        quantity=quantity,
        price=price,
        current_value=current,
        target_value=target,
        current_weight=current_weight,
        target_weight=target_weight,
        reason=Reason.REBALANCE,
    )


def _within_band(limits: Thresholds, current: Decimal, target: Decimal) -> bool:
    """|current − target| within the smaller of the bands that are on (account currency)."""
    relative = limits.relative_band * abs(target) if limits.relative_band else None
    if limits.band_value is None:
        band = relative
    elif relative is None:
        band = limits.band_value
    else:
        band = min(limits.band_value, relative)
    return band is not None and abs(current - target) <= band


def shares_for(
    amount: Decimal, price: Decimal, *, whole: bool, rounding: str
) -> tuple[Decimal, Decimal]:
    """Signed shares for a dollar amount, and the amount those shares are worth.

    Fractional: shares to nine decimals toward zero, amount unchanged. Whole: shares
    truncated toward zero, amount = shares × price rounded to cents.

    >>> shares_for(Decimal("250.00"), Decimal("100"), whole=True, rounding="ROUND_HALF_EVEN")
    (Decimal('2'), Decimal('200.00'))
    """
    if whole:
        quantity = (amount / price).to_integral_value(rounding=_DOWN)
        return quantity, (quantity * price).quantize(CENT, rounding=rounding)
    return (amount / price).quantize(SHARE_QUANTUM, rounding=_DOWN), amount


def hold(  # noqa: PLR0913, PLR0917 - the fields of a HOLD item
    symbol: str,
    price: Decimal,
    current: Decimal,
    target: Decimal,
    weights: tuple[Decimal, Decimal],
    reason: Reason,
) -> PlanItem:
    """A HOLD item: trade amount and quantity exactly 0."""
    return PlanItem(
        symbol=symbol,
        action=Action.HOLD,
        trade_amount=ZERO,
        quantity=ZERO,
        price=price,
        current_value=current,
        target_value=target,
        current_weight=weights[0],
        target_weight=weights[1],
        reason=reason,
    )
