"""Backtests on the fake broker's trading rule: fixed or changing weights over close prices.

`run_backtest(bars, allocation, ...)` is pure (a fold over bars, filling each plan with
`portfolio.fill.fill_plan`, exactly as `adapters.fake.FakeBroker` does);
`load_prices_csv(path)` is the one function here that reads a file. See
docs/backtesting.md.
"""

from portfolio.backtest.bars import Bar, EquityPoint
from portfolio.backtest.engine import AllocationRule, run_backtest
from portfolio.backtest.metrics import cagr, max_drawdown, volatility
from portfolio.backtest.prices_csv import load_prices_csv, parse_prices_csv
from portfolio.backtest.result import BacktestResult
from portfolio.backtest.schedule import Schedule, drifted, is_due, parse_schedule

__all__ = [
    "AllocationRule",
    "BacktestResult",
    "Bar",
    "EquityPoint",
    "Schedule",
    "cagr",
    "drifted",
    "is_due",
    "load_prices_csv",
    "max_drawdown",
    "parse_prices_csv",
    "parse_schedule",
    "run_backtest",
    "volatility",
]
