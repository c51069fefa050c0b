"""`portfolio plan-many`: a JSONL file of accounts → one JSONL result line per account, in order.

The driver only moves lines: it reads raw lines, ships chunks of them to the workers
(this process with `--workers 1`, a process pool, or a Dask cluster), and writes the
text that comes back. Workers parse, plan and format (`adapters.cli.account_lines`).

Exit 0 when every account planned; 1 when some failed (each named on stderr, and an
`error` line in the output); 2 for an unreadable file, a malformed line or a duplicate
`account_id` (the line number, the field), and then `--out` is left untouched. The
output file is written beside its target and renamed into place when complete, so it
never holds a half-written line (then `Plans written to FILE` on stderr, as every
command says of a file it wrote); on stdout every line is written whole.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Generator, Iterator
from contextlib import ExitStack, closing
from functools import partial
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from returns.result import Failure, Result, Success

from adapters.cli import values
from adapters.cli.account_lines import (
    LineOutcome,
    account_id_of,
    blank,
    error_line,
    plan_lines,
    plan_packed,
    unpack,
)
from adapters.cli.command import Command
from adapters.cli.commands.plan import policy_or_default
from adapters.cli.line_sink import open_sink
from adapters.cli.options import PlanManyOptions
from adapters.cli.outputs import announce_written
from adapters.cli.paths import distinct_output
from adapters.cli.plan_workers import Workers, open_workers
from adapters.cli.rate_progress import count_lines, rate_progress
from adapters.cli.report import Problem, problem
from adapters.cli.shared_arguments import liquidate_all_argument, policy_argument
from adapters.cli.terminal import ExitCode, InputError, Terminal, one_line
from portfolio import PortfolioError, SizingPolicy
from portfolio.executors import map_chunks
from portfolio.formats.display import counted

__all__ = ["COMMAND", "run"]

_Key = tuple[int, tuple[bytes, ...]]
_Outcomes = Generator[tuple[_Key, Result[tuple[LineOutcome, ...], PortfolioError]], None, None]


def run(options: PlanManyOptions, terminal: Terminal) -> ExitCode:
    """Plan every account of the file; see the module docstring for the exit codes."""
    started = time.monotonic()
    with ExitStack() as stack:
        opened = Result.do(
            (source, policy, workers, sink)
            for source in _open(options.accounts, stack)
            for policy in policy_or_default(options.policy)
            for workers in open_workers(options.workers, options.scheduler, stack)
            for sink in open_sink(options.out, terminal, stack)
        )
        if isinstance(opened, Failure):
            return problem(opened.failure(), terminal)
        source, policy, workers, sink = opened.unwrap()
        progress = rate_progress(terminal.err, partial(count_lines, options.accounts))
        chunks = _outcomes(source, (policy, options.liquidate_all), workers)
        outcomes = stack.enter_context(closing(chunks))
        tally = _Tally(source=str(options.accounts))
        try:
            for key, outcome in outcomes:
                sink.write("".join(f"{line}\n" for line in tally.add(key, outcome)))
                if tally.stop is not None:
                    return problem(tally.stop, terminal)
                if progress:
                    progress(tally.lines)
        except _UnreadableError as unreadable:  # --out is left untouched, as for a bad line
            return problem(
                InputError(source=str(options.accounts), problem=str(unreadable)), terminal
            )
        sink.commit()
    if options.out is not None:
        announce_written(terminal, "Plans", options.out)
    return tally.report(terminal, time.monotonic() - started)


def _open(path: Path, stack: ExitStack) -> Result[BinaryIO, Problem]:
    try:
        return Success(stack.enter_context(path.open("rb")))
    except FileNotFoundError:
        return Failure(InputError(source=str(path), problem="no such file"))
    except OSError as exc:
        return Failure(InputError(source=str(path), problem=exc.strerror or "cannot be read"))


def _outcomes(source: BinaryIO, planning: tuple[SizingPolicy, bool], workers: Workers) -> _Outcomes:
    """Each chunk's outcomes; `planning`: the default policy and `--liquidate-all`."""
    chunks = _numbered(source, workers)
    policy, liquidate_all = planning
    if workers.executor is None:
        return (
            (key, Success(plan_lines((key[0], b"".join(key[1]), policy, liquidate_all))))
            for key in chunks
        )
    shipped = ((key, (key[0], b"".join(key[1]), policy, liquidate_all)) for key in chunks)
    return _unpacked(
        map_chunks(plan_packed, shipped, workers.executor, in_flight=workers.in_flight)
    )


def _unpacked(
    planned: Generator[tuple[_Key, Result[bytes, PortfolioError]], None, None],
) -> _Outcomes:
    with closing(planned):  # closing this closes map_chunks, which cancels what is pending
        for key, outcome in planned:
            yield key, outcome.map(unpack)


class _UnreadableError(Exception):
    """The accounts file failed while it was being read (an I/O error): its message."""


def _numbered(source: BinaryIO, workers: Workers) -> Iterator[_Key]:
    """Chunks of raw lines with the number of their first line, sized by `workers`."""
    size = _size(source)
    first, done, lines = 1, 0, workers.chunk_lines
    while chunk := _read(source, lines):
        yield first, chunk
        first += len(chunk)
        done += sum(map(len, chunk))
        lines = workers.lines_for(size - done, done / (first - 1))


def _read(source: BinaryIO, lines: int) -> tuple[bytes, ...]:
    """The next `lines` lines; `_UnreadableError` when the file fails while read."""
    try:
        return _cr_ended(tuple(islice(source, lines)))
    except OSError as exc:
        raise _UnreadableError(exc.strerror or "cannot be read") from exc


def _cr_ended(chunk: tuple[bytes, ...]) -> tuple[bytes, ...]:
    r"""`chunk` with each line that a CR alone ends (an old Mac's line end) split off.

    A line ends at LF, CRLF or a CR alone, as in every other file the command reads
    (Python reads text so): a file is not planned as one line. A CR alone becomes an LF,
    so the bytes counted stay the file's and the workers split the lines at LF.

    >>> _cr_ended((b"a\rb\r\n", b"c\n"))
    (b'a\n', b'b\r\n', b'c\n')
    """
    if not any(map(_cr_alone, chunk)):
        return chunk  # LF or CRLF only: the lines as read
    return tuple(
        piece[:-1] + b"\n" if piece.endswith(b"\r") else piece
        for line in chunk
        for piece in line.splitlines(keepends=True)
    )


def _cr_alone(line: bytes) -> bool:
    """Whether a line read up to its LF holds a CR that no LF follows.

    Its first CR is enough: one followed by an LF is the line's end (CRLF). About 1,800
    instructions a line of 1.7 kB (20 symbols), where planning it costs 6.5 million.
    """
    at = line.find(b"\r")
    return at >= 0 and line[at + 1 : at + 2] != b"\n"


def _size(source: BinaryIO) -> int:
    """The file's size in bytes; 0 when it has none (a pipe)."""
    try:
        return os.fstat(source.fileno()).st_size
    except (OSError, ValueError):
        return 0


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
                named = f"{self.source}: account {one_line(account_id)} (line {number})"
                self.failures.append(f"error: {named}: {trouble}")
            out.append(line)
        return out

    def report(self, terminal: Terminal, seconds: float) -> ExitCode:
        """Failures by name, then one summary line; the exit code."""
        for failure in self.failures:
            terminal.warn(failure)
        total = self.planned + len(self.failures)
        rate = total / max(seconds, 1e-9)
        terminal.warn(
            f"plan-many: {counted(total, 'account')}, {self.planned:,} planned, "
            f"{len(self.failures):,} failed"
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
        if not blank(raw):
            account_id = account_id_of(raw) or f"line {first + offset}"
            lost.append((first + offset, account_id, error_line(account_id, error), str(error)))
    return tuple(lost)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--accounts", type=Path, required=True, metavar="FILE", help="accounts file (JSONL)"
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="plans file (JSONL) (default: stdout)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=values.workers, default=1, metavar="N", help="processes (1: this one)"
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="plan on the Dask scheduler at this address; `local`: start a Dask LocalCluster "
        "sized to this machine (a worker per CPU), use it and close it",
    )
    policy_argument(parser)
    liquidate_all_argument(
        parser, "plan the accounts whose weights have no non-zero weight ({}): sell all of each"
    )


def _options(ns: argparse.Namespace) -> PlanManyOptions:
    distinct_output("--out", ns.out, {"--accounts": ns.accounts, "--policy": ns.policy})
    return PlanManyOptions(
        accounts=ns.accounts,
        out=ns.out,
        workers=ns.workers,
        scheduler=ns.scheduler,
        policy=ns.policy,
        liquidate_all=ns.liquidate_all,
    )


COMMAND = Command(
    name="plan-many",
    summary="plan every account of a JSONL file, in order, on processes or a Dask cluster",
    examples=(
        "portfolio plan-many --accounts accounts.jsonl --out plans.jsonl --workers 2",
        "portfolio plan-many --accounts accounts.jsonl --scheduler tcp://scheduler:8786",
        "portfolio plan-many --accounts accounts.jsonl --out plans.jsonl --scheduler local",
    ),
    arguments=_arguments,
    options=_options,
    run=run,
)
