"""Adapters: implementations of the ports (an in-memory fake, Alpaca).

Import the one you need: `from adapters.fake import FakeBroker`,
`from adapters.alpaca import AlpacaBroker` (needs the `alpaca` extra).
"""
