"""Gaps in the prices, and the rules a backtest applies to them (one pass before the fold).

- **Late listing**: before its first close a symbol is unpriced. A targeted symbol's weight
  waits in cash until then (`LateListing.CASH`), or is spread over the priced targets in
  proportion to their weights (`LateListing.SPREAD`).
- **Carried forward**: after its first close, a missing close is carried forward from the
  last one, for marking and for planning (what bt, ffn and pandas' `ffill` do).
- **Stopped trading**: a symbol without a close for `delist_after` bars in a row has stopped
  trading: on that bar a held position is sold at its last close (no fee) and reported,
  and the symbol is unpriced again (as before a listing) until a close reappears.
- **Split-like moves**: a one-bar move close to a split ratio (2:1, 3:1, 4:1, 5:1, 10:1,
  3:2 or their reverses) is recorded, to warn when a held position moved with it.
"""

from __future__ import annotations

import decimal
import enum
import itertools
import operator
import typing
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs

from portfolio.backtest.bars import Bar
from portfolio.records.frozen import FrozenDict

__all__ = ["SPLIT_RATIOS", "Gaps", "LateListing", "MissingData", "find_gaps"]

#: Price ratios (new ÷ old close) of common splits and reverse splits.
SPLIT_RATIOS = tuple(
    Decimal(n) / Decimal(d)
    for n, d in ((1, 2), (1, 3), (1, 4), (1, 5), (1, 10), (2, 3), (2, 1), (3, 1), (4, 1), (10, 1))
)
#: How close (relative) a one-bar move must be to a split ratio to be reported.
SPLIT_TOLERANCE = Decimal("0.02")
_CONTEXT = decimal.Context(prec=6, traps=[])  # ratios need four digits, not fifty
_LOW, _HIGH = Decimal("0.7"), Decimal("1.4")  # moves inside this range are no split
_EXACT = decimal.Context(prec=60)  # a close × 1.4, never rounded
_STRETCH = 64  # moves read at once by `_wide`
_PART = 16  # a stretch that is not calm is read again in parts this long


class LateListing(enum.Enum):
    """Where a targeted symbol's weight goes while the symbol has no price."""

    CASH = "cash"
    SPREAD = "spread"


@attrs.frozen(kw_only=True)
class MissingData:
    """The rules for gaps: see the module docstring.

    `delist_after` is a number of bars (≥ 1): that many consecutive bars without a close
    and the symbol has stopped trading.
    """

    late_listing: LateListing = LateListing.CASH
    delist_after: int = 5


@attrs.frozen(kw_only=True)
class Gaps:
    """The prices with the rules applied, by bar index (only bars with something to say).

    - `marks[i]`: bar i's closes plus the carried ones (bar i's own mapping when complete).
    - `carried[i]`: the symbols whose close bar i carried forward.
    - `stopped[i]`: symbol → last close, for the symbols that stopped trading on bar i.
    - `listed`: symbol → index of its first close.
    - `moves[i]`: (symbol, new ÷ old close) for split-like moves on bar i.
    """

    marks: tuple[Mapping[str, Decimal], ...]
    carried: Mapping[int, frozenset[str]]
    stopped: Mapping[int, Mapping[str, Decimal]]
    listed: Mapping[str, int]
    moves: Mapping[int, tuple[tuple[str, Decimal], ...]]


def find_gaps(bars: Sequence[Bar], delist_after: int) -> Gaps:
    """Apply the rules to well-formed bars (dates increasing, prices positive)."""
    last: Mapping[str, Decimal] = {}
    absent: dict[str, int] = {}
    marks: list[Mapping[str, Decimal]] = []
    carried: dict[int, frozenset[str]] = {}
    stopped: dict[int, dict[str, Decimal]] = {}
    listed: dict[str, int] = {}
    for index, bar in enumerate(bars):
        prices = bar.prices
        if len(prices) == len(last) and not absent and last.keys() <= prices.keys():
            marks.append(prices)
            last = prices
            continue
        listed.update((s, index) for s in prices if s not in listed)
        merged = dict(last)
        merged.update(prices)
        for symbol in absent.keys() & prices.keys():
            del absent[symbol]
        for symbol in last.keys() - prices.keys():
            absent[symbol] = absent.get(symbol, 0) + 1
            if absent[symbol] >= delist_after:
                stopped.setdefault(index, {})[symbol] = merged.pop(symbol)
                del absent[symbol]
        if absent:
            carried[index] = frozenset(absent)
            last = merged
            marks.append(FrozenDict(merged))
        else:
            last = prices
            marks.append(prices)
    return Gaps(
        marks=tuple(marks),
        carried=FrozenDict(carried),
        stopped=FrozenDict({i: FrozenDict(s) for i, s in stopped.items()}),
        listed=FrozenDict(listed),
        moves=_split_like(marks, listed),
    )


def _split_like(
    marks: Sequence[Mapping[str, Decimal]], symbols: Iterable[str]
) -> Mapping[int, tuple[tuple[str, Decimal], ...]]:
    """Bar index → (symbol, close ÷ previous close) for moves about a split ratio.

    Divides column by column in C (`map`) at six digits, where a stretch of closes may
    hold a wide move (`_wide`), then looks closer only at the moves outside [0.7, 1.4].
    """
    found: dict[int, list[tuple[str, Decimal]]] = {}
    names = sorted(symbols)
    with decimal.localcontext(_CONTEXT):
        for symbol, moves in zip(names, _moves(marks, names), strict=True):
            for index, ratio in moves:
                if (ratio < _LOW or ratio > _HIGH) and _near_split(ratio):
                    found.setdefault(index, []).append((symbol, ratio))
    return FrozenDict({index: tuple(moves) for index, moves in found.items()})


def _moves(
    marks: Sequence[Mapping[str, Decimal]], names: Sequence[str]
) -> Iterable[Iterable[tuple[int, Decimal]]]:
    """Each symbol's (index, close ÷ previous close) where a move may be wide, by `names`.

    When every bar has every symbol (the marks of a table without gaps), in one order,
    all the columns are read at once in C (`zip` of the bars' values), and no close is
    None: find_gaps on a 50-symbol, 2,520-bar table 195 -> 179 million instructions
    against `itemgetter` of the names on each bar (cachegrind), 22 ms -> 7 before that
    against one `get` per close (docs/performance.md).
    """
    if set(map(len, marks)) == {len(names)}:  # each mark has every name
        order = tuple(marks[0])
        if all(map(order.__eq__, map(tuple, marks))):  # each mark's names in one order
            values = zip(*[mark.values() for mark in marks], strict=True)
            columns = dict(zip(order, values, strict=True))
            return [_wide(columns[name]) for name in names]
        return map(_wide, zip(*map(operator.itemgetter(*names), marks), strict=True))
    return (_any_column([mark.get(symbol) for mark in marks]) for symbol in names)


def _any_column(column: Sequence[Decimal | None]) -> Iterable[tuple[int, Decimal]]:
    """`_wide` of a column without a missing close (None), else `_every`."""
    if any(map(operator.is_, column, itertools.repeat(None))):  # `in` would call __eq__
        return _every(column)
    return _wide(typing.cast("Sequence[Decimal]", column))


def _wide(closes: Sequence[Decimal]) -> list[tuple[int, Decimal]]:
    """(index, close ÷ previous close) of a column of closes, where a move may be wide.

    A stretch of moves whose highest close is at most 1.4 × its lowest (`_calm`) has no
    move outside [1 ÷ 1.4, 1.4] ⊂ [0.7, 1.4], so its ratios are not worked out: the
    closes are read in C (`min`, `max`), a third of the time of dividing each pair.
    Stretches of `_STRETCH` moves are read in parts of `_PART`, and only the parts that
    are not calm are divided; a stretch after a calm one is first read whole, so that a
    quiet column is read in few calls. `find_gaps` on a 50-symbol, 2,520-bar table
    (cachegrind, with `_moves`): 248 -> 182 million instructions at 1.2 % daily moves,
    257 -> 242 at 3 %, 392 -> 404 at 6 %, where most parts of 16 moves are not calm and
    are divided anyway.
    """
    found: list[tuple[int, Decimal]] = []
    wide = False  # the last stretch had a part that was not calm
    for start in range(0, len(closes) - 1, _STRETCH):
        stretch = closes[start : start + _STRETCH + 1]  # one close shared with the next
        if not wide and _calm(stretch):
            continue
        wide = False
        for part in range(start, start + len(stretch) - 1, _PART):
            piece = closes[part : part + _PART + 1]  # within the stretch: _PART divides it
            if not _calm(piece):
                wide = True
                found += enumerate(map(Decimal.__truediv__, piece[1:], piece[:-1]), part + 1)
    return found


def _every(column: Sequence[Decimal | None]) -> Iterable[tuple[int, Decimal]]:
    """(index, close ÷ previous close) wherever both closes exist."""
    return (
        (index, after / before)
        for index, (before, after) in enumerate(itertools.pairwise(column), 1)
        if before is not None and after is not None
    )


def _calm(closes: Sequence[Decimal]) -> bool:
    """Highest close ≤ 1.4 × lowest, compared exactly (closes have at most 24 digits)."""
    return max(closes) <= _EXACT.multiply(min(closes), _HIGH)


def _near_split(ratio: Decimal) -> bool:
    return any(abs(ratio / split - 1) <= SPLIT_TOLERANCE for split in SPLIT_RATIOS)
