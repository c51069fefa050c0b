"""Parameter sweeps: many backtests over one price table, one `Result` per run, in order.

`run_backtests(bars, runs, executor=None)` runs each `BacktestRun` with `run_backtest`
on the same bars. One run's Failure never stops the others; its context names the run
(`run`: its label, or its position when it has none). With no executor the runs are
a plain loop in this process, read lazily. With any `concurrent.futures.Executor` (a
process pool, `dask.distributed.Client.get_executor()`) the runs are dealt into
`chunks` tasks (default: the executor's worker count when it tells, else 4): the price
table is pickled once here and travels once per task, so once per worker when each
worker takes one task, never once per run. The results come back in input order once
every task is back; each worker returns its results in a compact form (the plans as
`portfolio.formats.compact` ships them), which this process decodes. A task that dies or
is refused becomes a `Failure(WORKER_FAILED)` for each of its runs; so does, alone, a
run that cannot be pickled or whose allocation rule raises in a worker (in this
process it raises, as `run_backtest` does). Starts nothing, does no I/O.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

import attrs
from returns.result import Failure, Result, Success

from portfolio.backtest.bars import Bar, EquityPoint
from portfolio.backtest.engine import AllocationRule, run_backtest
from portfolio.backtest.result import BacktestResult
from portfolio.backtest.schedule import Schedule
from portfolio.executors import map_chunks, worker_failed
from portfolio.formats.compact import CompactPlan, decode_plan, encode_plan
from portfolio.records.costs import CostModel
from portfolio.records.errors import PortfolioError
from portfolio.records.plan import RebalancePlan
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Asset, OpenOrder, Snapshot
from portfolio.tax.records import PastTrade, TaxLot

if TYPE_CHECKING:  # only named in annotations: importing it costs threads and logging
    from concurrent.futures import Executor

__all__ = ["BacktestRun", "run_backtests"]

Outcome = Result[BacktestResult, PortfolioError]
#: Tasks when the executor does not say how many workers it has.
DEFAULT_CHUNKS = 4
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_FIELDS = tuple(field.name for field in attrs.fields(BacktestResult))
_Account = tuple[
    Decimal,
    dict[str, Decimal],
    dict[str, Decimal],
    dict[str, Asset],
    datetime | None,
    tuple[OpenOrder, ...],
    dict[str, tuple[TaxLot, ...]],
    tuple[PastTrade, ...],
]
#: A result as a worker sends it back: its other fields, then its plans (compact), its
#: accounts and its equity curve as plain values, which pickle several times faster.
_Packed = tuple[
    dict[str, object],
    tuple[CompactPlan | RebalancePlan, ...],
    tuple[_Account, ...],
    tuple[tuple[date, Decimal], ...],
]
_PACKED = frozenset({"plans", "accounts", "equity_curve"})


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
    count = max(min(chunks or _workers(executor), len(listed)), 1)
    try:
        packed = pickle.dumps(table, _PROTOCOL)  # once, here; each task carries these bytes
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
    return _in_order(map_chunks(_run_chunk, tasks, executor, in_flight=count), count)


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
    outcomes = (entry.bind(partial(_guarded, table)).map(_packed) for entry in part)
    return pickle.dumps(tuple(outcomes), _PROTOCOL)


def _packed(result: BacktestResult) -> _Packed:
    """The result with its plans in their compact form (`many_codec`), to pickle.

    Pickling the plans as records is most of a result's pickle, and the compact form a
    small part of that (see docs/scale.md).
    """
    fields = {name: getattr(result, name) for name in _FIELDS if name not in _PACKED}
    return (
        fields,
        tuple(map(encode_plan, result.plans)),
        tuple(map(_account_fields, result.accounts)),
        tuple((point.date, point.equity) for point in result.equity_curve),
    )


def _unpacked(packed: _Packed) -> BacktestResult:
    fields, plans, accounts, curve = packed
    return BacktestResult(
        **fields,  # type: ignore[arg-type]  # the fields as they were
        plans=tuple(map(_plan, plans)),
        accounts=tuple(map(_account, accounts)),
        equity_curve=tuple(map(EquityPoint._make, curve)),
    )


def _account_fields(account: Snapshot) -> _Account:
    """A snapshot as plain values: its mappings as dicts, which pickle in C."""
    return (
        account.cash,
        dict(account.positions),
        dict(account.prices),
        dict(account.assets),
        account.as_of,
        account.open_orders,
        dict(account.lots),
        account.recent_trades,
    )


def _account(fields: _Account) -> Snapshot:
    cash, positions, prices, assets, as_of, open_orders, lots, trades = fields
    return Snapshot(
        cash=cash,
        positions=positions,
        prices=prices,
        assets=assets,
        as_of=as_of,
        open_orders=open_orders,
        lots=lots,
        recent_trades=trades,
    )


def _plan(shipped: CompactPlan | RebalancePlan) -> RebalancePlan:
    return shipped if isinstance(shipped, RebalancePlan) else decode_plan(shipped)


def _guarded(table: Sequence[Bar], entry: tuple[int, BacktestRun]) -> Outcome:
    """One run in a worker; a rule that raises fails its own run, not its chunk-mates."""
    number, run = entry
    try:
        return _one(table, number, run)
    except Exception as exc:  # noqa: BLE001 - the caller's rule raised: this run fails alone
        return Failure(
            _named(worker_failed("the run raised in its worker", exc), _name(number, run))
        )


def _in_order(
    outcomes: Iterator[tuple[tuple[str, ...], Result[bytes, PortfolioError]]], count: int
) -> Iterator[Outcome]:
    """The runs back in input order, once every task is back (run k is in task k mod count)."""
    dealt = [_unpack(names, outcome) for names, outcome in outcomes]
    for number in range(sum(map(len, dealt))):
        yield dealt[number % count][number // count]


def _unpack(names: tuple[str, ...], outcome: Result[bytes, PortfolioError]) -> list[Outcome]:
    if isinstance(outcome, Failure):
        error = outcome.failure()
        return [Failure(_named(error, name)) for name in names]
    packed: tuple[Result[_Packed, PortfolioError], ...] = pickle.loads(outcome.unwrap())  # noqa: S301 - pickled by _run_chunk
    return [result.map(_unpacked) for result in packed]


def _workers(executor: Executor) -> int:
    """The executor's worker count when it has one (process and thread pools), else 4."""
    count = getattr(executor, "_max_workers", None)
    return count if isinstance(count, int) and count > 0 else DEFAULT_CHUNKS
