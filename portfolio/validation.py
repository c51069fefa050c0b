"""Step 1 of the pipeline: check and normalise the inputs once, so later steps need not.

Every problem becomes a `PortfolioError` with the offending symbols or field in its
context; where several symbols are wrong, all of them are named.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, localcontext

import attrs
from returns.result import Failure, Result, Success

from portfolio.allocation import Allocation, CombinedAllocation
from portfolio.asset_facts import check_asset_facts
from portfolio.errors import ErrorKind, PortfolioError
from portfolio.frozen import FrozenDict
from portfolio.identity import plan_id_for
from portfolio.money import (
    CORE_CONTEXT,
    ZERO,
    is_bounded,
    to_cents,
)
from portfolio.open_orders import check_open_orders, net_open_orders
from portfolio.plan import freeze_metadata_mapping
from portfolio.policy import SizingPolicy
from portfolio.policy_checks import check_policy
from portfolio.snapshot import Asset, Snapshot, freeze_assets, freeze_decimals
from portfolio.snapshot_checks import check_assets, check_quantities, needed_prices
from portfolio.symbol_keys import normalise_keys
from portfolio.weight_checks import check_shortable, check_weights

__all__ = ["Checked", "validate"]


@attrs.frozen(kw_only=True)
class Checked:
    """Validated, normalised inputs: upper-case symbols, every needed price present.

    `symbols` is the sorted universe (targeted ∪ held); `weights`, `quantities` and
    `prices` have an entry for every one of them (0 where untargeted or not held).
    `total_value` is V in cents; `cash` in account currency. `plan_id` is derived
    from all of these (see `portfolio.identity`), never passed in.
    """

    correlation_id: str
    as_of: datetime | None
    policy: SizingPolicy
    cash: Decimal
    total_value: Decimal
    symbols: tuple[str, ...]
    weights: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    quantities: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    prices: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    assets: Mapping[str, Asset] = attrs.field(converter=freeze_assets)
    metadata: Mapping[str, object] = attrs.field(
        factory=FrozenDict, converter=freeze_metadata_mapping
    )
    plan_id: str = attrs.field(init=False, default=attrs.Factory(plan_id_for, takes_self=True))


def validate(
    allocation: Allocation | CombinedAllocation,
    snapshot: Snapshot,
    policy: SizingPolicy = SizingPolicy(),  # noqa: B008 - a frozen record is a safe default
) -> Result[Checked, PortfolioError]:
    """Check allocation, snapshot and policy together; Failure names every bad symbol.

    >>> from decimal import Decimal as D
    >>> snap = Snapshot(cash=D(100), prices={"spy": D(10)})
    >>> nan = Allocation(target_weights={"SPY": D("NaN")}, correlation_id="c")
    >>> validate(nan, snap).failure().kind
    <ErrorKind.INVALID_WEIGHTS: 'invalid_weights'>
    """
    metadata: Mapping[str, object] = FrozenDict()
    given: object = allocation
    if isinstance(given, CombinedAllocation):
        metadata = FrozenDict({"strategy_attribution": given.attribution})
        given = given.allocation
    account: object = snapshot
    rules: object = policy
    if not isinstance(given, Allocation):
        return _fail(ErrorKind.INVALID_ALLOCATION, "allocation must be an Allocation")
    if not isinstance(account, Snapshot):
        return _fail(ErrorKind.INVALID_SNAPSHOT, "snapshot must be a Snapshot")
    if not isinstance(rules, SizingPolicy):
        return _fail(ErrorKind.INVALID_POLICY, "policy must be a SizingPolicy")
    with localcontext(CORE_CONTEXT):
        return _validate(given, account, rules, metadata)


def _fail(kind: ErrorKind, message: str, **context: object) -> Failure[PortfolioError]:
    return Failure(PortfolioError.of(kind, message, **context))


def _netted(
    orders: object, held: dict[str, Decimal], cash: Decimal, prices: dict[str, object]
) -> tuple[dict[str, Decimal], Decimal] | PortfolioError:
    """Held quantities and cash once the open orders fill; a bad order or price is an error."""
    checked = check_open_orders(orders, prices)
    if isinstance(checked, PortfolioError):
        return checked
    ordered = needed_prices(prices, tuple(sorted({order.symbol for order in checked})))
    if isinstance(ordered, PortfolioError):
        return ordered
    return net_open_orders(checked, held, cash, ordered)


def _validate(  # noqa: C901, PLR0911, PLR0912 - a flat list of checks reads best
    allocation: Allocation,
    snapshot: Snapshot,
    policy: SizingPolicy,
    metadata: Mapping[str, object],
) -> Result[Checked, PortfolioError]:
    if (policy_error := check_policy(policy)) is not None:
        return Failure(policy_error)
    correlation_id: object = allocation.correlation_id
    if not isinstance(correlation_id, str):
        return _fail(ErrorKind.INVALID_ALLOCATION, "correlation_id must be a string")
    portfolio_value: object = allocation.portfolio_value
    if portfolio_value is not None and not (is_bounded(portfolio_value) and portfolio_value >= 0):
        return _fail(
            ErrorKind.INVALID_ALLOCATION,
            "portfolio_value must be None or a finite Decimal in [0, 1E+15]",
            portfolio_value=portfolio_value,
        )
    raw_weights = normalise_keys(
        allocation.target_weights, "target_weights", ErrorKind.INVALID_WEIGHTS
    )
    if isinstance(raw_weights, PortfolioError):
        return Failure(raw_weights)
    weights = check_weights(raw_weights, policy)
    if isinstance(weights, PortfolioError):
        return Failure(weights)
    cash: object = snapshot.cash
    if not is_bounded(cash):
        return _fail(
            ErrorKind.INVALID_SNAPSHOT,
            "cash must be a finite Decimal with magnitude at most 1E+15",
            cash=cash,
        )
    positions = normalise_keys(snapshot.positions, "positions", ErrorKind.INVALID_SNAPSHOT)
    if isinstance(positions, PortfolioError):
        return Failure(positions)
    held = check_quantities(positions)
    if isinstance(held, PortfolioError):
        return Failure(held)
    raw_assets = normalise_keys(snapshot.assets, "assets", ErrorKind.INVALID_SNAPSHOT)
    if isinstance(raw_assets, PortfolioError):
        return Failure(raw_assets)
    assets = check_assets(raw_assets)
    if isinstance(assets, PortfolioError):
        return Failure(assets)
    if assets and (facts_error := check_asset_facts(assets)) is not None:
        return Failure(facts_error)
    if policy.allow_short and (short_error := check_shortable(weights, assets)) is not None:
        return Failure(short_error)
    raw_prices = normalise_keys(snapshot.prices, "prices", ErrorKind.INVALID_SNAPSHOT)
    if isinstance(raw_prices, PortfolioError):
        return Failure(raw_prices)
    if snapshot.open_orders:  # netted as if filled at these prices: see portfolio.open_orders
        netted = _netted(snapshot.open_orders, held, cash, raw_prices)
        if isinstance(netted, PortfolioError):
            return Failure(netted)
        held, cash = netted
    symbols = tuple(sorted(weights.keys() | held.keys()))
    prices = needed_prices(raw_prices, symbols)
    if isinstance(prices, PortfolioError):
        return Failure(prices)
    as_of: object = snapshot.as_of
    if as_of is not None and not isinstance(as_of, datetime):
        return _fail(ErrorKind.INVALID_SNAPSHOT, "as_of must be a datetime or None")
    if portfolio_value is None:
        value = to_cents(cash + sum((q * prices[s] for s, q in held.items()), ZERO))
    else:
        value = to_cents(portfolio_value)
    if value < 0:
        return _fail(ErrorKind.INVALID_SNAPSHOT, "portfolio value is negative", value=value)
    quantities = dict.fromkeys(symbols, ZERO)
    quantities.update(held)
    full_weights = dict.fromkeys(symbols, ZERO)
    full_weights.update(weights)
    return Success(
        Checked(
            correlation_id=correlation_id,
            as_of=as_of,
            policy=policy,
            cash=cash,
            total_value=value,
            symbols=symbols,
            weights=FrozenDict(full_weights),
            quantities=FrozenDict(quantities),
            prices=FrozenDict(prices),
            assets=FrozenDict(assets),
            metadata=metadata,
        )
    )
