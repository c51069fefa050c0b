"""A hashable, read-only mapping so that records are deeply immutable.

`attrs.frozen` is shallow: a dict passed to a record could still be mutated by the
caller. Record fields that hold mappings are copied into a `FrozenDict` on the way in.
It subclasses `dict` for speed (look-ups run at C speed in the planner's hot loops)
and refuses every mutating method.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn, TypeVar, final

__all__ = ["FrozenDict"]

K = TypeVar("K")
V = TypeVar("V")


@final
class FrozenDict(dict[K, V]):
    """An immutable copy of a mapping; equal to any mapping with the same items.

    >>> source = {"SPY": 1}
    >>> frozen = FrozenDict(source)
    >>> source["SPY"] = 2
    >>> frozen["SPY"], frozen == {"SPY": 1}, hash(frozen) == hash(FrozenDict({"SPY": 1}))
    (1, True, True)
    >>> frozen["SPY"] = 3
    Traceback (most recent call last):
    TypeError: FrozenDict is immutable
    """

    __slots__ = ()

    def __init__(self, data: Mapping[K, V] | Iterable[tuple[K, V]] | None = None, /) -> None:
        """Copy `data`, a mapping or (key, value) pairs (or start empty)."""
        super().__init__(data if data is not None else {})

    def __hash__(self) -> int:  # type: ignore[override] # dict is unhashable; a frozen one is not
        """Hash of the items, independent of their order."""
        return hash(frozenset(self.items()))

    def __repr__(self) -> str:
        """Show the items like a dict."""
        return f"FrozenDict({dict.__repr__(self)})"

    def __reduce__(self) -> tuple[type[FrozenDict[K, V]], tuple[dict[K, V]]]:
        """Copy and pickle through the constructor, not item assignment."""
        return (type(self), (dict(self),))

    def _immutable(self, *_: object, **__: object) -> NoReturn:
        msg = "FrozenDict is immutable"
        raise TypeError(msg)

    __setitem__: Any = _immutable
    __delitem__: Any = _immutable
    __ior__: Any = _immutable
    clear: Any = _immutable
    pop: Any = _immutable
    popitem: Any = _immutable
    setdefault: Any = _immutable
    update: Any = _immutable
