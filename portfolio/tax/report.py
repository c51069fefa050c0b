"""What a plan's sales realize: `Term`, `LotSale` and the plan's `TaxReport`."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import attrs

from portfolio.formats.display import counted, html_table, money, shares

__all__ = ["LOT_HEADERS", "LotSale", "TaxReport", "Term"]

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
