"""Backtests on the fake broker's trading rule: fixed or changing weights over close prices.

`run_backtest(bars, allocation, ...)` is pure: a fold over bars that plans with the
core's planner and trades by `portfolio.fill.fill_plan`'s rules, as
`adapters.fake.FakeBroker` does. `parse_prices_csv(text)` parses a wide price CSV;
reading the file is `adapters.prices_csv.load_prices_csv`. See docs/backtesting.md.
"""

from portfolio.backtest.after_tax import TaxComparison, compare_after_tax
from portfolio.backtest.bars import Bar, EquityPoint
from portfolio.backtest.engine import AllocationRule, run_backtest
from portfolio.backtest.flows import CashFlows
from portfolio.backtest.gaps import LateListing, MissingData
from portfolio.backtest.metrics import cagr, max_drawdown, money_weighted_return, volatility
from portfolio.backtest.notices import BacktestWarning, WarningKind
from portfolio.backtest.prices_csv import parse_prices_csv
from portfolio.backtest.result import BacktestResult
from portfolio.backtest.schedule import Schedule, drifted, is_due, parse_schedule
from portfolio.backtest.sweep import BacktestRun, run_backtests
from portfolio.backtest.tax_ledger import BacktestTax

__all__ = [
    "AllocationRule",
    "BacktestResult",
    "BacktestRun",
    "BacktestTax",
    "BacktestWarning",
    "Bar",
    "CashFlows",
    "EquityPoint",
    "LateListing",
    "MissingData",
    "Schedule",
    "TaxComparison",
    "WarningKind",
    "cagr",
    "compare_after_tax",
    "drifted",
    "is_due",
    "max_drawdown",
    "money_weighted_return",
    "parse_prices_csv",
    "parse_schedule",
    "run_backtest",
    "run_backtests",
    "volatility",
]
