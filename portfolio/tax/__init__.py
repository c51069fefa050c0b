"""Tax lots and tax-aware rebalancing: the records here, the rules in the modules beside.

- `records`: `TaxLot`, `PastTrade` and their rules (rule 5, bad data);
- `policy`: `LotMethod`, `TaxPolicy` and its rule;
- `report`: `Term`, `LotSale`, `TaxReport`;
- `relief`: which lots a sale relieves, and what it realizes (rule 1);
- `choice`: the lots a sale may relieve: short-term gains deferred (rule 3), wash sales
  avoided (rule 4);
- `budget`: the cuts that keep a plan within its gain budget (rule 2);
- `groups`: the `identical` groups, the one home of "the same security";
- `harvest`: tax-loss harvesting and held buys moved to substitutes;
- `step`: the one hook into the planner, and the plan's `TaxReport`.

See docs/tax.md for a worked example of each rule.
"""

from portfolio.tax.groups import groups_by_symbol, same_security, substitute_symbols
from portfolio.tax.policy import LotMethod, TaxPolicy
from portfolio.tax.records import PastTrade, TaxLot
from portfolio.tax.report import LotSale, TaxReport, Term

__all__ = [
    "LotMethod",
    "LotSale",
    "PastTrade",
    "TaxLot",
    "TaxPolicy",
    "TaxReport",
    "Term",
    "groups_by_symbol",
    "same_security",
    "substitute_symbols",
]
