"""HTML reports a person reads in a browser: one self-contained page per backtest or plan.

`backtest_page` and `plan_page` return the page as text; the command line writes it
(`portfolio backtest --report`, `portfolio plan --report`). See docs/backtesting.md.
"""

from adapters.report.pages import backtest_page, plan_page

__all__ = ["backtest_page", "plan_page"]
