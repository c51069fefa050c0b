"""Requests and time of one Alpaca snapshot against the local server, for 500 and 5,000 symbols.

Run: `.venv/bin/python tests/benchmarks/bench_alpaca.py [sizes...]`. Every symbol is held
and asked for; the server is `tests/alpaca_server.py` on 127.0.0.1 (real sockets, the
real alpaca-py clients). The baseline, timed in the same run, is the same server read
one latest-trade request per symbol (what the system this library replaced did). It
also finds the longest request target the local server accepts. It asserts nothing:
the figures go into docs/performance.md.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alpaca_server import AlpacaServer

from adapters.alpaca import AlpacaBroker

KEY, SECRET = "PKBENCH0123456789ABCD", "benchSECRET/0123456789abcdefghijklmnop"
HEADERS = {"APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET}


def loaded(server: AlpacaServer, n: int) -> list[str]:
    """N held symbols with prices and asset facts."""
    symbols = [f"S{i:04d}" for i in range(n)]
    server.set_cash("100000")
    for i, symbol in enumerate(symbols):
        server.hold(symbol, "3")
        server.trades[symbol] = 10 + i / 4
        server.list_asset(symbol)
    return symbols


def snapshot_seconds(server: AlpacaServer, symbols: list[str], repeats: int) -> tuple[float, int]:
    """Median seconds of a snapshot, and the requests one snapshot makes."""
    broker = AlpacaBroker(KEY, SECRET, trading_url=server.url, data_url=server.url, timeout=60)
    broker.get_snapshot(symbols).unwrap()  # warm: connection, imports
    times = []
    for _ in range(repeats):
        before = server.count()
        started = time.perf_counter()
        broker.get_snapshot(symbols).unwrap()
        times.append(time.perf_counter() - started)
        made = server.count() - before
    broker.close()
    return statistics.median(times), made


def per_symbol_seconds(server: AlpacaServer, symbols: list[str]) -> float:
    """The baseline: one latest-trade request per symbol over one keep-alive session."""
    with requests.Session() as session:
        started = time.perf_counter()
        for symbol in symbols:
            url = f"{server.url}/v2/stocks/trades/latest?symbols={symbol}"
            session.get(url, headers=HEADERS, timeout=10).raise_for_status()
        return time.perf_counter() - started


def longest_accepted_target(server: AlpacaServer) -> int:
    """Bytes of the longest request target the local server answers (bisection)."""
    low, high = 1_000, 200_000
    with requests.Session() as session:
        while high - low > 64:
            middle = (low + high) // 2
            path = "/v2/stocks/trades/latest?symbols=" + "A" * (middle - 33)
            status = session.get(server.url + path, headers=HEADERS, timeout=10).status_code
            low, high = (middle, high) if status == 200 else (low, middle)
    return low


def main(sizes: list[int]) -> None:
    """Print requests, median time and the per-symbol baseline for each size."""
    for n in sizes:
        with AlpacaServer(KEY, SECRET) as server:
            symbols = loaded(server, n)
            seconds, made = snapshot_seconds(server, symbols, repeats=20 if n <= 1000 else 5)
            baseline = per_symbol_seconds(server, symbols)
            print(
                f"{n:>6} symbols: {made} requests, {seconds * 1000:8.1f} ms (median);"
                f" one request per symbol: {n} requests, {baseline * 1000:8.1f} ms"
                f" ({baseline / seconds:.1f}x slower)"
            )
    with AlpacaServer(KEY, SECRET) as server:
        print(
            f"local server: longest request target accepted ≈ {longest_accepted_target(server)} B"
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [500, 5000])
