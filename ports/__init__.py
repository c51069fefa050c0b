"""Ports: the narrow interfaces the shell talks through. Adapters implement them."""

from ports.broker import BrokerPort

__all__ = ["BrokerPort"]
