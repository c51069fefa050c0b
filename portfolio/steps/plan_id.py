"""The plan id step: a name derived from the validated inputs' content.

No clock and no random id: the id is the first 32 hex digits of a SHA-256 over the
inputs in a canonical text form (symbols sorted; numbers written so that equal
values are written alike: 0.6, 0.60 and 6E-1 all become "0.6"). The same inputs
always name the same plan, across runs, processes and machines.

The digest is taken in two parts: `IdSeed` covers what a `Planner` fixes once (the
correlation id, the policy, the weights), `plan_id` adds a snapshot's part. Writing a
column of Decimals as text and checking it in C is about six times cheaper than
`hash()` on fresh Decimals, which CPython computes on every new object.
"""

from __future__ import annotations

import decimal
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Asset

__all__ = ["IdSeed", "canonical_text", "plan_id"]

#: A trailing fractional zero (0.50): a literal "." first, so the scan runs in C.
_TRAILING_ZERO = re.compile(r"\.[0-9]*0(?:\x00|$)")
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
_VERSION = "v2"


def canonical_text(values: Iterable[Decimal]) -> str:
    r"""The values as text, NUL-separated, equal values written alike.

    >>> canonical_text([Decimal("0.60"), Decimal("1E+3"), Decimal("-0"), Decimal("1E-9")])
    '0.6\x001000\x000\x001E-9'
    >>> canonical_text([Decimal("0.50"), Decimal("-0.0"), Decimal("10")]), canonical_text([])
    ('0.5\x000\x0010', '')
    """
    column = tuple(values)
    # `%s` is str() without a list to join: 1.0 against 1.2 thousand instructions a number
    text = ("%s\x00" * len(column))[:-1] % column
    if _is_canonical(text):  # the common case, checked in C
        return text
    if "E" in text:
        return "\x00".join(map(_canonical, column))
    # Only the numbers with a trailing fractional zero rewritten (6 of a taxed 20-symbol
    # plan's 62), not every number split, stripped and joined again: that plan from 3,624
    # to 3,593 thousand instructions (cachegrind). A `sub` with a group in its template
    # costs more than the split did (Python 3.11 expands each match in Python).
    parts: list[str] = []
    at = 0
    for found in _TRAILING_ZERO.finditer(text):
        dot, end = found.span()
        if text[end - 1] == "\x00":  # the separator stays
            end -= 1
        parts += (text[at:dot], text[dot:end].rstrip("0").rstrip("."))
        at = end
    parts.append(text[at:])
    text = "".join(parts)
    if "-0\x00" in text or text.endswith("-0"):  # a negative zero ("-0.00" is one now)
        return "\x00".join(["0" if w == "-0" else w for w in text.split("\x00")])
    return text


def _is_canonical(text: str) -> bool:
    """No exponent, no trailing fractional zero, no negative zero in NUL-separated str()s."""
    return (
        "E" not in text
        and _TRAILING_ZERO.search(text) is None
        and "-0\x00" not in text
        and not text.endswith("-0")
    )


def _canonical(value: Decimal) -> str:
    """The str() of the value's shortest form: no trailing fractional zeros, no -0."""
    text = str(value)
    if "E" not in text:
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    shortest = value.normalize(_EXACT)
    exponent = shortest.as_tuple().exponent
    return f"{shortest:f}" if isinstance(exponent, int) and exponent > 0 else str(shortest)


def _text(*parts: str) -> bytes:
    """Parts joined by NUL, as bytes; a lone surrogate is written, never an error."""
    return "\x00".join(parts).encode("utf-8", "surrogatepass")


class IdSeed:
    """The digest of what a prepared plan fixes: correlation id, policy, weights.

    Pickled as the text it digests (a hash state does not pickle), so that a prepared
    planner can travel to a worker process.
    """

    __slots__ = ("_digest", "_head", "_listed", "_tail", "_targeted", "_value")
    _digest: hashlib._Hash | None
    _targeted: tuple[str, ...] | None

    def __init__(
        self,
        correlation_id: str,
        policy: SizingPolicy,
        weights: Mapping[str, Decimal],
        targeted: tuple[str, ...],
        portfolio_value: Decimal | None = None,
    ) -> None:
        """Digest the fixed part once; `weights` checked, `targeted` its sorted symbols."""
        self._value = "" if portfolio_value is None else _canonical(portfolio_value)
        flags = (
            f"{policy.fractional:d}{policy.allow_short:d}{policy.rounding}"
            f"\x00{policy.mode}\x00{policy.band_trigger}"
        )
        column = canonical_text(map(weights.__getitem__, targeted))
        self._tail = _text(flags, canonical_text(policy.amounts), *targeted, "\x01", column)
        self._head = _text(_VERSION, correlation_id, self._value)
        self._digest = hashlib.sha256(self._head + self._tail)
        self._targeted, self._listed = targeted, _listed(targeted)

    def rebased(self, correlation_id: str) -> IdSeed:
        """The same seed under another correlation id; the rest is not written again.

        Digested when first read (`copy`, `followed_by`): a model shared by many accounts
        is rebased once per account and read once, so its text is digested once, together
        with the snapshot's part, without a digest to copy.
        """
        seed = object.__new__(IdSeed)
        seed._head = _text(_VERSION, correlation_id, self._value)
        seed._value, seed._tail, seed._digest = self._value, self._tail, None
        seed._targeted, seed._listed = self._targeted, self._listed
        return seed

    def listed(self, symbols: tuple[str, ...]) -> str:
        """The symbols, each followed by a NUL: the targeted ones' text written once."""
        return self._listed if symbols is self._targeted else _listed(symbols)

    def __reduce__(self) -> tuple[Callable[[bytes, str, bytes], IdSeed], tuple[bytes, str, bytes]]:
        """Pickled as the text it digests: its correlation id's part and the rest."""
        return _seed, (self._head, self._value, self._tail)

    def copy(self) -> hashlib._Hash:
        """A copy of the digest to add one snapshot's part to."""
        if self._digest is None:
            self._digest = hashlib.sha256(self._head + self._tail)
        return self._digest.copy()

    def followed_by(self, part: bytes) -> hashlib._Hash:
        """The digest of the seed's text followed by `part` (one snapshot's)."""
        if self._digest is None:  # rebased and not read yet: one digest of the whole text
            return hashlib.sha256(self._head + self._tail + part)
        digest = self._digest.copy()
        digest.update(part)
        return digest


def _seed(head: bytes, value: str, tail: bytes) -> IdSeed:
    """The seed that digests `head` (version, correlation id, value) then `tail`."""
    seed = object.__new__(IdSeed)
    seed._head, seed._value, seed._tail = head, value, tail
    seed._digest = hashlib.sha256(head + tail)
    seed._targeted, seed._listed = None, ""
    return seed


def _listed(symbols: tuple[str, ...]) -> str:
    """Each symbol followed by a NUL ("" for none)."""
    return "\x00".join(symbols) + "\x00" if symbols else ""


def plan_id(  # noqa: PLR0913 - the snapshot's part of the content, by name
    seed: IdSeed,
    *,
    as_of: datetime | None,
    cash: Decimal,
    symbols: tuple[str, ...],
    prices: Iterable[Decimal],
    held: Mapping[str, Decimal],
    assets: Mapping[str, Asset],
) -> str:
    """The id of the plan for these validated inputs (`symbols` sorted, the universe).

    The portfolio value is not hashed: it follows from these (or from the allocation's
    `portfolio_value`, which the seed holds).
    """
    owned = sorted(held)
    numbers = canonical_text((cash, *prices, *map(held.__getitem__, owned)))
    stamp = as_of.isoformat() if as_of is not None else ""
    # the model's symbols joined once (`IdSeed.listed`): a 20-symbol account on a shared
    # model from 759.3 to 756.9 thousand instructions (cachegrind)
    part = _text("\x01", stamp, seed.listed(symbols) + "\x01", *owned, "\x01", numbers)
    if assets:
        universe = frozenset(symbols)
        facts = (
            f"{s}:{a.fractionable:d}{a.tradable:d}{a.shortable:d}:{a.asset_class}"
            f":{a.min_order_notional!r}:{a.quantity_increment!r}"
            for s, a in sorted(assets.items())
            if s in universe
        )
        part += _text("\x01", *facts)
    return seed.followed_by(part).hexdigest()[:32]
