"""One snapshot read, request by request: what is asked of Alpaca, in which order, and why.

1. the account: cash, its currency (only USD accounts: every price Alpaca's data API
   gives is in dollars), and the flags that block trading;
2. the positions; 3. the open orders;
4. the latest prices of every stock and crypto pair requested, held or on order
   (options are valued from their position: Alpaca's market value per contract);
5. asset facts: the active equity list, and the active crypto list when pairs are involved;
6. with `read_lots`, the account's fills, every page, rebuilt into lots (`lots`).

A crypto pair quoted in another currency than the account's (`ETH/BTC`) cannot be
valued in dollars from its price: such a pair is refused before any price is asked.
A blocked account is read, but nothing in it is tradable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal

import attrs

from adapters.alpaca import facts
from adapters.alpaca.activities import read_fills
from adapters.alpaca.failure import BrokerFailure
from adapters.alpaca.lots import LotWarning, rebuild
from adapters.alpaca.parse import Account, Holding
from adapters.alpaca.reads import (
    Call,
    QueryBudget,
    read_account,
    read_crypto_facts,
    read_crypto_prices,
    read_equity_facts,
    read_holdings,
    read_open_orders,
    read_stock_prices,
)
from adapters.alpaca.settings import AlpacaSettings
from adapters.alpaca.symbols import CRYPTO, OPTION, is_crypto, quote_currency
from adapters.alpaca.transport import Clients
from portfolio.records.errors import PortfolioError
from portfolio.records.snapshot import Asset, OpenOrder, Snapshot

__all__ = ["ACCOUNT_CURRENCY", "read_snapshot"]

#: The only account currency whose prices the data API gives directly.
ACCOUNT_CURRENCY = "USD"


@attrs.frozen(kw_only=True)
class _Kinds:
    """Every symbol of a snapshot, split by how it is priced."""

    stocks: frozenset[str]
    crypto: frozenset[str]
    options: tuple[Holding, ...]

    @property
    def every(self) -> frozenset[str]:
        return self.stocks | self.crypto | {option.symbol for option in self.options}


def read_snapshot(
    clients: Clients,
    call: Call,
    wanted: frozenset[str],
    settings: AlpacaSettings,
    budget: QueryBudget,
) -> tuple[Snapshot, tuple[LotWarning, ...]]:
    """Cash, positions, open orders, prices and facts for `wanted` plus everything held.

    With `settings.read_lots`, also the lots and recent trades rebuilt from the fills,
    and a warning for each held symbol refused lots; without, no lots and no warnings.
    """
    as_of = datetime.now(UTC)
    account = read_account(clients, call)
    _check_currency(account)
    held = read_holdings(clients, call, wanted)
    orders = read_open_orders(clients, call, wanted | {h.symbol for h in held})
    kinds = _kinds(wanted, held, orders)
    _check_quotes(kinds.crypto, account.currency)
    source, feed = settings.price, settings.feed
    prices = read_stock_prices(clients, call, kinds.stocks, source=source, feed=feed, budget=budget)
    prices |= read_crypto_prices(clients, call, kinds.crypto, source=source, budget=budget)
    prices |= _option_prices(kinds.options)
    missing = kinds.every - prices.keys()
    if missing:
        raise BrokerFailure(PortfolioError.missing_price(missing))
    snapshot = Snapshot(
        cash=account.cash,
        positions=_positions(held),
        prices={symbol: prices[symbol] for symbol in sorted(kinds.every)},
        assets=_facts(clients, call, kinds, prices, account),
        as_of=as_of,
        open_orders=orders,
    )
    if not settings.read_lots:
        return snapshot, ()
    fills = read_fills(clients, call)
    found = rebuild(
        fills.fills,
        held,
        as_of=as_of,
        wash_sale_days=settings.wash_sale_days,
        complete=fills.complete,
    )
    lots = attrs.evolve(snapshot, lots=found.lots, recent_trades=found.recent_trades)
    return lots, found.warnings


def _kinds(
    wanted: frozenset[str], held: tuple[Holding, ...], orders: tuple[OpenOrder, ...]
) -> _Kinds:
    options = tuple(h for h in held if h.asset_class == OPTION)
    crypto = frozenset(
        {s for s in wanted if is_crypto(s)}
        | {h.symbol for h in held if h.asset_class == CRYPTO}
        | {o.symbol for o in orders if is_crypto(o.symbol)}
    )
    every = wanted | {h.symbol for h in held} | {o.symbol for o in orders}
    stocks = every - crypto - {option.symbol for option in options}
    return _Kinds(stocks=frozenset(stocks), crypto=crypto, options=options)


def _facts(
    clients: Clients,
    call: Call,
    kinds: _Kinds,
    prices: Mapping[str, Decimal],
    account: Account,
) -> dict[str, Asset]:
    """Facts for every symbol; nothing tradable on a blocked account (no crypto without crypto)."""
    assets = read_equity_facts(clients, call, kinds.stocks)
    crypto = read_crypto_facts(clients, call, kinds.crypto, prices)
    assets |= crypto if account.crypto_active else facts.not_tradable(crypto)
    assets |= {option.symbol: facts.option_fact(option.symbol) for option in kinds.options}
    if account.blocked:
        assets = facts.not_tradable(assets)
    return dict(sorted(assets.items()))


def _check_currency(account: Account) -> None:
    if account.currency != ACCOUNT_CURRENCY:
        raise BrokerFailure(
            PortfolioError.invalid_snapshot(
                f"the account is in {account.currency}, but Alpaca's prices are in USD:"
                " only USD accounts can be planned on",
                currency=account.currency,
            )
        )


def _check_quotes(pairs: frozenset[str], currency: str) -> None:
    foreign = sorted(pair for pair in pairs if quote_currency(pair) != currency)
    if foreign:
        raise BrokerFailure(
            PortfolioError.invalid_snapshot(
                f"crypto pairs quoted in another currency than the account's ({currency})"
                " cannot be valued: use the pair quoted in it (e.g. ETH/USD)",
                symbols=",".join(foreign),
                currency=currency,
            )
        )


def _option_prices(options: Iterable[Holding]) -> dict[str, Decimal]:
    """Dollars per contract: Alpaca's market value of the position over its contracts."""
    prices: dict[str, Decimal] = {}
    for holding in options:
        if holding.market_value is not None and holding.quantity != 0:
            price = holding.market_value / holding.quantity
            if price > 0:
                prices[holding.symbol] = price
    return prices


def _positions(held: tuple[Holding, ...]) -> dict[str, Decimal]:
    positions: dict[str, Decimal] = {}
    for holding in held:
        positions[holding.symbol] = positions.get(holding.symbol, Decimal(0)) + holding.quantity
    return dict(sorted(positions.items()))
