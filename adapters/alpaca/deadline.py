"""Cutting an HTTP exchange off at the snapshot's deadline, even while its headers trickle in.

A socket time-out bounds each read, not their sum: a server that sends its status line
and headers one byte at a time, each just within the time-out, would hold a request
open for as long as it likes. So while the headers are read, a timer shuts the
socket down at the deadline; the read then ends at once and the request fails (and
the caller, seeing the deadline passed, reports a TIMEOUT). The body is read by
`DeadlineSession`, which cuts the socket's time-out to the time left before each piece.

urllib3 offers its connection classes as the hook: `install` makes a requests adapter
build its connections from the two classes below.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import HTTPResponse

__all__ = ["install", "until"]

_DEADLINE: ContextVar[float] = ContextVar("alpaca_deadline", default=math.inf)


@contextmanager
def until(deadline: float) -> Iterator[None]:
    """Within this block, responses on watched connections end by `deadline` (monotonic s)."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def install(adapter: HTTPAdapter) -> None:
    """Make `adapter` open watched connections (for http and https)."""
    adapter.poolmanager.pool_classes_by_scheme = {
        "http": WatchedHTTPConnectionPool,
        "https": WatchedHTTPSConnectionPool,
    }


@contextmanager
def _watchdog(sock: socket.socket | None) -> Iterator[None]:
    left = _DEADLINE.get() - time.monotonic()
    if sock is None or not math.isfinite(left):
        yield
        return
    timer = threading.Timer(max(left, 0.0), _shut, (sock,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed: nothing left to cut
        return


class _Connection(HTTPConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override] # urllib3's own signature
        with _watchdog(self.sock):
            return super().getresponse()


class _SecureConnection(HTTPSConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override] # urllib3's own signature
        with _watchdog(self.sock):
            return super().getresponse()


class WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _Connection


class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _SecureConnection
