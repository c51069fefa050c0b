"""Parameter sweeps: many backtests over one price table, one `Result` per run, in order.

`run_backtests(bars, runs, executor=None)` runs each `BacktestRun` with `run_backtest`
on the same bars. One run's Failure never stops the others; its context names the run
(`run`: its label, or its position when it has none). With no executor the runs are
a plain loop in this process, read lazily. With any `concurrent.futures.Executor` (a
process pool, `dask.distributed.Client.get_executor()`) the runs are split into
`chunks` tasks (default: the executor's worker count when it tells, else 4): the price
table is pickled once here and travels once per task, so once per worker when each
worker takes one task, never once per run. A task that dies or is refused becomes a
`Failure(WORKER_FAILED)` for each of its runs; so does, alone, a run that cannot be
pickled or whose allocation rule raises in a worker (in this process it raises, as
`run_backtest` does). Starts nothing, does no I/O.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

import attrs
from returns.result import Failure, Result, Success

from portfolio.backtest.bars import Bar
from portfolio.backtest.engine import AllocationRule, run_backtest
from portfolio.backtest.result import BacktestResult
from portfolio.backtest.schedule import Schedule
from portfolio.chunks import map_chunks, worker_failed
from portfolio.costs import CostModel
from portfolio.errors import PortfolioError
from portfolio.policy import SizingPolicy

if TYPE_CHECKING:  # only named in annotations: importing it costs threads and logging
    from concurrent.futures import Executor

__all__ = ["BacktestRun", "run_backtests"]

Outcome = Result[BacktestResult, PortfolioError]
#: Tasks when the executor does not say how many workers it has.
DEFAULT_CHUNKS = 4
_PROTOCOL = pickle.HIGHEST_PROTOCOL


@attrs.frozen(kw_only=True)
class BacktestRun:
    """One run of a sweep: `run_backtest`'s arguments besides the bars, and a label.

    `label` names the run in a Failure's context and in reports (default: none, then its
    position in the sweep names it).
    """

    allocation: AllocationRule
    policy: SizingPolicy = SizingPolicy()  # noqa: RUF009 - a frozen record is a safe default
    schedule: Schedule | str = "monthly"
    initial_cash: Decimal = Decimal(1_000_000)
    costs: CostModel | None = None
    label: str = ""


_Entry = Result[tuple[int, BacktestRun], PortfolioError]


def run_backtests(
    bars: Iterable[Bar],
    runs: Iterable[BacktestRun],
    executor: Executor | None = None,
    *,
    chunks: int | None = None,
) -> Iterator[Outcome]:
    """One Result per run, in input order, each exactly `run_backtest`'s for that run.

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
    if executor is None:
        return (_one(table, number, run) for number, run in numbered)
    listed = tuple(_shippable(number, run) for number, run in numbered)
    count = chunks or _workers(executor)
    size = -(-len(listed) // count) or 1  # ceil: `count` tasks at most
    packed = pickle.dumps(table, _PROTOCOL)  # once, here; each task carries these bytes
    tasks = (
        (tuple(name for name, _ in part), (packed, tuple(entry for _, entry in part)))
        for part in (listed[start : start + size] for start in range(0, len(listed), size))
    )
    return _unpack(map_chunks(_run_chunk, tasks, executor, in_flight=count))


def _shippable(number: int, run: BacktestRun) -> tuple[str, _Entry]:
    """The run as a task carries it, or its Failure when it cannot be pickled (it alone)."""
    name = _name(number, run)
    try:
        pickle.dumps(run, _PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - e.g. a lambda as the allocation rule
        return name, Failure(_named(worker_failed("the run cannot be sent to a worker", exc), name))
    return name, Success((number, run))


def _one(bars: Sequence[Bar], number: int, run: BacktestRun) -> Outcome:
    result = run_backtest(
        bars,
        run.allocation,
        policy=run.policy,
        initial_cash=run.initial_cash,
        schedule=run.schedule,
        costs=run.costs,
    )
    return result.alt(lambda error: _named(error, _name(number, run)))


def _name(number: int, run: BacktestRun) -> str:
    return run.label or str(number)


def _named(error: PortfolioError, name: str) -> PortfolioError:
    return attrs.evolve(error, context={**error.context, "run": name})


def _run_chunk(task: tuple[bytes, tuple[_Entry, ...]]) -> bytes:
    """What a worker runs: the table unpickled once, then each run of the chunk."""
    packed, part = task
    table: tuple[Bar, ...] = pickle.loads(packed)  # noqa: S301 - pickled by run_backtests
    return pickle.dumps(tuple(entry.bind(partial(_guarded, table)) for entry in part), _PROTOCOL)


def _guarded(table: Sequence[Bar], entry: tuple[int, BacktestRun]) -> Outcome:
    """One run in a worker; a rule that raises fails its own run, not its chunk-mates."""
    number, run = entry
    try:
        return _one(table, number, run)
    except Exception as exc:  # noqa: BLE001 - the caller's rule raised: this run fails alone
        return Failure(
            _named(worker_failed("the run raised in its worker", exc), _name(number, run))
        )


def _unpack(
    outcomes: Iterator[tuple[tuple[str, ...], Result[bytes, PortfolioError]]],
) -> Iterator[Outcome]:
    for names, outcome in outcomes:
        if isinstance(outcome, Failure):
            error = outcome.failure()
            yield from (Failure(_named(error, name)) for name in names)
        else:
            yield from pickle.loads(outcome.unwrap())  # noqa: S301 - pickled by _run_chunk


def _workers(executor: Executor) -> int:
    """The executor's worker count when it has one (process and thread pools), else 4."""
    count = getattr(executor, "_max_workers", None)
    return count if isinstance(count, int) and count > 0 else DEFAULT_CHUNKS
