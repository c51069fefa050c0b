"""The fake broker's tax lots: a lot per purchase, relieved by a given method on each sale.

`LotBook` follows the account's positions. After any change (a plan filled, an order
placed or filled) it compares the positions before and after: shares added to a long
position become a lot acquired on the fake's clock date at its price (fees are not
added to the basis); shares removed relieve lots by the book's `LotMethod`, and the
sale is recorded as a `PastTrade` with the gain it realized. A symbol held when the
fake opened without lots given for it has an unknown basis, and keeps it.

A filled plan's `TaxReport` names the lots its sales relieve (`LotSale`: lot id, date
and cost); those are relieved first, as a broker does when the order names its lots
(specific identification), and the method takes any remainder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, localcontext

from portfolio.records.money import CORE_CONTEXT, ZERO
from portfolio.records.plan_item import Action
from portfolio.records.snapshot import Snapshot
from portfolio.tax import LotMethod, LotSale, PastTrade, TaxLot, TaxPolicy
from portfolio.tax.policy import MAX_WASH_SALE_DAYS
from portfolio.tax.relief import Piece, in_order, names, realized, relieve, remaining

__all__ = ["LotBook"]


class LotBook:
    """Lots by symbol (upper-case), the trades made, and the method sales relieve lots by."""

    def __init__(
        self,
        lots: Mapping[str, Iterable[TaxLot]],
        method: LotMethod,
        trades: Iterable[PastTrade] = (),
        unknown: Iterable[str] = (),
    ) -> None:
        """Start with these lots; `unknown`: symbols held whose basis is not known."""
        self.lots: dict[str, tuple[TaxLot, ...]] = {s.upper(): tuple(v) for s, v in lots.items()}
        self.trades: list[PastTrade] = list(trades)
        self.unknown = frozenset(s.upper() for s in unknown) - self.lots.keys()
        self._policy = TaxPolicy(method=method)
        self._count = sum(len(v) for v in self.lots.values())

    def follow(self, before: Snapshot, after: Snapshot, named: Iterable[LotSale] = ()) -> None:
        """Record the change from `before` to `after` (positions moved at `after`'s prices).

        `named`: the lots a filled plan's sales chose, relieved first.
        """
        if after.as_of is None:
            return
        chosen: dict[str, list[LotSale]] = {}
        for sale in named:
            chosen.setdefault(sale.symbol.upper(), []).append(sale)
        with localcontext(CORE_CONTEXT):
            self._follow(before, after, after.as_of.date(), chosen)

    def _follow(
        self, before: Snapshot, after: Snapshot, on: date, chosen: Mapping[str, list[LotSale]]
    ) -> None:
        for symbol in sorted(before.positions.keys() | after.positions.keys()):
            was = max(before.positions.get(symbol, ZERO), ZERO)  # long shares only
            now = max(after.positions.get(symbol, ZERO), ZERO)
            change = after.positions.get(symbol, ZERO) - before.positions.get(symbol, ZERO)
            if not change:
                continue
            price = after.prices[symbol]
            side = Action.BUY if change > 0 else Action.SELL
            sold = was - now
            gain = self._sell(symbol, sold, price, on, chosen.get(symbol, ())) if sold > 0 else None
            if now > was and symbol not in self.unknown:
                held = self.lots.get(symbol, ())
                lot = TaxLot(quantity=now - was, cost=price, acquired=on, lot_id=self._new_id(held))
                self.lots[symbol] = (*held, lot)
            self.trades.append(
                PastTrade(
                    symbol=symbol,
                    action=side,
                    quantity=abs(change),
                    price=price,
                    on=on,
                    realized_gain=gain,
                )
            )
        self.unknown = frozenset(s for s in self.unknown if after.positions.get(s))

    def _new_id(self, held: Iterable[TaxLot]) -> str:
        """`L<n>` for the next n that no lot of the symbol carries (given lots may use it)."""
        taken = {lot.lot_id for lot in held}
        self._count += 1
        while f"L{self._count}" in taken:
            self._count += 1
        return f"L{self._count}"

    def _sell(
        self, symbol: str, shares: Decimal, price: Decimal, on: date, named: Iterable[LotSale]
    ) -> Decimal | None:
        lots = self.lots.get(symbol)
        if not lots:
            return None
        pieces = _named_first(lots, named, shares)
        taken = sum((q for _, q in pieces), ZERO)
        rest = remaining(lots, pieces)
        more = relieve(in_order(rest, self._policy, price, on), shares - taken)  # the rest
        left = tuple(remaining(rest, more))
        if left:
            self.lots[symbol] = left
        else:
            del self.lots[symbol]
        return realized([*pieces, *more], price)

    def recent(self, snapshot: Snapshot) -> tuple[PastTrade, ...]:
        """The trades within the longest wash-sale window before the snapshot's date."""
        if snapshot.as_of is None:
            return tuple(self.trades)
        start = snapshot.as_of.date() - timedelta(days=MAX_WASH_SALE_DAYS)
        # Anything that is not a dated `PastTrade` is kept, for the planner to refuse by name.
        return tuple(t for t in self.trades if not _dated(t) or t.on >= start)


def _dated(trade: object) -> bool:
    """A `PastTrade` whose `on` is a date (a datetime cannot be compared with one)."""
    on: object = trade.on if isinstance(trade, PastTrade) else None
    return isinstance(on, date) and not isinstance(on, datetime)


def _named_first(
    lots: tuple[TaxLot, ...], named: Iterable[LotSale], shares: Decimal
) -> list[Piece]:
    """The pieces of `lots` the named sales take (matched by `names`), ≤ `shares`."""
    taken: dict[int, Decimal] = {}
    left = shares
    for sale in named:
        want = min(sale.quantity, left)
        for lot in lots:
            if want <= 0:
                break
            if not names(sale, lot):
                continue
            free = lot.quantity - taken.get(id(lot), ZERO)
            part = min(free, want)
            if part > 0:
                taken[id(lot)] = taken.get(id(lot), ZERO) + part
                want -= part
                left -= part
    return [(lot, taken[id(lot)]) for lot in lots if id(lot) in taken]
