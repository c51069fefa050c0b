"""Fuzzing the command line's input files: exit 2 naming the file, never a traceback.

A seeded sample of `cli_fuzz.cases` (every option, every format, three classes of
answer: see `tests/cli_fuzz.py`), run in this process. `python tests/cli_fuzz.py 5000`
runs a big one and prints the tally.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from cli_fuzz import Case, cases, judge

#: Enough that every option, format and kind of damage comes up; the big run has more.
COUNT = 250


def test_malformed_files_exit_2_naming_the_file_and_never_a_traceback(tmp_path: Path) -> None:
    sample = list(cases(random.Random(22), COUNT))  # noqa: S311 - seeded, not secret
    wrong = [(v.case, v.problem) for v in (judge(case, tmp_path) for case in sample) if v.problem]
    assert wrong == []
    covered = Counter((case.option, Path(case.name).suffix, case.kind) for case in sample)
    for option, suffix in [
        ("--weights", ".json"), ("--weights", ".toml"), ("--snapshot", ".json"),
        ("--snapshot", ".toml"), ("--policy", ".json"), ("--policy", ".toml"),
        ("--prices", ".csv"), ("--accounts", ".jsonl"), ("--lots", ".csv"), ("--plan", ".json"),
    ]:  # fmt: skip
        assert covered[option, suffix, "malformed"] >= 10, (option, suffix)
    assert sum(n for (_, _, kind), n in covered.items() if kind == "refused") >= 20


def test_the_judge_catches_a_wrong_answer(tmp_path: Path) -> None:
    """A good file is no malformed file: the judge must say so (a test that cannot fail …)."""
    good = Case("--weights", "weights.json", b'{"SPY": "0.5"}', "malformed", "not malformed")
    assert judge(good, tmp_path).problem == "exit 0, expected 2"
    refused = Case("--weights", "weights.json", b'{"SPY": "0.5"}', "refused", "not refused")
    assert judge(refused, tmp_path).problem == "exit 0, expected 1"
