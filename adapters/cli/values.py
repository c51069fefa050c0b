"""Option values read from the command line: exact decimals, checked by the library's own rules.

Each function is an argparse `type=`: it returns the value or raises
`ArgumentTypeError`, which argparse reports as `argument --cash: …` (exit code 2). Where
the library bounds a value (cash, the minimum trade) the check is the library's, asked
through `validate` on an otherwise empty input, so the command line cannot drift from it.
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from returns.result import Failure, Result

from adapters.cli.command import UsageError
from adapters.cli.local_cluster import local_workers
from portfolio import Allocation, PortfolioError, SizingPolicy, Snapshot, validate
from portfolio.records.money import MAX_AMOUNT, decimal_text

__all__ = [
    "MAX_FEE_BPS",
    "amount",
    "cash",
    "contribution",
    "date_range",
    "day",
    "fee_bps",
    "image_file",
    "min_trade",
    "workers",
]

#: 10,000 basis points = 100 % of the traded value: the most a fee can be.
MAX_FEE_BPS = Decimal(10_000)
_NOTHING = Allocation(target_weights={}, correlation_id="option-check")


def _number(text: str) -> Decimal:
    """A decimal number, read exactly."""
    try:
        return decimal_text(text)
    except InvalidOperation:
        msg = f"not a number: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def amount(text: str) -> Decimal:
    """A finite, non-negative decimal number, read exactly."""
    value = _number(text)
    if not value.is_finite() or value < 0:
        msg = f"expected a finite number ≥ 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def cash(text: str) -> Decimal:
    """Initial cash: above zero and within the library's bound on an account's cash."""
    value = _number(text)
    if not value.is_finite() or value <= 0:
        msg = f"expected a finite number > 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return _accepted(value, text, validate(_NOTHING, Snapshot(cash=value, prices={})))


def min_trade(text: str) -> Decimal:
    """A minimum trade amount the library accepts as `SizingPolicy.min_trade_amount`."""
    value = amount(text)
    policy = SizingPolicy(min_trade_amount=value)
    return _accepted(value, text, validate(_NOTHING, Snapshot(cash=Decimal(0), prices={}), policy))


def fee_bps(text: str) -> Decimal:
    """A fee in basis points of the traded value, 0 to 10,000 (100 %)."""
    value = amount(text)
    if value > MAX_FEE_BPS:
        msg = f"expected basis points from 0 to 10000 (100 %), got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def contribution(text: str) -> Decimal:
    """A monthly cash flow: a finite decimal within ±1E+15 (negative: a withdrawal)."""
    try:
        value = decimal_text(text)
    except InvalidOperation:
        msg = f"not a number: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not (value.is_finite() and -MAX_AMOUNT <= value <= MAX_AMOUNT):
        msg = f"expected a finite number within ±1E+15, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def day(text: str) -> date:
    """An ISO date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"not a date (YYYY-MM-DD): {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def date_range(start: date | None, end: date | None) -> None:
    """`--start` on or before `--end`: raises `UsageError` (exit 2) otherwise.

    >>> date_range(date(2024, 2, 1), date(2024, 1, 31))
    Traceback (most recent call last):
    ...
    adapters.cli.command.UsageError: --start 2024-02-01 is after --end 2024-01-31
    """
    if start is not None and end is not None and start > end:
        msg = f"--start {start} is after --end {end}"
        raise UsageError(msg)


#: The image formats `--plot` writes, by file-name extension.
IMAGE_SUFFIXES = (".png", ".svg")


def image_file(text: str) -> Path:
    """A file name ending in .png or .svg (any case): the format it is written in."""
    path = Path(text)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        msg = f"expected a file name ending in .png or .svg, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return path


#: Worker processes allowed per CPU: planning is pure Python, so more processes than CPUs
#: only share them; far more (a typo, `--workers 100000`) would start that many processes.
WORKERS_PER_CPU = 4


def workers(text: str) -> int:
    """A whole number of worker processes, from 1 to `WORKERS_PER_CPU` per CPU."""
    most = WORKERS_PER_CPU * local_workers()
    if not text.isdigit() or not 1 <= int(text) <= most:
        msg = f"expected a whole number from 1 to {most} ({WORKERS_PER_CPU} per CPU), got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def _accepted(value: Decimal, text: str, checked: Result[object, PortfolioError]) -> Decimal:
    """`value`, or the library's reason to refuse it."""
    match checked:
        case Failure(error):
            msg = f"{error.message}, got {text!r}"
            raise argparse.ArgumentTypeError(msg)
    return value
