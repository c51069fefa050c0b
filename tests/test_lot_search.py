"""`portfolio.steps.whole.search`: the exact search against an enumeration of every lot count."""

from __future__ import annotations

from itertools import product

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portfolio.steps.whole.search import LotProblem, best_counts, error_of, gaps_of


@st.composite
def problems(draw: st.DrawFn) -> LotProblem:
    """1–3 symbols in small integers: sales below 0, minimum trades, cash short or idle."""
    n = draw(st.integers(min_value=1, max_value=3))
    return LotProblem(
        symbols=[f"S{i}" for i in range(n)],
        trades=[draw(st.integers(min_value=-150, max_value=300)) for _ in range(n)],
        lots=[draw(st.integers(min_value=12, max_value=60)) for _ in range(n)],
        lows=[draw(st.integers(min_value=-8, max_value=0)) for _ in range(n)],
        leasts=[draw(st.sampled_from([1, 1, 2, 3, 5])) for _ in range(n)],
        budget=draw(st.integers(min_value=-40, max_value=300)),
        aim=draw(st.integers(min_value=-100, max_value=300)),
    )


def allowed(problem: LotProblem) -> list[list[int]]:
    """Every count each symbol may trade within the cash, whatever the others do."""
    lowest = sum(lo * p for lo, p in zip(problem.lows, problem.lots, strict=True))
    counts = []
    for lo, p, least in zip(problem.lows, problem.lots, problem.leasts, strict=True):
        most = (problem.budget - lowest + lo * p) // p
        counts.append([k for k in range(lo, most + 1) if k == 0 or abs(k) >= least])
    return counts


def spent(problem: LotProblem, counts: tuple[int, ...] | list[int]) -> int:
    return sum(k * p for k, p in zip(counts, problem.lots, strict=True))


@settings(max_examples=300, deadline=None)
@given(problems())
def test_the_search_finds_the_least_error_of_every_count(problem: LotProblem) -> None:
    """Exact: no count within the cash has a lower error, nor an equal one nearer the targets."""
    floors = zip(problem.lows, problem.leasts, strict=True)
    start = [lo if -lo >= least else 0 for lo, least in floors]  # a count it may trade
    assume(spent(problem, start) <= problem.budget)
    search = best_counts(problem, start)
    assert search.complete
    assert spent(problem, search.counts) <= problem.budget
    for k, lo, least in zip(search.counts, problem.lows, problem.leasts, strict=True):
        assert k >= lo
        assert k == 0 or abs(k) >= least
    best = min(
        (error_of(problem, c), gaps_of(problem, c))
        for c in product(*allowed(problem))
        if spent(problem, c) <= problem.budget
    )
    assert (search.error, search.gaps) == best
    assert search.error == error_of(problem, search.counts)


def test_a_sale_of_one_symbol_pays_for_a_lot_of_another() -> None:
    # A is 20 over its target (lots of 10, 3 held), B 50 short (a lot of 50); no cash.
    # B's lot would need 50 from sales: only 30 can be raised, so B stays short (50).
    # Selling 0, 1 or 2 A all score 70 (the gap falls as much as idle cash rises): the
    # tie goes to A on its target, selling 2 (gaps 50); selling 3 scores 10 + 50 + 30.
    problem = LotProblem(
        symbols=["A", "B"], trades=[-20, 50], lots=[10, 50], lows=[-3, 0], leasts=[1, 1],
        budget=0, aim=0,
    )  # fmt: skip
    assert best_counts(problem, [0, 0]).counts == [-2, 0]
    # With 20 in cash, selling all 3 A (30) pays for B's lot: A 10 short, B on target,
    # nothing idle: 10.
    richer = LotProblem(
        symbols=["A", "B"], trades=[-20, 50], lots=[10, 50], lows=[-3, 0], leasts=[1, 1],
        budget=20, aim=20,
    )  # fmt: skip
    search = best_counts(richer, [0, 0])
    assert (search.counts, search.error) == ([-3, 1], 10)
