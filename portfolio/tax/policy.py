"""How a plan treats taxes: `LotMethod`, `TaxPolicy` and what makes a policy valid."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from portfolio.records.errors import PortfolioError
from portfolio.records.money import MAX_AMOUNT, is_bounded

__all__ = ["LotMethod", "TaxPolicy", "tax_policy_problem"]

#: The longest wash-sale look-back accepted, in days (a longer one is a typo).
MAX_WASH_SALE_DAYS = 366


class LotMethod(enum.Enum):
    """Which lots a sale relieves first (docs/tax.md, rule 1).

    `FIFO` the oldest, `LIFO` the newest, `HIFO` the highest cost, `MIN_TAX` the least
    estimated tax per share at the policy's rates (losses before gains, long-term gains
    before short-term ones when the long-term rate is lower).
    """

    FIFO = "FIFO"
    LIFO = "LIFO"
    HIFO = "HIFO"
    MIN_TAX = "MIN_TAX"


@attrs.frozen(kw_only=True)
class TaxPolicy:
    """The tax rules a plan applies (docs/tax.md).

    - `method`: the `LotMethod` a sale relieves lots by.
    - `max_realized_gain`: the most net realized gain (gains − losses, account currency,
      ≥ 0) the plan may realize; None = no budget. Liquidations are never cut for it.
    - `defer_short_term_gains`: cut sales to the lots that realize no short-term gain.
    - `short_term_rate`, `long_term_rate`: fractions in [0, 1] for the estimated tax.
    - `wash_sale_days`: the wash-sale window in days (an int in [0, 366]).
    """

    method: LotMethod = LotMethod.FIFO
    max_realized_gain: Decimal | None = None
    defer_short_term_gains: bool = False
    short_term_rate: Decimal = Decimal(0)
    long_term_rate: Decimal = Decimal(0)
    wash_sale_days: int = 30


def tax_policy_problem(tax: object) -> PortfolioError | None:
    """The first bad field of a tax policy, as INVALID_POLICY naming it; or None.

    >>> tax_policy_problem(TaxPolicy(short_term_rate=Decimal("1.5"))).context["field"]
    'tax.short_term_rate'
    """
    if not isinstance(tax, TaxPolicy):
        return _bad("", "a TaxPolicy or None", tax)
    budget = tax.max_realized_gain
    days = tax.wash_sale_days
    checks = (
        ("method", "a LotMethod", isinstance(tax.method, LotMethod)),
        (
            "max_realized_gain",
            "None or a finite Decimal in [0, 1E+15]",
            budget is None or (is_bounded(budget, MAX_AMOUNT) and budget >= 0),
        ),
        ("defer_short_term_gains", "a bool", type(tax.defer_short_term_gains) is bool),
        ("short_term_rate", "a Decimal in [0, 1]", _is_rate(tax.short_term_rate)),
        ("long_term_rate", "a Decimal in [0, 1]", _is_rate(tax.long_term_rate)),
        (
            "wash_sale_days",
            f"an int in [0, {MAX_WASH_SALE_DAYS}]",
            type(days) is int and 0 <= days <= MAX_WASH_SALE_DAYS,
        ),
    )
    for name, expected, ok in checks:
        if not ok:
            return _bad(name, expected, getattr(tax, name))
    return None


def _is_rate(value: object) -> bool:
    return is_bounded(value) and 0 <= value <= 1


def _bad(field: str, expected: str, value: object) -> PortfolioError:
    name = f"tax.{field}" if field else "tax"
    return PortfolioError.invalid_policy(
        f"SizingPolicy.{name} must be {expected}", field=name, value=repr(value)
    )
