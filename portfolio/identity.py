"""Plan ids derived from content: the same inputs always name the same plan.

No clock and no random id: a plan id is the first 32 hex digits of a SHA-256 over
the validated inputs: the symbols (sorted), and for every number its numeric hash,
which Python defines for every implementation ("Hashing of numeric types") and which
is equal for equal values (0.6 and 0.60 agree). Ids are stable across runs and
processes on every 64-bit Python.
"""

from __future__ import annotations

import hashlib
import sys
from array import array
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portfolio.validation import Checked

__all__ = ["plan_id_for"]


def plan_id_for(checked: Checked) -> str:
    """A stable id for a plan built from these validated inputs (`symbols` sorted)."""
    policy, symbols = checked.policy, checked.symbols
    correlation_id, as_of = checked.correlation_id, checked.as_of
    cash, total_value = checked.cash, checked.total_value
    weights, quantities = checked.weights, checked.quantities
    prices, assets = checked.prices, checked.assets
    head = "|".join(
        (
            "v1",
            correlation_id,
            as_of.isoformat() if as_of is not None else "",
            str(policy.fractional),
            str(policy.allow_short),
            policy.rounding,
        )
    )
    policy_numbers = (*policy.amounts, cash, total_value)
    digest = hashlib.sha256(head.encode())
    digest.update("\x00".join(symbols).encode())
    numbers = array("q", map(hash, policy_numbers))
    for column in (weights, quantities, prices):
        numbers.extend(map(hash, map(column.__getitem__, symbols)))
    if sys.byteorder == "big":  # the same id on every machine
        numbers.byteswap()
    digest.update(numbers.tobytes())
    facts = [
        f"{s}:{a.fractionable:d}{a.tradable:d}{a.shortable:d}"
        for s, a in sorted(assets.items())
        if s in weights
    ]
    digest.update("\x00".join(facts).encode())
    return digest.hexdigest()[:32]
