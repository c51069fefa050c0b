"""`portfolio backtest --sweep` says what `backtest` would warn about, once per warning."""

from __future__ import annotations

from pathlib import Path

from cli_support import cli
from test_sweep import SAMPLE, sweep_file


def test_a_warning_every_run_gives_is_printed_once_with_its_count(tmp_path: Path) -> None:
    """The policy harvests SPY into VOO, which the sample prices never price: each run
    warns, and the sweep prints it once, before the rows (stderr)."""
    policy = tmp_path / "tax.toml"
    policy.write_text(
        '[tax]\nharvest_threshold = "0.05"\nsubstitutes = { SPY = ["VOO"] }\n', encoding="utf-8"
    )
    path = sweep_file(tmp_path, 'schedules = ["monthly", "quarterly"]\nweights = ["w.json"]\n')

    run = cli("backtest", "--prices", SAMPLE / "prices.csv", "--sweep", path, "--policy", policy)

    assert run.code == 0, run.err
    expected = (
        "warning: 2022-01-03 VOO: substitute for SPY with no close on any bar: never bought, "
        "so no harvest or held buy went to it (2 of 2 runs)"
    )
    assert run.err.splitlines() == [expected]
    assert len(run.out.splitlines()) == 4  # header, rule, two rows
