"""How a plan treats taxes: `LotMethod`, `TaxPolicy` and what makes a policy valid."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal

import attrs

from portfolio.records.errors import PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.money import MAX_AMOUNT, is_bounded
from portfolio.records.symbol_keys import is_symbol
from portfolio.records.typed_fields import shown

__all__ = ["LotMethod", "TaxPolicy", "tax_policy_problem"]

#: The longest wash-sale look-back accepted, in days (a longer one is a typo).
MAX_WASH_SALE_DAYS = 366


def _tuples(groups: object) -> tuple[tuple[str, ...], ...]:
    """Lists of lists into tuples of tuples; anything else is kept for validation."""
    if isinstance(groups, list | tuple):
        return tuple(tuple(g) if isinstance(g, list) else g for g in groups)
    return groups  # type: ignore[return-value] # kept for tax_policy_problem


def _frozen_substitutes(given: object) -> Mapping[str, tuple[str, ...]]:
    """A mapping into a `FrozenDict` of tuples, its symbols in order; else kept for validation.

    Equal mappings written in another order become the same value, written alike (the
    plan id writes the policy: equal policies name equal plans).
    """
    if not isinstance(given, Mapping):
        return given  # type: ignore[return-value] # kept for tax_policy_problem
    items = list(given.items())
    if all(isinstance(k, str) for k, _ in items):
        items.sort(key=lambda item: item[0])
    elif isinstance(given, FrozenDict):
        return given  # kept for tax_policy_problem
    return FrozenDict({k: tuple(v) if isinstance(v, list) else v for k, v in items})


class LotMethod(enum.Enum):
    """Which lots a sale relieves first (docs/tax.md, rule 1).

    `FIFO` the oldest, `LIFO` the newest, `HIFO` the highest cost, `MIN_TAX` the least
    estimated tax per share at the policy's rates (losses before gains, long-term gains
    before short-term ones when the long-term rate is lower).
    """

    FIFO = "FIFO"
    LIFO = "LIFO"
    HIFO = "HIFO"
    MIN_TAX = "MIN_TAX"


@attrs.frozen(kw_only=True)
class TaxPolicy:
    """The tax rules a plan applies (docs/tax.md).

    - `method`: the `LotMethod` a sale relieves lots by.
    - `max_realized_gain`: the most net realized gain (gains − losses, account currency,
      ≥ 0) the plan may realize; None = no budget. Liquidations are never cut for it.
    - `defer_short_term_gains`: cut sales to the lots that realize no short-term gain.
    - `short_term_rate`, `long_term_rate`: fractions in [0, 1] for the estimated tax.
    - `wash_sale_days`: the wash-sale window in days (an int in [0, 366]).
    - `identical`: groups of symbols that count as one security for the wash-sale rule
      (share classes, one index fund under two tickers); a symbol in one group at most.
    - `substitutes`: for a symbol, the symbols to hold instead, in order of preference,
      none in the symbol's `identical` group (harvests and held buys go to them).
    - `harvest_threshold`: None = no harvesting; else a fraction of a lot's cost (≥ 0):
      a lot whose unrealized loss is at least threshold × its cost and at least
      `harvest_min_loss` (account currency, ≥ 0) is harvested (docs/tax.md).
    """

    method: LotMethod = LotMethod.FIFO
    max_realized_gain: Decimal | None = None
    defer_short_term_gains: bool = False
    short_term_rate: Decimal = Decimal(0)
    long_term_rate: Decimal = Decimal(0)
    wash_sale_days: int = 30
    identical: tuple[tuple[str, ...], ...] = attrs.field(default=(), converter=_tuples)
    substitutes: Mapping[str, tuple[str, ...]] = attrs.field(
        factory=FrozenDict, converter=_frozen_substitutes
    )
    harvest_threshold: Decimal | None = None
    harvest_min_loss: Decimal = Decimal(0)


def tax_policy_problem(tax: object) -> PortfolioError | None:
    """The first bad field of a tax policy, as INVALID_POLICY naming it; or None.

    >>> tax_policy_problem(TaxPolicy(short_term_rate=Decimal("1.5"))).context["field"]
    'tax.short_term_rate'
    """
    if not isinstance(tax, TaxPolicy):
        return _bad("", "a TaxPolicy or None", tax)
    budget = tax.max_realized_gain
    days = tax.wash_sale_days
    checks = (
        ("method", "a LotMethod", isinstance(tax.method, LotMethod)),
        (
            "max_realized_gain",
            "None or a finite Decimal in [0, 1E+15]",
            budget is None or (is_bounded(budget, MAX_AMOUNT) and budget >= 0),
        ),
        ("defer_short_term_gains", "a bool", type(tax.defer_short_term_gains) is bool),
        ("short_term_rate", "a Decimal in [0, 1]", _is_rate(tax.short_term_rate)),
        ("long_term_rate", "a Decimal in [0, 1]", _is_rate(tax.long_term_rate)),
        (
            "wash_sale_days",
            f"an int in [0, {MAX_WASH_SALE_DAYS}]",
            type(days) is int and 0 <= days <= MAX_WASH_SALE_DAYS,
        ),
    )
    for name, expected, ok in checks:
        if not ok:
            return _bad(name, expected, getattr(tax, name))
    return _harvest_problem(tax)


def _harvest_problem(tax: TaxPolicy) -> PortfolioError | None:
    """The first bad field among the harvesting ones, or None."""
    threshold, least = tax.harvest_threshold, tax.harvest_min_loss
    if not (threshold is None or (is_bounded(threshold, MAX_AMOUNT) and threshold >= 0)):
        return _bad("harvest_threshold", "None or a finite Decimal ≥ 0", threshold)
    if not (is_bounded(least, MAX_AMOUNT) and least >= 0):
        return _bad("harvest_min_loss", "a finite Decimal in [0, 1E+15]", least)
    problem = _groups_problem(tax.identical)
    if problem is not None:
        return _bad("identical", problem, tax.identical)
    problem = _substitutes_problem(tax.substitutes, tax.identical)
    if problem is not None:
        return _bad("substitutes", problem, tax.substitutes)
    return None


def _groups_problem(groups: object) -> str | None:
    """What is wrong with `identical`, in words, or None."""
    if not isinstance(groups, tuple) or not all(isinstance(g, tuple) for g in groups):
        return "a tuple of tuples of symbols"
    seen: set[str] = set()
    for group in groups:
        if not all(is_symbol(s) for s in group):
            return "groups of non-empty symbols"
        members = {s.upper() for s in group}
        if len(members) < 2 or len(members) < len(group):
            return "groups of two or more distinct symbols"
        twice = sorted(members & seen)
        if twice:
            return f"groups that do not share a symbol ({twice[0]} is in two)"
        seen |= members
    return None


def _substitutes_problem(  # noqa: PLR0911 - one return per rule
    substitutes: object, groups: tuple[tuple[str, ...], ...]
) -> str | None:
    """What is wrong with `substitutes`, in words, or None (`groups` checked already)."""
    if not isinstance(substitutes, Mapping):
        return "a mapping of symbols to tuples of symbols"
    group_of = {s.upper(): {m.upper() for m in g} for g in groups for s in g}
    keys: set[str] = set()
    for symbol, replacements in substitutes.items():
        if not is_symbol(symbol) or not isinstance(replacements, tuple) or not replacements:
            return "a mapping of symbols to non-empty tuples of symbols"
        if symbol.upper() in keys:
            return f"one entry per symbol ({symbol.upper()} twice)"
        keys.add(symbol.upper())
        if not all(is_symbol(s) for s in replacements):
            return f"non-empty symbols (for {symbol.upper()})"
        named = [s.upper() for s in replacements]
        if len(set(named)) < len(named):
            return f"distinct substitutes (for {symbol.upper()})"
        own = group_of.get(symbol.upper(), {symbol.upper()})
        clash = [s for s in named if s in own]
        if clash:
            where = f"{clash[0]} for {symbol.upper()}"
            return f"substitutes outside the symbol's identical group ({where})"
    return None


def _is_rate(value: object) -> bool:
    return is_bounded(value) and 0 <= value <= 1


def _bad(field: str, expected: str, value: object) -> PortfolioError:
    """INVALID_POLICY naming the field; its value as a message quotes one (`shown`)."""
    name = f"tax.{field}" if field else "tax"
    return PortfolioError.invalid_policy(
        f"SizingPolicy.{name} must be {expected}", field=name, value=shown(value)
    )
