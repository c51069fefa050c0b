"""Plan ids derived from content: the same inputs always name the same plan.

No clock and no random id: a plan id is the first 32 hex digits of a SHA-256 over a
canonical text of the validated inputs (symbols sorted, decimals normalised so that
0.6 and 0.60 agree).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portfolio.validate import Checked

__all__ = ["plan_id_for"]


def plan_id_for(checked: Checked) -> str:
    """A stable id for a plan built from these inputs."""
    policy = checked.policy
    head = "|".join(
        (
            "v1",
            checked.correlation_id,
            checked.as_of.isoformat() if checked.as_of is not None else "",
            str(checked.cash.normalize()),
            str(checked.total_value.normalize()),
            str(policy.min_trade_amount.normalize()),
            str(policy.min_trade_pct.normalize()),
            str(policy.cash_reserve_pct.normalize()),
            str(policy.band.normalize()),
            str(policy.relative_band.normalize()),
            str(policy.fractional),
            str(policy.allow_short),
            str(policy.max_gross_exposure.normalize()),
            policy.rounding,
        )
    )
    weights, quantities, prices, assets = (
        checked.weights,
        checked.quantities,
        checked.prices,
        checked.assets,
    )
    lines = [
        f"{s}|{weights[s].normalize()}|{quantities[s].normalize()}|{prices[s].normalize()}"
        for s in checked.symbols
    ]
    facts = [
        f"{s}|{int(a.fractionable)}{int(a.tradable)}{int(a.shortable)}"
        for s, a in sorted(assets.items())
        if s in weights
    ]
    digest = hashlib.sha256("\n".join([head, *lines, "assets", *facts]).encode())
    return digest.hexdigest()[:32]
