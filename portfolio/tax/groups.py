"""The one home of the `identical` groups: which symbols count as one security.

The wash-sale rule looks at a whole group (docs/tax.md, harvesting rule 2): a recent
loss sale of any member holds the buys of every member, and recent buys of any member
make a loss sale a wash sale. A symbol in no group is a group of its own. Symbols are compared
upper-case, as the planner keys them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from portfolio.records.plan_item import Action, PlanItem
from portfolio.tax.choice import SaleTerms, recent_lots
from portfolio.tax.policy import TaxPolicy
from portfolio.tax.records import TaxLot
from portfolio.tax.relief import Priced

__all__ = [
    "group_of",
    "group_recent",
    "groups_by_symbol",
    "loss_groups",
    "same_security",
    "substitutes_of",
    "widened",
]


def groups_by_symbol(policy: TaxPolicy) -> Mapping[str, frozenset[str]]:
    """Each grouped symbol (upper-case) → its whole group, itself included.

    >>> policy = TaxPolicy(identical=(("VOO", "IVV"),))
    >>> sorted(groups_by_symbol(policy)["voo".upper()])
    ['IVV', 'VOO']
    """
    table: dict[str, frozenset[str]] = {}
    for group in policy.identical:
        members = frozenset(symbol.upper() for symbol in group)
        for symbol in members:
            table[symbol] = members
    return table


def group_of(symbol: str, policy: TaxPolicy) -> frozenset[str]:
    """The group of `symbol` (upper-case): its `identical` group, or itself alone."""
    key = symbol.upper()
    if not policy.identical:
        return frozenset((key,))
    return groups_by_symbol(policy).get(key, frozenset((key,)))


def same_security(a: str, b: str, policy: TaxPolicy) -> bool:
    """Whether `a` and `b` count as one security for the wash-sale rule.

    >>> policy = TaxPolicy(identical=(("VOO", "IVV"),))
    >>> same_security("voo", "IVV", policy), same_security("VOO", "VTI", policy)
    (True, False)
    """
    given: tuple[object, object, object] = (a, b, policy)
    if not (isinstance(given[0], str) and isinstance(given[1], str)) or not isinstance(
        given[2], TaxPolicy
    ):
        names = ", ".join(type(value).__name__ for value in given)
        msg = f"same_security(a, b, policy) takes two str symbols and a TaxPolicy, got {names}"
        raise TypeError(msg)
    return a.upper() == b.upper() or b.upper() in group_of(a, policy)


def widened(symbols: Iterable[str], policy: TaxPolicy) -> frozenset[str]:
    """The symbols (upper-case) with every member of their groups."""
    keys = frozenset(symbol.upper() for symbol in symbols)
    if not policy.identical or not keys:
        return keys
    table = groups_by_symbol(policy)
    return keys.union(*(table.get(key, ()) for key in keys))


def substitutes_of(symbol: str, policy: TaxPolicy) -> tuple[str, ...]:
    """The substitutes of `symbol`, upper-case, in the policy's order of preference."""
    if not policy.substitutes:
        return ()
    key = symbol.upper()
    for named, replacements in policy.substitutes.items():
        if named.upper() == key:
            return tuple(s.upper() for s in replacements)
    return ()


def substitute_symbols(policy: TaxPolicy) -> tuple[str, ...]:
    """Every symbol the policy may buy instead of another (upper-case, sorted, once each).

    What a snapshot must price for a harvest or a held buy to go to a substitute: the
    service asks the broker for them with the allocation's symbols. Of a malformed
    `substitutes` it gives the symbols it can read (the planner refuses the policy).

    >>> substitute_symbols(TaxPolicy(substitutes={"VOO": ("VTI", "schb"), "IVV": ("VTI",)}))
    ('SCHB', 'VTI')
    """
    named: object = policy.substitutes  # data: checked by the planner, read with care here
    if not isinstance(named, Mapping):
        return ()
    lists: list[object] = list(named.values())
    found = {
        symbol.upper()
        for replacements in lists
        if isinstance(replacements, tuple)
        for symbol in replacements
        if isinstance(symbol, str)
    }
    return tuple(sorted(found))


def group_recent(
    symbol: str, lots: Mapping[str, tuple[TaxLot, ...]], terms: SaleTerms
) -> list[TaxLot]:
    """The recent lots (`recent_lots`) of the other members of `symbol`'s group.

    A sale of `symbol` never relieves them, so a loss on it while they are held is a
    wash sale (rule 2).
    """
    others = group_of(symbol, terms.policy) - {symbol.upper()}
    found: list[TaxLot] = []
    for other in sorted(others):
        found += recent_lots(lots.get(other, ()), terms)
    return found


def loss_groups(
    sells: Iterable[PlanItem], chosen: Mapping[str, list[Priced]], policy: TaxPolicy
) -> frozenset[str]:
    """The groups of the plan's own sales that realize a loss on some lot (rule 3).

    The plan holds its buys of these symbols: it never sells at a loss and buys an
    identical security back. Without groups a symbol is never both sold and bought in
    one plan, so this is empty.
    """
    if not policy.identical:
        return frozenset()
    losers = [
        item.symbol
        for item in sells
        if item.action is Action.SELL
        and any(proceeds < cost for _, _, proceeds, cost in chosen.get(item.symbol, ()))
    ]
    return widened(losers, policy) if losers else frozenset()
