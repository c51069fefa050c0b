"""Today's tax results, pinned: thousands of random accounts against a golden file.

Each case of `tax_pinned_cases` (every lot method, budgets, deferral, wash sales,
liquidations, whole shares, the three modes, bad lots and trades) is planned and
written as one line; the lines must equal `tests/golden/tax_pinned.txt` exactly, so
that work on the speed of the tax rules changes no decision, lot, amount or plan id.
"""

from __future__ import annotations

from pathlib import Path

from tax_pinned_cases import CASES, case, line, lines

GOLDEN = Path(__file__).parent / "golden" / "tax_pinned.txt"


def test_every_pinned_case_plans_as_the_golden_file_says() -> None:
    expected = GOLDEN.read_text(encoding="utf-8").splitlines()
    assert len(expected) == CASES
    differ = [(want, got) for want, got in zip(expected, lines(), strict=True) if want != got]
    assert not differ, f"{len(differ)} cases changed; the first: {differ[0]}"


def test_planning_a_case_again_gives_the_same_line() -> None:
    """A plan depends on its inputs only: the same snapshot planned twice, or rebuilt."""
    for n in range(0, CASES, 7):
        allocation, snapshot, policy = case(n)
        first = line(n, allocation, snapshot, policy)
        assert line(n, allocation, snapshot, policy) == first
        assert line(n, *case(n)) == first
