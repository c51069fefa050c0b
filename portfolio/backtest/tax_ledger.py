"""A backtest's tax lots: a lot per purchase, relieved on each sale, gains by calendar year.

`TaxLedger` follows the fold's fills under the run's `TaxPolicy` (docs/tax.md,
"After-tax backtests"). It keeps the lots by symbol (a tuple per symbol, replaced only
for the symbols a plan traded) and the trades of the wash-sale window, which each
plan's snapshot carries so that the planner's tax rules apply. A sale relieves the
lots the plan chose (`Relieved` pieces: those the planner chose, `sold_lots`, or its
`TaxReport`'s), or, for a sale no plan chose (a symbol that
stopped trading), the policy's method (`portfolio.tax.relief`: one home for relief).
Its gains count, by term, in the year of the sale.

The wash-sale rule is applied to the backtest's own trades: a loss on a sale is
disallowed for the shares replaced by a purchase of the same security (the symbol, or
one of its `identical` group) within `wash_sale_days` before the sale (shares still
held after it) or after it; the disallowed loss is added to the replacement lot's
cost, and no longer counts in the year's realized loss. `BacktestTax.wash_sales`
counts the sales with a loss disallowed.

The tax of a year is the net short-term gain × `short_term_rate` plus the net
long-term gain × `long_term_rate`, after netting a loss of one term against a gain of
the other; a net loss is carried to the next years (`year_taxes`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from operator import itemgetter

import attrs

from portfolio.formats.display import money
from portfolio.records.frozen import FrozenDict
from portfolio.records.money import CENT, ZERO
from portfolio.records.plan_item import Action
from portfolio.tax.policy import TaxPolicy
from portfolio.tax.records import PastTrade, TaxLot
from portfolio.tax.relief import Piece, Priced, in_order, lot_sales, priced, relieve, short_from
from portfolio.tax.report import TaxReport, Term

__all__ = [
    "BacktestTax",
    "Relieved",
    "TaxLedger",
    "relieved_by_pieces",
    "relieved_by_report",
    "year_taxes",
]

_CENTS = Decimal("0.00")
_FIRST = itemgetter(0)

#: A piece of a lot a sale relieves, as the ledger books it: (lot id, acquired, shares,
#: gain in cents). The plan's `TaxReport.sales` or its priced pieces give them.
Relieved = tuple[str, date, Decimal, Decimal]
_GAIN = itemgetter(3)  # a `Relieved` piece's gain


def relieved_by_report(report: TaxReport) -> dict[str, list[Relieved]]:
    """The lots the report's sales relieve, by symbol."""
    chosen: dict[str, list[Relieved]] = {}
    for sale in report.sales:
        chosen.setdefault(sale.symbol, []).append(
            (sale.lot_id, sale.acquired, sale.quantity, sale.gain)
        )
    return chosen


def relieved_by_pieces(sold: Mapping[str, list[Priced]]) -> dict[str, list[Relieved]]:
    """The lots these priced pieces relieve, by symbol (`portfolio.tax.step.sold_lots`)."""
    return {symbol: _relieved(pieces) for symbol, pieces in sold.items()}


def _relieved(pieces: Iterable[Priced]) -> list[Relieved]:
    return [
        (lot.lot_id, lot.acquired, shares, proceeds - cost)
        for lot, shares, proceeds, cost in pieces
    ]


@attrs.frozen(kw_only=True)
class BacktestTax:
    """What a backtest under a tax policy realized and owes (account currency, cents).

    - `realized_by_year`: calendar year → (net short-term gain, net long-term gain)
      realized by that year's sales, wash-sale disallowed losses taken out.
    - `harvested_losses`: Σ of the plans' `TaxReport.harvested_loss` (≥ 0).
    - `wash_sales`: how many sales had a loss disallowed by the wash-sale rule.
    - `after_tax_value`: the final equity less the tax still owed: that of the years
      not paid, and that of selling everything at the last bar's closes.
    - `taxes_paid`: the tax paid from cash during the run (`pay_taxes=True`), else 0.
    """

    realized_by_year: Mapping[int, tuple[Decimal, Decimal]]
    harvested_losses: Decimal
    wash_sales: int
    after_tax_value: Decimal
    taxes_paid: Decimal

    @property
    def realized_gains(self) -> Decimal:
        """Every year's net short- and long-term gain, summed: the run's net realized gain.

        >>> BacktestTax(realized_by_year={2024: (Decimal(-100), Decimal(60)),
        ...     2025: (Decimal(25), Decimal(0))}, harvested_losses=Decimal(0), wash_sales=0,
        ...     after_tax_value=Decimal(0), taxes_paid=Decimal(0)).realized_gains
        Decimal('-15')
        """
        return sum((short + long for short, long in self.realized_by_year.values()), Decimal(0))

    def rows(self) -> tuple[tuple[str, str, str], ...]:
        """The figures as (name, value, note) rows, under a result's (`BacktestResult.metrics`).

        Taxes paid, harvested losses and wash sales only when there are some; the names
        fit the text table's first column (`BacktestResult.to_text`).
        """
        rows = [
            ("After tax", money(self.after_tax_value), "value less the tax still owed"),
            ("Realized", money(self.realized_gains), "net gains, short and long term"),
        ]
        if self.taxes_paid:
            rows.append(("Taxes paid", money(self.taxes_paid), "from cash"))
        if self.harvested_losses:
            rows.append(("Harvested", money(self.harvested_losses), "losses"))
        if self.wash_sales:
            rows.append(("Wash sales", str(self.wash_sales), "losses disallowed"))
        return tuple(rows)


def year_taxes(
    realized: Mapping[int, tuple[Decimal, Decimal]], policy: TaxPolicy
) -> dict[int, Decimal]:
    """The tax of each year (cents, ≥ 0), oldest first, net losses carried forward.

    Within a year a net loss of one term offsets a net gain of the other; what is left
    of a net loss keeps its term and is carried into the next year.

    >>> p = TaxPolicy(short_term_rate=Decimal("0.4"), long_term_rate=Decimal("0.2"))
    >>> year_taxes({2024: (Decimal(-100), Decimal(60)), 2025: (Decimal(100), Decimal(0))}, p)
    {2024: Decimal('0.00'), 2025: Decimal('24.00')}
    """
    carried_short = carried_long = ZERO
    taxes: dict[int, Decimal] = {}
    for year in sorted(realized):
        short, long = realized[year]
        short, long = _netted(short + carried_short, long + carried_long)
        tax = max(short, ZERO) * policy.short_term_rate + max(long, ZERO) * policy.long_term_rate
        taxes[year] = tax.quantize(CENT)
        carried_short, carried_long = min(short, ZERO), min(long, ZERO)
    return taxes


def _netted(short: Decimal, long: Decimal) -> tuple[Decimal, Decimal]:
    """A net loss of one term against a net gain of the other; the rest keeps its term."""
    if short < 0 < long or long < 0 < short:
        net = short + long
        if short < 0:
            return (ZERO, net) if net >= 0 else (net, ZERO)
        return (net, ZERO) if net >= 0 else (ZERO, net)
    return short, long


#: A trade's `PastTrade` fields, in order (symbol, action, quantity, price, on, gain).
_Logged = tuple[str, Action, Decimal, Decimal, date, Decimal | None]


@attrs.define
class _Loss:
    """A sale's loss that a purchase within the window may still disallow, per share."""

    group: str
    on: date
    shares: Decimal  # loss shares not yet matched by a replacement
    short: Decimal  # loss per share (≤ 0), short-term part
    long: Decimal  # loss per share (≤ 0), long-term part
    washed: bool = False


class TaxLedger:
    """The lots, trades and realized gains of one backtest run (internal to it)."""

    def __init__(self, policy: TaxPolicy) -> None:
        """No lots, no trades: a run starts as cash."""
        self.policy = policy
        self.window = timedelta(days=policy.wash_sale_days)
        self.lots: dict[str, tuple[TaxLot, ...]] = {}
        #: every trade, oldest first: a `PastTrade`, or its fields until `trades` reads it
        self._log: list[PastTrade | _Logged] = []
        self._loss_sales: list[PastTrade] = []  # the sales at a loss, oldest first
        self._first_recent = 0  # loss sales before this index are out of the window
        self.realized: dict[int, list[Decimal]] = {}
        self.harvested = _CENTS
        self.wash_sales = 0
        self.paid = ZERO
        self._losses: list[_Loss] = []
        self._replaced: set[str] = set()  # lot ids already used as a wash-sale replacement
        self._count = 0
        self._group = {s.upper(): min(g).upper() for g in policy.identical for s in g}

    @property
    def trades(self) -> list[PastTrade]:
        """Every trade of the run, oldest first (each sale at a loss apart)."""
        return [
            trade
            if isinstance(trade, PastTrade)
            else PastTrade(
                symbol=trade[0],
                action=trade[1],
                quantity=trade[2],
                price=trade[3],
                on=trade[4],
                realized_gain=trade[5],
            )
            for trade in self._log
        ]

    def frozen_lots(self) -> Mapping[str, tuple[TaxLot, ...]]:
        """The lots now, as a snapshot carries them."""
        return FrozenDict(self.lots)

    def recent(self, on: date) -> tuple[PastTrade, ...]:
        """The sales at a loss within the wash-sale window before `on`, oldest first.

        What the planner's wash-sale rule reads of the recent trades (the purchases of
        the window are in the lots); `trades` keeps every trade.
        """
        start, trades, first = on - self.window, self._loss_sales, self._first_recent
        while first < len(trades) and trades[first].on < start:
            first += 1
        self._first_recent = first
        return tuple(trades[first:])

    def follow(  # noqa: PLR0913, PLR0917 - one fill's facts
        self,
        before: Mapping[str, Decimal],
        after: Mapping[str, Decimal],
        symbols: Iterable[str],
        prices: Mapping[str, Decimal],
        on: date,
        chosen: Mapping[str, list[Relieved]],
    ) -> None:
        """Record what the fill changed in `symbols`: sales first, then purchases.

        `chosen`: the lots the plan's sales relieve, by symbol (`relieved_by_report`,
        `relieved_by_pieces`).
        """
        changes = []
        for symbol in symbols:
            change = after.get(symbol, ZERO) - before.get(symbol, ZERO)
            if change:
                changes.append((symbol, change))
        for symbol, change in changes:
            if change < 0:
                self.sell(symbol, -change, prices[symbol], on, chosen.get(symbol))
        for symbol, change in changes:
            if change > 0:
                self.buy(symbol, change, prices[symbol], on)

    def buy(self, symbol: str, shares: Decimal, price: Decimal, on: date) -> None:
        """A lot of `shares` at `price` acquired `on`; a loss it replaces adds to its cost."""
        self._count += 1
        lot = TaxLot(quantity=shares, cost=price, acquired=on, lot_id=f"B{self._count}")
        added = self._replacing(self._group.get(symbol, symbol), shares, on)
        if added:
            lot = attrs.evolve(lot, cost=price + added / shares)
            self._replaced.add(lot.lot_id)
        self.lots[symbol] = (*self.lots.get(symbol, ()), lot)
        self._log.append((symbol, Action.BUY, shares, price, on, None))

    def sell(
        self,
        symbol: str,
        shares: Decimal,
        price: Decimal,
        on: date,
        chosen: list[Relieved] | None = None,
    ) -> None:
        """Relieve `shares` of `symbol`'s lots (those `chosen` by the plan, else by method)."""
        lots = self.lots.get(symbol, ())
        places = _places(lots, chosen, shares) if chosen else None
        sales = chosen
        if places is None or sales is None:  # no plan chose the lots: the policy's method
            pieces = relieve(in_order(lots, self.policy, price, on), shares)
            places = [(_place(lots, lot.lot_id), taken) for lot, taken in pieces]
            sales = _relieved(priced(pieces, price))
        left = _left(lots, places)
        if left:
            self.lots[symbol] = left
        else:
            self.lots.pop(symbol, None)
        loss_shares, loss = self._realize(symbol, sales, on)
        gain = sum(map(_GAIN, sales), _CENTS) - loss
        for part, realized in ((loss_shares, loss), (shares - loss_shares, gain)):
            if part > 0:  # the lots sold at a loss apart, so that the guard sees the loss
                if realized < 0:  # the planner reads these (`recent`): a record at once
                    trade = PastTrade(
                        symbol=symbol,
                        action=Action.SELL,
                        quantity=part,
                        price=price,
                        on=on,
                        realized_gain=realized,
                    )
                    self._log.append(trade)
                    self._loss_sales.append(trade)
                else:
                    self._log.append((symbol, Action.SELL, part, price, on, realized))

    def _realize(self, symbol: str, sales: list[Relieved], on: date) -> tuple[Decimal, Decimal]:
        """Count the sales' gains in their year; a loss may be a wash sale.

        (the shares of the lots sold at a loss, their loss).
        """
        tally = self.realized.setdefault(on.year, [_CENTS, _CENTS])
        first_short = short_from(on)  # a lot acquired before it is long-term
        short = long = ZERO
        loss_shares = ZERO
        for _, acquired, shares, gain in sales:
            is_long = acquired < first_short
            tally[is_long] += gain
            if gain < 0:
                loss_shares += shares
                if is_long:
                    long += gain
                else:
                    short += gain
        if loss_shares:
            loss = _Loss(
                self._group.get(symbol, symbol),
                on,
                loss_shares,
                short / loss_shares,
                long / loss_shares,
            )
            self._losses.append(loss)
            self._replaced_before(loss)
        return loss_shares, short + long

    def _replaced_before(self, loss: _Loss) -> None:
        """Lots of the security bought within the window before the sale and still held."""
        start = loss.on - self.window
        for symbol, lots in list(self.lots.items()):
            if self._group.get(symbol, symbol) != loss.group:
                continue
            kept = list(lots)
            recent = len(kept)  # lots are kept oldest first: the window's are at the end
            while recent and kept[recent - 1].acquired >= start:
                recent -= 1
            for n in range(recent, len(kept)):
                lot = kept[n]
                if loss.shares and lot.lot_id not in self._replaced:
                    added = self._disallow(loss, min(lot.quantity, loss.shares))
                    kept[n] = attrs.evolve(lot, cost=lot.cost + added / lot.quantity)
                    self._replaced.add(lot.lot_id)
            if recent < len(kept):
                self.lots[symbol] = tuple(kept)

    def _replacing(self, group: str, shares: Decimal, on: date) -> Decimal:
        """The disallowed losses a purchase of `shares` on `on` replaces (total, ≥ 0)."""
        if not self._losses:
            return ZERO
        start = on - self.window
        self._losses = [loss for loss in self._losses if loss.on >= start and loss.shares]
        added = ZERO
        for loss in self._losses:
            if shares and loss.group == group:
                matched = min(shares, loss.shares)
                added += self._disallow(loss, matched)
                shares -= matched
        return added

    def _disallow(self, loss: _Loss, shares: Decimal) -> Decimal:
        """Disallow the loss on `shares` of the sale: back into its year; the amount (≥ 0)."""
        short = (-loss.short * shares).quantize(CENT)
        long = (-loss.long * shares).quantize(CENT)
        tally = self.realized[loss.on.year]
        tally[0] += short
        tally[1] += long
        loss.shares -= shares
        if not loss.washed and (short or long):
            loss.washed = True
            self.wash_sales += 1
        return short + long

    def by_year(self) -> dict[int, tuple[Decimal, Decimal]]:
        """Realized (short-term, long-term) net gains by year."""
        return {year: (short, long) for year, (short, long) in sorted(self.realized.items())}

    def pay(self, year: int) -> Decimal:
        """The tax owed for the years up to `year` on what they realized so far: paid now.

        What `year`'s last bar realizes after the payment is paid with the next year's.
        """
        dues = year_taxes(self.by_year(), self.policy)
        owed = max(sum((t for y, t in dues.items() if y <= year), _CENTS) - self.paid, ZERO)
        self.paid += owed
        return owed

    def summary(
        self, final_equity: Decimal, prices: Mapping[str, Decimal], on: date
    ) -> BacktestTax:
        """The run's `BacktestTax`: liquidating every lot at `prices` on `on` for the value."""
        realized = self.by_year()
        first_short = short_from(on)
        with_sale = dict(realized)
        short, long = with_sale.get(on.year, (_CENTS, _CENTS))
        for symbol, lots in self.lots.items():
            pieces: list[Piece] = [(lot, lot.quantity) for lot in lots]
            for sale in lot_sales(symbol, priced(pieces, prices[symbol]), first_short):
                if sale.term is Term.SHORT:
                    short += sale.gain
                else:
                    long += sale.gain
        with_sale[on.year] = (short, long)
        owed = sum(year_taxes(with_sale, self.policy).values(), _CENTS) - self.paid
        return BacktestTax(
            realized_by_year=FrozenDict(realized),
            harvested_losses=self.harvested,
            wash_sales=self.wash_sales,
            after_tax_value=final_equity - owed,
            taxes_paid=self.paid,
        )


#: A piece of a symbol's lots by position: (index among its lots, shares taken).
Place = tuple[int, Decimal]


def _left(lots: tuple[TaxLot, ...], places: list[Place]) -> tuple[TaxLot, ...]:
    """The lots after the sale of `places`: the last lot touched split.

    The same as `portfolio.tax.relief.remaining`, without walking every lot: the pieces
    are found by position and the rest is copied in C.
    """
    left = list(lots)
    for at, shares in sorted(places, key=_FIRST, reverse=True):
        lot = lots[at]
        if shares < lot.quantity:  # what is left of the lot (built directly: in the hot loop)
            quantity = lot.quantity - shares
            left[at] = TaxLot(
                quantity=quantity, cost=lot.cost, acquired=lot.acquired, lot_id=lot.lot_id
            )
        else:
            del left[at]
    return tuple(left)


def _number(lot_id: str) -> int:
    """The number of a lot id `B<n>` (`TaxLedger.buy`): a symbol's lots count up."""
    return int(lot_id[1:])


def _lot_number(lot: TaxLot) -> int:
    return _number(lot.lot_id)


def _place(lots: tuple[TaxLot, ...], lot_id: str) -> int:
    """The index of the lot `lot_id` among a symbol's lots (or where it would be)."""
    return bisect_left(lots, _number(lot_id), key=_lot_number)


def _places(
    lots: tuple[TaxLot, ...], chosen: list[Relieved], shares: Decimal
) -> list[Place] | None:
    """The plan's lot sales as places among these lots, or None when they do not match."""
    places: list[Place] = []
    total = ZERO
    for lot_id, _, quantity, _ in chosen:
        at = _place(lots, lot_id)
        if at == len(lots) or lots[at].lot_id != lot_id or quantity > lots[at].quantity:
            return None
        places.append((at, quantity))
        total += quantity
    return places if total == shares else None
