"""Step 2, targets: target value per symbol = weight × investable value, rounded to cents."""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, localcontext
from itertools import compress, repeat
from operator import mul, sub

import attrs
from returns.result import Failure, Result, Success

from portfolio.records.errors import PortfolioError
from portfolio.records.frozen import FrozenDict
from portfolio.records.money import CENT, CORE_CONTEXT, ZERO
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import freeze_decimals
from portfolio.steps.checked import step_input
from portfolio.steps.validate import Checked

__all__ = ["Targets", "investable_value", "target_column", "targets"]


@attrs.frozen(kw_only=True)
class Targets:
    """Checked inputs plus the target value (cents) of every symbol in the universe.

    `investable` = V − the cash reserve, in account currency. Untargeted symbols
    have target 0; weights summing below 1 leave the rest in cash.
    """

    checked: Checked
    investable: Decimal
    target_values: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)


def investable_value(total_value: Decimal, policy: SizingPolicy) -> Decimal:
    """V less the cash reserve, unrounded, never below 0; call inside the core context.

    The reserve is max(cash_reserve_pct × V, cash_reserve_amount).
    """
    if policy.cash_reserve_amount:
        return max(total_value - policy.reserve(total_value), ZERO)
    return total_value * (1 - policy.cash_reserve_pct)


def target_column(
    weights: Iterable[Decimal],
    investable: Decimal,
    rounding: str,
    headroom: Decimal | None = None,
) -> list[Decimal]:
    """Weight × investable per symbol, rounded to cents; call inside the core context.

    Rounding never takes the long targets together above the investable value (nor, when
    shorts fund longs worth more, above their exact total): where rounding each one
    would (0.3, 0.3 and 0.4 of 100.05 round to 30.02, 30.02 and 40.02), the cents over
    are taken back, one each from the targets rounded up the most, the first symbol
    first (30.01, 30.02, 40.02), so that buying every target never needs a cent more.
    `headroom`: 1 − Σ weights when no weight is signed (`steps.prepare.Prepared`).
    """
    column = weights if isinstance(weights, list | tuple) else list(weights)
    products = map(mul, column, repeat(investable))  # computed once, as they are read
    # Each target rounds up by less than a cent (and its 50-digit product by far less):
    # when what the weights leave of the investable value covers a cent a target and one
    # more, the long targets are within it, signs and sum unread: a 20-symbol account on
    # a shared model from 780.5 to 765.0 thousand instructions (cachegrind)
    if (
        headroom is not None
        and not investable.is_signed()
        and investable * headroom >= CENT * (len(column) + 1)
    ):
        return list(map(Decimal.quantize, products, repeat(CENT), repeat(rounding)))
    # kept for `_within_investable`, not multiplied again: a 5 × 780 daily run (307 plans
    # whose cents are taken back) 331.9 → 330.5 million instructions (cachegrind)
    exact = list(products)
    values = list(map(Decimal.quantize, exact, repeat(CENT), repeat(rounding)))
    # long only (no sign bit: `is_signed` reads no context, where `min` compares, 5
    # thousand instructions fewer for 20 symbols), and within V: the common case, in C
    if not any(map(Decimal.is_signed, values)) and sum(values, ZERO) <= investable:
        return values
    return _within_investable(exact, values, investable)


def _within_investable(
    exact: list[Decimal], values: list[Decimal], investable: Decimal
) -> list[Decimal]:
    """`values` less a cent each on the longs rounded up the most, until within the bound.

    Column operations in C (`map`, a sort keyed by a list's `__getitem__`, stable for
    ties): about 5 ms for 10,000 symbols that all round up, beside 1.4 ms for the rounding.
    """
    positive = list(map(ZERO.__lt__, values))
    longs: Sequence[int] = range(len(values))
    long_exact, long_values = exact, values  # no shorts, no zeros: the columns as they are
    if not all(positive):
        longs = list(compress(longs, positive))
        long_exact, long_values = list(compress(exact, positive)), list(compress(values, positive))
    bound = max(investable, sum(long_exact, ZERO)).quantize(CENT, rounding=decimal.ROUND_FLOOR)
    over = int((sum(long_values, ZERO) - bound) / CENT)
    if over <= 0:
        return values
    below = list(map(sub, long_exact, long_values))  # most negative: rounded up the most
    for n in sorted(range(len(below)), key=below.__getitem__)[:over]:
        values[longs[n]] -= CENT
    return values


def targets(checked: Checked) -> Result[Targets, PortfolioError]:
    """Target values from weights; a Failure only if a hand-built `Checked` cannot be computed.

    >>> from decimal import Decimal as D
    >>> from portfolio import Allocation, Snapshot, validate
    >>> c = validate(Allocation(target_weights={"SPY": D("0.333")}, correlation_id="c"),
    ...              Snapshot(cash=D("1000.05"), prices={"SPY": D(10)})).unwrap()
    >>> targets(c).unwrap().target_values["SPY"]  # 0.333 × 1000.05 = 333.01665
    Decimal('333.02')
    """
    step_input(checked, Checked, "targets(checked)", "validate")
    policy, symbols = checked.policy, checked.symbols
    try:
        with localcontext(CORE_CONTEXT):
            investable = investable_value(checked.total_value, policy)
            weights = map(checked.weights.__getitem__, symbols)
            values = target_column(weights, investable, policy.rounding)
    except (decimal.DecimalException, TypeError, KeyError) as exc:
        return Failure(
            PortfolioError.invalid_snapshot("target values cannot be computed", error=repr(exc))
        )
    return Success(
        Targets(
            checked=checked,
            investable=investable,
            target_values=FrozenDict(zip(symbols, values, strict=True)),
        )
    )
