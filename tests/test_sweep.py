"""Parameter sweeps: `run_backtests` is `run_backtest` per run, in order, failures alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from cli_support import cli
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from adapters.prices_csv import load_prices_csv
from portfolio import Allocation, PortfolioError, SizingPolicy, Snapshot, TaxPolicy
from portfolio.backtest import (
    BacktestResult,
    BacktestRun,
    Bar,
    CashFlows,
    run_backtest,
    run_backtests,
)
from portfolio.orders.fill import CostModel
from portfolio.records.errors import ErrorKind

Outcome = Result[BacktestResult, PortfolioError]


def table(days: int = 60) -> list[Bar]:
    """Three symbols over `days` weekdays from 2024-01-01, prices wandering by formula."""
    start = date(2024, 1, 1)
    weekdays = [d for d in (start + timedelta(n) for n in range(days * 2)) if d.weekday() < 5]
    return [
        Bar(
            date=day,
            prices={
                "AAA": Decimal(100 + (k * 7) % 13),
                "BBB": Decimal(50 + (k * 5) % 11) + Decimal("0.25"),
                "CCC": Decimal(20 + (k * 3) % 7) + Decimal("0.5"),
            },
        )
        for k, day in enumerate(weekdays[:days])
    ]


def weights(a: str, b: str, c: str = "0") -> Allocation:
    return Allocation(
        target_weights={"AAA": Decimal(a), "BBB": Decimal(b), "CCC": Decimal(c)},
        correlation_id="sweep",
    )


def alone(
    bars: list[Bar], run: BacktestRun, start: date | None = None, end: date | None = None
) -> Outcome:
    """The reference: `run_backtest` on the run's arguments (and the sweep's range)."""
    return run_backtest(
        bars,
        run.allocation,
        policy=run.policy,
        initial_cash=run.initial_cash,
        schedule=run.schedule,
        costs=run.costs,
        cash_flows=run.cash_flows,
        start=start,
        end=end,
    )


RUNS = [
    BacktestRun(allocation=weights("0.5", "0.5"), label="half-half monthly"),
    BacktestRun(allocation=weights("0.2", "0.3", "0.5"), schedule="weekly", label="weekly"),
    BacktestRun(allocation=weights("0.5", "0.5"), schedule="every other day", label="bad"),
    BacktestRun(
        allocation=weights("0.6", "0.4"),
        policy=SizingPolicy(band=Decimal("0.02"), min_trade_amount=Decimal(100)),
        schedule="daily",
        initial_cash=Decimal(50_000),
    ),
]


def test_each_run_is_run_backtest_in_order_and_a_bad_run_fails_alone() -> None:
    bars = table()
    results = list(run_backtests(bars, RUNS))
    assert [isinstance(r, Success) for r in results] == [True, True, False, True]
    for result, run in zip(results, RUNS, strict=True):
        if isinstance(result, Success):
            assert result == alone(bars, run)
    error = results[2].failure()
    assert error.kind is ErrorKind.INVALID_SCHEDULE
    assert error.context["run"] == "bad"
    # Run 3 has no label: its position names it. It starts with 50,000 in cash.
    assert results[3].unwrap().initial_cash == Decimal(50_000)
    # Half of 1,000,000 in cash into each of AAA and BBB on the first bar.
    first = results[0].unwrap().plans[0]
    amounts = {item.symbol: item.trade_amount for item in first.items}
    assert amounts["AAA"] == amounts["BBB"] == Decimal("500000.00")


def test_something_that_is_no_run_or_a_run_with_no_policy_fails_alone() -> None:
    """A string among the runs, a run whose policy is a string: each its own Failure, named
    by position, with and without workers; the run between them runs."""
    bars = table(20)
    no_policy = attrs.evolve(RUNS[0], policy="x", label="")  # type: ignore[arg-type]  # garbage
    runs: list[Any] = ["not a run", RUNS[0], no_policy]
    with ThreadPoolExecutor(2) as executor:
        pooled = list(run_backtests(bars, runs, executor))
    for results in (list(run_backtests(bars, runs)), pooled):
        assert [isinstance(r, Success) for r in results] == [False, True, False]
        first, last = results[0].failure(), results[2].failure()
        assert (first.kind, first.context["run"]) == (ErrorKind.INVALID_CONFIG, "0")
        assert (last.kind, last.context["run"]) == (ErrorKind.INVALID_POLICY, "2")


def test_runs_are_read_lazily_without_an_executor() -> None:
    seen: list[int] = []

    def runs() -> Any:
        for k, run in enumerate(RUNS):
            seen.append(k)
            yield run

    results = run_backtests(table(), runs())
    assert seen == []
    next(results)
    assert seen == [0]


def test_a_process_pool_gives_the_same_results_in_the_same_order() -> None:
    bars = table()
    expected = list(run_backtests(bars, RUNS))
    with ProcessPoolExecutor(2) as pool:
        assert list(run_backtests(bars, RUNS, pool)) == expected
        assert list(run_backtests(bars, RUNS, pool, chunks=4)) == expected


def tilting(day: date, _account: Snapshot) -> Allocation:
    """An allocation rule (a planner prepared on every bar): AAA-heavy in odd months."""
    return weights("0.7", "0.2", "0.1") if day.month % 2 else weights("0.2", "0.3", "0.5")


TAXED = TaxPolicy(short_term_rate=Decimal("0.3"), long_term_rate=Decimal("0.15"))
#: Harvests BBB's losses into DDD (and back): its plans carry a `TaxReport`.
HARVESTING = attrs.evolve(
    TAXED, harvest_threshold=Decimal("0.03"), substitutes={"BBB": ("DDD",), "DDD": ("BBB",)}
)


def falling(days: int) -> list[Bar]:
    """`table`, with BBB falling by 0.25 a day from 80 and DDD, its twin, one above it."""
    return [
        Bar(
            date=bar.date,
            prices={**bar.prices, "BBB": 80 - Decimal(k) / 4, "DDD": 81 - Decimal(k) / 4},
        )
        for k, bar in enumerate(table(days))
    ]


#: Runs whose plans and accounts carry everything a worker sends back: lots and recent
#: trades (a tax policy), a harvest's `TaxReport`, a planner per bar (a rule), drift checks.
READ_BACK = [
    BacktestRun(allocation=weights("0.5", "0.3", "0.2"), schedule="weekly", label="plain"),
    BacktestRun(
        allocation=weights("0.6", "0.1", "0.3"),
        policy=SizingPolicy(tax=TAXED),
        schedule="daily",
        label="taxed",
    ),
    BacktestRun(
        allocation=weights("0.4", "0.4", "0.2"),
        policy=SizingPolicy(tax=HARVESTING),
        schedule="weekly",
        label="harvesting",
    ),
    BacktestRun(
        allocation=tilting, policy=SizingPolicy(tax=TAXED), schedule="weekly", label="rule"
    ),
    BacktestRun(
        allocation=weights("0.3", "0.3", "0.4"),
        policy=SizingPolicy(band=Decimal("0.02")),
        schedule="drift",
        costs=CostModel(bps=Decimal(10), min_fee=Decimal(1)),
        label="drift",
    ),
]


def test_plans_and_accounts_read_back_from_worker_processes_are_the_runs_own() -> None:
    """A worker sends what each plan was made from; this process plans it when it is read.

    Every plan and account read from a result that came back from a real process pool
    equals the one `run_backtest` gives here, lots, recent trades and plan ids included,
    and fills the same way.
    """
    bars = falling(90)
    expected = [alone(bars, run).unwrap() for run in READ_BACK]
    with ProcessPoolExecutor(2) as pool:
        results = [result.unwrap() for result in run_backtests(bars, READ_BACK, pool)]
    for result, reference in zip(results, expected, strict=True):
        assert len(result.plans) == len(reference.plans) > 0
        for n in reversed(range(len(reference.plans))):  # the last first: no order is needed
            assert result.accounts[n] == reference.accounts[n]
            assert result.plans[n] == reference.plans[n]
        assert [plan.plan_id for plan in result.plans] == [p.plan_id for p in reference.plans]
        assert result.fills == reference.fills
        assert result.equity_curve == reference.equity_curve
        assert result == reference
    taxed, harvesting, rule = results[1], results[2], results[3]
    assert sum(1 for account in taxed.accounts if account.lots) == len(taxed.accounts) - 1
    assert any(account.recent_trades for account in rule.accounts)
    assert any(account.recent_trades for account in harvesting.accounts)
    assert any(plan.tax is not None and plan.tax.harvested_loss for plan in harvesting.plans)
    assert harvesting.tax == expected[2].tax


class Keeping(Executor):
    """A real thread pool that keeps what each task sends back."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(2)
        self.sent: list[Any] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        def kept() -> Any:
            answer = fn(*args, **kwargs)
            self.sent.append(answer)
            return answer

        return self.pool.submit(kept)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:  # noqa: FBT002 - Executor's own
        self.pool.shutdown(wait, cancel_futures=cancel_futures)


def test_a_worker_builds_no_plan_to_send_it() -> None:
    """The plans are planned where they are read: no plan, nor its id, travels back."""
    bars = falling(90)
    expected = [alone(bars, run) for run in READ_BACK]
    with Keeping() as executor:
        results = list(run_backtests(bars, READ_BACK, executor, chunks=2))
    sent = [shipped.unwrap() for task in executor.sent for shipped in task]
    assert len(sent) == len(READ_BACK)
    ids = [plan.plan_id.encode() for result in expected for plan in result.unwrap().plans]
    for shipped in sent:
        assert b"RebalancePlan" not in shipped
        assert not any(plan_id in shipped for plan_id in ids)
    assert results == expected


def unsendable(_day: date, _account: Snapshot) -> Allocation:
    """A rule whose allocation names itself with an object of a local class (no pickle)."""

    class Name(str):
        __slots__ = ()

    return Allocation(target_weights={"AAA": Decimal(1)}, correlation_id=Name("local"))


def test_a_result_that_cannot_be_sent_back_fails_alone() -> None:
    bars = table()
    runs = [RUNS[0], BacktestRun(allocation=unsendable, label="unsendable"), RUNS[1]]
    assert isinstance(alone(bars, runs[1]), Success)  # it runs: only its result cannot travel
    with ThreadPoolExecutor(1) as executor:
        results = list(run_backtests(bars, runs, executor, chunks=1))
    assert results[0] == alone(bars, RUNS[0])
    assert results[2] == alone(bars, RUNS[1])
    error = results[1].failure()
    assert error.kind is ErrorKind.WORKER_FAILED
    assert error.context["run"] == "unsendable"
    assert "cannot be sent back" in error.message


def test_a_run_has_no_gap_rules_or_dates_of_its_own() -> None:
    """A sweep marks its table once for every run: were a run to carry `missing`, `start`
    or `end`, the results rebuilt from a worker's would need that run's own marks. The
    range is the sweep's (`run_backtests`' `start` and `end`). Cash flows only add to the
    cash each plan is made from, which travels back with it."""
    assert [field.name for field in attrs.fields(BacktestRun)] == [
        "allocation",
        "policy",
        "schedule",
        "initial_cash",
        "costs",
        "cash_flows",
        "label",
    ]


#: Runs with cash flows, within a range of the table: contributions, a withdrawal
#: (a SELL_ONLY plan), under a tax policy (lots relieved by the withdrawal's sales).
FLOWING = [
    BacktestRun(
        allocation=weights("0.5", "0.3", "0.2"),
        schedule="monthly",
        cash_flows=CashFlows(monthly=Decimal(2500)),
        label="contributing",
    ),
    BacktestRun(
        allocation=weights("0.6", "0.1", "0.3"),
        policy=SizingPolicy(tax=TAXED),
        schedule="weekly",
        cash_flows=CashFlows(on_dates={date(2024, 3, 1): Decimal(-40_000)}),
        label="withdrawing",
    ),
]


def test_a_sweep_over_a_range_with_cash_flows_is_each_run_on_its_own() -> None:
    """Before, a run could carry no cash flows and a sweep no range: `portfolio backtest
    --sweep` dropped `--contribution`, `--start` and `--end` without a word."""
    bars = falling(90)
    start, end = date(2024, 1, 15), datetime(2024, 4, 12, 16, tzinfo=UTC)  # counts by its date
    expected = [alone(bars, run, start, end.date()).unwrap() for run in FLOWING]
    assert expected[0].equity_curve[0].date == start
    assert expected[0].equity_curve[-1].date == end.date()
    assert len(expected[0].cash_flows) == 3  # February, March, April
    assert list(run_backtests(bars, FLOWING, start=start, end=end)) == [
        Success(result) for result in expected
    ]
    with ProcessPoolExecutor(2) as pool:
        results = [r.unwrap() for r in run_backtests(bars, FLOWING, pool, start=start, end=end)]
    for result, reference in zip(results, expected, strict=True):
        assert len(result.plans) == len(reference.plans) > 0
        for n in reversed(range(len(reference.plans))):
            assert result.accounts[n] == reference.accounts[n]
            assert result.plans[n] == reference.plans[n]
        assert result == reference


@pytest.mark.parametrize("bound", ["start", "end"])
def test_a_bound_that_is_no_date_fails_every_run(bound: str) -> None:
    results = list(run_backtests(table(), RUNS[:2], **{bound: "2024-01-05"}))  # type: ignore[arg-type]  # a str on purpose
    assert [r.failure().context["run"] for r in results] == ["half-half monthly", "weekly"]
    assert {r.failure().message for r in results} == {f"{bound} must be a date or None"}


def broken(_day: date, _account: Snapshot) -> Allocation:
    """An allocation rule with a bug: it raises."""
    msg = "the rule's own bug"
    raise RuntimeError(msg)


class Counting(Executor):
    """A real thread pool that keeps every payload it is given (to count what travels)."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(2)
        self.payloads: list[Any] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.payloads.append(args[0])
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:  # noqa: FBT002 - Executor's own
        self.pool.shutdown(wait, cancel_futures=cancel_futures)


def test_the_price_table_travels_once_per_task_not_once_per_run() -> None:
    bars = table()
    runs = [BacktestRun(allocation=weights("0.5", "0.5"), label=str(k)) for k in range(12)]
    with Counting() as executor:
        results = list(run_backtests(bars, runs, executor, chunks=3))
    assert len(executor.payloads) == 3
    assert len({id(payload[0]) for payload in executor.payloads}) == 1  # pickled once, here
    assert isinstance(executor.payloads[0][0], bytes)
    assert [len(payload[1]) for payload in executor.payloads] == [4, 4, 4]
    dealt = [[entry.unwrap()[1].label for entry in payload[1]] for payload in executor.payloads]
    assert dealt[0] == ["0", "3", "6", "9"]  # run k in task k mod 3
    assert results == list(run_backtests(bars, runs))


def gappy() -> list[Bar]:
    """CCC listed on bar 10, BBB missing on bars 20-22, a bar without prices.

    The last bar's prices are written unlike equal values (100.10, 1E+2): a table
    travels exactly, texts included.
    """
    bars = table(40)
    written = {"AAA": Decimal("100.10"), "BBB": Decimal("1E+2"), "CCC": Decimal("20.500")}
    for k, bar in enumerate(bars):
        prices = dict(written if k == len(bars) - 1 else bar.prices)
        if k < 10:
            del prices["CCC"]
        if 20 <= k <= 22:
            del prices["BBB"]
        bars[k] = Bar(date=bar.date, prices={} if k == 30 else prices)
    return bars


def test_a_table_with_gaps_and_written_prices_travels_exactly() -> None:
    bars = gappy()
    runs = [RUNS[0], RUNS[1], BacktestRun(allocation=weights("0.3", "0.3", "0.4"), label="c")]
    expected = [alone(bars, run).unwrap() for run in runs]
    with ProcessPoolExecutor(2) as pool:
        results = [result.unwrap() for result in run_backtests(bars, runs, pool)]
    assert results == expected
    for result, reference in zip(results, expected, strict=True):
        assert repr(result.final_snapshot) == repr(reference.final_snapshot)
        assert repr(tuple(result.accounts)) == repr(tuple(reference.accounts))
        assert result.warnings == reference.warnings
    assert "Decimal('100.10')" in repr(results[2].final_snapshot.prices)
    assert "Decimal('1E+2')" in repr(results[2].final_snapshot.prices)


def test_a_table_the_columns_cannot_carry_travels_as_bars() -> None:
    """A price that is not a `Decimal` (an int): the bars travel as they are, the runs fail
    in their workers as they fail here."""
    bars = [*table(5), Bar(date=date(2024, 3, 1), prices={"AAA": 100})]  # type: ignore[dict-item]  # on purpose
    with ThreadPoolExecutor(1) as executor:
        results = list(run_backtests(bars, RUNS[:2], executor))
    assert results == list(run_backtests(bars, RUNS[:2]))
    assert {r.failure().kind for r in results} == {ErrorKind.INVALID_PRICE}


def test_a_run_that_cannot_travel_or_raises_in_its_worker_fails_alone() -> None:
    bars = table()
    runs = [
        RUNS[0],
        BacktestRun(allocation=lambda _d, _s: weights("1", "0"), label="lambda"),
        BacktestRun(allocation=broken, label="raises"),
        RUNS[1],
    ]
    with ThreadPoolExecutor(1) as executor:
        results = list(run_backtests(bars, runs, executor, chunks=1))
    assert results[0] == alone(bars, RUNS[0])
    assert results[3] == alone(bars, RUNS[1])
    for result, name in ((results[1], "lambda"), (results[2], "raises")):
        assert isinstance(result, Failure)
        assert result.failure().kind is ErrorKind.WORKER_FAILED
        assert result.failure().context["run"] == name
    assert "the rule's own bug" in results[2].failure().context["error"]


def test_an_executor_that_refuses_work_fails_every_run_by_name() -> None:
    pool = ThreadPoolExecutor(1)
    pool.shutdown()
    results = list(run_backtests(table(), RUNS, pool))
    assert [r.failure().kind for r in results] == [ErrorKind.WORKER_FAILED] * 4
    assert [r.failure().context["run"] for r in results] == [
        "half-half monthly",
        "weekly",
        "bad",
        "3",
    ]


def test_chunks_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="chunks"):
        run_backtests(table(), RUNS, ThreadPoolExecutor(1), chunks=0)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.builds(
            BacktestRun,
            allocation=st.sampled_from([weights("0.5", "0.5"), weights("0.1", "0.2", "0.6")]),
            policy=st.builds(
                SizingPolicy,
                band=st.sampled_from([Decimal(0), Decimal("0.03")]),
                min_trade_amount=st.sampled_from([Decimal(1), Decimal(500)]),
                fractional=st.booleans(),
            ),
            schedule=st.sampled_from(
                ["daily", "weekly", "monthly", "drift", "never"]
            ),  # never: fails
            initial_cash=st.sampled_from([Decimal(10_000), Decimal("123456.78")]),
            cash_flows=st.sampled_from([None, CashFlows(monthly=Decimal(750))]),
        ),
        max_size=5,
    ),
    st.integers(min_value=1, max_value=3),
    st.sampled_from([None, date(2024, 1, 10)]),
    st.sampled_from([None, date(2024, 2, 2), date(2023, 12, 1)]),  # the last: no bars
)
def test_a_sweep_is_run_backtest_for_every_run(
    runs: list[BacktestRun], chunks: int, start: date | None, end: date | None
) -> None:
    """Sweeping is only a way to run many: each result is exactly the run on its own."""
    bars = table(30)
    expected = [_named(alone(bars, run, start, end), k) for k, run in enumerate(runs)]
    assert list(run_backtests(bars, runs, start=start, end=end)) == expected
    with ThreadPoolExecutor(2) as executor:
        swept = run_backtests(bars, runs, executor, chunks=chunks, start=start, end=end)
        assert list(swept) == expected


def _named(result: Outcome, k: int) -> Outcome:
    """The run's position added to a Failure's context, as a sweep names a run without a label."""
    if isinstance(result, Success):
        return result
    error = result.failure()
    return Failure(PortfolioError.of(error.kind, error.message, **{**error.context, "run": str(k)}))


# The command line: `portfolio backtest --sweep FILE`.

SAMPLE = Path(__file__).resolve().parent.parent / "adapters" / "cli" / "sample"


def sweep_file(tmp_path: Path, text: str) -> Path:
    (tmp_path / "w.json").write_text((SAMPLE / "weights.json").read_text(encoding="utf-8"))
    (tmp_path / "even.json").write_text('{"SPY": "0.5", "TLT": "0.5"}', encoding="utf-8")
    path = tmp_path / "sweep.toml"
    path.write_text(text, encoding="utf-8")
    return path


GRID = """schedules = ["monthly", "quarterly"]
bands = ["0", "0.02"]
weights = ["w.json", "even.json"]
"""


def test_the_sweep_command_prints_one_row_per_run_each_as_run_backtest_gives(
    tmp_path: Path,
) -> None:
    run = cli(
        "backtest",
        "--prices",
        SAMPLE / "prices.csv",
        "--sweep",
        sweep_file(tmp_path, GRID),
        "--json",
    )
    assert (run.code, run.err) == (0, "")
    rows = json.loads(run.out)
    assert [row["run"] for row in rows] == [
        f"{s} band={b} min_trade=1.00 weights={w}"
        for s in ("monthly", "quarterly")
        for b in ("0", "0.02")
        for w in ("w.json", "even.json")
    ]
    bars = load_prices_csv(SAMPLE / "prices.csv").unwrap()
    alone = run_backtest(
        bars,
        Allocation(
            target_weights={"SPY": Decimal("0.5"), "TLT": Decimal("0.5")}, correlation_id="x"
        ),
        policy=SizingPolicy(band=Decimal("0.02")),
        schedule="quarterly",
        costs=CostModel(bps=Decimal(0)),
    ).unwrap()
    assert rows[7]["final_equity"] == str(alone.final_equity)
    assert rows[7]["rebalances"] == alone.rebalances  # a count is a number, as in backtest --json


def test_the_sweep_uses_the_range_and_the_contribution_as_backtest_does(tmp_path: Path) -> None:
    """Before, `--start`, `--end` and `--contribution` were dropped without a word."""
    path = sweep_file(tmp_path, 'schedules = ["quarterly"]\nweights = ["even.json"]\n')
    options = ("--start", "2023-01-03", "--end", "2023-06-30", "--contribution", "500")
    swept = cli("backtest", "--prices", SAMPLE / "prices.csv", "--sweep", path, "--json", *options)
    weights_file = tmp_path / "even.json"
    one = cli(
        "backtest", "--prices", SAMPLE / "prices.csv", "--weights", weights_file, "--json",
        "--schedule", "quarterly", *options,
    )  # fmt: skip
    assert (swept.code, one.code) == (0, 0)
    (row,) = json.loads(swept.out)
    alone = json.loads(one.out)
    assert (row["final_equity"], row["rebalances"]) == (alone["final_equity"], alone["rebalances"])
    assert alone["rebalance_dates"][0] == "2023-01-03"
    assert [flow["date"] for flow in alone["cash_flows"]][:2] == ["2023-02-01", "2023-03-01"]


@pytest.mark.parametrize("option", [("--report", "r.html"), ("--plot", "c.png"), ("--tax",)])
def test_one_runs_outputs_do_not_combine_with_a_sweep(
    tmp_path: Path, option: tuple[str, ...]
) -> None:
    """Before, `--report` and `--plot` with `--sweep` wrote nothing and said nothing."""
    path = sweep_file(tmp_path, GRID)
    written = [tmp_path / word for word in option[1:]]
    run = cli("backtest", "--prices", SAMPLE / "prices.csv", "--sweep", path, *option[:1], *written)
    assert run.code == 2
    assert f"{option[0]} does not combine with --sweep" in run.err
    assert run.out == ""
    assert not any(file.exists() for file in written)


@pytest.mark.parametrize("option", [("--sort", "cagr"), ("--workers", "2"), ("--workers", "1")])
def test_the_sweeps_options_need_a_sweep(tmp_path: Path, option: tuple[str, str]) -> None:
    """Before, `--sort` and `--workers` without `--sweep` were accepted and did nothing."""
    (tmp_path / "w.json").write_text('{"SPY": "0.5", "TLT": "0.5"}', encoding="utf-8")
    weights = ("--weights", tmp_path / "w.json")
    run = cli("backtest", "--prices", SAMPLE / "prices.csv", *weights, *option)
    assert (run.code, run.out) == (2, "")
    assert f"{option[0]} needs --sweep" in run.err


@pytest.mark.parametrize(("sort", "descending"), [("cagr", True), ("cagr:asc", False)])
def test_the_rows_sort_by_any_metric(tmp_path: Path, sort: str, descending: bool) -> None:
    path = sweep_file(tmp_path, GRID)
    run = cli(
        "backtest", "--prices", SAMPLE / "prices.csv", "--sweep", path, "--json", "--sort", sort
    )
    figures = [Decimal(row["cagr"]) for row in json.loads(run.out)]
    assert figures == sorted(figures, reverse=descending)
    assert len(set(figures)) > 1
    table = cli("backtest", "--prices", SAMPLE / "prices.csv", "--sweep", path, "--sort", sort)
    assert table.code == 0
    assert len(table.out.strip().splitlines()) == 2 + 8  # header, rule, one row per run


def test_two_workers_print_what_one_prints(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, GRID)
    one = cli("backtest", "--prices", SAMPLE / "prices.csv", "--sweep", path, "--json")
    two = cli(
        "backtest", "--prices", SAMPLE / "prices.csv", "--sweep", path, "--json", "--workers", "2"
    )
    assert (two.code, two.out) == (0, one.out)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('bands = [1, "x"]\n', "sweep.toml: bands: not a number: 'x'"),
        ("schedule = ['daily']\n", "sweep.toml: schedule: unknown key"),
        ("schedules = []\n", "sweep.toml: schedules: expected a non-empty list"),
        ('schedules = ["daily"]\n', "sweep.toml: weights: missing (list the files here, or give"),
        ('weights = ["nope.json"]\n', "nope.json: no such file"),
        (
            'schedules = ["monthly", "fortnightly"]\nweights = ["w.json"]\n',
            "sweep.toml: schedules: unknown schedule 'fortnightly'; expected one of once,",
        ),
        (
            'bands = ["0", "-0.1"]\nweights = ["w.json"]\n',
            "sweep.toml: bands: SizingPolicy.band must be a finite Decimal in [0, 1E+15]",
        ),
        (
            'min_trades = ["-1"]\nweights = ["w.json"]\n',
            "sweep.toml: min_trades: SizingPolicy.min_trade_amount must be",
        ),
    ],
)
def test_a_bad_sweep_file_is_bad_input_named_in_one_line(
    tmp_path: Path, text: str, message: str
) -> None:
    run = cli("backtest", "--prices", SAMPLE / "prices.csv", "--sweep", sweep_file(tmp_path, text))
    assert run.code == 2
    assert run.out == ""
    assert message in run.err
    assert len(run.err.strip().splitlines()) == 1


def never_priced(tmp_path: Path) -> Path:
    """A sweep over the sample weights and a weights file of a symbol the prices lack."""
    (tmp_path / "zzz.json").write_text('{"ZZZ": "1"}', encoding="utf-8")
    return sweep_file(tmp_path, 'schedules = ["monthly"]\nweights = ["w.json", "zzz.json"]\n')


def test_a_run_that_fails_is_a_row_and_exit_1(tmp_path: Path) -> None:
    path = never_priced(tmp_path)
    run = cli("backtest", "--prices", SAMPLE / "prices.csv", "--sweep", path, "--json")
    assert run.code == 1
    rows = json.loads(run.out)
    assert "final_equity" in rows[0]
    assert rows[1]["error"]["kind"] == "missing_price"
    assert rows[1]["error"]["context"]["symbols"] == "ZZZ"  # the context travels too
    assert "run monthly band=0 min_trade=1.00 weights=zzz.json failed" in run.err


def test_a_failed_row_keeps_the_table_narrow_and_its_error_goes_to_standard_error(
    tmp_path: Path,
) -> None:
    run = cli("backtest", "--prices", SAMPLE / "prices.csv", "--sweep", never_priced(tmp_path))
    assert run.code == 1
    _, rule, done, failed = run.out.strip().splitlines()
    assert failed.split() == ["monthly", "band=0", "min_trade=1.00", "weights=zzz.json", "failed"]
    assert len(done) == len(rule)  # no cell wider than its figures: the message is not in it
    message = "error: run monthly band=0 min_trade=1.00 weights=zzz.json failed: MISSING_PRICE"
    assert run.err.startswith(message)


def test_weights_are_needed_without_a_sweep() -> None:
    run = cli("backtest", "--prices", SAMPLE / "prices.csv")
    assert run.code == 2
    assert "--weights" in run.err


def test_a_price_table_that_cannot_travel_fails_every_run_by_name() -> None:
    bars = [*table(5), Bar(date=date(2030, 1, 2), prices={"AAA": lambda: 1})]  # type: ignore[dict-item]  # garbage on purpose
    with ThreadPoolExecutor(1) as executor:
        results = list(run_backtests(bars, RUNS[:2], executor))
    assert [r.failure().context["run"] for r in results] == ["half-half monthly", "weekly"]
    assert {r.failure().kind for r in results} == {ErrorKind.WORKER_FAILED}


TAX_TABLE = '[tax]\nmethod = "HIFO"\nshort_term_rate = "0.35"\nlong_term_rate = "0.15"\n'


def test_a_sweep_under_tax_rules_shows_what_each_run_is_worth_after_tax(tmp_path: Path) -> None:
    """Before, a sweep under a `[tax]` policy showed no after-tax figure: the one a
    taxable account's runs are compared by. Each row's equals `backtest --tax`'s."""
    path = sweep_file(tmp_path, 'schedules = ["monthly", "quarterly"]\nweights = ["w.json"]\n')
    policy = tmp_path / "tax.toml"
    policy.write_text(TAX_TABLE, encoding="utf-8")
    prices = SAMPLE / "prices.csv"
    swept = cli("backtest", "--prices", prices, "--sweep", path, "--policy", policy, "--json",
                "--sort", "after_tax_value:asc")  # fmt: skip
    assert swept.code == 0, swept.err
    rows = json.loads(swept.out)
    values = [Decimal(row["after_tax_value"]) for row in rows]
    assert values == sorted(values)
    for row in rows:
        schedule = row["run"].split()[0]
        one = cli("backtest", "--prices", prices, "--weights", tmp_path / "w.json",
                  "--policy", policy, "--schedule", schedule, "--tax", "--json")  # fmt: skip
        taxed = json.loads(one.out)["tax"]["with_tax_rules"]
        assert row["after_tax_value"] == taxed["after_tax_value"]
        assert row["harvested_losses"] == taxed["harvested_losses"]
        realized = taxed["realized_by_year"].values()
        total = sum(Decimal(y["short_term"]) + Decimal(y["long_term"]) for y in realized)
        assert Decimal(row["realized_gains"]) == total > 0
    table = cli("backtest", "--prices", prices, "--sweep", path, "--policy", policy)
    assert table.out.splitlines()[0].split()[-3:] == [
        "after_tax_value", "realized_gains", "harvested_losses"
    ]  # fmt: skip


def test_sorting_by_a_tax_figure_needs_tax_rules(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, GRID)
    run = cli("backtest", "--prices", SAMPLE / "prices.csv", "--sweep", path,
              "--sort", "after_tax_value")  # fmt: skip
    assert run.code == 2
    assert run.err == "error: --sort: after_tax_value needs a [tax] table in the policy\n"
    plain = cli("backtest", "--prices", SAMPLE / "prices.csv", "--sweep", path, "--json")
    assert "after_tax_value" not in plain.out
