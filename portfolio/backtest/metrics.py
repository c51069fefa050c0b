"""Statistics of an equity curve, in Decimal (no floats anywhere in the backtest).

Returns are fractions (0.07 = 7 %), rounded to ten decimals. A year is 365.25 days;
the number of bars per year is read off the curve's own dates, so daily, weekly or
monthly bars all annualise correctly.

Arguments of the wrong Python type (a curve of plain tuples, a float start, flows that
are not a mapping or a sequence of pairs) are a `TypeError` naming the function and
the argument, as the rest of the library's entry points do (`_expect`).
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from portfolio.backtest.bars import EquityPoint

__all__ = [
    "cagr",
    "drawdowns",
    "flow_adjusted",
    "max_drawdown",
    "money_weighted_return",
    "ten_places",
    "volatility",
]

_DAYS_PER_YEAR = Decimal("365.25")
_STEP = Decimal("1E-10")
_CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)
ZERO = Decimal(0)


def ten_places(ratio: Decimal) -> Decimal:
    """Round a ratio to ten decimals, or to 28 significant digits when it is too large.

    A year's growth compounded from a one-day curve can have 40 digits.

    >>> ten_places(Decimal(2) / 3), ten_places(Decimal("1.5E+40"))
    (Decimal('0.6666666667'), Decimal('1.5E+40'))
    """
    _expect("ten_places", "ratio", ratio, ok=isinstance(ratio, Decimal), wanted="a Decimal")
    with decimal.localcontext(_CONTEXT):
        if ratio.is_finite() and ratio.adjusted() < _CONTEXT.prec - 11:
            return ratio.quantize(_STEP)
        return _CONTEXT.plus(ratio)


def _expect(  # noqa: PLR0913 - the call names what it checks, by keyword
    function: str,
    argument: str,
    value: object,
    *,
    ok: bool,
    wanted: str,
    items: type | None = None,
) -> None:
    """Raise a clear TypeError when an argument is not of the type the helper computes on.

    `items`: the type a sequence's items must be, to name the first that is not.
    """
    if not ok:
        msg = f"{function}: {argument} must be {wanted}, got {_described(value, items)}"
        raise TypeError(msg)


def _described(value: object, items: type | None) -> str:
    """The value's type, and for a sequence the first item of another type than `items`."""
    kind = type(value).__name__
    if items is not None and isinstance(value, Sequence) and not isinstance(value, str | bytes):
        odd = next((item for item in value if not isinstance(item, items)), None)
        if odd is not None:
            return f"a {kind} holding a {type(odd).__name__}"
    return f"a {kind}"


def _check_start(function: str, start: object) -> None:
    _expect(function, "start", start, ok=isinstance(start, Decimal), wanted="a Decimal")


def _check_curve(function: str, curve: object) -> None:
    """A sequence of `EquityPoint(date, equity)`, the first and last dated (the span read)."""
    points: object = curve
    ok = (
        isinstance(points, Sequence)
        and not isinstance(points, str | bytes)
        and all(map(isinstance, points, itertools.repeat(EquityPoint)))
        and (not points or _dated((points[0], points[-1])))
    )
    wanted = "a sequence of EquityPoint(date, equity)"
    _expect(function, "curve", curve, ok=ok, wanted=wanted, items=EquityPoint)


def _dated(points: Iterable[EquityPoint]) -> bool:
    return all(isinstance(point.date, date) for point in points)


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
    _check_start("cagr", start)
    _check_curve("cagr", curve)
    with decimal.localcontext(_CONTEXT):
        years = _years(curve) if curve else ZERO
        if years <= 0 or start <= 0:
            return ZERO
        final = curve[-1].equity
        if final <= 0:
            return Decimal(-1)
        return ten_places((final / start) ** (1 / years) - 1)


def volatility(curve: Sequence[EquityPoint]) -> Decimal:
    """Annualised standard deviation of bar-to-bar returns (sample, n − 1).

    0 with fewer than two returns or when the curve spans no time.
    """
    _check_curve("volatility", curve)
    with decimal.localcontext(_CONTEXT):
        returns = [b.equity / a.equity - 1 for a, b in itertools.pairwise(curve) if a.equity > 0]
        years = _years(curve) if len(returns) > 1 else ZERO
        if years <= 0:
            return ZERO
        mean = sum(returns, ZERO) / len(returns)
        variance = sum(((r - mean) ** 2 for r in returns), ZERO) / (len(returns) - 1)
        bars_per_year = len(returns) / years
        return ten_places((variance * bars_per_year).sqrt())


def drawdowns(curve: Sequence[EquityPoint]) -> list[Decimal]:
    """Each bar's fall from the running peak, as a fraction of that peak (0 at a new peak).

    >>> from datetime import date
    >>> days = [date(2020, 1, d) for d in range(1, 5)]
    >>> curve = [EquityPoint(d, Decimal(e)) for d, e in zip(days, (100, 120, 90, 130))]
    >>> [ten_places(fall) for fall in drawdowns(curve)]
    [Decimal('0E-10'), Decimal('0E-10'), Decimal('0.2500000000'), Decimal('0E-10')]
    """
    _check_curve("drawdowns", curve)
    with decimal.localcontext(_CONTEXT):
        peak, falls = ZERO, []
        for point in curve:
            peak = max(peak, point.equity)
            falls.append(1 - point.equity / peak if peak > 0 else ZERO)
        return falls


def max_drawdown(curve: Sequence[EquityPoint]) -> Decimal:
    """The largest fall from a running peak, as a fraction of that peak (0.25 = 25 %).

    >>> from datetime import date
    >>> days = [date(2020, 1, d) for d in range(1, 5)]
    >>> curve = [EquityPoint(d, Decimal(e)) for d, e in zip(days, (100, 120, 90, 130))]
    >>> max_drawdown(curve)
    Decimal('0.2500000000')
    """
    return ten_places(max(drawdowns(curve), default=ZERO))


def flow_adjusted(
    start: Decimal, curve: Sequence[EquityPoint], flows: Mapping[date, Decimal]
) -> list[EquityPoint]:
    """The curve of `start` invested throughout, with the cash flows taken out.

    Each bar's return is (equity − that bar's flow) ÷ the previous equity (the first
    bar's previous equity is `start`); the curve chains them from `start`. Without flows
    it is the equity curve itself. A bar after the equity reached zero returns 0.
    """
    _check_start("flow_adjusted", start)
    _check_curve("flow_adjusted", curve)
    _expect(
        "flow_adjusted",
        "flows",
        flows,
        ok=isinstance(flows, Mapping),
        wanted="a mapping of date to Decimal",
    )
    with decimal.localcontext(_CONTEXT):
        level, before, points = start, start, []
        for point in curve:
            growth = (point.equity - flows.get(point.date, ZERO)) / before if before > 0 else 1
            level *= growth
            points.append(EquityPoint(point.date, level))
            before = point.equity
        return points


def money_weighted_return(
    start: Decimal, curve: Sequence[EquityPoint], flows: Sequence[tuple[date, Decimal]]
) -> Decimal:
    """The annual rate r at which the flows and the final equity discount to `start`.

    Solves start + Σ flow × (1 + r)^−t = final × (1 + r)^−T (t, T in years of 365.25
    days from the first bar) by bisection between −99 % and +1,000 % a year; the
    answer is clamped to that range. Without flows, or without a curve, it is `cagr`.
    """
    _check_start("money_weighted_return", start)
    _check_curve("money_weighted_return", curve)
    _expect(
        "money_weighted_return",
        "flows",
        flows,
        ok=_pairs(flows),
        wanted="a sequence of (date, Decimal) pairs",
    )
    if not flows or not curve:
        return cagr(start, curve)
    with decimal.localcontext(_CONTEXT):
        first, final = curve[0].date, curve[-1]
        if final.equity <= 0:
            return Decimal(-1)
        dated = [(-start, ZERO), *((-amount, _span(first, day)) for day, amount in flows)]
        dated.append((final.equity, _span(first, final.date)))
        low, high = Decimal("-0.99"), Decimal(10)
        for _ in range(60):
            middle = (low + high) / 2
            if _present_value(dated, middle) > 0:
                low = middle
            else:
                high = middle
        return ten_places((low + high) / 2)


def _pairs(flows: object) -> bool:
    """A sequence (not a mapping or a str) of (date, Decimal) pairs."""
    if not isinstance(flows, Sequence) or isinstance(flows, str | bytes):
        return False
    return all(
        isinstance(pair, tuple)
        and len(pair) == 2
        and isinstance(pair[0], date)
        and isinstance(pair[1], Decimal)
        for pair in flows
    )


def _span(first: date, day: date) -> Decimal:
    return Decimal((day - first).days) / _DAYS_PER_YEAR


def _present_value(flows: Sequence[tuple[Decimal, Decimal]], rate: Decimal) -> Decimal:
    """Σ amount × (1 + rate)^−years: decreasing in `rate` while the final equity dominates."""
    log = (1 + rate).ln()
    return sum(((amount * (-years * log).exp()) for amount, years in flows), ZERO)
