"""What a plan's sales realize: `Term`, `LotSale` and the plan's `TaxReport`."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, NamedTuple

import attrs

from portfolio.formats.display import counted, html_table, money, shares
from portfolio.records.money import CORE_CONTEXT
from portfolio.tax.records import TaxLot

__all__ = ["LOT_HEADERS", "LotSale", "Priced", "SoldRows", "TaxReport", "Term", "lot_sales"]

#: The columns of the lots a plan sells, as a page or a notebook shows them.
LOT_HEADERS = ("Symbol", "Lot", "Acquired", "Shares", "Proceeds", "Cost", "Gain", "Term")


class Term(enum.Enum):
    """Short-term: sold on or before the first anniversary of the purchase; long-term after."""

    SHORT = "SHORT"
    LONG = "LONG"


@attrs.frozen(kw_only=True)
class LotSale:
    """The part of one lot a sale relieves.

    `quantity` shares of the lot `lot_id` acquired on `acquired`; `proceeds` =
    quantity × price, `cost` = quantity × the lot's cost per share, `gain` = proceeds −
    cost (negative for a loss), each in account currency rounded to cents.
    """

    symbol: str
    lot_id: str
    acquired: date
    quantity: Decimal
    proceeds: Decimal
    cost: Decimal
    gain: Decimal
    term: Term


#: A piece of a lot a sale relieves, priced: (lot, shares, proceeds, cost), the amounts
#: at the sale's price rounded to cents (`portfolio.tax.relief.priced`).
Priced = tuple[TaxLot, Decimal, Decimal, Decimal]
_LONG, _SHORT = Term.LONG, Term.SHORT


def lot_sales(symbol: str, pieces: Iterable[Priced], first_short: date) -> list[LotSale]:
    """The `LotSale` of each priced piece of `symbol`.

    `first_short` is `short_from` of the sale date: a lot acquired before it is long-term.
    """
    return [
        LotSale(
            symbol=symbol,
            lot_id=lot.lot_id,
            acquired=lot.acquired,
            quantity=shares,
            proceeds=proceeds,
            cost=cost,
            gain=proceeds - cost,
            term=_LONG if lot.acquired < first_short else _SHORT,
        )
        for lot, shares, proceeds, cost in pieces
    ]


class SoldRows(NamedTuple):
    """A plan's sales as the planner priced them, before they are `LotSale`s.

    `by_symbol`: each sold symbol's priced pieces, in plan order; `first_short`:
    `short_from` of the plan's date.
    """

    by_symbol: Mapping[str, Sequence[Priced]]
    first_short: date

    def sales(self) -> tuple[LotSale, ...]:
        """The `LotSale` of every piece, by symbol in plan order.

        Built in the core's context, as the plan was, whatever the reader's context: a
        gain is exact there (a reader's lower precision would round it).
        """
        first_short = self.first_short
        with localcontext(CORE_CONTEXT):
            return tuple(
                sale
                for symbol, pieces in self.by_symbol.items()
                for sale in lot_sales(symbol, pieces, first_short)
            )


@attrs.frozen(kw_only=True)
class TaxReport:
    """What the plan's sales realize (account currency, cents).

    `sales` lists every lot relieved, by symbol in plan order; `short_term_gain` and
    `long_term_gain` are net (gains − losses) per term; `estimated_tax` is
    short_term_gain × short_term_rate + long_term_gain × long_term_rate (negative when
    the losses would offset other gains); `unknown_basis` names the symbols sold
    without lots. `over_budget` is how far the net realized gain exceeds
    `TaxPolicy.max_realized_gain` (0 when the plan is within it, or has no budget): only
    sales the budget never cuts can make it so, liquidations above all (docs/tax.md).
    `harvested_loss` (≥ 0) is the loss the plan's harvesting sales realize;
    `substituted` lists each (symbol, substitute) whose buy went to the substitute, by a
    harvest or because the wash-sale rule held the symbol's buy.
    """

    sales: tuple[LotSale, ...]
    short_term_gain: Decimal
    long_term_gain: Decimal
    estimated_tax: Decimal
    unknown_basis: tuple[str, ...] = ()
    over_budget: Decimal = Decimal("0.00")
    harvested_loss: Decimal = Decimal("0.00")
    substituted: tuple[tuple[str, str], ...] = ()
    # The rows `sales` is built from on its first read (`of_rows`), None once built; not
    # part of the report's value (equality, hash, repr, and pickles: `sales` is built
    # before this field is read).
    _rows: SoldRows | None = attrs.field(default=None, init=False, eq=False, repr=False)

    @classmethod
    def of_rows(  # noqa: PLR0913 - the report's fields, by keyword
        cls,
        rows: SoldRows,
        *,
        short_term_gain: Decimal,
        long_term_gain: Decimal,
        estimated_tax: Decimal,
        unknown_basis: tuple[str, ...],
        over_budget: Decimal,
    ) -> TaxReport:
        """The report whose `sales` are `rows.sales()`, built when first read.

        A plan's report is mostly never read: building its `LotSale`s only on demand
        (and the gains, the tax and the plan id from the rows) takes a taxed plan from
        4.06 to 3.77 million instructions at 20 symbols (21 `LotSale`s) and from 176 to
        161 million at 1,000 (1,025), cachegrind. Equal, in every way, to
        `TaxReport(sales=rows.sales(), ...)`.
        """
        report = cls(
            sales=(),
            short_term_gain=short_term_gain,
            long_term_gain=long_term_gain,
            estimated_tax=estimated_tax,
            unknown_basis=unknown_basis,
            over_budget=over_budget,
        )
        object.__delattr__(report, "sales")  # unset: read through `__getattr__`
        object.__setattr__(report, "_rows", rows)
        return report

    if not TYPE_CHECKING:  # to mypy every attribute stays declared; a typo stays an error

        def __getattr__(self, name: str) -> object:
            """`sales`, built from the rows on its first read (see `of_rows`)."""
            rows = self._rows if name == "sales" else None
            if rows is None:
                message = f"{type(self).__name__!r} object has no attribute {name!r}"
                raise AttributeError(message, name=name, obj=self)
            sales = rows.sales()
            object.__setattr__(self, "sales", sales)
            object.__setattr__(self, "_rows", None)
            return sales

    @property
    def net_gain(self) -> Decimal:
        """short_term_gain + long_term_gain: the plan's net realized gain."""
        return self.short_term_gain + self.long_term_gain

    def lot_rows(self) -> list[tuple[str, ...]]:
        """Each lot relieved as text, in `LOT_HEADERS`' order: shares unsigned, money in cents."""
        return [
            (
                sale.symbol,
                sale.lot_id,
                sale.acquired.isoformat(),
                shares(sale.quantity).removeprefix("+"),  # shares sold: no sign
                money(sale.proceeds),
                money(sale.cost),
                money(sale.gain),
                sale.term.value.lower() + "-term",
            )
            for sale in self.sales
        ]

    def to_html(self) -> str:
        """The lots relieved as an HTML table captioned "Lots sold" (`lot_rows`), or ""."""
        if not self.sales:
            return ""
        return html_table(
            LOT_HEADERS, self.lot_rows(), frozenset({3, 4, 5, 6}), caption="Lots sold"
        )

    def summary(self) -> tuple[str, ...]:
        """The report in words, under a plan's totals: gains by term, the estimated tax."""
        gains = (
            f"Realized gains: short-term {money(self.short_term_gain)}   "
            f"long-term {money(self.long_term_gain)}   "
            f"estimated tax {money(self.estimated_tax)}   "
            f"({counted(len(self.sales), 'lot')} relieved)"
        )
        over = f"Over the gain budget by {money(self.over_budget)} (liquidations)"
        unknown = f"Sold without lots (basis unknown): {', '.join(self.unknown_basis)}"
        harvested = f"Losses harvested: {money(self.harvested_loss)}"
        moved = "Bought instead: " + ", ".join(f"{a} → {b}" for a, b in self.substituted)
        return (
            gains,
            *([over] if self.over_budget > 0 else []),
            *([unknown] if self.unknown_basis else []),
            *([harvested] if self.harvested_loss > 0 else []),
            *([moved] if self.substituted else []),
        )
