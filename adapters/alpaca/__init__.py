"""The Alpaca adapter: `BrokerPort` on alpaca-py (needs the `alpaca` extra).

>>> from adapters.alpaca import AlpacaBroker
>>> AlpacaBroker.from_env({}).failure().kind.name
'BROKER_UNAVAILABLE'

See docs/alpaca.md for the requests made per snapshot and the faults handled.
"""

from adapters.alpaca.broker import AlpacaBroker
from adapters.alpaca.lots import LotIssue, LotWarning
from adapters.alpaca.prices import PriceSource

__all__ = ["AlpacaBroker", "LotIssue", "LotWarning", "PriceSource"]
