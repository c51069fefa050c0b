"""The port through which the shell places orders and follows them until they are final."""

from __future__ import annotations

from typing import Protocol

from returns.result import Result

from portfolio.orders.intents import OrderIntent
from portfolio.orders.state import OrderState
from portfolio.records.errors import PortfolioError

__all__ = ["OrderPort"]


class OrderPort(Protocol):
    """Submits orders under our own client order ids and reads them back by those ids.

    `submit_order(intent)` places a market day order for the intent and returns its state
    as the broker reports it. Submitting a client id the broker already knows never
    places a second order: the existing order's state comes back. `get_order(client id)`
    reads an order's current state, Success(None) when the broker has no order with that
    id. Every failure (unreachable broker, time-out, rejection before the order exists)
    is a `Failure(PortfolioError)`; an implementation never raises.
    """

    def submit_order(self, intent: OrderIntent) -> Result[OrderState, PortfolioError]:
        """Place the order (once per client id) and return its state."""
        ...

    def get_order(self, client_order_id: str) -> Result[OrderState | None, PortfolioError]:
        """The order with this client id as the broker reports it now, or None if unknown."""
        ...
