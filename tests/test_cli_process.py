"""The command as a real process (few tests: each start costs a few tenths of a second)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def portfolio(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APCA_")}
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "portfolio", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_python_m_portfolio_demo() -> None:
    done = portfolio("demo")
    assert done.returncode == 0, done.stderr
    assert "Rebalance plan" in done.stdout
    assert "Final equity" in done.stdout


def test_a_bad_file_is_one_line_on_stderr_and_exit_2(tmp_path: Path) -> None:
    weights = tmp_path / "w.json"
    weights.write_text('{"SPY": NaN}', encoding="utf-8")
    done = portfolio("plan", "--weights", str(weights), "--snapshot", str(tmp_path / "s.json"))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: {weights}: SPY: NaN is not a number this tool accepts\n"


def test_plan_does_not_import_alpaca(tmp_path: Path) -> None:
    """alpaca-py (~0.7 s, ~180 MB) loads only for `--broker alpaca` and `validate` with keys."""
    code = (
        "import sys; from adapters.cli import main; "
        "main(['plan', '--weights', 'x', '--snapshot', 'y']); "
        "print(any(m == 'alpaca' or m.startswith('alpaca.') for m in sys.modules))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60,
    )  # fmt: skip
    assert done.stdout == "False\n", done.stderr
