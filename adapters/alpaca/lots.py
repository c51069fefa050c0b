"""Tax lots rebuilt from Alpaca's fills, first in first out, and checked against the positions.

Pure: fills and positions in, `BrokerLots` out. The steps:

1. **Executions.** The fills of one order on one trade day (New York time) make one
   execution at their weighted average price: one lot for a buy (`lot_id` the order
   id, `acquired` the trade day), one `PastTrade` either way.
2. **Replay.** A symbol's executions in time order: a buy adds a lot, a sale relieves
   the oldest lots first and realizes `Σ shares × (price − lot cost)`, to the cent.
   A sale of more shares than the lots hold (a short sale, or history missing) ends the
   replay of that symbol: it gets no lots and its later sales no realized gain.
3. **Check.** A held stock gets its lots only when they sum exactly to the position and
   their cost `Σ shares × cost` is within a cent per lot of the position's
   `cost_basis`; otherwise it gets none and a `LotWarning` names it. So does a symbol
   the fills say is held but the positions do not, and every held crypto pair or
   option (lots are rebuilt for stocks only). The sales of a symbol that failed the
   check carry no realized gain (`None`): the replay's figures are not trusted. A
   short position gets no lots and no warning (short positions carry no lots).
4. **Recent trades.** Every execution on or after `as_of`'s date less `wash_sale_days`.
   When the page cap cut the history (`complete=False`), no symbol gets lots, every
   held stock is named in a warning, and no sale carries a realized gain.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs

from adapters.alpaca.activities import Fill
from adapters.alpaca.parse import Holding
from portfolio.records.money import CENT, ZERO, to_cents
from portfolio.records.plan_item import Action
from portfolio.tax import PastTrade, TaxLot

__all__ = ["MARKET_ZONE", "BrokerLots", "Execution", "LotIssue", "LotWarning", "rebuild"]

#: Trade days are counted in the exchange's time zone.
MARKET_ZONE = ZoneInfo("America/New_York")
_STOCK = "us_equity"


class LotIssue(enum.Enum):
    """Why a symbol got no lots."""

    QUANTITY = "quantity"  # the fills do not add up to the position (a split, a transfer)
    COST = "cost"  # the lots' cost is off the position's cost_basis by more than a cent a lot
    SHORT = "short"  # a sale of more shares than the fills bought
    NOT_A_STOCK = "not_a_stock"  # a crypto pair or an option: lots are rebuilt for stocks only
    TOO_MANY_FILLS = "too_many_fills"  # the history is longer than the page cap


@attrs.frozen(kw_only=True)
class LotWarning:
    """A held symbol that got no lots, why, and a sentence saying so."""

    symbol: str
    issue: LotIssue
    message: str

    def __str__(self) -> str:
        """`SYMBOL: message`."""
        return f"{self.symbol}: {self.message}"


@attrs.frozen(kw_only=True)
class BrokerLots:
    """What the fills tell: lots by held symbol, the recent trades, and the warnings."""

    lots: Mapping[str, tuple[TaxLot, ...]]
    recent_trades: tuple[PastTrade, ...]
    warnings: tuple[LotWarning, ...]


@attrs.frozen(kw_only=True)
class Execution:
    """The fills of one order on one trade day: `quantity` shares at their average `price`."""

    symbol: str
    action: Action
    quantity: Decimal
    price: Decimal
    on: date
    order_id: str


@attrs.define
class _Replay:
    """One symbol's open lots (oldest first), and the realized gain of each sale replayed."""

    lots: list[TaxLot] = attrs.Factory(list)
    gains: dict[int, Decimal] = attrs.Factory(dict)  # execution index → realized gain
    short: bool = False


def rebuild(
    fills: Sequence[Fill],
    holdings: Iterable[Holding],
    *,
    as_of: datetime,
    wash_sale_days: int,
    complete: bool = True,
) -> BrokerLots:
    """Lots for the held stocks, the recent trades with their gains, and a warning per refusal.

    `fills` oldest first; `complete` False when the history was cut (no lots at all then).
    """
    held = {h.symbol: h for h in holdings}
    stocks = {s: h for s, h in held.items() if h.asset_class == _STOCK and h.quantity > 0}
    others = {s for s, h in held.items() if h.asset_class != _STOCK or h.quantity < 0}
    skipped = others | {s.replace("/", "") for s in others}
    executions = _executions(fills)
    replays = {
        symbol: _replay(executions, symbol)
        for symbol in sorted({e.symbol for e in executions} - skipped)
        if "/" not in symbol
    }
    warnings = [
        LotWarning(symbol=s, issue=LotIssue.NOT_A_STOCK, message="lots are rebuilt for stocks only")
        for s in sorted(others)
        if held[s].quantity > 0
    ]
    lots: dict[str, tuple[TaxLot, ...]] = {}
    trusted: dict[str, dict[int, Decimal]] = {}  # the gains of the symbols that passed
    for symbol in sorted(stocks.keys() | replays.keys()):
        replay = replays.get(symbol, _Replay())
        problem = _problem(replay, stocks.get(symbol), complete=complete)
        if problem is not None:
            warnings.append(problem.of(symbol))
        if problem is not None or not complete:  # a cut history's gains are not trusted either
            continue
        trusted[symbol] = replay.gains
        if symbol in stocks:
            lots[symbol] = tuple(replay.lots)
    start = as_of.date() - timedelta(days=wash_sale_days)
    recent = tuple(
        _past_trade(execution, trusted.get(execution.symbol, {}).get(n))
        for n, execution in enumerate(executions)
        if execution.on >= start
    )
    return BrokerLots(lots=lots, recent_trades=recent, warnings=tuple(warnings))


def _executions(fills: Sequence[Fill]) -> list[Execution]:
    """The fills grouped by order and trade day, in the order of each group's first fill."""
    groups: dict[tuple[str, str, date, Action], list[Fill]] = {}
    for one in sorted(fills, key=lambda f: (f.at, f.activity_id)):
        day = one.at.astimezone(MARKET_ZONE).date()
        groups.setdefault((one.symbol, one.order_id, day, one.action), []).append(one)
    executions = []
    for (symbol, order_id, day, action), group in groups.items():
        quantity = sum((f.quantity for f in group), ZERO)
        price = sum((f.quantity * f.price for f in group), ZERO) / quantity
        executions.append(
            Execution(
                symbol=symbol,
                action=action,
                quantity=quantity,
                price=price,
                on=day,
                order_id=order_id,
            )
        )
    return executions


def _replay(executions: Sequence[Execution], symbol: str) -> _Replay:
    """First in, first out over one symbol's executions."""
    state = _Replay()
    for n, execution in enumerate(executions):
        if execution.symbol != symbol or state.short:
            continue
        if execution.action is Action.BUY:
            state.lots.append(
                TaxLot(
                    quantity=execution.quantity,
                    cost=execution.price,
                    acquired=execution.on,
                    lot_id=execution.order_id,
                )
            )
            continue
        state.gains[n] = _relieve(state, execution)
    return state


def _relieve(state: _Replay, sale: Execution) -> Decimal:
    """Take `sale`'s shares off the oldest lots; the gain realized (marks `short` if too few)."""
    left, gain = sale.quantity, ZERO
    while left > 0 and state.lots:
        oldest = state.lots[0]
        taken = min(left, oldest.quantity)
        gain += taken * (sale.price - oldest.cost)
        left -= taken
        if taken == oldest.quantity:
            state.lots.pop(0)
        else:
            state.lots[0] = attrs.evolve(oldest, quantity=oldest.quantity - taken)
    if left > 0:
        state.short = True
        state.lots.clear()
    return to_cents(gain)


@attrs.frozen
class _Problem:
    issue: LotIssue
    message: str

    def of(self, symbol: str) -> LotWarning:
        return LotWarning(symbol=symbol, issue=self.issue, message=self.message)


def _problem(  # noqa: PLR0911 - one return per check, in order
    replay: _Replay, holding: Holding | None, *, complete: bool
) -> _Problem | None:
    """Why the replayed lots cannot be the position's, or None when they can."""
    position = ZERO if holding is None else holding.quantity
    if not complete:
        if holding is None:
            return None
        return _Problem(LotIssue.TOO_MANY_FILLS, "more fills than the pages read: no lots rebuilt")
    if replay.short:
        return _Problem(LotIssue.SHORT, "the fills sell more shares than they buy: no lots rebuilt")
    shares = sum((lot.quantity for lot in replay.lots), ZERO)
    if shares != position:
        return _Problem(
            LotIssue.QUANTITY,
            f"the fills leave {shares:f} shares but the position is {position:f}"
            " (a split, a transfer or fills older than the account's history?)",
        )
    if holding is None or holding.cost_basis is None:
        return None
    cost = sum((lot.quantity * lot.cost for lot in replay.lots), ZERO)
    if abs(cost - holding.cost_basis) > CENT * len(replay.lots):
        return _Problem(
            LotIssue.COST,
            f"the lots cost {to_cents(cost)} but the position's cost_basis is"
            f" {holding.cost_basis:f}",
        )
    return None


def _past_trade(execution: Execution, gain: Decimal | None) -> PastTrade:
    return PastTrade(
        symbol=execution.symbol,
        action=execution.action,
        quantity=execution.quantity,
        price=execution.price,
        on=execution.on,
        realized_gain=gain if execution.action is Action.SELL else None,
    )
