"""Decimal arithmetic for money: one context, one place that rounds.

All amounts are `Decimal` in account currency. Cents are the money quantum;
fractional share quantities carry nine decimals. The core computes inside
`CORE_CONTEXT` (50 significant digits) so that no intermediate product is rounded
before the one named rounding step, and input bounds (`MAX_AMOUNT`, `MIN_PRICE`)
keep every quantize within that precision, so it can never raise.
"""

from __future__ import annotations

import decimal
from collections.abc import Collection, Iterable
from decimal import ROUND_DOWN, Decimal
from typing import TypeGuard

__all__ = [
    "CASH_QUANTUM",
    "CENT",
    "CORE_CONTEXT",
    "MAX_AMOUNT",
    "MAX_PLAN_AMOUNT",
    "MIN_PRICE",
    "ROUNDING_MODES",
    "SHARE_QUANTUM",
    "ZERO",
    "all_within",
    "bounds_problem",
    "core_cash",
    "decimal_text",
    "is_bounded",
    "to_cents",
    "truncate_shares",
    "whole_shares",
]

ZERO = Decimal(0)
CENT = Decimal("0.01")
SHARE_QUANTUM = Decimal("1E-9")
#: Largest magnitude accepted for cash, quantities, prices and portfolio values.
MAX_AMOUNT = Decimal("1E+15")
#: Largest magnitude of a number in a plan read back from JSON: far above anything the
#: planner makes from bounded inputs (V ≤ 1E+15 + n × 1E+30 for n held symbols), and far
#: enough below the decimal module's limits that sums and products of a plan's numbers
#: never overflow.
MAX_PLAN_AMOUNT = Decimal("1E+50")
#: Smallest positive price accepted (a billionth of a currency unit).
MIN_PRICE = Decimal("1E-9")

CORE_CONTEXT = decimal.Context(
    prec=50,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

#: Cash is planned with at most 34 decimals: with |cash| ≤ MAX_AMOUNT (16 integer digits)
#: that is the core's 50 digits, so `cash_after = cash_before − Σ trade_amount` is exact.
_CASH_DECIMALS = 34
CASH_QUANTUM = Decimal(1).scaleb(-_CASH_DECIMALS)  # 1E-34

#: The rounding modes a `SizingPolicy` may name (the `decimal` module's constants).
ROUNDING_MODES = frozenset(
    {
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_UP,
        decimal.ROUND_DOWN,
        decimal.ROUND_CEILING,
        decimal.ROUND_FLOOR,
        decimal.ROUND_05UP,
    }
)


def is_bounded(value: object, limit: Decimal = MAX_AMOUNT) -> TypeGuard[Decimal]:
    """True for a finite Decimal whose magnitude is at most `limit` (compared, never rounded).

    Exactly a `Decimal`, as `all_within` asks: a subclass may do its arithmetic its own
    way, so cash, costs and policy amounts refuse one as weights, prices and shares do.

    >>> class Sub(Decimal): ...
    >>> is_bounded(Decimal("12.5")), is_bounded(Decimal("NaN")), is_bounded(1.0), is_bounded(Sub(1))
    (True, False, False, False)
    """
    return type(value) is Decimal and value.is_finite() and -limit <= value <= limit


def all_within(values: Collection[object], low: Decimal, high: Decimal) -> bool:
    """True when every value is a finite Decimal in [low, high]; loops run in C.

    The planner's fast path: when it is False, a slower check names the culprits.

    >>> all_within([Decimal(1), Decimal(2)], ZERO, Decimal(2)), all_within([1.0], ZERO, Decimal(2))
    (True, False)
    """
    if not values:
        return True
    if set(map(type, values)) != {Decimal}:
        return False
    decimals: Collection[Decimal] = values  # type: ignore[assignment] # every type is Decimal
    context = decimal.getcontext()
    if context.traps[decimal.InvalidOperation]:  # the core's context, and the default
        # A NaN raises in the comparisons (an infinity fails the bounds): no pass for
        # finiteness, 0.45 thousand instructions a value; a 20-symbol account on a shared
        # model from 756.9 to 750.4 thousand (cachegrind). The context's flag is kept.
        flagged = context.flags[decimal.InvalidOperation]
        try:
            return low <= min(decimals) and max(decimals) <= high
        except decimal.InvalidOperation:
            context.flags[decimal.InvalidOperation] = flagged
            return False
    return all(map(Decimal.is_finite, decimals)) and low <= min(decimals) and max(decimals) <= high


def bounds_problem(cash: Decimal, quantities: Iterable[Decimal]) -> str | None:
    """What leaves the bounds every input is checked against, or None.

    The one rule shared by the planner (which refuses a plan whose result it would not
    accept as input) and the filler (which refuses a fill that would leave such an
    account): |cash| ≤ MAX_AMOUNT and every |quantity| ≤ MAX_AMOUNT.

    >>> bounds_problem(Decimal(10), [Decimal("2E+15")])
    'a position would exceed 1E+15 shares'
    """
    if not -MAX_AMOUNT <= cash <= MAX_AMOUNT:
        return "cash would exceed 1E+15 in magnitude"
    if not all_within(tuple(quantities), -MAX_AMOUNT, MAX_AMOUNT):
        return "a position would exceed 1E+15 shares"
    return None


def core_cash(cash: Decimal) -> Decimal:
    """Bounded cash as the core plans with it: rounded (half even) to `CASH_QUANTUM` if finer.

    Cash with more digits (a float's binary expansion, say) would make the plan's
    arithmetic inexact; any cash with 34 decimals or fewer is kept as it is.

    >>> core_cash(Decimal("0.1000000000000000055511151231257827021181583404541015625"))
    Decimal('0.1000000000000000055511151231257827')
    >>> core_cash(Decimal("12.5"))
    Decimal('12.5')
    """
    # Written without an exponent, its exponent is minus the digits after the point: read
    # off its text (1.6 thousand instructions), where `as_tuple` builds a named tuple of
    # its digits in Python (5.2 thousand), once per plan and per bar of a backtest.
    text = str(cash)
    if "E" not in text:
        point = text.find(".")
        if point < 0 or len(text) - point <= _CASH_DECIMALS + 1:
            return cash
    elif cash.as_tuple().exponent >= -_CASH_DECIMALS:  # type: ignore[operator] # finite: an int
        return cash
    return cash.quantize(CASH_QUANTUM, rounding=decimal.ROUND_HALF_EVEN, context=CORE_CONTEXT)


def to_cents(amount: Decimal, rounding: str = decimal.ROUND_HALF_EVEN) -> Decimal:
    """Round an amount to cents with the given rounding mode.

    >>> to_cents(Decimal("2.345")), to_cents(Decimal("2.355"))
    (Decimal('2.34'), Decimal('2.36'))
    """
    return amount.quantize(CENT, rounding=rounding, context=CORE_CONTEXT)


def truncate_shares(quantity: Decimal) -> Decimal:
    """Fractional shares: nine decimals, toward zero.

    >>> truncate_shares(Decimal("-1.0000000009"))
    Decimal('-1.000000000')
    """
    return quantity.quantize(SHARE_QUANTUM, rounding=ROUND_DOWN, context=CORE_CONTEXT)


def whole_shares(quantity: Decimal) -> Decimal:
    """Whole shares: the integer part, toward zero.

    >>> whole_shares(Decimal("2.99")), whole_shares(Decimal("-2.99"))
    (Decimal('2'), Decimal('-2'))
    """
    return quantity.to_integral_value(rounding=ROUND_DOWN, context=CORE_CONTEXT)


def decimal_text(text: str) -> Decimal:
    """`Decimal(text)` for a number as files and people write it: ASCII, no `_`.

    `Decimal` also reads Python's digit grouping and other scripts' digits, so a price
    file's `470_00` was 47,000 and `４７０` 470; those raise `decimal.InvalidOperation`
    here, as any other text that is no number does (every caller's refusal already).

    >>> decimal_text(" -1.5E-2 "), decimal_text("NaN").is_nan()
    (Decimal('-0.015'), True)
    >>> decimal_text("470_00")
    Traceback (most recent call last):
    decimal.InvalidOperation: 470_00
    """
    if "_" in text or not text.isascii():
        raise decimal.InvalidOperation(text)
    return Decimal(text)
