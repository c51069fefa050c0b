"""Statistics of an equity curve, in Decimal (no floats anywhere in the backtest).

Returns are fractions (0.07 = 7 %), rounded to ten decimals. A year is 365.25 days;
the number of bars per year is read off the curve's own dates, so daily, weekly or
monthly bars all annualise correctly.
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Sequence
from decimal import Decimal

from portfolio.backtest.bars import EquityPoint

__all__ = ["cagr", "max_drawdown", "volatility"]

_DAYS_PER_YEAR = Decimal("365.25")
_STEP = Decimal("1E-10")
_CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)
ZERO = Decimal(0)


def _years(curve: Sequence[EquityPoint]) -> Decimal:
    return Decimal((curve[-1].date - curve[0].date).days) / _DAYS_PER_YEAR


def cagr(start: Decimal, curve: Sequence[EquityPoint]) -> Decimal:
    """Compound annual growth from `start` to the last equity, over the curve's span.

    0 when the curve spans no time or `start` is not positive; −1 when all was lost.

    >>> from datetime import date
    >>> start, end = date(2020, 1, 1), date(2021, 12, 31)  # 730 days
    >>> cagr(Decimal(100), [EquityPoint(start, Decimal(100)), EquityPoint(end, Decimal(121))])
    Decimal('0.1000718114')
    """
    with decimal.localcontext(_CONTEXT):
        years = _years(curve) if curve else ZERO
        if years <= 0 or start <= 0:
            return ZERO
        final = curve[-1].equity
        if final <= 0:
            return Decimal(-1)
        return ((final / start) ** (1 / years) - 1).quantize(_STEP)


def volatility(curve: Sequence[EquityPoint]) -> Decimal:
    """Annualised standard deviation of bar-to-bar returns (sample, n − 1).

    0 with fewer than two returns or when the curve spans no time.
    """
    with decimal.localcontext(_CONTEXT):
        returns = [b.equity / a.equity - 1 for a, b in itertools.pairwise(curve) if a.equity > 0]
        years = _years(curve) if len(returns) > 1 else ZERO
        if years <= 0:
            return ZERO
        mean = sum(returns, ZERO) / len(returns)
        variance = sum(((r - mean) ** 2 for r in returns), ZERO) / (len(returns) - 1)
        bars_per_year = len(returns) / years
        return (variance * bars_per_year).sqrt().quantize(_STEP)


def max_drawdown(curve: Sequence[EquityPoint]) -> Decimal:
    """The largest fall from a running peak, as a fraction of that peak (0.25 = 25 %).

    >>> from datetime import date
    >>> days = [date(2020, 1, d) for d in range(1, 5)]
    >>> curve = [EquityPoint(d, Decimal(e)) for d, e in zip(days, (100, 120, 90, 130))]
    >>> max_drawdown(curve)
    Decimal('0.2500000000')
    """
    with decimal.localcontext(_CONTEXT):
        peak, worst = ZERO, ZERO
        for point in curve:
            peak = max(peak, point.equity)
            if peak > 0:
                worst = max(worst, 1 - point.equity / peak)
        return worst.quantize(_STEP)
