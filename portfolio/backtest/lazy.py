"""A backtest's plans and accounts, built only when they are read.

The fold trades each bar's decisions as the planner makes them from the account it
keeps as columns (`Planner.plan_trusted`: no snapshot, no check of what the run
checked once, no plan id), and keeps only what the plan was made from: the bar, the
cash, the shares held and the prepared planner (`Planned`). `Accounts` turns those into
the `Snapshot` of each plan, and `Plans` plans it again with the same planner,
`Planner.plan`: the record is the one `plan_rebalance` gives on that snapshot, plan id
included. Keeping every plan record instead (a `PlanItem` per symbol and bar) made a
daily 50 × 2,520 run a third slower, most of it the garbage collector walking them
(docs/performance.md); a run whose plans nobody reads does not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import NamedTuple, TypeVar, final, overload

from portfolio.records.frozen import FrozenDict
from portfolio.records.plan import RebalancePlan
from portfolio.records.snapshot import Snapshot
from portfolio.steps.planner import Planner
from portfolio.tax.records import PastTrade, TaxLot

__all__ = ["Accounts", "Planned", "Plans"]

T = TypeVar("T")


class Planned(NamedTuple):
    """What one plan was made from: bar index, cash, shares held (no zeros), the planner.

    Under a tax policy, also the lots and the recent trades the plan's snapshot carried.
    """

    bar: int
    cash: Decimal
    held: Mapping[str, Decimal]
    planner: Planner
    lots: Mapping[str, tuple[TaxLot, ...]] = FrozenDict()
    trades: tuple[PastTrade, ...] = ()


class _Lazy(Sequence[T]):
    """A read-only sequence whose items are built on first read and kept.

    Read like the tuple of its items: indexed, sliced (a slice is a tuple), iterated,
    equal to (and hashed as) an equal tuple, pickled as one.
    """

    __slots__ = ("_build", "_built", "_count")

    def __init__(self, count: int, build: Callable[[int], T]) -> None:
        self._count = count
        self._build = build
        self._built: list[T | None] = [None] * count

    def __len__(self) -> int:
        """How many items."""
        return self._count

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        """The item at `index` (built now if it was never read); a slice is a tuple."""
        if isinstance(index, slice):
            return tuple(self[n] for n in range(*index.indices(self._count)))
        position = range(self._count)[index]  # IndexError as a tuple's, negatives too
        built = self._built[position]
        if built is None:
            built = self._built[position] = self._build(position)
        return built

    def __iter__(self) -> Iterator[T]:
        """The items in order."""
        return (self[n] for n in range(self._count))

    def __eq__(self, other: object) -> bool:
        """Equal to a tuple (or another of these) of equal items, in order, as a tuple is."""
        if not isinstance(other, tuple | _Lazy):
            return NotImplemented
        return len(other) == self._count and all(map(_equal, self, other))

    def __hash__(self) -> int:
        """The hash of the tuple of the items (equal to an equal tuple's)."""
        return hash(tuple(self))

    def __repr__(self) -> str:
        """Like the tuple of the items."""
        return repr(tuple(self))

    def __reduce__(self) -> tuple[type[tuple[T, ...]], tuple[tuple[T, ...]]]:
        """Pickle as the tuple of the items (a planner does not travel)."""
        return (tuple, (tuple(self),))


def _equal(left: object, right: object) -> bool:
    return left == right


@final
class Accounts(_Lazy[Snapshot]):
    """Each plan's account: the cash and shares it was made from, at that bar's marks."""

    __slots__ = ()

    def __init__(
        self,
        planned: Sequence[Planned],
        marks: Sequence[Mapping[str, Decimal]],
        dates: Sequence[date],
    ) -> None:
        """One account per `planned` record; `marks[i]`, `dates[i]`: bar i's closes, date."""

        def build(n: int) -> Snapshot:
            record = planned[n]
            return Snapshot(
                cash=record.cash,
                positions=record.held,
                prices=marks[record.bar],
                as_of=datetime.combine(dates[record.bar], time()),
                lots=record.lots,
                recent_trades=record.trades,
            )

        super().__init__(len(planned), build)


@final
class Plans(_Lazy[RebalancePlan]):
    """Each plan, as `Planner.plan` makes it on its account.

    `made_from` is the `planned` records it was given: what a sweep's worker sends back
    instead of the plans (`portfolio.backtest.sweep`).
    """

    __slots__ = ("made_from",)

    def __init__(self, planned: Sequence[Planned], accounts: Accounts) -> None:
        """One plan per `planned` record, planned against `accounts[n]`."""
        self.made_from = planned

        def build(n: int) -> RebalancePlan:
            return planned[n].planner.plan(accounts[n]).unwrap()

        super().__init__(len(planned), build)
