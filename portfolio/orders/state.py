"""What a broker says about one order: its status, how much of it filled, at what price."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from portfolio.records.plan import Action

__all__ = ["OrderState", "OrderStatus"]


class OrderStatus(enum.Enum):
    """An order's life: open while the broker may still fill it, final once it never will."""

    NEW = "new"
    PENDING_NEW = "pending_new"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"
    #: Anything else a broker reports (pending_cancel, held, suspended, …): still open.
    OTHER = "other"

    @property
    def is_final(self) -> bool:
        """True once nothing more will fill: filled, canceled, expired or rejected."""
        return self in _FINAL


_FINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED}
)


@attrs.frozen(kw_only=True)
class OrderState:
    """One order as the broker last reported it.

    `quantity` (shares) or `notional` (account currency) is what was asked;
    `filled_quantity` (shares, ≥ 0) is what filled so far, at `average_price` per share
    (None before the first fill). `order_id` is the broker's id, `client_order_id` ours.
    """

    order_id: str
    client_order_id: str
    symbol: str
    side: Action
    status: OrderStatus
    quantity: Decimal | None = None
    notional: Decimal | None = None
    filled_quantity: Decimal = Decimal(0)
    average_price: Decimal | None = None

    @property
    def filled_value(self) -> Decimal:
        """filled_quantity × average_price, in account currency (0 before any fill)."""
        price = self.average_price
        return Decimal(0) if price is None else self.filled_quantity * price
