"""Checks on a snapshot's quantities, asset facts and the prices the plan needs."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from operator import itemgetter

from portfolio.errors import PortfolioError
from portfolio.money import MAX_AMOUNT, MIN_PRICE, ZERO, all_within
from portfolio.snapshot import Asset

__all__ = ["check_assets", "check_quantities", "needed_prices"]


def check_quantities(positions: Mapping[str, object]) -> dict[str, Decimal] | PortfolioError:
    """Held symbols (quantity ≠ 0) with their quantities."""
    if all_within(positions.values(), -MAX_AMOUNT, MAX_AMOUNT):
        return dict(filter(itemgetter(1), positions.items()))  # type: ignore[arg-type] # all Decimal
    held: dict[str, Decimal] = {}
    bad: list[str] = []
    for symbol, quantity in positions.items():
        if type(quantity) is not Decimal or not quantity.is_finite() or abs(quantity) > MAX_AMOUNT:
            bad.append(symbol)
        elif quantity != ZERO:
            held[symbol] = quantity
    if bad:
        return PortfolioError.invalid_snapshot(
            "quantities must be finite Decimals with magnitude at most 1E+15",
            symbols=",".join(sorted(bad)),
        )
    return held


def check_assets(assets: Mapping[str, object]) -> dict[str, Asset] | PortfolioError:
    """Asset facts as `Asset` records with boolean flags, or INVALID_SNAPSHOT naming the rest."""
    checked: dict[str, Asset] = {}
    bad: list[str] = []
    for symbol, asset in assets.items():
        if isinstance(asset, Asset) and all(
            isinstance(flag, bool) for flag in (asset.fractionable, asset.tradable, asset.shortable)
        ):
            checked[symbol] = asset
        else:
            bad.append(symbol)
    if bad:
        return PortfolioError.invalid_snapshot(
            "assets must map symbols to Asset records with boolean flags",
            symbols=",".join(sorted(bad)),
        )
    return checked


def needed_prices(
    prices: Mapping[str, object], symbols: tuple[str, ...]
) -> dict[str, Decimal] | PortfolioError:
    """Prices of `symbols`: MISSING_PRICE lists every absent one, INVALID_PRICE the bad ones."""
    if not prices.keys() >= set(symbols):
        return PortfolioError.missing_price([s for s in symbols if s not in prices])
    looked_up = dict(zip(symbols, map(prices.__getitem__, symbols), strict=True))
    if all_within(looked_up.values(), MIN_PRICE, MAX_AMOUNT):
        return looked_up  # type: ignore[return-value] # every price is a Decimal, just checked
    needed: dict[str, Decimal] = {}
    invalid: list[str] = []
    for symbol in symbols:
        price = prices[symbol]
        if type(price) is Decimal and price.is_finite() and MIN_PRICE <= price <= MAX_AMOUNT:
            needed[symbol] = price
        else:
            invalid.append(symbol)
    if invalid:
        return PortfolioError.invalid_price(invalid)
    return needed
