"""A hashable, read-only mapping so that records are deeply immutable.

`attrs.frozen` is shallow: a dict passed to a record could still be mutated by the
caller. Record fields that hold mappings are copied into a `FrozenDict` on the way in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar, final

__all__ = ["FrozenDict"]

K = TypeVar("K")
V = TypeVar("V")


@final
class FrozenDict(Mapping[K, V]):
    """An immutable copy of a mapping; equal to any mapping with the same items.

    >>> source = {"SPY": 1}
    >>> frozen = FrozenDict(source)
    >>> source["SPY"] = 2
    >>> frozen["SPY"], frozen == {"SPY": 1}, hash(frozen) == hash(FrozenDict({"SPY": 1}))
    (1, True, True)
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V] | None = None, /) -> None:
        """Copy `data` (or start empty)."""
        self._data: dict[K, V] = dict(data) if data is not None else {}
        self._hash: int | None = None

    @classmethod
    def adopt(cls, data: dict[K, V]) -> FrozenDict[K, V]:
        """Wrap a dict the caller has just built and will never touch again (no copy)."""
        frozen: FrozenDict[K, V] = cls.__new__(cls)
        frozen._data = data
        frozen._hash = None
        return frozen

    def __getitem__(self, key: K) -> V:
        """Look a key up."""
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        """Iterate keys in insertion order."""
        return iter(self._data)

    def __len__(self) -> int:
        """Count the items."""
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        """Membership without the Mapping mixin's try/except."""
        return key in self._data

    def __hash__(self) -> int:
        """Hash of the items, independent of their order; cached."""
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        """Equal to any mapping with the same items."""
        if isinstance(other, FrozenDict):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        """Show the items like a dict."""
        return f"FrozenDict({self._data!r})"
