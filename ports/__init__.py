"""Ports: the narrow interfaces the shell talks through. Adapters implement them."""

from ports.broker import BrokerPort
from ports.orders import OrderPort

__all__ = ["BrokerPort", "OrderPort"]
