"""The same backtest with and without its tax policy, compared after tax.

`compare_after_tax(bars, allocation, policy=SizingPolicy(tax=...), ...)` runs the
backtest twice: once as given (the plans apply the tax rules), once with `tax=None`
(the plans ignore taxes). Both runs keep lots and count taxes under the same tax
policy (its lot method for the sales no plan chose, its rates), so the figures
compare: the after-tax value, the taxes paid, the tax still owed, the turnover, the
wash sales. See docs/tax.md, "After-tax backtests".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

import attrs
from returns.result import Failure, Result

from portfolio.backtest.engine import backtest, run_backtest
from portfolio.backtest.result import BacktestResult
from portfolio.backtest.tax_ledger import BacktestTax
from portfolio.formats.display import money
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.policy import SizingPolicy
from portfolio.steps.prepare import argument_problem

__all__ = ["TaxComparison", "compare_after_tax"]

P = ParamSpec("P")
T = TypeVar("T")


@attrs.frozen(kw_only=True)
class TaxComparison:
    """Two runs of one backtest: `taxed` (tax rules on) and `untaxed` (off).

    Both results carry `tax` (a `BacktestTax` under the same policy's rates).
    """

    taxed: BacktestResult
    untaxed: BacktestResult

    def rows(self) -> tuple[tuple[str, str, str], ...]:
        """(figure, with the tax rules, without them), as the command line shows them."""
        taxed, untaxed = _tax(self.taxed), _tax(self.untaxed)
        return (
            ("Final equity", money(self.taxed.final_equity), money(self.untaxed.final_equity)),
            ("After-tax value", money(taxed.after_tax_value), money(untaxed.after_tax_value)),
            ("Taxes paid", money(taxed.taxes_paid), money(untaxed.taxes_paid)),
            ("Tax owed at the end", money(_owed(self.taxed)), money(_owed(self.untaxed))),
            (
                "Realized gains",
                money(_realized(taxed)),
                money(_realized(untaxed)),
            ),
            ("Harvested losses", money(taxed.harvested_losses), money(untaxed.harvested_losses)),
            ("Wash sales", str(taxed.wash_sales), str(untaxed.wash_sales)),
            ("Turnover", f"{self.taxed.turnover:.2f}×", f"{self.untaxed.turnover:.2f}×"),
        )

    @property
    def after_tax_gain(self) -> Decimal:
        """The after-tax value with the tax rules less that without them."""
        return _tax(self.taxed).after_tax_value - _tax(self.untaxed).after_tax_value


def _tax(result: BacktestResult) -> BacktestTax:
    assert result.tax is not None  # noqa: S101 - both runs keep lots (compare_after_tax)
    return result.tax


def _owed(result: BacktestResult) -> Decimal:
    """The tax not paid yet: the final equity less the after-tax value."""
    return result.final_equity - _tax(result).after_tax_value


def _realized(tax: BacktestTax) -> Decimal:
    return sum((short + long for short, long in tax.realized_by_year.values()), Decimal("0.00"))


def _taking_arguments_of(
    template: Callable[P, object],  # noqa: ARG001 - only its type is read, by mypy
) -> Callable[[Callable[..., T]], Callable[P, T]]:
    """Type the decorated function as taking `template`'s parameters, checked by mypy.

    The function itself takes `*args, **kwargs` and passes them on, so the parameters,
    their defaults and their types have one home: `template`'s signature.
    """

    def adopt(function: Callable[..., T]) -> Callable[P, T]:
        return function

    return adopt


@_taking_arguments_of(run_backtest)
def compare_after_tax(*args: object, **kwargs: object) -> Result[TaxComparison, PortfolioError]:
    """Run the backtest with `policy` and with `policy.tax` off; compare them after tax.

    The arguments are `run_backtest`'s: the same names, defaults and types, taken from
    `run_backtest` itself (an argument added there is taken here too; mypy checks a
    call against `run_backtest`'s signature). `policy.tax` must be set (else
    INVALID_POLICY, also for the default policy, which has none). Other failures as
    `run_backtest`'s; `progress` sees both runs, one after the other (2 × bars in all).
    A call `run_backtest` would refuse (an unknown or a missing argument) is a TypeError.
    """
    # run_backtest's keyword arguments, its defaults for those not given: typed at the
    # call (through the decorator) and checked by `backtest` as run_backtest's are
    arguments: dict[str, Any] = {**_DEFAULTS, **kwargs}
    policy, progress = arguments["policy"], arguments["progress"]
    if problem := argument_problem(policy, SizingPolicy, ErrorKind.INVALID_POLICY, "policy"):
        return Failure(problem)
    tax = policy.tax
    if tax is None:
        message = "compare_after_tax needs a policy with tax set"
        return Failure(PortfolioError.invalid_policy(message, field="tax"))
    if args:  # the bars, read once for both runs
        args = (_series(args[0]), *args[1:])
    elif "bars" in arguments:
        arguments["bars"] = _series(arguments["bars"])

    def run(chosen: SizingPolicy, *, second: bool) -> Result[BacktestResult, PortfolioError]:
        shown = None if progress is None else _shifted(progress, second=second)
        named = {**arguments, "policy": chosen, "progress": shown}
        return backtest(*args, **named, accounting=tax)  # type: ignore[arg-type] # as given

    return run(policy, second=False).bind(
        lambda taxed: run(attrs.evolve(policy, tax=None), second=True).map(
            lambda untaxed: TaxComparison(taxed=taxed, untaxed=untaxed)
        )
    )


#: `run_backtest`'s defaults for its keyword-only arguments (`policy`, `initial_cash`, …).
_DEFAULTS: dict[str, object] = dict(run_backtest.__kwdefaults__ or {})


def _series(bars: object) -> object:
    """Iterable bars as a tuple (both runs read them); anything else as given, to fail."""
    return tuple(bars) if isinstance(bars, Iterable) else bars


def _shifted(progress: Callable[[int, int], None], *, second: bool) -> Callable[[int, int], None]:
    """`progress` over both runs: the second run's bars after the first's."""

    def shown(done: int, count: int) -> None:
        progress(count + done if second else done, 2 * count)

    return shown
