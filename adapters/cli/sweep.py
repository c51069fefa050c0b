"""`portfolio backtest --sweep FILE`: a grid of backtests over one price file, one row per run.

The sweep file (TOML or JSON) lists the values to try; every combination is one run:

```toml
schedules = ["monthly", "quarterly"]   # rebalance schedules
bands = ["0", "0.02"]                  # SizingPolicy.band (weight points)
min_trades = ["1", "500"]              # SizingPolicy.min_trade_amount (account currency)
weights = ["equal.json", "tilted.json"]  # weights files, relative to the sweep file
```

A key left out takes the command line's value (`--schedule`, the policy's band,
`--min-trade` or the policy's, `--weights`); `--cash`, `--fee-bps`, `--start`, `--end`
and `--contribution` apply to every run. Runs go through
`portfolio.backtest.run_backtests`, on `--workers` processes. The rows can be sorted by
any metric (`--sort cagr`: largest first; `--sort max_drawdown:asc`: smallest first),
or printed as JSON (`--json`).
A run that fails is a row that says `failed` (its error goes to standard error, one line
per run, and into `--json` whole: kind, message and context); the exit code is then 1. A
bad sweep file is bad input (exit 2), named with the key at fault.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from decimal import Decimal
from itertools import product
from pathlib import Path

import attrs
from returns.result import Failure, Result, Success

from adapters.cli.documents import BadValueError, read_document, to_decimal, to_mapping
from adapters.cli.loaders import load_weights
from adapters.cli.options import BacktestOptions
from adapters.cli.report import Problem, problem
from adapters.cli.table import grid, money, percent
from adapters.cli.terminal import ExitCode, InputError, Terminal
from portfolio import Allocation, PortfolioError, SizingPolicy
from portfolio.backtest import BacktestResult, BacktestRun, BacktestTax, Bar, run_backtests
from portfolio.backtest.schedule import parse_schedule
from portfolio.orders.fill import CostModel
from portfolio.records.policy import policy_problem

__all__ = ["METRICS", "TAX_METRICS", "Grid", "load_grid", "metrics", "run_sweep", "sort_key"]

_KEYS = frozenset({"schedules", "bands", "min_trades", "weights"})
_ASCENDING = ":asc"


def _fraction(value: Decimal) -> str:
    return percent(value)


#: A metric: its value in a result, and how a row shows it.
Metric = tuple[Callable[[BacktestResult], Decimal], Callable[[Decimal], str]]

#: The metrics a row shows and `--sort` accepts: name → (value, how it is shown).
METRICS: dict[str, Metric] = {
    "final_equity": (lambda r: r.final_equity, money),
    "total_return": (lambda r: r.total_return, _fraction),
    "cagr": (lambda r: r.cagr, _fraction),
    "volatility": (lambda r: r.volatility, _fraction),
    "max_drawdown": (lambda r: r.max_drawdown, _fraction),
    "turnover": (lambda r: r.turnover, lambda d: f"{d:.2f}"),
    "total_fees": (lambda r: r.total_fees, money),
    "rebalances": (lambda r: Decimal(r.rebalances), lambda d: f"{d:,}"),
}


def _taxed(result: BacktestResult) -> BacktestTax:
    """The run's tax figures: every run of a sweep whose policy has `[tax]` keeps them."""
    assert result.tax is not None  # noqa: S101 - shown only under a policy with tax rules
    return result.tax


#: More metrics for a sweep under a policy with a `[tax]` table (docs/tax.md): what
#: the account is worth after the tax still owed, the gains realized, the losses harvested.
TAX_METRICS: dict[str, Metric] = {
    "after_tax_value": (lambda r: _taxed(r).after_tax_value, money),
    "realized_gains": (lambda r: _taxed(r).realized_gains, money),
    "harvested_losses": (lambda r: _taxed(r).harvested_losses, money),
}


def metrics(policy: SizingPolicy) -> dict[str, Metric]:
    """The metrics of a sweep under `policy`: the tax ones too when it has tax rules."""
    return METRICS if policy.tax is None else {**METRICS, **TAX_METRICS}


#: The metrics that count (a whole number): `--json` writes them as numbers, as
#: `backtest --json` does; the others as their exact text.
_COUNTS = frozenset({"rebalances"})


def _json_figure(name: str, value: Decimal) -> str | int:
    return int(value) if name in _COUNTS else str(value)


def sort_key(text: str) -> str:
    """`--sort`: a metric's name (largest first), `:asc` after it for the smallest first.

    argparse's `type` for the option: a bad name is a usage error listing the metrics.
    """
    if text.removesuffix(_ASCENDING) not in METRICS.keys() | TAX_METRICS.keys():
        names = ", ".join([*METRICS, *TAX_METRICS])
        msg = f"not a metric: {text!r} (one of {names}; add {_ASCENDING} for smallest first)"
        raise argparse.ArgumentTypeError(msg)
    return text


@attrs.frozen(kw_only=True)
class Grid:
    """The values a sweep tries; one run per combination, in this nesting order."""

    schedules: tuple[str, ...]
    bands: tuple[Decimal, ...]
    min_trades: tuple[Decimal, ...]
    weights: tuple[Path, ...]


def load_grid(
    path: Path, options: BacktestOptions, policy: SizingPolicy
) -> Result[Grid, InputError]:
    """The sweep file's grid; a key left out takes the command line's value."""
    return read_document(path).bind(lambda document: _grid(document, path, options, policy))


def _grid(
    document: object, path: Path, options: BacktestOptions, policy: SizingPolicy
) -> Result[Grid, InputError]:
    try:
        doc = _known(to_mapping(document, ""))
        schedules = tuple(map(_schedule, _list(doc, "schedules", str, [options.schedule])))
        bands = tuple(to_decimal(v, "bands") for v in _list(doc, "bands", object, [policy.band]))
        minimums = _list(doc, "min_trades", object, [policy.min_trade_amount])
        min_trades = tuple(to_decimal(v, "min_trades") for v in minimums)
        for band in bands:
            _within_policy(attrs.evolve(policy, band=band), "bands")
        for minimum in min_trades:
            _within_policy(attrs.evolve(policy, min_trade_amount=minimum), "min_trades")
        given: list[object] = [str(options.weights)] if options.weights is not None else []
        weights = _list(doc, "weights", str, given)
        return Success(
            Grid(
                schedules=schedules,
                bands=bands,
                min_trades=min_trades,
                weights=tuple(path.parent / str(w) for w in weights),
            )
        )
    except BadValueError as bad:
        return Failure(InputError(source=str(path), where=bad.where, problem=bad.problem))


def _schedule(name: object) -> str:
    """A schedule's name as `parse_schedule` reads it (any case), else BadValueError."""
    chosen = parse_schedule(str(name))
    if isinstance(chosen, Failure):
        raise BadValueError(where="schedules", problem=chosen.failure().message)
    return str(chosen.unwrap().value)


def _within_policy(policy: SizingPolicy, key: str) -> None:
    """A band or minimum trade of the grid the policy's own rules take, else BadValueError."""
    problem = policy_problem(policy)
    if problem is not None:
        raise BadValueError(where=key, problem=problem.message)


def _known(doc: Mapping[str, object]) -> Mapping[str, object]:
    unknown = sorted(set(doc) - _KEYS)
    if unknown:
        known = ", ".join(sorted(_KEYS))
        raise BadValueError(where=unknown[0], problem=f"unknown key (known: {known})")
    return doc


def _list(doc: Mapping[str, object], key: str, kind: type, default: list[object]) -> list[object]:
    """The list under `key` (at least one value, each a `kind`), or `default`."""
    if key not in doc and not default:
        raise BadValueError(where=key, problem="missing (list the files here, or give --weights)")
    values = doc.get(key, default)
    if not isinstance(values, list) or not values:
        raise BadValueError(where=key, problem="expected a non-empty list")
    if not all(isinstance(v, kind) for v in values):
        raise BadValueError(where=key, problem=f"expected a list of {kind.__name__}")
    return values


def run_sweep(
    sweep: Path,
    options: BacktestOptions,
    terminal: Terminal,
    *,
    bars: Result[tuple[Bar, ...], Problem],
    policy: Result[SizingPolicy, Problem],
) -> ExitCode:
    """Run the grid of the file `sweep` over `bars`; print the rows (table or JSON)."""
    ready = Result.do(
        (table, chosen, grid_, runs)
        for table in bars
        for chosen in policy
        for _ in _sortable(options.sort, chosen)
        for grid_ in load_grid(sweep, options, chosen)
        for runs in _runs(grid_, chosen, options)
    )
    if isinstance(ready, Failure):
        return problem(ready.failure(), terminal)
    table, chosen, _, runs = ready.unwrap()
    shown = metrics(chosen)
    with ExitStack() as stack:
        executor = None
        if options.workers > 1:
            from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415 - only with workers

            executor = stack.enter_context(ProcessPoolExecutor(options.workers))
        results = list(run_backtests(table, runs, executor, start=options.start, end=options.end))
    rows = _sorted(list(zip(runs, results, strict=True)), options.sort, shown)
    for line in _warnings(rows):
        terminal.warn(line)
    terminal.say(_json(rows, shown) if options.json else _table(rows, shown))
    failed = [(run.label, result.failure()) for run, result in rows if isinstance(result, Failure)]
    for label, error in failed:
        terminal.warn(f"error: run {label} failed: {error}")
    return ExitCode.FAILURE if failed else ExitCode.OK


def _warnings(rows: Sequence[_Row]) -> list[str]:
    """Each distinct warning of the runs once (as `backtest` prints them), with its runs.

    The runs share the price table, so most warnings (a late listing, a gap, a substitute
    never priced) are every run's: printed once, not once per row.
    """
    runs: dict[str, int] = {}
    for _, result in rows:
        if isinstance(result, Success):
            for warning in result.unwrap().warnings:
                runs[str(warning)] = runs.get(str(warning), 0) + 1
    return [f"warning: {text} ({n} of {len(rows)} runs)" for text, n in runs.items()]


def _sortable(sort: str | None, policy: SizingPolicy) -> Result[None, Problem]:
    """`--sort` by a tax metric needs tax rules, which make it."""
    name = None if sort is None else sort.removesuffix(_ASCENDING)
    if name is None or name in metrics(policy):
        return Success(None)
    return Failure(InputError(source="--sort", problem=f"{name} needs a [tax] table in the policy"))


def _runs(
    grid_: Grid, policy: SizingPolicy, options: BacktestOptions
) -> Result[list[BacktestRun], Problem]:
    """One run per combination; each weights file read once."""
    loaded: dict[Path, Mapping[str, Decimal]] = {}
    flows = options.cash_flows()
    for path in grid_.weights:
        match load_weights(path):
            case Success(weights):
                loaded[path] = weights
            case Failure(error):
                return Failure(error)
    return Success(
        [
            BacktestRun(
                allocation=Allocation(target_weights=loaded[path], correlation_id="sweep"),
                policy=attrs.evolve(policy, band=band, min_trade_amount=minimum),
                schedule=schedule,
                initial_cash=options.cash,
                costs=CostModel(bps=options.fee_bps),
                cash_flows=flows,
                label=f"{schedule} band={band} min_trade={minimum} weights={path.name}",
            )
            for schedule, band, minimum, path in product(
                grid_.schedules, grid_.bands, grid_.min_trades, grid_.weights
            )
        ]
    )


_Row = tuple[BacktestRun, Result[BacktestResult, PortfolioError]]


def _sorted(rows: list[_Row], sort: str | None, shown: Mapping[str, Metric]) -> list[_Row]:
    """By the metric `sort` names, largest first (`:asc`: smallest); failed runs last.

    Runs with equal figures keep the grid's order.
    """
    if sort is None:
        return rows
    value = shown[sort.removesuffix(_ASCENDING)][0]
    done = [row for row in rows if isinstance(row[1], Success)]
    failed = [row for row in rows if not isinstance(row[1], Success)]
    done.sort(key=lambda row: value(row[1].unwrap()), reverse=not sort.endswith(_ASCENDING))
    return done + failed


def _cells(row: _Row, shown: Mapping[str, Metric]) -> Iterator[str]:
    run, result = row
    yield run.label
    if isinstance(result, Success):
        done = result.unwrap()
        yield from (show(value(done)) for value, show in shown.values())
    else:  # the error itself goes to standard error: a long message would widen a column
        yield "failed"
        yield from [""] * (len(shown) - 1)


def _table(rows: Sequence[_Row], shown: Mapping[str, Metric]) -> str:
    headers = ("run", *shown)
    cells = [tuple(_cells(row, shown)) for row in rows]
    return grid(headers, cells, frozenset(range(1, len(headers))))


def _json(rows: Sequence[_Row], shown: Mapping[str, Metric]) -> str:
    out: list[dict[str, object]] = []
    for run, result in rows:
        if isinstance(result, Success):
            done = result.unwrap()
            figures = {name: _json_figure(name, get(done)) for name, (get, _) in shown.items()}
            out.append({"run": run.label, **figures})
        else:
            error = result.failure()
            context = dict(error.context)  # strings already
            body = {"kind": error.kind.value, "message": error.message, "context": context}
            out.append({"run": run.label, "error": body})
    return json.dumps(out, indent=2)
