"""HTML reports a person reads in a browser: one self-contained page per backtest or plan.

`backtest_page.backtest_page` and `plan_page.plan_page` return the page as text, both on
the shell of `page.page`; the command line writes it (`portfolio backtest --report`,
`portfolio plan --report`). See docs/backtesting.md. The package imports neither page,
so the `plan` command never loads the backtest package.
"""
