"""`portfolio plan-many`: a JSONL file of accounts → one JSONL result line per account, in order.

The driver only moves lines: it reads raw lines, ships chunks of them to the workers
(this process with `--workers 1`, a process pool, or a Dask cluster), and writes the
text that comes back. Workers parse, plan and format (`adapters.cli.account_lines`).

Exit 0 when every account planned; 1 when some failed (each named on stderr, and an
`error` line in the output); 2 for an unreadable file, a malformed line or a duplicate
`account_id` (the line number, the field), and then `--out` is left untouched. The
output file is written beside its target and renamed into place when complete, so it
never holds a half-written line; on stdout every line is written whole.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack, closing
from functools import partial
from pathlib import Path
from typing import BinaryIO, TextIO

from returns.result import Failure, Result, Success

from adapters.cli.account_lines import LineOutcome, account_id_of, error_line, plan_lines
from adapters.cli.commands.plan import policy_or_default
from adapters.cli.options import PlanManyOptions
from adapters.cli.rate_progress import count_lines, rate_progress
from adapters.cli.report import Problem, problem
from adapters.cli.terminal import ExitCode, InputError, Terminal
from portfolio import PortfolioError, SizingPolicy
from portfolio.chunks import batched, map_chunks

__all__ = ["run"]

#: Lines per shipped chunk and chunks in flight: ~0.1 s of work per chunk per worker.
CHUNK_LINES = 256
IN_FLIGHT = 8

_Key = tuple[int, tuple[bytes, ...]]
_Outcomes = Generator[tuple[_Key, Result[tuple[LineOutcome, ...], PortfolioError]], None, None]


def run(options: PlanManyOptions, terminal: Terminal) -> ExitCode:
    """Plan every account of the file; see the module docstring for the exit codes."""
    started = time.monotonic()
    with ExitStack() as stack:
        opened = Result.do(
            (source, policy, executor, sink)
            for source in _open(options.accounts, stack)
            for policy in policy_or_default(options.policy)
            for executor in _executor(options, stack)
            for sink in _sink(options.out, terminal, stack)
        )
        if isinstance(opened, Failure):
            return problem(opened.failure(), terminal)
        source, policy, executor, sink = opened.unwrap()
        progress = rate_progress(terminal.err, partial(count_lines, options.accounts))
        outcomes = stack.enter_context(closing(_outcomes(source, policy, executor)))
        tally = _Tally(source=str(options.accounts))
        for key, outcome in outcomes:
            sink.write("".join(f"{line}\n" for line in tally.add(key, outcome)))
            if tally.stop is not None:
                return problem(tally.stop, terminal)
            if progress:
                progress(tally.lines)
        sink.commit()
    return tally.report(terminal, time.monotonic() - started)


def _open(path: Path, stack: ExitStack) -> Result[BinaryIO, Problem]:
    try:
        return Success(stack.enter_context(path.open("rb")))
    except FileNotFoundError:
        return Failure(InputError(source=str(path), problem="no such file"))
    except OSError as exc:
        return Failure(InputError(source=str(path), problem=exc.strerror or "cannot be read"))


def _executor(options: PlanManyOptions, stack: ExitStack) -> Result[Executor | None, Problem]:
    if options.scheduler is not None:
        return _dask(options.scheduler, stack)
    if options.workers <= 1:
        return Success(None)
    pool = stack.enter_context(ProcessPoolExecutor(options.workers))
    stack.callback(pool.shutdown, cancel_futures=True)
    return Success(pool)


def _dask(address: str, stack: ExitStack) -> Result[Executor | None, Problem]:
    try:
        from distributed import Client  # noqa: PLC0415 - the optional extra, only when asked for
    except ImportError:
        need = "needs dask: pip install 'portfolio-rebalancer[dask]'"
        return Failure(InputError(source="--scheduler", problem=need))
    try:
        client = stack.enter_context(Client(address, timeout="10s"))  # type: ignore[no-untyped-call]  # distributed is untyped
    except (OSError, ValueError) as exc:
        return Failure(
            InputError(source="--scheduler", problem=f"cannot connect to {address}: {exc}")
        )
    executor: Executor = client.get_executor(pure=False)
    return Success(executor)


def _outcomes(source: BinaryIO, policy: SizingPolicy, executor: Executor | None) -> _Outcomes:
    chunks = _numbered(source)
    if executor is None:
        return ((key, Success(plan_lines((key[0], b"".join(key[1]), policy)))) for key in chunks)
    shipped = ((key, (key[0], b"".join(key[1]), policy)) for key in chunks)
    return map_chunks(plan_lines, shipped, executor, in_flight=IN_FLIGHT)


def _numbered(source: BinaryIO) -> Iterator[_Key]:
    first = 1
    for lines in batched(source, CHUNK_LINES):
        yield first, lines
        first += len(lines)


class _Tally:
    """What the driver keeps: counts, failures, account ids seen, and the reason to stop."""

    def __init__(self, *, source: str) -> None:
        self.source = source
        self.lines = 0
        self.planned = 0
        self.failures: list[str] = []
        self.seen: dict[str, int] = {}
        self.stop: InputError | None = None

    def add(self, key: _Key, outcome: Result[tuple[LineOutcome, ...], PortfolioError]) -> list[str]:
        """Count one chunk; its output lines, up to the first malformed or duplicate line."""
        self.lines += len(key[1])
        out: list[str] = []
        for number, account_id, line, trouble in outcome.value_or(_lost(key, outcome)):
            if account_id is None or line is None:
                self.stop = InputError(source=self.source, problem=trouble or "malformed")
                break
            if account_id in self.seen:
                again = f"account_id {account_id!r} is already on line {self.seen[account_id]}"
                self.stop = InputError(source=self.source, where=f"line {number}", problem=again)
                break
            self.seen[account_id] = number
            if trouble is None:
                self.planned += 1
            else:
                self.failures.append(f"error: account {account_id} (line {number}): {trouble}")
            out.append(line)
        return out

    def report(self, terminal: Terminal, seconds: float) -> ExitCode:
        """Failures by name, then one summary line; the exit code."""
        for failure in self.failures:
            terminal.warn(failure)
        total = self.planned + len(self.failures)
        rate = total / max(seconds, 1e-9)
        terminal.warn(
            f"plan-many: {total} accounts, {self.planned} planned, {len(self.failures)} failed"
            f" in {seconds:.1f} s ({rate:,.0f} accounts/s)"
        )
        return ExitCode.FAILURE if self.failures else ExitCode.OK


def _lost(key: _Key, outcome: Result[object, PortfolioError]) -> tuple[LineOutcome, ...]:
    """A chunk whose worker died: an error line per non-blank line, named when possible."""
    if isinstance(outcome, Success):
        return ()
    error = outcome.failure()
    first, lines = key
    lost = []
    for offset, raw in enumerate(lines):
        if raw.strip():
            account_id = account_id_of(raw) or f"line {first + offset}"
            lost.append((first + offset, account_id, error_line(account_id, error), str(error)))
    return tuple(lost)


class _Sink:
    """Whole lines to a stream, or to a temporary file renamed onto `target` at `commit`."""

    def __init__(
        self, stream: TextIO, target: Path | None = None, temporary: Path = Path()
    ) -> None:
        self._stream, self._target, self._temporary = stream, target, temporary

    def write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()

    def commit(self) -> None:
        if self._target is not None:
            self._stream.close()
            self._temporary.replace(self._target)
            self._target = None

    def discard(self) -> None:
        if self._target is not None:
            self._stream.close()
            self._temporary.unlink(missing_ok=True)


def _sink(out: Path | None, terminal: Terminal, stack: ExitStack) -> Result[_Sink, Problem]:
    if out is None:
        return Success(_Sink(terminal.out))
    temporary = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        stream = temporary.open("w", encoding="utf-8")
    except OSError as exc:
        return Failure(InputError(source=str(out), problem=exc.strerror or "cannot be written"))
    sink = _Sink(stream, out, temporary)
    stack.callback(sink.discard)
    return Success(sink)
