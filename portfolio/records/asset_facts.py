"""A broker's facts about one symbol (`Asset`) and what they mean for a plan.

What they mean: the lot a quantity trades in, and the minimum order.

- Crypto always trades in its `quantity_increment`, whatever the policy says about
  fractional shares (without an increment it trades like a fractional equity).
- An equity trades in whole shares when the policy says `fractional=False` or the asset is
  not fractionable; a non-fractionable asset with an increment trades in that increment.
- A fractional equity trades to nine decimals, or in its increment if it has one.
- A trade whose value is below the asset's `min_order_notional` is not made
  (`Reason.BELOW_BROKER_MINIMUM`); a liquidation always is (it closes the exact quantity).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs
from returns.result import Failure, Result, Success

from portfolio.formats.json_values import BadValueError
from portfolio.records.errors import PortfolioError
from portfolio.records.money import MAX_AMOUNT, SHARE_QUANTUM, ZERO, is_bounded
from portfolio.records.plan_item import Action, PlanItem, Reason
from portfolio.records.typed_fields import typed_fields

__all__ = [
    "CRYPTO",
    "Asset",
    "below_broker_minimum",
    "broker_minimum",
    "check_asset_facts",
    "held_below_minimum",
    "quantity_step",
    "under_broker_minimum",
]


@attrs.frozen(kw_only=True)
class Asset:
    """Broker facts about one symbol. Unknown symbols are treated as fractionable and tradable.

    - `asset_class`: `"us_equity"` (the default), `"crypto"`, or another broker class name.
    - `min_order_notional`: the smallest order the broker accepts, in account currency (≥ 0).
    - `quantity_increment`: the step a quantity must be a multiple of, in shares (> 0);
      `None` means whole shares for a non-fractionable asset and 1E-9 for a fractionable one.
    """

    symbol: str
    fractionable: bool = True
    tradable: bool = True
    shortable: bool = False
    asset_class: str = "us_equity"
    min_order_notional: Decimal = Decimal(0)
    quantity_increment: Decimal | None = None

    @classmethod
    def from_mapping(
        cls, symbol: str, values: Mapping[str, object]
    ) -> Result[Asset, PortfolioError]:
        """The facts about `symbol` from field name → value, as a snapshot file holds them.

        Each value is read by its field's type (`portfolio.records.typed_fields`); a missing field
        keeps its default. An unknown name or a value of the wrong kind is
        INVALID_SNAPSHOT naming `assets.SYMBOL.FIELD`; ranges are `check_asset_facts`'s.

        >>> btc = Asset.from_mapping("BTC/USD", {"quantity_increment": "0.0001"}).unwrap()
        >>> btc.quantity_increment
        Decimal('0.0001')
        """
        where = f"assets.{symbol}"
        try:  # the symbol is the mapping's key, not one of its fields
            fields = typed_fields(cls, values, noun="field", where=where, exclude=("symbol",))
        except BadValueError as bad:
            return Failure(PortfolioError.invalid_snapshot(bad.problem, field=bad.where))
        return Success(cls(symbol=symbol, **fields))  # type: ignore[arg-type] # each read by its type


#: The `asset_class` of crypto pairs (Alpaca's name).
CRYPTO = "crypto"
_WHOLE = Decimal(1)
#: Decisions whose amount the broker's minimum order applies to (never a liquidation).
_SIZED = frozenset({Reason.REBALANCE, Reason.CASH_LIMITED})


def quantity_step(asset: Asset | None, *, fractional: bool) -> Decimal | None:
    """The lot a symbol's quantities trade in (shares), or None for nine-decimal fractions.

    >>> btc = Asset(symbol="BTC/USD", asset_class="crypto", quantity_increment=Decimal("0.0001"))
    >>> quantity_step(btc, fractional=False), quantity_step(None, fractional=False)
    (Decimal('0.0001'), Decimal('1'))
    >>> quantity_step(Asset(symbol="BRK.A", fractionable=False), fractional=True)
    Decimal('1')
    """
    if asset is None:
        return None if fractional else _WHOLE
    increment = asset.quantity_increment
    if not asset.fractionable:
        return increment or _WHOLE
    if asset.asset_class != CRYPTO and not fractional:
        return increment if increment is not None and increment >= _WHOLE else _WHOLE
    return increment if increment is not None and increment > SHARE_QUANTUM else None


def broker_minimum(asset: Asset | None) -> Decimal:
    """The smallest order value the broker accepts for this asset (account currency)."""
    return ZERO if asset is None else asset.min_order_notional


def under_broker_minimum(amount: Decimal, minimum: Decimal) -> bool:
    """The broker's minimum order (rule 8): |amount| below the smallest order it accepts.

    The one place the comparison is written; both in account currency.

    >>> [under_broker_minimum(Decimal(a), Decimal(1)) for a in ("-0.99", "1")]
    [True, False]
    """
    return abs(amount) < minimum


def below_broker_minimum(decided: PlanItem, asset: Asset | None) -> bool:
    """A sized trade (not a liquidation) smaller than the broker's minimum for the asset."""
    return (
        asset is not None
        and decided.reason in _SIZED
        and under_broker_minimum(decided.trade_amount, asset.min_order_notional)
    )


def held_below_minimum(decided: PlanItem) -> PlanItem:
    """The item as a HOLD with reason BELOW_BROKER_MINIMUM."""
    return decided._replace(
        action=Action.HOLD, trade_amount=ZERO, quantity=ZERO, reason=Reason.BELOW_BROKER_MINIMUM
    )


def check_asset_facts(assets: Mapping[str, Asset]) -> PortfolioError | None:
    """INVALID_SNAPSHOT naming the field and symbols of facts that cannot be planned on.

    `asset_class` must be a non-empty string, `min_order_notional` a finite Decimal in
    [0, 1E+15], `quantity_increment` None or a finite Decimal in (0, 1E+15].

    >>> bad = {"BTC/USD": Asset(symbol="BTC/USD", quantity_increment=Decimal("NaN"))}
    >>> str(check_asset_facts(bad))
    'INVALID_SNAPSHOT: quantity_increment must be None or a finite Decimal in (0, 1E+15] [field=quantity_increment symbols=BTC/USD]'
    """  # noqa: E501 - a doctest's output is one line
    rules = (
        ("asset_class", "a non-empty string", _is_class),
        ("min_order_notional", "a finite Decimal in [0, 1E+15]", _is_minimum),
        ("quantity_increment", "None or a finite Decimal in (0, 1E+15]", _is_increment),
    )
    for field, wanted, rule in rules:
        bad = sorted(s for s, asset in assets.items() if not rule(getattr(asset, field)))
        if bad:
            return PortfolioError.invalid_snapshot(
                f"{field} must be {wanted}", field=field, symbols=",".join(bad)
            )
    return None


def _is_class(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _is_minimum(value: object) -> bool:
    return is_bounded(value) and value >= ZERO


def _is_increment(value: object) -> bool:
    return value is None or (is_bounded(value, MAX_AMOUNT) and value > ZERO)
