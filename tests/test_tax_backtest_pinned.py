"""Today's taxed backtests, pinned: hundreds of random runs against a golden file.

Each case of `tax_backtest_pinned_cases` (every lot method, budgets, deferral, identical
groups, harvesting, whole shares, every schedule, costs, flows, taxes paid) is run and
written as one line; the lines must equal `tests/golden/tax_backtest_pinned.txt`
exactly, so that work on the speed of a taxed backtest changes no tax figure, lot,
equity or plan.
"""

from __future__ import annotations

from pathlib import Path

from tax_backtest_pinned_cases import CASES, lines

GOLDEN = Path(__file__).parent / "golden" / "tax_backtest_pinned.txt"


def test_every_pinned_backtest_runs_as_the_golden_file_says() -> None:
    expected = GOLDEN.read_text(encoding="utf-8").splitlines()
    assert len(expected) == CASES
    differ = [(want, got) for want, got in zip(expected, lines(), strict=True) if want != got]
    assert not differ, f"{len(differ)} runs changed; the first: {differ[0]}"
