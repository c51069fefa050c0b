"""Start-up: CPU time of short `portfolio` commands, each in a fresh interpreter.

Run: `.venv/bin/python tests/benchmarks/bench_startup.py [runs]` (default 21 runs of
each command, taking turns so that a busy moment slows them alike). Prints the median
and range of each command's CPU time (user + system of the child process), and the
same for a bare interpreter and for `import attrs, returns.result` (what any command
pays before our code). With `-X importtime` a single run shows where the time goes:
`.venv/bin/python -X importtime -m portfolio plan --weights W --snapshot S`.
The commands run as a user's do, from compiled bytecode: `PYTHONDONTWRITEBYTECODE` is
dropped from their environment (set, every run compiles every module again: 0.44 s
instead of 0.23 s for `portfolio plan` on a loaded host) and one run of each, not
timed, writes the bytecode first. Asserts nothing; the figures go into docs/performance.md.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "adapters" / "cli" / "sample"
PORTFOLIO = [sys.executable, "-m", "portfolio"]
CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import attrs, returns.result": [sys.executable, "-c", "import attrs, returns.result"],
    "portfolio plan (sample files)": [
        *PORTFOLIO,
        "plan",
        "--weights",
        str(SAMPLE / "weights.json"),
        "--snapshot",
        str(SAMPLE / "account.json"),
    ],
    "portfolio plan --json": [
        *PORTFOLIO,
        "plan",
        "--json",
        "--weights",
        str(SAMPLE / "weights.json"),
        "--snapshot",
        str(SAMPLE / "account.json"),
    ],
    "portfolio plan-many --help": [*PORTFOLIO, "plan-many", "--help"],
    "portfolio backtest --help": [*PORTFOLIO, "backtest", "--help"],
    "portfolio --version": [*PORTFOLIO, "--version"],
}


#: The commands' environment: ours, less what keeps Python from writing its bytecode.
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def cpu_of(argv: list[str]) -> float:
    """User + system CPU seconds of one run of `argv` (output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=ENVIRONMENT)  # noqa: S603 - ours
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    print(f"{runs} runs of each, taking turns; load average (1 min): {os.getloadavg()[0]:.1f}")
    for argv in CASES.values():  # the bytecode written, as a user's second run finds it
        cpu_of(argv)
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(runs):
        for name, argv in CASES.items():
            times[name].append(cpu_of(argv))
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    print(f"{'command':<32} {'CPU s: median':>14} {'range':>14}")
    for name, seconds in times.items():
        print(
            f"{name:<32} {statistics.median(seconds):>14.3f} "
            f"{min(seconds):>6.3f}–{max(seconds):.3f}"
        )


if __name__ == "__main__":
    main()
