"""From a plan to orders: the intents, the checks before them, executing and filling.

Pure: `intents` (a plan's orders, sells first), `checks` and `staleness` (does a plan still
fit the account?), `open_orders`, `state`, `execution` (what executing did) and `fill` (a
plan filled into a snapshot). The shell: `execute`, which places orders through the ports.
"""
