"""Backtests on prices with holes: each rule of docs/backtesting.md, with hand-computed equity."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Context, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio import Allocation, ErrorKind, SizingPolicy
from portfolio.backtest import (
    Bar,
    LateListing,
    MissingData,
    WarningKind,
    run_backtest,
)
from portfolio.backtest.gaps import SPLIT_RATIOS, SPLIT_TOLERANCE, find_gaps

D = Decimal
EXACT = SizingPolicy(min_trade_amount=D(0))
DAYS = [date(2024, 1, 1) + timedelta(days=n) for n in range(40)]


def bars(*closes: dict[str, int | str]) -> list[Bar]:
    """One bar per mapping, on consecutive days of January 2024."""
    return [
        Bar(date=day, prices={s: D(p) for s, p in prices.items()})
        for day, prices in zip(DAYS, closes, strict=False)
    ]


def weights(**by_symbol: str) -> Allocation:
    return Allocation(target_weights={s: D(w) for s, w in by_symbol.items()}, correlation_id="t")


def equities(series: list[Bar], allocation: Allocation, **options: object) -> list[Decimal]:
    """The equity curve in cents (fractional shares are truncated to nine decimals)."""
    result = run_backtest(
        series,
        allocation,
        policy=EXACT,
        initial_cash=D(1000),
        **options,  # type: ignore[arg-type]
    ).unwrap()
    return [point.equity.quantize(D("0.01")) for point in result.equity_curve]


def test_a_late_listing_waits_in_cash_and_is_bought_on_its_first_close() -> None:
    series = bars({"A": 10}, {"A": 12, "B": 20}, {"A": 12, "B": 25})
    # day 1: 50 A + 500 cash; day 2: 600 + 500 = 1100, then 550 each: 45.83 A, 27.5 B
    # day 3: 550 + 27.5 × 25 = 1237.5
    assert equities(series, weights(A="0.5", B="0.5"), schedule="once") == [
        D(1000),
        D(1100),
        D("1237.50"),
    ]


def test_a_late_listing_can_spread_its_weight_over_the_priced_targets() -> None:
    series = bars({"A": 10}, {"A": 12, "B": 20}, {"A": 12, "B": 25})
    spread = MissingData(late_listing=LateListing.SPREAD)
    # day 1: 100 A; day 2: 1200, then 600 each: 50 A, 30 B; day 3: 600 + 750
    assert equities(series, weights(A="0.5", B="0.5"), schedule="once", missing=spread) == [
        D(1000),
        D(1200),
        D(1350),
    ]


def test_a_late_listing_is_reported_on_its_first_close() -> None:
    series = bars({"A": 10}, {"A": 10}, {"A": 10, "B": 20})
    result = run_backtest(series, weights(A="0.5", B="0.5"), policy=EXACT).unwrap()
    [warning] = result.warnings
    assert (warning.kind, warning.symbol, warning.date) == (
        WarningKind.LATE_LISTING,
        "B",
        DAYS[2],
    )
    assert result.plan_dates == (DAYS[0], DAYS[2])


def test_a_missing_close_of_a_held_symbol_is_carried_forward_and_counted() -> None:
    series = bars({"A": 10, "B": 5}, {"B": 6}, {"B": 7}, {"A": 12, "B": 7})
    result = run_backtest(
        series, weights(A="0.5", B="0.5"), policy=EXACT, initial_cash=D(1000), schedule="daily"
    ).unwrap()
    # day 1: 50 A, 100 B. day 2: 500 + 600 = 1100 → 55 A at the carried 10, 91.67 B ...
    assert result.equity_curve[1].equity == D(1100)
    # ... day 3: A carried at 10 again: 550 + 91.666666666 × 7 = 1191.67
    assert result.equity_curve[2].equity.quantize(D("0.01")) == D("1191.67")
    [warning] = result.warnings
    assert (warning.kind, warning.symbol, warning.date, warning.count) == (
        WarningKind.CARRIED_FORWARD,
        "A",
        DAYS[1],
        2,
    )


def test_each_gap_is_its_own_warning_with_its_range() -> None:
    # A has no close on day 2, nor on days 4 and 5: two gaps, not "3 bars from day 2 on"
    series = bars({"A": 10, "B": 5}, {"B": 6}, {"A": 11, "B": 6}, {"B": 7}, {"B": 7}, {"A": 12})
    result = run_backtest(
        series, weights(A="0.5", B="0.5"), policy=EXACT, initial_cash=D(1000), schedule="once"
    ).unwrap()
    assert [(w.kind, w.symbol, w.date, w.count, w.message) for w in result.warnings] == [
        (
            WarningKind.CARRIED_FORWARD,
            "A",
            DAYS[1],
            1,
            "close missing on this bar; the last close was carried forward",
        ),
        (
            WarningKind.CARRIED_FORWARD,
            "A",
            DAYS[3],
            2,
            "close missing on 2 bars in a row, to 2024-01-05; the last close was carried forward",
        ),
        (
            WarningKind.CARRIED_FORWARD,
            "B",
            DAYS[5],
            1,
            "close missing on this bar; the last close was carried forward",
        ),
    ]


def test_a_symbol_that_stops_trading_is_sold_at_its_last_close() -> None:
    series = bars({"A": 10, "B": 10}, {"A": 11}, {"A": 12}, {"A": 13})
    missing = MissingData(delist_after=2)
    result = run_backtest(
        series,
        weights(A="0.5", B="0.5"),
        policy=EXACT,
        initial_cash=D(1000),
        schedule="once",
        missing=missing,
    ).unwrap()
    # 50 A + 50 B; day 2: B carried (550 + 500); day 3: B stopped → 500 cash; 600 + 500
    assert [p.equity for p in result.equity_curve] == [D(1000), D(1050), D(1100), D(1150)]
    assert result.final_snapshot.positions == {"A": D(50)}
    assert result.final_snapshot.cash == D(500)
    kinds = [(w.kind, w.symbol, w.date) for w in result.warnings]
    assert kinds == [
        (WarningKind.CARRIED_FORWARD, "B", DAYS[1]),
        (WarningKind.STOPPED_TRADING, "B", DAYS[2]),
    ]


def test_a_stopped_symbol_waits_in_cash_until_it_trades_again() -> None:
    series = bars({"A": 10, "B": 10}, {"A": 10}, {"A": 10, "B": 20}, {"A": 10, "B": 20})
    result = run_backtest(
        series,
        weights(A="0.5", B="0.5"),
        policy=EXACT,
        initial_cash=D(1000),
        schedule="daily",
        missing=MissingData(delist_after=1),
    ).unwrap()
    # day 2: B stopped, sold at 10 → 500 A + 500 cash; no B to buy until it trades again
    # day 3: B back at 20: equity 1000 → 25 B
    assert [p.equity for p in result.equity_curve] == [D(1000), D(1000), D(1000), D(1000)]
    assert result.final_snapshot.positions == {"A": D(50), "B": D(25)}


def test_a_split_like_move_of_a_held_symbol_is_reported() -> None:
    series = bars({"A": 400, "B": 50}, {"A": 100, "B": 25})
    result = run_backtest(series, weights(A="1"), policy=EXACT, schedule="once").unwrap()
    [warning] = result.warnings  # B moved 2:1 too, but is not held
    assert (warning.kind, warning.symbol, warning.date) == (
        WarningKind.SUSPECTED_SPLIT,
        "A",
        DAYS[1],
    )
    assert "0.2500" in warning.message
    assert result.final_equity == D(250_000)  # booked as the 75 % fall it looks like


@pytest.mark.parametrize("after", [0, -1])
def test_delist_after_must_be_at_least_one(after: int) -> None:
    error = run_backtest(bars({"A": 1}), weights(A="1"), missing=MissingData(delist_after=after))
    assert error.failure().kind is ErrorKind.INVALID_BARS


def test_start_and_end_bound_the_bars() -> None:
    series = bars({"A": 10}, {"A": 20}, {"A": 40}, {"A": 80})
    assert equities(series, weights(A="1"), start=DAYS[1], end=DAYS[2]) == [D(1000), D(2000)]
    empty = run_backtest(series, weights(A="1"), start=DAYS[10])
    assert empty.failure().kind is ErrorKind.INVALID_BARS


SYMBOLS = ("X", "Y", "Z")


@st.composite
def gappy_bars(draw: st.DrawFn) -> list[Bar]:
    """Closes in cents on business-like days; after the first bar any close may be missing."""
    count = draw(st.integers(min_value=2, max_value=25))
    series = []
    for index in range(count):
        prices = {}
        for symbol in SYMBOLS:
            cents = draw(st.integers(min_value=100, max_value=100_000))
            if index == 0 or draw(st.booleans()):
                prices[symbol] = D(cents) / 100
        series.append(Bar(date=DAYS[0] + timedelta(days=index), prices=prices))
    return series


BUY_AND_HOLD = {
    "policy": EXACT,
    "initial_cash": D(100_000),
    "schedule": "once",
    "missing": MissingData(delist_after=1_000),
}
HOLD_ALL = Allocation(
    target_weights={"X": D("0.5"), "Y": D("0.3"), "Z": D("0.2")}, correlation_id="hold"
)


@settings(max_examples=40)
@given(series=gappy_bars())
def test_buy_and_hold_ends_at_the_first_holdings_at_the_last_closes(series: list[Bar]) -> None:
    """Buy and hold trades once: what it ends with is what it bought, at the last closes."""
    result = run_backtest(series, HOLD_ALL, **BUY_AND_HOLD).unwrap()  # type: ignore[arg-type]
    bought = result.fills[0].snapshot
    last = {s: next(b.prices[s] for b in reversed(series) if s in b.prices) for s in SYMBOLS}
    expected = bought.cash + sum(q * last[s] for s, q in bought.positions.items())
    assert result.final_equity == expected


@settings(max_examples=40)
@given(series=gappy_bars())
def test_a_carried_close_never_moves_equity_on_its_bar(series: list[Bar]) -> None:
    """A carried close repeats the last one, so only the symbols with a close move equity."""
    result = run_backtest(series, HOLD_ALL, **BUY_AND_HOLD).unwrap()  # type: ignore[arg-type]
    held = result.fills[0].snapshot.positions
    last = dict(series[0].prices)
    for bar, before, after in zip(
        series[1:], result.equity_curve, result.equity_curve[1:], strict=False
    ):
        moved = sum((held[s] * (p - last[s]) for s, p in bar.prices.items()), D(0))
        assert after.equity - before.equity == moved
        last.update(bar.prices)


def test_a_rule_may_target_a_symbol_before_its_listing_or_one_never_priced() -> None:
    series = bars({"A": 10}, {"A": 10, "B": 20}, {"A": 10, "B": 20})

    def rule(_day: date, _account: object) -> Allocation:
        return weights(A="0.25", B="0.25", C="0.5")

    result = run_backtest(series, rule, policy=EXACT, initial_cash=D(1000), schedule="once")
    final = result.unwrap().final_snapshot
    # day 1: 25 A and 750 cash; day 2 (B's first close): 25 A, 12.5 B, 500 cash for C
    assert (final.positions, final.cash) == ({"A": D(25), "B": D("12.5")}, D(500))
    assert [(w.symbol, w.date, w.message) for w in result.unwrap().warnings] == [
        ("C", DAYS[0], "no close on any bar; its weight waited in cash throughout"),
        ("B", DAYS[1], "first close on this bar; until then its weight waited in cash"),
    ]


def reference_moves(column: list[Decimal | None]) -> list[tuple[int, Decimal]]:
    """The definition: each move between two closes, ÷ at six digits, outside [0.7, 1.4]
    and within 2 % of a split ratio."""
    found = []
    with localcontext(Context(prec=6, traps=[])):
        for index in range(1, len(column)):
            before, after = column[index - 1], column[index]
            if before is None or after is None:
                continue
            ratio = after / before
            near = any(abs(ratio / split - 1) <= SPLIT_TOLERANCE for split in SPLIT_RATIOS)
            if (ratio < D("0.7") or ratio > D("1.4")) and near:
                found.append((index, ratio))
    return found


#: Closes that mostly drift and sometimes jump by a split ratio or by a move just inside
#: or outside [0.7, 1.4] (the edges of the stretches `find_gaps` skips).
moves = st.sampled_from(
    [
        "1",
        "1.01",
        "0.99",
        "1.39",
        "1.4",
        "1.4001",
        "0.7143",
        "0.714",
        "0.5",
        "2",
        "0.7",
        "0.69",
        "3",
        "0.1",
    ]
)


def closes_along(start: Decimal, path: list[tuple[str, bool]]) -> list[Decimal | None]:
    """A close per step from `start`, each the last × the step's move; None where missing."""
    closes: list[Decimal | None] = [start]
    level = start
    for move, missing in path:
        level = max((level * D(move)).quantize(D("0.0001")), D("0.0001"))
        closes.append(None if missing and len(closes) > 1 else level)
    return closes


paths = st.tuples(
    st.decimals(min_value="0.01", max_value="10000", places=2),
    st.lists(st.tuples(moves, st.booleans()), min_size=40, max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(paths, min_size=1, max_size=3), st.booleans())
def test_split_like_moves_are_every_move_the_definition_finds(
    drawn: list[tuple[Decimal, list[tuple[str, bool]]]], reverse: bool
) -> None:
    """`find_gaps` reads only stretches that may hold a wide move, and a complete table
    as columns at once; it finds what reading every move finds, for every symbol, gaps
    (a missing close) and bars naming their symbols in another order included."""
    names = ["A", "B", "C"][: len(drawn)]
    columns = {name: closes_along(*path) for name, path in zip(names, drawn, strict=True)}
    series = []
    for n in range(41):
        order = names[::-1] if reverse and n % 7 == 3 else names
        prices = {name: close for name in order if (close := columns[name][n]) is not None}
        series.append(Bar(date=DAYS[0] + timedelta(days=n), prices=prices))
    gaps = find_gaps(series, delist_after=10_000)
    for name in names:
        found = [(i, ratio) for i, moved in gaps.moves.items() for s, ratio in moved if s == name]
        carried: list[Decimal | None] = [mark.get(name) for mark in gaps.marks]
        assert sorted(found) == reference_moves(carried)


#: A calm move (inside [0.7, 1.4] by far) most of the time, now and then one of `moves`.
CALM = ("1", "1.01", "0.99", "1.02", "0.98")
mostly_calm = st.tuples(st.integers(0, 39), moves).map(
    lambda drawn: drawn[1] if drawn[0] == 0 else CALM[drawn[0] % len(CALM)]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.decimals(min_value="0.01", max_value="10000", places=2),
            st.lists(mostly_calm, min_size=60, max_size=300),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_split_like_moves_in_long_complete_columns_are_every_move_the_definition_finds(
    drawn: list[tuple[Decimal, list[str]]],
) -> None:
    """Long columns without a missing close, mostly calm: `find_gaps` skips whole stretches,
    reads others in parts, and still finds every move the definition finds (one symbol or
    several; columns of different lengths end the table where the shortest ends)."""
    names = ["A", "B", "C"][: len(drawn)]
    columns = {  # no close missing: every one a Decimal
        name: [c for c in closes_along(start, [(move, False) for move in path]) if c is not None]
        for name, (start, path) in zip(names, drawn, strict=True)
    }
    length = min(map(len, columns.values()))
    series = [
        Bar(date=DAYS[0] + timedelta(days=n), prices={name: columns[name][n] for name in names})
        for n in range(length)
    ]
    gaps = find_gaps(series, delist_after=10_000)
    for name in names:
        found = [(i, ratio) for i, moved in gaps.moves.items() for s, ratio in moved if s == name]
        assert sorted(found) == reference_moves([*columns[name][:length]])


def test_a_substitute_never_priced_is_reported_and_the_next_one_takes_the_harvest() -> None:
    from portfolio import TaxPolicy  # noqa: PLC0415 - only this test plans under tax rules

    harvesting = TaxPolicy(harvest_threshold=D("0.05"), substitutes={"A": ("NOPE", "B")})
    policy = SizingPolicy(min_trade_amount=D(0), tax=harvesting)
    series = bars({"A": 100, "B": 50}, {"A": 80, "B": 50})
    result = run_backtest(
        series, weights(A="1"), policy=policy, initial_cash=D(1000), schedule="daily"
    ).unwrap()
    [warning] = result.warnings
    assert (warning.kind, warning.symbol, warning.date) == (
        WarningKind.UNPRICED_SUBSTITUTE,
        "NOPE",
        DAYS[0],
    )
    assert "substitute for A with no close on any bar" in warning.message
    # day 1: 10 A at 100; day 2: A at 80 is a 20 % loss: sold, and its 800 buy 16 B
    assert result.final_snapshot.positions == {"B": D(16)}
    assert result.tax is not None
    assert result.tax.harvested_losses == D(200)


def test_substitutes_with_closes_are_not_reported() -> None:
    from portfolio import TaxPolicy  # noqa: PLC0415 - only this test plans under tax rules

    policy = SizingPolicy(min_trade_amount=D(0), tax=TaxPolicy(substitutes={"A": ("B",)}))
    series = bars({"A": 100, "B": 50}, {"A": 80, "B": 50})
    result = run_backtest(series, weights(A="1"), policy=policy, schedule="daily").unwrap()
    assert result.warnings == ()
