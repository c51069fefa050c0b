"""What the broker says the account holds at one moment: cash, positions, prices, asset facts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Context, Decimal, localcontext

import attrs

from portfolio.frozen import FrozenDict
from portfolio.plan import Action

__all__ = ["Asset", "OpenOrder", "Snapshot", "freeze_assets", "freeze_decimals", "freeze_orders"]

#: Wide and trap-free: equity is exact for any bounded snapshot, and NaN for a bad one.
_EQUITY_CONTEXT = Context(prec=50, traps=[])


def freeze_decimals(values: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    """Copy a mapping into a `FrozenDict`; a non-mapping is kept for validation to report."""
    if isinstance(values, FrozenDict) or not isinstance(values, Mapping):
        return values
    return FrozenDict(values)


@attrs.frozen(kw_only=True)
class Asset:
    """Broker facts about one symbol. Unknown symbols are treated as fractionable and tradable.

    - `asset_class`: `"us_equity"` (the default), `"crypto"`, or another broker class name.
    - `min_order_notional`: the smallest order the broker accepts, in account currency (≥ 0).
    - `quantity_increment`: the step a quantity must be a multiple of, in shares (> 0);
      `None` means whole shares for a non-fractionable asset and 1E-9 for a fractionable one.
    """

    symbol: str
    fractionable: bool = True
    tradable: bool = True
    shortable: bool = False
    asset_class: str = "us_equity"
    min_order_notional: Decimal = Decimal(0)
    quantity_increment: Decimal | None = None


@attrs.frozen(kw_only=True)
class OpenOrder:
    """An order the broker has accepted but not yet filled (or only partly filled).

    `side` is BUY or SELL; exactly one of `quantity` (shares still to fill, > 0) and
    `notional` (account currency still to fill, > 0) is set. The planner counts pending
    orders toward current exposure so that re-planning never trades twice.
    """

    order_id: str
    symbol: str
    side: Action
    quantity: Decimal | None = None
    notional: Decimal | None = None


def freeze_orders(orders: tuple[OpenOrder, ...]) -> tuple[OpenOrder, ...]:
    """Copy a list or tuple of open orders into a tuple; anything else is kept for validation."""
    given: object = orders
    if isinstance(given, list):
        return tuple(given)
    return orders


def freeze_assets(assets: Mapping[str, Asset]) -> Mapping[str, Asset]:
    """Copy the asset facts into a `FrozenDict`."""
    if isinstance(assets, FrozenDict) or not isinstance(assets, Mapping):
        return assets
    return FrozenDict(assets)


@attrs.frozen(kw_only=True)
class Snapshot:
    """An account at one moment.

    `cash` is in account currency (may be negative on margin); `positions` are signed
    share quantities (negative = short); `prices` are per-share prices in account
    currency; `assets` are optional broker facts; `open_orders` are orders still pending at
    the broker. Nothing is validated here: the
    planner validates and returns a Failure for bad data.
    """

    cash: Decimal
    positions: Mapping[str, Decimal] = attrs.field(factory=FrozenDict, converter=freeze_decimals)
    prices: Mapping[str, Decimal] = attrs.field(factory=FrozenDict, converter=freeze_decimals)
    assets: Mapping[str, Asset] = attrs.field(factory=FrozenDict, converter=freeze_assets)
    as_of: datetime | None = None
    open_orders: tuple[OpenOrder, ...] = attrs.field(default=(), converter=freeze_orders)

    @property
    def equity(self) -> Decimal:
        """Cash plus the market value of every position priced in this snapshot (shorts negative).

        Exact to 50 digits whatever the caller's decimal context. Positions without a
        price count as zero here (the planner refuses them instead); a snapshot holding
        something that is not a Decimal has equity NaN rather than raising.
        """
        prices = self.prices
        try:
            with localcontext(_EQUITY_CONTEXT):
                return self.cash + sum(
                    (qty * prices[sym] for sym, qty in self.positions.items() if sym in prices),
                    start=Decimal(0),
                )
        except (TypeError, AttributeError):
            return Decimal("NaN")
