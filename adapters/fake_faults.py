"""What the fake broker is told to fail, and the record of each call made to it.

`FakeBroker.fail_next` queues faults here, each for one `Method` or for any; every
call the fake answers takes the first fault queued for it, or succeeds. `BrokerCall`
is one line of the fake's call log, failed calls included.

>>> from portfolio import ErrorKind, PortfolioError
>>> faults = FaultQueue()
>>> faults.add(PortfolioError.of(ErrorKind.TIMEOUT, "slow"), method=Method.FILL)
>>> faults.answer(Method.GET_SNAPSHOT, lambda: "snapshot")
<Success: snapshot>
>>> faults.answer(Method.FILL, lambda: "filled").failure().kind
<ErrorKind.TIMEOUT: 'timeout'>
>>> len(faults)
0
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from typing import TypeVar

import attrs
from returns.result import Failure, Result, Success

from portfolio.records.errors import PortfolioError

__all__ = ["BrokerCall", "FaultQueue", "Method"]

T = TypeVar("T")


class Method(enum.Enum):
    """The fake's methods that count as calls to the broker."""

    GET_SNAPSHOT = "get_snapshot"
    FILL = "fill"
    SUBMIT_ORDER = "submit_order"
    GET_ORDER = "get_order"


@attrs.frozen(kw_only=True)
class BrokerCall:
    """One call made to the fake: which method, the symbols asked for, and the outcome."""

    method: Method
    symbols: tuple[str, ...]
    ok: bool


class FaultQueue:
    """Faults still to come, in the order they were queued, each for a method or for any."""

    def __init__(self) -> None:
        """No faults: every call succeeds."""
        self._queued: deque[tuple[PortfolioError, Method | None]] = deque()

    def add(self, error: PortfolioError, times: int = 1, *, method: Method | None = None) -> None:
        """The next `times` calls of `method` (None: of any method) fail with `error`."""
        self._queued.extend([(error, method)] * times)

    def answer(self, method: Method, make: Callable[[], T]) -> Result[T, PortfolioError]:
        """The first fault queued for `method`, used up; else `Success(make())`."""
        for fault in self._queued:
            error, target = fault
            if target in {None, method}:
                self._queued.remove(fault)
                return Failure(error)
        return Success(make())

    def __len__(self) -> int:
        """How many faults are still queued."""
        return len(self._queued)
