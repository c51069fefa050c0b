"""The speed targets counted in instructions, which no neighbour on a shared machine moves.

Run: `.venv/bin/python tests/benchmarks/bench_instructions.py` (needs valgrind; a few
minutes). Timed ratios on a shared host move by a third or more from run to run (see
docs/performance.md); instruction counts repeat to within about 1 %. Two ratios, each
of two counts taken in the same run:

- shared models: `plan_many` on 20-symbol accounts over 10 models, against the bare
  `Decimal` loop of `bench_planner.py` on the same accounts (`bench_models.py`'s inputs;
  target ≥ 0.3);
- a taxed plan: 20 symbols × 10 lots, HIFO with a gain budget that binds, against the
  same plan without tax (`bench_tax.py`'s inputs; target ≤ 2×).

Each count is one process under `valgrind --tool=cachegrind`: the case at two sizes, less
the same process that only builds the inputs at each size, so that start-up, imports and
building the inputs are not counted; the difference between the sizes, divided by the
difference in accounts, is the count of one account (one plan). Instructions are not
time (a `Decimal` operation in C and a bytecode loop differ in cycles per instruction),
so a ratio here is a guide to a timed one, not a replacement. Asserts nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_models import accounts, bare
from bench_tax import account, budget_for, fresh

from portfolio import LotMethod, Planner, SizingPolicy, TaxPolicy, plan_many

#: (small, large) accounts per count: the difference is what one account costs.
MODEL_SIZES = (100, 600)
TAX_SIZES = (10, 40)
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def child(case: str, mode: str, size: int) -> None:
    """Build the inputs of `case` at `size`, then run `mode` on them (in this process)."""
    if case == "models":
        requests = accounts(size, 10)
        if mode == "run":
            for result in plan_many(requests):
                result.unwrap()
        elif mode == "baseline":
            bare(requests)
        return
    allocation, snapshot = account(20)
    budget = budget_for(allocation, snapshot)
    taxed = SizingPolicy(tax=TaxPolicy(method=LotMethod.HIFO, max_realized_gain=budget))
    planner = Planner.prepare(allocation, taxed if mode == "run" else SizingPolicy()).unwrap()
    batch = [fresh(account(20, seed)[1]) for seed in range(size)]
    if mode != "build":
        for one in batch:
            planner.plan(one).unwrap()


def count(case: str, mode: str, size: int) -> int:
    """Instructions of one child process (`child(case, mode, size)`) under cachegrind."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        case,
        mode,
        str(size),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)  # noqa: S603 - our own script
    found = _REFS.search(done.stderr)
    if found is None:
        msg = f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}"
        raise SystemExit(msg)
    return int(found.group(1).replace(",", ""))


def per_account(case: str, mode: str, sizes: tuple[int, int]) -> float:
    """Instructions of one account of `mode`, its inputs' construction taken out."""
    small, large = sizes
    ran = count(case, mode, large) - count(case, mode, small)
    built = count(case, "build", large) - count(case, "build", small)
    return (ran - built) / (large - small)


def main() -> None:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing counted")
        return
    models = per_account("models", "run", MODEL_SIZES)
    loop = per_account("models", "baseline", MODEL_SIZES)
    taxed = per_account("tax", "run", TAX_SIZES)
    untaxed = per_account("tax", "baseline", TAX_SIZES)
    print("instructions per account (cachegrind), each pair counted in this run")
    print(
        f"shared models, 20 symbols: plan_many {models / 1e3:8.1f} thousand, bare loop "
        f"{loop / 1e3:6.1f} thousand: {loop / models:.3f} of the bare loop (target >= 0.3)"
    )
    print(
        f"taxed plan, 20 symbols x 10 lots: {taxed / 1e6:5.2f} million, untaxed "
        f"{untaxed / 1e6:5.2f} million: {taxed / untaxed:.2f}x (target <= 2x)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
