"""How trades are sized and when they are skipped: `SizingPolicy` and what makes one valid."""

from __future__ import annotations

import decimal
import enum
from collections.abc import Mapping
from decimal import Decimal

import attrs
from returns.result import Failure, Result, Success

from portfolio.formats.json_values import BadValueError
from portfolio.records.errors import PortfolioError
from portfolio.records.money import MAX_AMOUNT, ROUNDING_MODES, ZERO, all_within, is_bounded
from portfolio.records.typed_fields import shown, typed_fields
from portfolio.tax.policy import TaxPolicy, tax_policy_problem

__all__ = ["MAX_GROSS_EXPOSURE", "BandTrigger", "Mode", "SizingPolicy", "policy_problem"]

_ONE = Decimal(1)
#: Largest Σ|weight| a policy may allow (10× leverage); beyond is a typo, not a strategy.
MAX_GROSS_EXPOSURE = Decimal(10)
_AMOUNT_NAMES = (
    "min_trade_amount",
    "min_trade_pct",
    "cash_reserve_pct",
    "band",
    "relative_band",
    "max_gross_exposure",
    "cash_reserve_amount",
    "buy_price_buffer",
)


class Mode(enum.StrEnum):
    """Which trades a plan may make: both sides, buys only (deposits), sells only (withdrawals)."""

    REBALANCE = "rebalance"
    BUY_ONLY = "buy_only"
    SELL_ONLY = "sell_only"


class BandTrigger(enum.StrEnum):
    """What a band breach rebalances: that symbol (`asset`) or every symbol (`portfolio`)."""

    ASSET = "asset"
    PORTFOLIO = "portfolio"


@attrs.frozen(kw_only=True)
class SizingPolicy:
    """Trade sizing and threshold rules. See docs/policy.md for worked examples.

    - `min_trade_amount`: skip trades smaller than this, in account currency (≥ 0).
    - `min_trade_pct`: skip trades smaller than this fraction of the portfolio value (0 ≤ x < 1).
      The larger of the two minimums applies. Liquidations are never skipped.
    - `cash_reserve_pct`: fraction of the portfolio value kept in cash (0 ≤ x < 1).
    - `band`: absolute tolerance in weight points (0.05 = five points); 0 = off.
    - `relative_band`: tolerance as a fraction of the target weight (0.25 = 25 %); 0 = off.
      When both are set the smaller band applies (the 5/25 rule).
    - `fractional`: trade fractional shares (assets may still say they are not fractionable).
    - `allow_short`: accept negative target weights.
    - `max_gross_exposure`: largest Σ|weight| accepted (1 = fully invested, no leverage).
    - `rounding`: a `decimal` rounding mode for target values (default ROUND_HALF_EVEN).
    - `mode`: `"rebalance"` (buys and sells), `"buy_only"` (never sells: the cash above the
      reserve goes to the largest shortfalls first) or `"sell_only"` (never buys: sells
      the most overweight first, just enough to raise the cash reserve). A `Mode`.
    - `cash_reserve_amount`: cash kept, in account currency (≥ 0); the larger of this and
      `cash_reserve_pct × V` applies.
    - `band_trigger`: `"asset"` (a band breach rebalances that symbol) or `"portfolio"`
      (any breach rebalances every symbol to target). A `BandTrigger`.
    - `buy_price_buffer`: a fraction (0 ≤ x < 1): buys are sized to fit the cash even if
      prices rise by this much before they fill.
    - `tax`: a `TaxPolicy` (lots relieved, gain budget, short-term gains, wash sales;
      docs/tax.md), or None for no tax rules.

    A policy is checked by `policy_problem` (the planner does it once per plan, or once
    per `Planner`); the constructor accepts anything. `from_mapping` reads one from a
    file's table, each value by its field's type.
    """

    min_trade_amount: Decimal = Decimal("1.00")
    min_trade_pct: Decimal = Decimal(0)
    cash_reserve_pct: Decimal = Decimal(0)
    band: Decimal = Decimal(0)
    relative_band: Decimal = Decimal(0)
    fractional: bool = True
    allow_short: bool = False
    max_gross_exposure: Decimal = Decimal(1)
    rounding: str = decimal.ROUND_HALF_EVEN
    mode: str = Mode.REBALANCE
    cash_reserve_amount: Decimal = Decimal(0)
    band_trigger: str = BandTrigger.ASSET
    buy_price_buffer: Decimal = Decimal(0)
    #: The tax rules (docs/tax.md); None plans exactly as without them.
    tax: TaxPolicy | None = None

    @property
    def amounts(self) -> tuple[Decimal, ...]:
        """The eight numeric fields, in declaration order (checked together, hashed together)."""
        return (
            self.min_trade_amount,
            self.min_trade_pct,
            self.cash_reserve_pct,
            self.band,
            self.relative_band,
            self.max_gross_exposure,
            self.cash_reserve_amount,
            self.buy_price_buffer,
        )

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> Result[SizingPolicy, PortfolioError]:
        """A policy from field name → value, as a policy file's table holds them.

        Each value is read by its field's type (`portfolio.records.typed_fields`): a Decimal field
        takes a Decimal, an int or a decimal string, a bool field true or false, a str
        field a string; a missing field keeps its default. An unknown name or a value of
        the wrong kind is INVALID_POLICY naming the field. Ranges are `policy_problem`'s,
        as for any policy (the planner checks them; so does a policy file's loader).

        >>> SizingPolicy.from_mapping({"band": "0.05", "fractional": False}).unwrap().band
        Decimal('0.05')
        >>> str(SizingPolicy.from_mapping({"band": "wide"}).failure())
        "INVALID_POLICY: not a number: 'wide' [field=band]"
        """
        try:
            fields = typed_fields(cls, values, noun="policy field")
        except BadValueError as bad:
            return Failure(PortfolioError.invalid_policy(bad.problem, field=bad.where))
        return Success(cls(**fields))  # type: ignore[arg-type] # each read by its field's type

    def reserve(self, value: Decimal) -> Decimal:
        """The cash kept for a portfolio worth `value`: max(pct × value, amount), unrounded."""
        return max(self.cash_reserve_pct * value, self.cash_reserve_amount)


def policy_problem(policy: SizingPolicy) -> PortfolioError | None:
    """The first field out of range or of the wrong type, as INVALID_POLICY naming it; or None.

    >>> policy_problem(SizingPolicy(band=Decimal(2))).context["field"]
    'band'
    """
    problem = _amount_problem(policy)
    if problem is not None:
        return problem
    for name in ("fractional", "allow_short"):
        if type(getattr(policy, name)) is not bool:
            return _bad(name, "a bool", getattr(policy, name))
    if not _is_rounding_mode(policy.rounding):
        return _bad("rounding", "one of the decimal module's ROUND_* modes", policy.rounding)
    if not _is_one_of(policy.mode, _MODES):
        return _bad("mode", '"rebalance", "buy_only" or "sell_only"', policy.mode)
    if not _is_one_of(policy.band_trigger, _TRIGGERS):
        return _bad("band_trigger", '"asset" or "portfolio"', policy.band_trigger)
    return None if policy.tax is None else tax_policy_problem(policy.tax)


_MODES: frozenset[str] = frozenset(Mode)
_TRIGGERS: frozenset[str] = frozenset(BandTrigger)


def _is_one_of(value: object, names: frozenset[str]) -> bool:
    return isinstance(value, str) and value in names


def _amount_problem(policy: SizingPolicy) -> PortfolioError | None:
    """The numeric fields: finite Decimals in [0, 1E+15] (`MAX_AMOUNT`), then each one's range."""
    if not all_within(policy.amounts, ZERO, MAX_AMOUNT):  # NaN, floats, negatives, too large
        for name in _AMOUNT_NAMES:
            value = getattr(policy, name)
            if not (is_bounded(value) and value >= 0):
                return _bad(name, "a finite Decimal in [0, 1E+15]", value)
    for name in ("min_trade_pct", "cash_reserve_pct", "buy_price_buffer"):
        if not getattr(policy, name) < _ONE:
            return _bad(name, "a Decimal in [0, 1)", getattr(policy, name))
    for name in ("band", "relative_band"):
        if not getattr(policy, name) <= _ONE:
            return _bad(name, "a Decimal in [0, 1]", getattr(policy, name))
    if not ZERO < policy.max_gross_exposure <= MAX_GROSS_EXPOSURE:
        return _bad("max_gross_exposure", "a Decimal in (0, 10]", policy.max_gross_exposure)
    return None


def _is_rounding_mode(rounding: object) -> bool:
    return isinstance(rounding, str) and rounding in ROUNDING_MODES


def _bad(field: str, expected: str, value: object) -> PortfolioError:
    """INVALID_POLICY naming the field, its value quoted as a message quotes one (`shown`).

    A Decimal is shown as written (`value=2`, not `value=Decimal('2')`: a policy file or a
    `plan-many` line never says `Decimal`), a string with its quotes.
    """
    return PortfolioError.invalid_policy(
        f"SizingPolicy.{field} must be {expected}", field=field, value=shown(value)
    )
