"""What the broker says the account holds at one moment: cash, positions, prices, asset facts."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime
from decimal import Context, Decimal, localcontext

import attrs

from portfolio.records.asset_facts import Asset
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.money import MAX_AMOUNT, MIN_PRICE, all_within, is_bounded
from portfolio.records.plan_item import Action
from portfolio.records.symbol_keys import key_problem, upper_keys
from portfolio.tax.records import PastTrade, TaxLot, freeze_lots, freeze_trades

__all__ = [
    "Asset",
    "OpenOrder",
    "Snapshot",
    "freeze_assets",
    "freeze_decimals",
    "freeze_orders",
    "held_quantities",
    "known_keys",
    "plain_snapshot",
    "price_problem",
    "snapshot_problem",
    "upper_keyed",
    "upper_known",
]

#: Wide and trap-free: equity is exact for any bounded snapshot, and NaN for a bad one.
_EQUITY_CONTEXT = Context(prec=50, traps=[])


def freeze_decimals(values: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    """Copy a mapping into a `FrozenDict`; a non-mapping is kept for validation to report."""
    if isinstance(values, FrozenDict) or not isinstance(values, Mapping):
        return values
    return FrozenDict(values)


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
    the broker. Nothing is validated by the constructor: the planner validates with the
    rules below and returns a Failure for bad data.

    Valid when: `cash` is a finite Decimal with |cash| ≤ 1E+15; every position a finite
    Decimal with |quantity| ≤ 1E+15 under a symbol key; every asset an `Asset` with
    boolean flags; every symbol the plan needs priced by a Decimal in [1E-9, 1E+15];
    `as_of` None or a datetime. Keys are upper-cased; "spy" and "SPY" together collide.

    `lots` (each held symbol's `TaxLot`s, summing exactly to its position) and
    `recent_trades` (`PastTrade`s) are read only by a policy with `tax` set, which
    checks them (`portfolio.tax.records`); without it they are ignored.
    """

    cash: Decimal
    positions: Mapping[str, Decimal] = attrs.field(factory=FrozenDict, converter=freeze_decimals)
    prices: Mapping[str, Decimal] = attrs.field(factory=FrozenDict, converter=freeze_decimals)
    assets: Mapping[str, Asset] = attrs.field(factory=FrozenDict, converter=freeze_assets)
    as_of: datetime | None = None
    open_orders: tuple[OpenOrder, ...] = attrs.field(default=(), converter=freeze_orders)
    lots: Mapping[str, tuple[TaxLot, ...]] = attrs.field(factory=FrozenDict, converter=freeze_lots)
    recent_trades: tuple[PastTrade, ...] = attrs.field(default=(), converter=freeze_trades)

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


def snapshot_problem(
    snapshot: Snapshot, known: AbstractSet[str] = frozenset()
) -> PortfolioError | None:
    """The first problem with the snapshot's cash, positions, assets, price keys or `as_of`.

    The prices themselves are checked by `price_problem`, for the symbols a plan needs.
    `known` holds symbols already checked (upper-case, valid): a mapping keyed by them
    alone needs no key check (the planner passes its targeted symbols).
    """
    cash, positions, assets = snapshot.cash, snapshot.positions, snapshot.assets
    problem = cash_problem(cash)
    problem = problem or _key_problem(positions, "positions", known)
    problem = problem or _quantity_problem(positions)
    problem = problem or _key_problem(assets, "assets", known) or _asset_problem(assets)
    problem = problem or _key_problem(snapshot.prices, "prices", known)
    if problem is None and not (snapshot.as_of is None or _is_datetime(snapshot.as_of)):
        return PortfolioError.invalid_snapshot("as_of must be a datetime or None")
    return problem


def cash_problem(cash: Decimal) -> PortfolioError | None:
    """Cash must be a finite Decimal of magnitude at most `MAX_AMOUNT` (1E+15)."""
    if is_bounded(cash):
        return None
    return PortfolioError.invalid_snapshot(
        "cash must be a finite Decimal with magnitude at most 1E+15", cash=cash
    )


def account_problem(held: Mapping[str, Decimal], cash: Decimal) -> PortfolioError | None:
    """`snapshot_problem`'s bounds on an account's cash and quantities.

    For an account whose keys and types were checked already: the backtest's, which its
    trades and cash flows move between plans.
    """
    return cash_problem(cash) or _quantity_problem(held)


def plain_snapshot(snapshot: Snapshot, known: AbstractSet[str]) -> bool:
    """True for the common snapshot, which passes every rule of `snapshot_problem` as it is.

    Cash bounded; positions and prices `FrozenDict`s keyed by `known` symbols (checked,
    upper-case); every quantity bounded and not 0; no asset facts, no open orders; `as_of`
    None or a datetime. A few C calls: the planner reads such a snapshot without copying
    it, and sends any other through the rules, which name what is wrong.
    """
    cash, positions, prices = snapshot.cash, snapshot.positions, snapshot.prices
    return (
        type(cash) is Decimal
        and cash.is_finite()
        and -MAX_AMOUNT <= cash <= MAX_AMOUNT
        and type(positions) is FrozenDict
        and type(prices) is FrozenDict
        and positions.keys() <= known
        and prices.keys() <= known
        and all_within(positions.values(), -MAX_AMOUNT, MAX_AMOUNT)
        and all(positions.values())  # Decimal truth (≠ 0), in C
        and type(snapshot.assets) is FrozenDict
        and not snapshot.assets
        and not snapshot.open_orders
        and (snapshot.as_of is None or isinstance(snapshot.as_of, datetime))
    )


def _key_problem(mapping: object, field: str, known: AbstractSet[str]) -> PortfolioError | None:
    if known_keys(mapping, known):
        return None
    return key_problem(mapping, field, ErrorKind.INVALID_SNAPSHOT)


def known_keys(mapping: object, known: AbstractSet[str]) -> bool:
    """True for a record's mapping (a `FrozenDict`) keyed only by `known` symbols (in C)."""
    return type(mapping) is FrozenDict and mapping.keys() <= known


def upper_known(mapping: Mapping[str, object], known: AbstractSet[str]) -> Mapping[str, object]:
    """`upper_keys(mapping)`, at once when every key is a `known` symbol; keys checked before."""
    return mapping if known_keys(mapping, known) else upper_keys(mapping)


def _is_datetime(value: object) -> bool:
    return isinstance(value, datetime)


def _quantity_problem(positions: Mapping[str, object]) -> PortfolioError | None:
    if all_within(positions.values(), -MAX_AMOUNT, MAX_AMOUNT):  # the fast path, in C
        return None
    # each named by the fast path's own test, so that the Failure names what it refused
    bad = sorted(
        str(s).upper()
        for s, q in positions.items()
        if not all_within((q,), -MAX_AMOUNT, MAX_AMOUNT)
    )
    return PortfolioError.invalid_snapshot(
        "quantities must be finite Decimals with magnitude at most 1E+15", symbols=",".join(bad)
    )


def _asset_problem(assets: Mapping[str, object]) -> PortfolioError | None:
    if not assets:
        return None
    bad = sorted(str(symbol).upper() for symbol, asset in assets.items() if not _is_asset(asset))
    if not bad:
        return None
    return PortfolioError.invalid_snapshot(
        "assets must map symbols to Asset records with boolean flags", symbols=",".join(bad)
    )


def _is_asset(asset: object) -> bool:
    return isinstance(asset, Asset) and all(
        type(flag) is bool for flag in (asset.fractionable, asset.tradable, asset.shortable)
    )


def held_quantities(
    snapshot: Snapshot, known: AbstractSet[str] = frozenset()
) -> Mapping[str, Decimal]:
    """Held symbols (upper-cased, quantity ≠ 0) with their quantities; checked snapshots only.

    The positions themselves when every key is a `known` symbol and no quantity is 0.
    """
    positions: Mapping[str, Decimal] = upper_known(snapshot.positions, known)  # type: ignore[assignment]
    if all(positions.values()):  # Decimal truth (≠ 0), in C
        return positions
    return {s: q for s, q in positions.items() if q}


def price_problem(
    prices: Mapping[str, object], wanted: tuple[str, ...], wanted_set: AbstractSet[str]
) -> PortfolioError | None:
    """MISSING_PRICE listing every absent symbol, INVALID_PRICE the ones outside [1E-9, 1E+15].

    `prices` has upper-case keys (`upper_keys`); `wanted_set` holds the `wanted` symbols.
    Checked in C when all is well.
    """
    if not prices.keys() >= wanted_set:
        return PortfolioError.missing_price([s for s in wanted if s not in prices])
    if all_within(tuple(map(prices.__getitem__, wanted)), MIN_PRICE, MAX_AMOUNT):
        return None
    return PortfolioError.invalid_price(s for s in wanted if not _is_price(prices[s]))


def _is_price(price: object) -> bool:
    """`price_problem`'s fast path, for one price (a `Decimal` subclass is refused by both)."""
    return all_within((price,), MIN_PRICE, MAX_AMOUNT)


def upper_keyed(snapshot: Snapshot) -> Snapshot:
    """The account keyed by upper-case symbols, as the planner reads it and names the plan's.

    Positions, prices, asset facts and the open orders' symbols. Kept as it is when a key
    is not a str or two keys differ only in case (the planner refuses such an account,
    so no plan of its can match).

    >>> from decimal import Decimal as D
    >>> upper_keyed(Snapshot(cash=D(0), positions={"spy": D(1)}, prices={"spy": D(5)})).prices
    FrozenDict({'SPY': Decimal('5')})
    """
    positions, prices, assets = snapshot.positions, snapshot.prices, snapshot.assets
    orders = snapshot.open_orders
    keys = [*positions, *prices, *assets]
    if not all(isinstance(key, str) for key in keys) or not all(map(_named_order, orders)):
        return snapshot  # data the planner refuses
    upper_positions: Mapping[str, Decimal] = upper_keys(positions)  # type: ignore[assignment] # same values
    upper_prices: Mapping[str, Decimal] = upper_keys(prices)  # type: ignore[assignment] # same values
    upper_assets: Mapping[str, Asset] = upper_keys(assets)  # type: ignore[assignment] # same values
    pairs = ((upper_positions, positions), (upper_prices, prices), (upper_assets, assets))
    if any(len(new) != len(old) for new, old in pairs):
        return snapshot
    upper_orders = tuple(
        order
        if order.symbol == order.symbol.upper()
        else attrs.evolve(order, symbol=order.symbol.upper())
        for order in orders
    )
    if all(new is old for new, old in pairs) and upper_orders == orders:
        return snapshot
    return attrs.evolve(
        snapshot,
        positions=upper_positions,
        prices=upper_prices,
        assets=upper_assets,
        open_orders=upper_orders,
    )


def _named_order(order: object) -> bool:
    """An `OpenOrder` whose symbol is a str (anything else is the planner's to refuse)."""
    return isinstance(order, OpenOrder) and isinstance(order.symbol, str)
