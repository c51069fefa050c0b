"""Arguments several sub-commands share, each added by one function so they read alike."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = [
    "POLICY_HELP",
    "liquidate_all_argument",
    "lots_argument",
    "no_arguments",
    "policy_argument",
]

POLICY_HELP = "sizing policy file (JSON or TOML) (default: none, every field at its default)"


def policy_argument(parser: argparse.ArgumentParser) -> None:
    """`--policy FILE`: a `SizingPolicy` file; without it, every field at its default."""
    parser.add_argument("--policy", type=Path, metavar="FILE", help=POLICY_HELP)


def lots_argument(parser: argparse.ArgumentParser) -> None:
    """`--lots FILE`: the account's tax lots, read by a policy with a `[tax]` table."""
    parser.add_argument(
        "--lots",
        type=Path,
        metavar="FILE",
        help="tax lots CSV (symbol,quantity,cost,acquired[,lot_id]) for a policy with [tax] "
        "(default: none)",
    )


def liquidate_all_argument(
    parser: argparse.ArgumentParser,
    what: str = "allow a weights file without a non-zero weight ({}): sell every position",
) -> None:
    """`--liquidate-all`: weights without a non-zero entry are allowed, and sell everything."""
    parser.add_argument("--liquidate-all", action="store_true", help=what)


def no_arguments(_parser: argparse.ArgumentParser) -> None:
    """A command without options."""
