"""A report or a plot that cannot be written whole leaves the file that was there."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import cli
from full_disk import files_at_most
from report_support import inputs

pytest.importorskip("matplotlib")


@pytest.mark.parametrize("option", ["--plot", "--report"])
def test_an_output_written_half_leaves_the_old_one(tmp_path: Path, option: str) -> None:
    """Before, `--plot` was saved in place: a failed write left half a PNG."""
    files = inputs(tmp_path)
    out = tmp_path / ("curve.png" if option == "--plot" else "page.html")
    out.write_bytes(b"yesterday's output\n")
    before = sorted(path.name for path in tmp_path.iterdir())
    with files_at_most(1000):  # a PNG or a page: several kilobytes
        run = cli(
            "backtest", "--prices", files["prices"], "--weights", files["weights"], option, out
        )
    assert run.code == 2, run.err
    assert f"error: {out}: " in run.err
    assert out.read_bytes() == b"yesterday's output\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == before
