"""After-tax backtests: lots through every fill, gains by year, wash sales, taxes paid.

Hand-computed examples (docs/tax.md, "After-tax backtests"), a drawdown run, and
properties over random price tables: with `tax=None` a backtest is today's, and under
a tax policy the lots always add up to the positions.
"""

from __future__ import annotations

import math
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import assume, given, settings
from returns.result import Success
from test_backtest_engine import _bar_allocation, _marked, _options, runs

from portfolio import Allocation, SizingPolicy, Snapshot, plan_rebalance
from portfolio.backtest import BacktestRun, Bar, compare_after_tax, run_backtest, run_backtests
from portfolio.backtest.tax_ledger import BacktestTax, TaxLedger, year_taxes
from portfolio.tax import LotMethod, TaxPolicy

D = Decimal
RATES = TaxPolicy(short_term_rate=D("0.4"), long_term_rate=D("0.2"))
ALL_A = Allocation(target_weights={"A": D(1)}, correlation_id="a")
ALL_B = Allocation(target_weights={"A": D(0), "B": D(1)}, correlation_id="b")
FREE = SizingPolicy(min_trade_amount=D(0), tax=RATES)


def _switch(on: date) -> Any:
    """All in A until `on`, then all in B (A liquidated)."""

    def rule(day: date, _account: Snapshot) -> Allocation:
        return ALL_B if day >= on else ALL_A

    return rule


def _bars(*rows: tuple[date, str, str]) -> list[Bar]:
    return [Bar(date=day, prices={"A": D(a), "B": D(b)}) for day, a, b in rows]


# -- a year and a day: long-term; on the anniversary: short-term -------------------------


def test_a_lot_sold_a_year_and_a_day_later_is_long_term() -> None:
    """100 A bought at 10 on 2023-01-03, sold at 15 on 2024-01-04: 500 long-term."""
    bars = _bars((date(2023, 1, 3), "10", "20"), (date(2024, 1, 4), "15", "20"))
    result = run_backtest(
        bars, _switch(date(2024, 1, 4)), policy=FREE, initial_cash=D(1000), schedule="daily"
    ).unwrap()
    assert result.tax is not None
    assert result.tax.realized_by_year == {2024: (D("0.00"), D("500.00"))}
    assert result.tax.wash_sales == 0
    # 50 B held at 20 (bought 2024-01-04, no gain): nothing more owed; 500 × 0.2 = 100 owed
    assert result.final_equity == D(1500)
    assert result.tax.after_tax_value == D(1400)
    assert result.tax.taxes_paid == 0


def test_a_lot_sold_on_its_anniversary_is_short_term() -> None:
    bars = _bars((date(2023, 1, 3), "10", "20"), (date(2024, 1, 3), "15", "20"))
    result = run_backtest(
        bars, _switch(date(2024, 1, 3)), policy=FREE, initial_cash=D(1000), schedule="daily"
    ).unwrap()
    assert result.tax is not None
    assert result.tax.realized_by_year == {2024: (D("500.00"), D("0.00"))}
    assert result.tax.after_tax_value == D(1500) - D(200)  # 500 × 0.4


def test_after_tax_value_counts_the_tax_of_selling_what_is_held() -> None:
    """Bought 100 A at 10, held at 13 (no sale): 300 short-term gain unrealized, 120 owed."""
    bars = _bars((date(2024, 1, 2), "10", "20"), (date(2024, 3, 1), "13", "20"))
    result = run_backtest(bars, ALL_A, policy=FREE, initial_cash=D(1000), schedule="once").unwrap()
    assert result.tax == BacktestTax(
        realized_by_year={},
        harvested_losses=D(0),
        wash_sales=0,
        after_tax_value=D(1300) - D(120),
        taxes_paid=D(0),
    )


# -- pay_taxes: each year's tax from cash at the year's last bar --------------------------


def _half(day: date, _account: Snapshot) -> Allocation:
    """All in A in November, half from December."""
    weight = D(1) if day.month == 11 else D("0.5")
    return Allocation(target_weights={"A": weight}, correlation_id="h")


HALF_BARS = [
    Bar(date=date(2023, 11, 1), prices={"A": D(10)}),
    Bar(date=date(2023, 12, 1), prices={"A": D(20)}),
    Bar(date=date(2023, 12, 29), prices={"A": D(20)}),
    Bar(date=date(2024, 1, 2), prices={"A": D(20)}),
]


def test_pay_taxes_pays_the_years_tax_from_cash_at_its_last_bar() -> None:
    """100 A at 10; 50 sold at 20 on 12-01 (500 short-term); 200 paid on 12-29.

    On 2024-01-02 (monthly, and 2024's last bar) the 1,800 account sells 5 A at 20 to
    hold 900: 50 more short-term, after that bar's payment, so still owed (20); the 45 A
    held gain 450 short-term (180 to sell them): after tax 1,800 − 20 − 180.
    """
    result = run_backtest(
        HALF_BARS, _half, policy=FREE, initial_cash=D(1000), schedule="monthly", pay_taxes=True
    ).unwrap()
    curve = dict(result.equity_curve)
    assert curve[date(2023, 12, 1)] == D(2000)
    assert curve[date(2023, 12, 29)] == D(1800)  # 800 cash + 50 × 20
    assert result.tax is not None
    assert result.tax.taxes_paid == D(200)
    assert result.tax.realized_by_year == {2023: (D("500.00"), D(0)), 2024: (D("50.00"), D(0))}
    assert result.final_snapshot.positions == {"A": D(45)}
    assert result.tax.after_tax_value == D(1800) - D(20) - D(180)


def test_without_pay_taxes_the_tax_is_owed_at_the_end() -> None:
    result = run_backtest(
        HALF_BARS, _half, policy=FREE, initial_cash=D(1000), schedule="monthly"
    ).unwrap()
    assert result.tax is not None
    assert result.tax.taxes_paid == 0
    assert result.final_equity == D(2000)
    assert result.tax.realized_by_year == {2023: (D("500.00"), D(0))}  # 50 A held to 1,000
    assert result.tax.after_tax_value == D(2000) - D(200) - D(200)  # realized + unrealized


def test_a_tax_larger_than_the_cash_is_raised_by_selling() -> None:
    """All in A: the 2023 tax leaves cash below 0, so that bar sells A for it."""
    bars = [
        Bar(date=date(2023, 11, 1), prices={"A": D(10), "B": D(10)}),
        Bar(date=date(2023, 12, 1), prices={"A": D(20), "B": D(10)}),
        Bar(date=date(2023, 12, 29), prices={"A": D(20), "B": D(10)}),
    ]

    def rule(day: date, _account: Snapshot) -> Allocation:
        weights = {"B": D(1)} if day.month == 11 else {"A": D(1), "B": D(0)}
        return Allocation(target_weights=weights, correlation_id="r")

    result = run_backtest(
        bars, rule, policy=FREE, initial_cash=D(1000), schedule="monthly", pay_taxes=True
    ).unwrap()
    # 100 B bought at 10, sold at 10 (no gain): nothing to pay, nothing sold
    assert result.tax is not None
    assert result.tax.taxes_paid == 0
    gains = [
        Bar(date=date(2023, 11, 1), prices={"A": D(10), "B": D(10)}),
        Bar(date=date(2023, 12, 1), prices={"A": D(20), "B": D(20)}),
        Bar(date=date(2023, 12, 29), prices={"A": D(20), "B": D(20)}),
    ]
    paid = run_backtest(
        gains, rule, policy=FREE, initial_cash=D(1000), schedule="monthly", pay_taxes=True
    ).unwrap()
    # 100 B sold at 20 (1,000 short-term gain), 100 A bought at 20: 400 tax on 12-29,
    # cash 0 − 400: the bar sells 20 A at 20 to pay it
    assert paid.tax is not None
    assert paid.tax.taxes_paid == D(400)
    assert paid.final_snapshot.positions == {"A": D(80)}
    assert paid.final_snapshot.cash == 0
    assert paid.plan_dates[-1] == date(2023, 12, 29)


# -- the wash-sale rule on the run's own trades -------------------------------------------


def test_a_loss_sale_then_a_rebuy_within_30_days_is_a_wash_sale() -> None:
    """100 A at 10, sold at 8 (−200); 40 bought back 20 days later at 9.

    The loss on 40 shares (−80) is disallowed and added to the new lot's cost: 9 + 2.
    """
    ledger = TaxLedger(RATES)
    ledger.buy("A", D(100), D(10), date(2024, 1, 2))
    ledger.sell("A", D(100), D(8), date(2024, 3, 1))
    ledger.buy("A", D(40), D(9), date(2024, 3, 21))
    assert ledger.wash_sales == 1
    assert ledger.by_year() == {2024: (D(-120), D(0))}
    (lot,) = ledger.lots["A"]
    assert (lot.quantity, lot.cost, lot.acquired) == (D(40), D(11), date(2024, 3, 21))


def test_a_rebuy_after_the_window_is_no_wash_sale() -> None:
    ledger = TaxLedger(RATES)
    ledger.buy("A", D(100), D(10), date(2024, 1, 2))
    ledger.sell("A", D(100), D(8), date(2024, 3, 1))
    ledger.buy("A", D(40), D(9), date(2024, 4, 1))  # 31 days later
    assert ledger.wash_sales == 0
    assert ledger.by_year() == {2024: (D(-200), D(0))}
    assert ledger.lots["A"][0].cost == D(9)


def test_a_loss_sale_with_shares_bought_within_30_days_before_is_a_wash_sale() -> None:
    """Lots of 100 (2024-01-02, at 10) and 30 (2024-02-20, at 9); FIFO sells the 100 at 8.

    The 30 bought 10 days before are still held: the loss on 30 shares (−60) is
    disallowed and added to their cost (9 + 2).
    """
    ledger = TaxLedger(RATES)
    ledger.buy("A", D(100), D(10), date(2024, 1, 2))
    ledger.buy("A", D(30), D(9), date(2024, 2, 20))
    ledger.sell("A", D(100), D(8), date(2024, 3, 1))
    assert ledger.wash_sales == 1
    assert ledger.by_year() == {2024: (D(-140), D(0))}
    (lot,) = ledger.lots["A"]
    assert (lot.quantity, lot.cost) == (D(30), D(11))


def test_a_sale_at_a_gain_is_never_a_wash_sale() -> None:
    ledger = TaxLedger(RATES)
    ledger.buy("A", D(10), D(10), date(2024, 1, 2))
    ledger.sell("A", D(10), D(12), date(2024, 3, 1))
    ledger.buy("A", D(10), D(11), date(2024, 3, 2))
    assert (ledger.wash_sales, ledger.by_year()) == (0, {2024: (D(20), D(0))})


def test_a_sale_of_lots_at_a_loss_and_at_a_gain_logs_the_loss_apart() -> None:
    """10 at 10 and 10 at 14, all sold at 12: +20 and −20, net 0; the guard sees the −20."""
    ledger = TaxLedger(RATES)
    ledger.buy("A", D(10), D(10), date(2024, 1, 2))
    ledger.buy("A", D(10), D(14), date(2024, 1, 3))
    ledger.sell("A", D(20), D(12), date(2024, 6, 3))
    sales = [(t.quantity, t.realized_gain) for t in ledger.trades if t.action.value == "SELL"]
    assert sales == [(D(10), D(-20)), (D(10), D(20))]
    assert ledger.recent(date(2024, 6, 10)) == (ledger.trades[2],)


def test_a_sale_relieves_lots_by_the_policys_method() -> None:
    ledger = TaxLedger(attrs.evolve(RATES, method=LotMethod.HIFO))
    ledger.buy("A", D(10), D(10), date(2024, 1, 2))
    ledger.buy("A", D(10), D(14), date(2024, 1, 3))
    ledger.sell("A", D(5), D(12), date(2024, 6, 3))
    assert ledger.by_year() == {2024: (D(-10), D(0))}  # 5 × (12 − 14)
    assert [lot.quantity for lot in ledger.lots["A"]] == [D(10), D(5)]


def test_the_guard_of_the_planner_keeps_a_backtest_free_of_wash_sales() -> None:
    """A, sold at a loss, is targeted again 10 days later: the planner holds the buy."""
    bars = _bars(
        (date(2024, 1, 2), "10", "10"),
        (date(2024, 2, 1), "8", "10"),
        (date(2024, 2, 12), "8", "10"),
        (date(2024, 3, 15), "8", "10"),
    )

    def rule(day: date, _account: Snapshot) -> Allocation:
        return ALL_B if day.month == 2 and day.day == 1 else ALL_A

    result = run_backtest(bars, rule, policy=FREE, initial_cash=D(1000), schedule="daily").unwrap()
    assert result.tax is not None
    assert result.tax.wash_sales == 0
    held = [plan for plan in result.plans if plan.as_of.date() == date(2024, 2, 12)]  # type: ignore[union-attr]
    assert [item.reason.value for item in held[0].items if item.symbol == "A"] == ["WASH_SALE"]
    assert result.final_snapshot.positions == {"A": D(100)}  # 800 of B sold, A at 8 on 03-15


# -- the tax of a year --------------------------------------------------------------------


def test_year_taxes_net_the_terms_and_carry_a_loss_forward() -> None:
    realized = {
        2022: (D(-500), D(100)),  # net −400 short-term, carried
        2023: (D(300), D(200)),  # −100 short after the carry: 100 long × 0.2 = 20
        2024: (D(100), D(-50)),  # 50 short × 0.4
    }
    assert year_taxes(realized, RATES) == {2022: D(0), 2023: D(20), 2024: D(20)}


# -- a drawdown ---------------------------------------------------------------------------


def _harvesting_policy() -> TaxPolicy:
    """The rates, a 5 % harvest threshold and each fund the other's substitute."""
    return attrs.evolve(
        RATES, harvest_threshold=D("0.05"), substitutes={"VTI": ("ITOT",), "ITOT": ("VTI",)}
    )


def drawdown_bars() -> list[Bar]:
    """Two years of business days: a 35 % fall over the first nine months, then a recovery.

    VTI and ITOT track the same index (ITOT 0.5 % apart); BND drifts up slowly.
    """
    rng = random.Random(7)  # noqa: S311 - reproducible noise, not secrets
    bars, day, n = [], date(2022, 1, 3), 0
    while day <= date(2023, 12, 29):
        if day.weekday() < 5:
            trend = 1 - 0.35 * n / 190 if n < 190 else 0.65 + 0.4 * (n - 190) / 330
            noise = math.exp(rng.gauss(0, 0.004))
            level = 200 * trend * noise
            bars.append(
                Bar(
                    date=day,
                    prices={
                        "VTI": D(f"{level:.2f}"),
                        "ITOT": D(f"{level * 0.5025:.2f}"),
                        "BND": D(f"{80 * (1 + 0.0001 * n):.2f}"),
                    },
                )
            )
            n += 1
        day += timedelta(days=1)
    return bars


def test_a_drawdown_backtest_has_no_wash_sales_and_harvests_when_it_can() -> None:
    allocation = Allocation(target_weights={"VTI": D("0.6"), "BND": D("0.4")}, correlation_id="dd")
    policy = SizingPolicy(min_trade_amount=D(0), tax=_harvesting_policy())
    result = run_backtest(
        drawdown_bars(), allocation, policy=policy, initial_cash=D(100_000), schedule="monthly"
    ).unwrap()
    assert result.tax is not None
    assert result.tax.wash_sales == 0
    assert set(result.tax.realized_by_year) <= {2022, 2023}
    assert result.tax.harvested_losses > 0


# -- properties ---------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(run=runs())
def test_without_a_tax_policy_a_backtest_is_todays(run: dict[str, Any]) -> None:
    """tax=None: no tax record, `pay_taxes` changes nothing, every plan is plan_rebalance's."""
    options = _options(run)
    result = run_backtest(run["bars"], run["allocation"], **options)
    assume(isinstance(result, Success))
    backtest = result.unwrap()
    paying = run_backtest(run["bars"], run["allocation"], **options, pay_taxes=True).unwrap()
    assert backtest.tax is None
    assert paying.tax is None
    assert paying.equity_curve == backtest.equity_curve
    assert paying.plans == backtest.plans
    for plan, account in zip(backtest.plans, backtest.accounts, strict=True):
        assert plan.tax is None
        assert not account.lots
        assert plan.policy is not None
        assert plan_rebalance(_bar_allocation(run, account), account, plan.policy).unwrap() == plan


@settings(max_examples=60, deadline=None)
@given(run=runs())
def test_under_a_tax_policy_the_lots_add_up_and_each_plan_is_plan_rebalances(
    run: dict[str, Any],
) -> None:
    options = _options(run)
    options["policy"] = attrs.evolve(options["policy"], tax=RATES)
    result = run_backtest(run["bars"], run["allocation"], **options)
    assume(isinstance(result, Success))
    backtest = result.unwrap()
    assert backtest.tax is not None
    assert backtest.tax.wash_sales == 0  # the planner's guard, on the run's own trades
    curve = dict(backtest.equity_curve)
    for day, fill, account in zip(
        backtest.plan_dates, backtest.fills, backtest.accounts, strict=True
    ):  # the fold traded the plans it returns (the lots read as they are, unchecked)
        assert curve[day] == _marked(fill.snapshot.cash, fill.snapshot.positions, account.prices)
    for plan, account in zip(backtest.plans, backtest.accounts, strict=True):
        for symbol, quantity in account.positions.items():
            assert sum((lot.quantity for lot in account.lots[symbol]), D(0)) == quantity
        assert plan.policy is not None
        assert plan_rebalance(_bar_allocation(run, account), account, plan.policy).unwrap() == plan


# -- compare_after_tax --------------------------------------------------------------------


def test_compare_after_tax_runs_with_and_without_the_tax_rules() -> None:
    """The wash-sale example: without the rules, A is bought back on 02-12 (a wash sale)."""
    bars = _bars(
        (date(2024, 1, 2), "10", "10"),
        (date(2024, 2, 1), "8", "10"),
        (date(2024, 2, 12), "8", "10"),
    )

    def rule(day: date, _account: Snapshot) -> Allocation:
        return ALL_B if day.month == 2 and day.day == 1 else ALL_A

    seen: list[tuple[int, int]] = []
    compared = compare_after_tax(
        bars,
        rule,
        policy=FREE,
        initial_cash=D(1000),
        schedule="daily",
        progress=lambda done, total: seen.append((done, total)),
    ).unwrap()
    taxed, untaxed = compared.taxed.tax, compared.untaxed.tax
    assert taxed is not None
    assert untaxed is not None
    assert compared.taxed.final_snapshot.positions == {}  # the buy of A held: all cash
    assert compared.untaxed.final_snapshot.positions == {"A": D(100)}
    # taxed: −200 realized, kept; untaxed: the −200 disallowed, added to the 100 A (cost 10)
    assert (taxed.wash_sales, taxed.realized_by_year) == (0, {2024: (D(-200), D(0))})
    assert (untaxed.wash_sales, untaxed.realized_by_year) == (1, {2024: (D(0), D(0))})
    assert untaxed.after_tax_value == D(800)  # 100 A at 8, cost 10: a loss, no tax
    rows = {name: (a, b) for name, a, b in compared.rows()}
    assert rows["Wash sales"] == ("0", "1")
    assert seen[-1] == (6, 6)
    assert compared.untaxed.plans[-1].tax is None


def test_compare_after_tax_needs_a_tax_policy() -> None:
    error = compare_after_tax(_bars((date(2024, 1, 2), "1", "1")), ALL_A, policy=SizingPolicy())
    assert error.failure().context["field"] == "tax"


# -- sweeps -------------------------------------------------------------------------------


def test_a_sweep_on_an_executor_keeps_each_runs_tax_and_lots() -> None:
    """The tax policy travels with the run's policy; results come back with `tax`."""
    bars = drawdown_bars()[:300]
    allocation = Allocation(target_weights={"VTI": D("0.6"), "BND": D("0.4")}, correlation_id="s")
    runs = [
        BacktestRun(allocation=allocation, policy=FREE, label="taxed"),
        BacktestRun(allocation=allocation, policy=SizingPolicy(min_trade_amount=D(0))),
    ]
    with ThreadPoolExecutor(1) as executor:
        shipped = [outcome.unwrap() for outcome in run_backtests(bars, runs, executor)]
    here = [run_backtest(bars, allocation, policy=run.policy).unwrap() for run in runs]
    assert shipped[0].tax == here[0].tax
    assert shipped[0].tax is not None
    assert shipped[1].tax is None
    assert shipped[0].accounts[-1].lots == here[0].accounts[-1].lots
    assert shipped[0].accounts[-1].lots  # the lots travel with the accounts
    assert shipped[0].plans == here[0].plans


def test_a_bad_tax_policy_is_a_failure_dated_with_the_first_bar_not_an_exception() -> None:
    """The run's lot book reads the wash-sale window before the first plan checks the
    policy: the fuzzer's `wash_sale_days="30"` was a TypeError out of `run_backtest`."""
    bars = _bars((date(2024, 1, 2), "10", "10"), (date(2024, 1, 3), "11", "10"))
    bad = SizingPolicy(tax=TaxPolicy(wash_sale_days="30"))  # type: ignore[arg-type]  # garbage on purpose
    for run in (run_backtest, compare_after_tax):
        error = run(bars, ALL_A, policy=bad).failure()
        assert error.kind.value == "invalid_policy"
        assert error.context["field"] == "tax.wash_sale_days"
        assert error.context["date"] == "2024-01-02"


def test_compare_after_tax_without_a_policy_is_a_failure_not_an_exception() -> None:
    bars = _bars((date(2024, 1, 2), "10", "10"), (date(2024, 1, 3), "11", "10"))
    error = compare_after_tax(bars, ALL_A, policy=None).failure()  # type: ignore[arg-type]
    assert (error.kind.value, error.message) == ("invalid_policy", "policy must be a SizingPolicy")
