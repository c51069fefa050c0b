"""What one backtest run reads (`Setup`, never changed) and writes (`Ledger`, bar by bar)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from operator import mul

import attrs
from returns.result import Result

from portfolio.backtest.bars import Bar, EquityPoint
from portfolio.backtest.gaps import Gaps, MissingData
from portfolio.backtest.lazy import Planned
from portfolio.backtest.notices import BacktestWarning
from portfolio.backtest.schedule import Schedule
from portfolio.backtest.tax_ledger import TaxLedger
from portfolio.records.allocation import Allocation, CombinedAllocation
from portfolio.records.costs import CostModel
from portfolio.records.errors import PortfolioError
from portfolio.records.money import ZERO
from portfolio.records.policy import Mode, SizingPolicy
from portfolio.records.snapshot import Snapshot
from portfolio.steps.planner import Planner
from portfolio.tax.policy import TaxPolicy

__all__ = ["Ledger", "Rule", "Setup", "dated"]

Rule = Allocation | CombinedAllocation | Callable[[date, Snapshot], Allocation | CombinedAllocation]


@attrs.frozen(kw_only=True)
class Setup:
    """Everything the fold reads and never changes."""

    bars: tuple[Bar, ...]
    rule: Rule
    policy: SizingPolicy
    costs: CostModel | None
    schedule: Schedule
    initial_cash: Decimal
    missing: MissingData
    gaps: Gaps
    flows: Mapping[int, Decimal]
    weights: Mapping[str, Decimal]  # the fixed allocation's (upper-cased), else empty
    listings: Mapping[int, frozenset[str]]  # bar index → symbols with their first close there
    accounting: TaxPolicy | None = None  # the lots and taxes kept (`policy.tax`, mostly)
    tax_bars: frozenset[int] = frozenset()  # the bars that pay the year's tax (`pay_taxes`)


class Ledger:
    """The account and the history, mutated bar by bar (internal to one run)."""

    def __init__(self, cash: Decimal, tax: TaxLedger | None = None) -> None:
        """An account of `cash` only, and an empty history; `tax`: its lots, under a tax policy."""
        self.cash = cash
        self.tax = tax
        self.held: dict[str, Decimal] = {}
        self.fees = ZERO
        self.traded = ZERO
        self.curve: list[EquityPoint] = []
        self.planned: list[Planned] = []  # what each plan was made from (`lazy.Plans`)
        self.traded_plans: list[int] = []
        self.notes: list[BacktestWarning] = []
        self.targeted: set[str] = set()
        #: the fixed weights' planner per (unpriced symbols, mode), prepared on first use
        self.planners: dict[tuple[frozenset[str], Mode], Result[Planner, PortfolioError]] = {}
        #: symbol → (first, last) bar index of each run of carried closes (each gap)
        self.carried: dict[str, list[tuple[int, int]]] = {}
        self.plan_bars: list[int] = []
        self.bar = 0

    def equity(self, prices: Mapping[str, Decimal]) -> Decimal:
        """Cash + positions at `prices` (every held symbol is priced: carried if need be)."""
        held = self.held  # the products and their sum in C: 1.4× the list comprehension
        return self.cash + sum(map(mul, held.values(), map(prices.__getitem__, held)), ZERO)


def dated(error: PortfolioError, day: date) -> PortfolioError:
    """The error, with the bar's date in its message and context."""
    return attrs.evolve(
        error,
        message=f"on {day.isoformat()}: {error.message}",
        context={**error.context, "date": day.isoformat()},
    )
