"""Checks before a fill: the arguments' kinds, the cost model, and every traded symbol's price."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from portfolio.costs import CostModel
from portfolio.errors import ErrorKind, PortfolioError
from portfolio.money import MAX_AMOUNT, all_within, is_bounded
from portfolio.plan import Action, PlanItem, RebalancePlan
from portfolio.snapshot import Snapshot

__all__ = ["shape_problem", "trade_problem"]


def shape_problem(
    snapshot: object, plan: object, prices: object, model: object
) -> PortfolioError | None:
    """Arguments of the wrong kind: the records and mappings the fill arithmetic relies on."""
    if not isinstance(model, CostModel):
        return PortfolioError.invalid_policy("costs must be a CostModel or None")
    if not _is_plan(plan):
        return PortfolioError.of(
            ErrorKind.INVALID_PLAN, "plan must be a RebalancePlan of PlanItems"
        )
    if not isinstance(snapshot, Snapshot) or not is_bounded(snapshot.cash):
        return PortfolioError.invalid_snapshot("snapshot must be a Snapshot with finite cash")
    positions: object = snapshot.positions
    if not isinstance(positions, Mapping) or not all_within(
        positions.values(), -MAX_AMOUNT, MAX_AMOUNT
    ):
        return PortfolioError.invalid_snapshot("positions must map symbols to finite Decimals")
    known: object = snapshot.prices
    if not isinstance(known, Mapping) or not (prices is None or isinstance(prices, Mapping)):
        return PortfolioError.invalid_snapshot("prices must be a mapping of symbol to Decimal")
    return None


def _is_plan(plan: object) -> bool:
    """A RebalancePlan whose items are PlanItems with string symbols and Actions."""
    if not isinstance(plan, RebalancePlan):
        return False
    entries: tuple[object, ...] = plan.items
    for entry in entries:
        if not isinstance(entry, PlanItem):
            return False
        symbol: object = entry.symbol
        action: object = entry.action
        if not (isinstance(symbol, str) and isinstance(action, Action)):
            return False
    return True


def trade_problem(
    model: CostModel, trades: tuple[PlanItem, ...], prices: Mapping[str, Decimal]
) -> PortfolioError | None:
    """A negative fee, a traded symbol without a price, a bad price, or a bad quantity."""
    if not (_at_least_zero(model.bps) and _at_least_zero(model.min_fee)):
        return PortfolioError.invalid_policy("cost model fields must be ≥ 0", costs=model)
    missing = [item.symbol for item in trades if item.symbol not in prices]
    if missing:
        return PortfolioError.missing_price(missing)
    bad_prices = [item.symbol for item in trades if not _positive(prices[item.symbol])]
    if bad_prices:
        return PortfolioError.invalid_price(bad_prices)
    bad_quantities = [item.symbol for item in trades if not is_bounded(item.quantity)]
    if bad_quantities:
        message = "plan quantities must be finite Decimals"
        return PortfolioError.of(ErrorKind.INVALID_PLAN, message, symbols=",".join(bad_quantities))
    return None


def _at_least_zero(value: Decimal) -> bool:
    return is_bounded(value) and value >= 0


def _positive(value: Decimal) -> bool:
    return is_bounded(value) and value > 0
