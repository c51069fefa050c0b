"""Parameter sweeps: many backtests over one price table, one `Result` per run, in order.

`run_backtests(bars, runs, executor=None)` runs each `BacktestRun` with `run_backtest`
on the same bars. One run's Failure never stops the others; its context names the run
(`run`: its label, or its position when it has none). With no executor the runs are
a plain loop in this process, read lazily. With any `concurrent.futures.Executor` (a
process pool, `dask.distributed.Client.get_executor()`) the runs are dealt into
`chunks` tasks (default: the executor's worker count when it tells, else 4): the price
table is pickled once here and travels once per task, so once per worker when each
worker takes one task, never once per run; it travels as columns of the prices' exact
texts (`_Columns`), or as the bars themselves when those cannot carry it exactly. The
results come back in input order once every task is back.

A worker does not build a result's plans and accounts to send them: it sends what they
are made from (`portfolio.backtest.lazy.Planned`: the bar, the cash, the shares held,
the planner, under a tax policy the lots and recent trades), each planner once per
result (pickle's memo), with the other fields and the equity curve. This process
rebuilds `Accounts` and `Plans` from those and its own marks of the price table
(`find_gaps`, once per sweep: a `BacktestRun` has no gap rules or date range of its
own, so every run marks the sweep's bars alike), so reading `result.plans[n]` plans that bar
here, exactly as a result of `run_backtest` does (a planner pickles as its prepared
fields and its plan-id seed's text, `steps.plan_id.IdSeed`).

A task that dies or is refused becomes a `Failure(WORKER_FAILED)` for each of its
runs; so does, alone, a run that cannot be pickled, whose allocation rule raises in a
worker (in this process it raises, as `run_backtest` does), or whose result cannot be
pickled back. Starts nothing, does no I/O.
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import attrs
from returns.result import Failure, Result, Success

from portfolio.backtest.bars import Bar, EquityPoint, within
from portfolio.backtest.engine import AllocationRule, range_problem, run_backtest
from portfolio.backtest.flows import CashFlows
from portfolio.backtest.gaps import MissingData, find_gaps
from portfolio.backtest.lazy import Accounts, Planned, Plans
from portfolio.backtest.result import BacktestResult
from portfolio.backtest.schedule import Schedule
from portfolio.executors import map_chunks, worker_failed
from portfolio.formats.compact import exact_pairs
from portfolio.records.costs import CostModel
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.policy import SizingPolicy
from portfolio.steps.prepare import argument_problem

if TYPE_CHECKING:  # only named in annotations: importing it costs threads and logging
    from concurrent.futures import Executor

__all__ = ["BacktestRun", "run_backtests"]

Outcome = Result[BacktestResult, PortfolioError]
#: Tasks when the executor does not say how many workers it has.
DEFAULT_CHUNKS = 4
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_FIELDS = tuple(field.name for field in attrs.fields(BacktestResult))
#: A result as a worker sends it back (pickled): its other fields, what its plans were
#: made from, and its curve's equities as their exact texts joined by commas.
_Packed = tuple[dict[str, object], tuple[Planned, ...], str]
_COMMA = ","  # never in a Decimal's text
#: An `EquityPoint` from a (date, equity) pair, as `EquityPoint._make` makes it, in C.
_point = partial(tuple.__new__, EquityPoint)
_PACKED = frozenset({"plans", "accounts", "equity_curve"})
#: What a task sends back: each of its runs pickled, or its Failure.
_Sent = tuple[Result[bytes, PortfolioError], ...]


@attrs.frozen(kw_only=True)
class BacktestRun:
    """One run of a sweep: `run_backtest`'s arguments besides the bars, and a label.

    `label` names the run in a Failure's context and in reports (default: none, then its
    position in the sweep names it). The date range and the gap rules are the price
    table's, the same for every run: `run_backtests` takes the range.
    """

    allocation: AllocationRule
    policy: SizingPolicy = SizingPolicy()  # noqa: RUF009 - a frozen record is a safe default
    schedule: Schedule | str = "monthly"
    initial_cash: Decimal = Decimal(1_000_000)
    costs: CostModel | None = None
    cash_flows: CashFlows | None = None
    label: str = ""


_Entry = Result[tuple[int, BacktestRun], PortfolioError]


def run_backtests(  # noqa: PLR0913 - the documented signature
    bars: Iterable[Bar],
    runs: Iterable[BacktestRun],
    executor: Executor | None = None,
    *,
    chunks: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Iterator[Outcome]:
    """One Result per run, in input order, each exactly `run_backtest`'s for that run.

    Every run uses the bars from `start` to `end` (both included; None: unbounded), as
    `run_backtest`'s own `start` and `end` do.

    Raises `ValueError` only for `chunks` below 1. Below, all in SPY at 102, marked at 103
    (1,000,000 × 103 / 102), then a run whose schedule is unknown, which fails alone:

    >>> from datetime import date
    >>> from portfolio import Allocation
    >>> bars = [Bar(date=date(2024, 1, d), prices={"SPY": Decimal(100 + d)}) for d in (2, 3)]
    >>> spy = Allocation(target_weights={"SPY": Decimal(1)}, correlation_id="sweep")
    >>> runs = [BacktestRun(allocation=spy), BacktestRun(allocation=spy, schedule="yearly!")]
    >>> [r.map(lambda done: done.final_equity).value_or(None) for r in run_backtests(bars, runs)]
    [Decimal('1009803.921568627'), None]
    """
    if chunks is not None and chunks < 1:
        msg = f"chunks must be ≥ 1, got {chunks!r}"
        raise ValueError(msg)
    table = tuple(bars)
    numbered = enumerate(runs)
    span = _Span(start, end)
    if (problem := range_problem(start, end)) is not None:  # a bad bound: every run fails
        return (Failure(_named(problem, _name(number, run))) for number, run in numbered)
    if executor is None:
        return (_one(table, number, run, span) for number, run in numbered)
    listed = tuple(_shippable(number, run) for number, run in numbered)
    count = max(min(chunks or _workers(executor), len(listed)), 1)
    try:
        packed = pickle.dumps((_columns(table) or table, span), _PROTOCOL)  # once: in each task
    except Exception as exc:  # noqa: BLE001 - garbage in the bars: every run fails, by name
        error = worker_failed("the price table cannot be sent to a worker", exc)
        return iter([Failure(_named(error, name)) for name, _ in listed])
    # Dealt like cards (run k to task k mod count): a grid's costly runs (a daily
    # schedule, say) come in a row, and contiguous tasks would leave one worker waiting.
    parts = (listed[first::count] for first in range(count))
    tasks = (
        (tuple(name for name, _ in part), (packed, tuple(entry for _, entry in part)))
        for part in parts
    )
    outcomes = map_chunks(_run_chunk, tasks, executor, in_flight=count)
    return _in_order(outcomes, count, _Table(table, span))


class _Columns(NamedTuple):
    """A price table as it travels: each bar's date (its ordinal), symbols and prices.

    Each bar's prices are their exact texts joined by commas; a bar with the symbols of
    the bar before it holds the same tuple of them, which pickle sends once. Pickling
    and unpickling the `Bar`s themselves (a `Decimal` at a time) took about three times
    as long (docs/performance.md).
    """

    days: tuple[int, ...]
    symbols: tuple[tuple[str, ...], ...]
    prices: tuple[str, ...]


def _columns(table: Sequence[Bar]) -> _Columns | None:
    """The table as columns, or None when they cannot carry it exactly (bad bars)."""
    days, symbols, prices = [], [], []
    last: tuple[str, ...] = ()
    for bar in table:
        pairs = exact_pairs(bar.prices) if type(bar) is Bar and type(bar.date) is date else None
        if pairs is None:
            return None
        names, texts = pairs
        last = last if names == last else names
        days.append(bar.date.toordinal())
        symbols.append(last)
        prices.append(_COMMA.join(texts))
    return _Columns(tuple(days), tuple(symbols), tuple(prices))


def _bars(columns: _Columns) -> tuple[Bar, ...]:
    """The table `_columns` was given (equal to it, bar for bar)."""
    return tuple(
        Bar(
            date=date.fromordinal(day),
            prices=dict(
                zip(names, map(Decimal, texts.split(_COMMA)) if texts else (), strict=True)
            ),
        )
        for day, names, texts in zip(*columns, strict=True)
    )


def _shippable(number: int, run: BacktestRun) -> tuple[str, _Entry]:
    """The run as a task carries it, or its Failure when it cannot be pickled (it alone)."""
    name = _name(number, run)
    try:
        pickle.dumps(run, _PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - e.g. a lambda as the allocation rule
        return name, Failure(_named(worker_failed("the run cannot be sent to a worker", exc), name))
    return name, Success((number, run))


class _Span(NamedTuple):
    """The sweep's date range (`run_backtests`' `start` and `end`)."""

    start: date | None
    end: date | None


def _one(bars: Sequence[Bar], number: int, run: BacktestRun, span: _Span) -> Outcome:
    if (problem := _run_problem(run)) is not None:
        return Failure(_named(problem, _name(number, run)))
    result = run_backtest(
        bars,
        run.allocation,
        policy=run.policy,
        initial_cash=run.initial_cash,
        schedule=run.schedule,
        costs=run.costs,
        cash_flows=run.cash_flows,
        start=span.start,
        end=span.end,
    )
    return result.alt(lambda error: _named(error, _name(number, run)))


def _run_problem(run: object) -> PortfolioError | None:
    """Something in `runs` that is no `BacktestRun`: that run's Failure (the others run)."""
    return argument_problem(run, BacktestRun, ErrorKind.INVALID_CONFIG, "a run")


def _name(number: int, run: BacktestRun) -> str:
    label: object = getattr(run, "label", "")  # anything in `runs` is named, by number if need be
    return label if isinstance(label, str) and label else str(number)


def _named(error: PortfolioError, name: str) -> PortfolioError:
    return attrs.evolve(error, context={**error.context, "run": name})


def _run_chunk(task: tuple[bytes, tuple[_Entry, ...]]) -> _Sent:
    """What a worker runs: the table (and the range) unpickled once, then each run of the chunk.

    Each result is pickled on its own: one that cannot be fails alone.
    """
    packed, part = task
    sent: tuple[_Columns | tuple[Bar, ...], _Span] = pickle.loads(packed)  # noqa: S301 - ours
    shipped, span = sent
    table = _bars(shipped) if isinstance(shipped, _Columns) else shipped
    return tuple(entry.bind(partial(_ran, table, span)) for entry in part)


def _ran(
    table: Sequence[Bar], span: _Span, entry: tuple[int, BacktestRun]
) -> Result[bytes, PortfolioError]:
    """One run in a worker, its result pickled to send back."""
    name = _name(*entry)
    return _guarded(table, span, entry).bind(partial(_shipped, name=name))


def _shipped(result: BacktestResult, *, name: str) -> Result[bytes, PortfolioError]:
    try:
        return Success(pickle.dumps(_packed(result), _PROTOCOL))
    except Exception as exc:  # noqa: BLE001 - e.g. a rule's allocation named by an unpicklable str
        return Failure(_named(worker_failed("the result cannot be sent back", exc), name))


def _packed(result: BacktestResult) -> _Packed:
    """The result without its plans and accounts, and what they were made from.

    Building every plan and account to send them cost a worker about as much again as
    the run (docs/performance.md). The curve's equities travel as one string of their
    exact texts (its dates are the table's): pickling and unpickling (date, equity)
    pairs took about four times as long.
    """
    plans = result.plans
    if not isinstance(plans, Plans):  # not the fold's lazy plans: sent as they are
        return {name: getattr(result, name) for name in _FIELDS}, (), ""
    fields = {name: getattr(result, name) for name in _FIELDS if name not in _PACKED}
    equities = _COMMA.join([str(equity) for _, equity in result.equity_curve])
    return fields, tuple(plans.made_from), equities


class _Table:
    """The sweep's price table as every run reads it: its dates, its marks.

    Every run marks the table alike: a `BacktestRun` has no gap rules (`missing`) nor
    date range of its own, so `run_backtest` runs over every bar of the sweep's range
    (the curve has a point on each) and applies `find_gaps` with the default rules. Both
    are worked out once, when the first result comes back: the table passed that run's
    checks.
    """

    def __init__(self, bars: Sequence[Bar], span: _Span) -> None:
        self.bars = within(bars, *span)

    @functools.cached_property
    def dates(self) -> tuple[date, ...]:
        """Each bar's date."""
        return tuple(bar.date for bar in self.bars)

    @functools.cached_property
    def marks(self) -> tuple[Mapping[str, Decimal], ...]:
        """Each bar's marks (`find_gaps`, the default rules)."""
        return find_gaps(self.bars, MissingData().delist_after).marks


def _unpacked(shipped: bytes, table: _Table) -> BacktestResult:
    """The result as the run gave it: its plans and accounts rebuilt, lazy as in the run."""
    packed: _Packed = pickle.loads(shipped)  # noqa: S301 - pickled by _shipped
    fields, planned, equities = packed
    if "plans" in fields:
        return BacktestResult(**fields)  # type: ignore[arg-type]  # the fields as they were
    accounts = Accounts(planned, table.marks, table.dates)
    curve = map(Decimal, equities.split(_COMMA))  # a point per bar
    return BacktestResult(
        **fields,  # type: ignore[arg-type]  # the fields as they were
        plans=Plans(planned, accounts),
        accounts=accounts,
        equity_curve=tuple(map(_point, zip(table.dates, curve, strict=True))),
    )


def _guarded(table: Sequence[Bar], span: _Span, entry: tuple[int, BacktestRun]) -> Outcome:
    """One run in a worker; a rule that raises fails its own run, not its chunk-mates."""
    number, run = entry
    try:
        return _one(table, number, run, span)
    except Exception as exc:  # noqa: BLE001 - the caller's rule raised: this run fails alone
        return Failure(
            _named(worker_failed("the run raised in its worker", exc), _name(number, run))
        )


def _in_order(
    outcomes: Iterator[tuple[tuple[str, ...], Result[_Sent, PortfolioError]]],
    count: int,
    table: _Table,
) -> Iterator[Outcome]:
    """The runs back in input order, once every task is back (run k is in task k mod count)."""
    dealt = [_unpack(names, outcome) for names, outcome in outcomes]
    for number in range(sum(map(len, dealt))):
        shipped = dealt[number % count][number // count]
        yield shipped.map(partial(_unpacked, table=table))


def _unpack(
    names: tuple[str, ...], outcome: Result[_Sent, PortfolioError]
) -> Sequence[Result[bytes, PortfolioError]]:
    if isinstance(outcome, Failure):
        error = outcome.failure()
        return [Failure(_named(error, name)) for name in names]
    return outcome.unwrap()


def _workers(executor: Executor) -> int:
    """The executor's worker count when it has one (process and thread pools), else 4."""
    count = getattr(executor, "_max_workers", None)
    return count if isinstance(count, int) and count > 0 else DEFAULT_CHUNKS
