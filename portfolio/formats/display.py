"""Plans and backtests as people read them: text tables and HTML tables, built as strings.

Money is shown with thousands separators and two decimals (a price below 1 with the
digits two decimals would hide), fractions as percentages,
share quantities with their exact digits. `text_table` lines up columns for a terminal
or a notebook cell; `html_table` is the same table for Jupyter and the HTML
report, every cell escaped. Long tables keep their first rows and say how many more
there are (`shown`). Pure: no I/O.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

__all__ = [
    "counted",
    "duration",
    "html_table",
    "money",
    "percent",
    "price",
    "shares",
    "shown",
    "text_table",
]

T = TypeVar("T")


def counted(count: int, noun: str) -> str:
    """A count and its noun, plural unless the count is 1: the one place a noun is counted.

    >>> counted(1, "lot"), counted(2, "bar"), counted(0, "order"), counted(1_000, "account")
    ('1 lot', '2 bars', '0 orders', '1,000 accounts')
    """
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def duration(span: timedelta) -> str:
    """A span of time as people say it: days, hours, minutes and seconds, zeros left out.

    >>> duration(timedelta(days=33)), duration(timedelta(days=1, seconds=1))
    ('33 days', '1 day 1 s')
    >>> duration(timedelta(hours=5, minutes=3)), duration(timedelta(milliseconds=250))
    ('5 h 3 min', '0.25 s')
    """
    seconds = abs(span.total_seconds())
    if seconds < 1:
        return f"{seconds:g} s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [counted(days, "day")] if days else []
    parts += [f"{n} {unit}" for n, unit in ((hours, "h"), (minutes, "min"), (secs, "s")) if n]
    return " ".join(parts)


def money(amount: Decimal) -> str:
    """`Decimal("-1234.5")` → `-1,234.50` (account currency).

    >>> money(Decimal("-1234.5"))
    '-1,234.50'
    """
    return f"{amount:,.2f}"


def price(amount: Decimal) -> str:
    """A price per share: as `money`, but a price below 1 keeps the digits cents would hide.

    A penny stock or a crypto pair below a cent would otherwise show as `0.00`.

    Every digit is shown, however many (`normalize` would round to the context's 28).

    >>> price(Decimal("714.8812")), price(Decimal("0.5")), price(Decimal("0.00001234"))
    ('714.88', '0.50', '0.00001234')
    >>> price(Decimal("0.123456789012345678901234567891")), price(Decimal("0.0050"))
    ('0.123456789012345678901234567891', '0.005')
    """
    if amount >= 1 or amount == round(amount, 2):
        return money(amount)
    return f"{amount:f}".rstrip("0")  # below 1, not in whole cents: digits after the point


def percent(fraction: Decimal, places: int = 2) -> str:
    """`Decimal("0.1234")` → `12.34%`.

    >>> percent(Decimal("0.1234")), percent(Decimal("-0.5"), 1)
    ('12.34%', '-50.0%')
    """
    return f"{fraction * 100:.{places}f}%"


def shares(quantity: Decimal) -> str:
    """A signed share quantity with its exact digits.

    >>> shares(Decimal("3.500000000")), shares(Decimal(-30)), shares(Decimal(0))
    ('+3.5', '-30', '0')
    """
    text = f"{quantity.normalize():f}" if quantity else "0"
    return f"+{text}" if quantity > 0 else text


def shown(rows: Sequence[T], limit: int) -> tuple[list[T], int]:
    """The first `limit` rows, and how many were left out.

    >>> shown([("a",), ("b",), ("c",)], 2)
    ([('a',), ('b',)], 1)
    """
    return list(rows[:limit]), max(len(rows) - limit, 0)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int]) -> str:
    """Columns padded to their widest cell under a rule; columns in `right` right-aligned.

    >>> text_table(("Symbol", "Amount"), [("SPY", "1.00"), ("QQQ", "-1.50")], {1}).splitlines()
    ['Symbol  Amount', '──────  ──────', 'SPY       1.00', 'QQQ      -1.50']
    """
    widths = [max(len(row[n]) for row in (headers, *rows)) for n in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell.rjust(width) if n in right else cell.ljust(width)
            for n, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    rule = "  ".join("─" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: frozenset[int],
    *,
    caption: str = "",
) -> str:
    """An HTML `<table>`; every cell is escaped, columns in `right` are right-aligned.

    >>> html_table(("Symbol",), [("<b>",)], frozenset())
    '<table><thead><tr><th>Symbol</th></tr></thead><tbody><tr><td>&lt;b&gt;</td></tr></tbody></table>'
    """

    def cell(tag: str, n: int, text: str) -> str:
        align = ' style="text-align:right"' if n in right else ""
        return f"<{tag}{align}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", n, text) for n, text in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", n, text) for n, text in enumerate(row)) + "</tr>"
        for row in rows
    )
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
