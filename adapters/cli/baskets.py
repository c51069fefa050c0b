"""Order baskets for brokers we do not speak to: the intents as a file to upload, sells first.

Two formats (`--format` of `portfolio rebalance --orders-csv FILE`):

- `csv`: our generic file, one intent a line with its client order id
  (`client_order_id,symbol,side,quantity,notional,closes_position`; see
  `adapters.cli.order_report.intents_csv`).
- `ibkr`: an Interactive Brokers BasketTrader file (TWS: Trade → BasketTrader → Load).
  Its header is `Action,Quantity,Symbol,SecType,Exchange,Currency,TimeInForce,OrderType`
  and every order is a day market order for stock routed SMART: `BUY,10,SPY,STK,SMART,USD,DAY,MKT`.

A basket is all or nothing. What the IBKR format cannot carry is refused, never rounded
or renamed: a fractional quantity (BasketTrader takes whole shares), an order by amount
(notional), a crypto pair or any asset class other than stock, and a symbol outside
letters and digits (IBKR writes share classes with a space, `BRK B`, where Alpaca
writes `BRK.B`; which one is meant is for a person to say). The refusal names every
order that cannot be carried and why.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping

from returns.result import Failure, Result

from adapters.cli.csv_out import csv_text
from adapters.cli.order_report import intents_csv
from portfolio import Action, Asset, OrderIntent
from portfolio.records.asset_facts import CRYPTO

__all__ = ["IBKR_HEADER", "BasketFormat", "basket", "ibkr_problems"]

#: The BasketTrader header row for market orders, in IBKR's own order.
IBKR_HEADER = (
    "Action",
    "Quantity",
    "Symbol",
    "SecType",
    "Exchange",
    "Currency",
    "TimeInForce",
    "OrderType",
)
_IBKR_SYMBOL = re.compile(r"[A-Z][A-Z0-9]*")
_STOCK = "us_equity"


class BasketFormat(enum.Enum):
    """The file `--orders-csv` writes."""

    CSV = "csv"
    IBKR = "ibkr"


def basket(
    intents: tuple[OrderIntent, ...],
    form: BasketFormat,
    assets: Mapping[str, Asset],
    *,
    currency: str = "USD",
) -> Result[str, str]:
    """The file's text (sells first), or a one-line reason it cannot be written in `form`.

    `assets` are the broker's facts for the symbols (asset class); a symbol without facts
    is taken for a stock. `currency` is the account's (IBKR's Currency column).
    """
    ordered = _sells_first(intents)
    if form is BasketFormat.CSV:
        written = intents_csv(ordered)
    elif problems := ibkr_problems(ordered, assets):
        return Failure("the IBKR basket cannot carry " + "; ".join(problems))
    else:
        written = _ibkr(ordered, currency)
    return written.alt(lambda cells: f"a spreadsheet would run these cells as formulas: {cells}")


def ibkr_problems(intents: tuple[OrderIntent, ...], assets: Mapping[str, Asset]) -> list[str]:
    """Why each order cannot go into a BasketTrader file (`SIDE SYMBOL: reason`); empty: all can."""
    problems = []
    for intent in intents:
        asset_class = getattr(assets.get(intent.symbol), "asset_class", _STOCK)
        reason = None
        if asset_class == CRYPTO or "/" in intent.symbol:
            reason = "a crypto pair (BasketTrader files here are stock orders, SecType STK)"
        elif asset_class != _STOCK:
            reason = f"asset class {asset_class}, not stock (SecType STK)"
        elif intent.quantity is None:
            reason = f"an order by amount ({intent.notional}), not by shares"
        elif intent.quantity != intent.quantity.to_integral_value():
            shares = f"{intent.quantity.normalize():f}"
            reason = f"{shares} shares: fractional (BasketTrader takes whole shares; plan with "
            reason += '"fractional": false in the policy)'
        elif not _IBKR_SYMBOL.fullmatch(intent.symbol):
            reason = "not a plain IBKR symbol (letters and digits; a class share is written BRK B)"
        if reason is not None:
            problems.append(f"{intent.side.value} {intent.symbol}: {reason}")
    return problems


def _sells_first(intents: tuple[OrderIntent, ...]) -> tuple[OrderIntent, ...]:
    """Every SELL before any BUY, each side in the order given (`order_intents`' own order)."""
    return tuple(i for i in intents if i.side is Action.SELL) + tuple(
        i for i in intents if i.side is not Action.SELL
    )


def _ibkr(intents: tuple[OrderIntent, ...], currency: str) -> Result[str, str]:
    rows = (
        (intent.side.value, intent.quantity, intent.symbol, "STK", "SMART", currency, "DAY", "MKT")
        for intent in intents
    )
    return csv_text(IBKR_HEADER, rows)  # quantities checked whole: written without a point
