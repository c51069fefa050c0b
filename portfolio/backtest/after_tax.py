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
from datetime import date
from decimal import Decimal

import attrs
from returns.result import Failure, Result

from portfolio.backtest.bars import Bar
from portfolio.backtest.engine import AllocationRule, backtest
from portfolio.backtest.flows import CashFlows
from portfolio.backtest.gaps import MissingData
from portfolio.backtest.result import BacktestResult
from portfolio.backtest.schedule import Schedule
from portfolio.backtest.tax_ledger import BacktestTax
from portfolio.formats.display import money
from portfolio.records.costs import CostModel
from portfolio.records.errors import ErrorKind, PortfolioError
from portfolio.records.policy import SizingPolicy
from portfolio.steps.prepare import argument_problem

__all__ = ["TaxComparison", "compare_after_tax"]


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


def compare_after_tax(  # noqa: PLR0913 - run_backtest's signature
    bars: Iterable[Bar],
    allocation: AllocationRule,
    *,
    policy: SizingPolicy,
    initial_cash: Decimal = Decimal(1_000_000),
    schedule: Schedule | str = "monthly",
    costs: CostModel | None = None,
    missing: MissingData = MissingData(),  # noqa: B008 - a frozen record is a safe default
    cash_flows: CashFlows | None = None,
    start: date | None = None,
    end: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    pay_taxes: bool = False,
) -> Result[TaxComparison, PortfolioError]:
    """Run the backtest with `policy` and with `policy.tax` off; compare them after tax.

    `policy.tax` must be set (else INVALID_POLICY). Other arguments and failures as
    `run_backtest`'s; `progress` sees both runs, one after the other (2 × bars in all).
    """
    if problem := argument_problem(policy, SizingPolicy, ErrorKind.INVALID_POLICY, "policy"):
        return Failure(problem)
    tax = policy.tax
    if tax is None:
        message = "compare_after_tax needs a policy with tax set"
        return Failure(PortfolioError.invalid_policy(message, field="tax"))
    given: object = bars
    series = tuple(given) if isinstance(given, Iterable) else bars

    def run(chosen: SizingPolicy, *, second: bool) -> Result[BacktestResult, PortfolioError]:
        shown = None if progress is None else _shifted(progress, second=second)
        return backtest(
            series,
            allocation,
            policy=chosen,
            initial_cash=initial_cash,
            schedule=schedule,
            costs=costs,
            missing=missing,
            cash_flows=cash_flows,
            start=start,
            end=end,
            progress=shown,
            pay_taxes=pay_taxes,
            accounting=tax,
        )

    return run(policy, second=False).bind(
        lambda taxed: run(attrs.evolve(policy, tax=None), second=True).map(
            lambda untaxed: TaxComparison(taxed=taxed, untaxed=untaxed)
        )
    )


def _shifted(progress: Callable[[int, int], None], *, second: bool) -> Callable[[int, int], None]:
    """`progress` over both runs: the second run's bars after the first's."""

    def shown(done: int, count: int) -> None:
        progress(count + done if second else done, 2 * count)

    return shown
