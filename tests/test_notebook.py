"""Plans and backtests where people look at them in a notebook: str, repr, HTML, records, frames."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from core_strategies import accounts, policies
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from returns.result import Success

from portfolio import (
    Action,
    Allocation,
    PlanItem,
    Reason,
    RebalancePlan,
    SizingPolicy,
    Snapshot,
    TaxLot,
    TaxPolicy,
    plan_rebalance,
)
from portfolio.backtest import BacktestResult, Bar, CashFlows, run_backtest
from portfolio.backtest.result import BAR_COLUMNS, TRADE_COLUMNS
from portfolio.records.plan import PLAN_COLUMNS

D = Decimal


class Cells(HTMLParser):
    """The text of every <td> and <th>, row by row, and the <caption>s of an HTML fragment."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.captions: list[str] = []
        self.paragraphs: list[str] = []
        self._text: list[str] | None = None
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        del attrs
        if tag == "tr":
            self.rows.append([])
        if tag in {"td", "th", "caption", "p"}:
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text or [])
        if tag in {"td", "th"}:
            self.rows[-1].append(text)
        elif tag == "caption":
            self.captions.append(text)
        elif tag == "p":
            self.paragraphs.append(text)
        if tag in {"td", "th", "caption", "p"}:
            self._text = None


def small_plan() -> RebalancePlan:
    """1,000 cash and 2 SPY at 500; 50/50 SPY/QQQ: buy 2.5 QQQ at 400, SPY is at target."""
    snapshot = Snapshot(
        cash=D(1000), positions={"SPY": D(2)}, prices={"SPY": D(500), "QQQ": D(400)}
    )
    weights = {"SPY": D("0.5"), "QQQ": D("0.5")}
    return plan_rebalance(
        Allocation(target_weights=weights, correlation_id="nb"), snapshot
    ).unwrap()


def wide_plan(symbols: int) -> RebalancePlan:
    """All cash into `symbols` symbols at 10 each, equal weights."""
    names = [f"S{n:03d}" for n in range(symbols)]
    snapshot = Snapshot(cash=D(symbols * 100), prices=dict.fromkeys(names, D(10)))
    weights = dict.fromkeys(names, D(1) / symbols)
    allocation = Allocation(target_weights=weights, correlation_id="wide")
    return plan_rebalance(allocation, snapshot).unwrap()


def test_a_plan_prints_as_a_table_and_a_summary() -> None:
    plan = small_plan()
    assert str(plan) == "\n".join([
        f"Rebalance plan {plan.plan_id} (correlation id nb)",
        "",
        "Symbol  Action    Amount  Quantity   Price  Weight now → target  Reason",
        "──────  ──────  ────────  ────────  ──────  ───────────────────  ─────────",
        "QQQ     BUY     1,000.00      +2.5  400.00    0.00% →  50.00%    REBALANCE",
        "SPY     HOLD        0.00         0  500.00   50.00% →  50.00%    AT_TARGET",
        "",
        "Sells 0.00   buys 1,000.00   (1 trade)",
        "Cash 1,000.00 → projected 0.00   (portfolio value 2,000.00)",
    ])  # fmt: skip


def test_a_price_below_one_keeps_the_digits_two_decimals_would_hide() -> None:
    """A penny stock at 0.0005 and a crypto pair at 0.00001234 showed a price of 0.00;
    500 each buys 1,000,000 and 40,518,638.573743922 (500 / 0.00001234, 9 decimals).
    Prices of 1 or more, or in whole cents, keep two decimals."""
    prices = {"PENNY": D("0.0005"), "SHIB/USD": D("0.00001234"), "HALF": D("0.5")}
    snapshot = Snapshot(cash=D(1500), prices=prices)
    weights = dict.fromkeys(prices, D(1) / 3)
    plan = plan_rebalance(Allocation(target_weights=weights, correlation_id="p"), snapshot)
    rows = Cells(plan.unwrap()._repr_html_()).rows
    assert [(row[0], row[3], row[4]) for row in rows[1:]] == [
        ("HALF", "+1000", "0.50"),
        ("PENNY", "+1000000", "0.0005"),
        ("SHIB/USD", "+40518638.573743922", "0.00001234"),
    ]


def test_a_plan_repr_is_one_short_line_of_counts_and_money() -> None:
    plan = small_plan()
    assert repr(plan) == (
        f"RebalancePlan(plan_id='{plan.plan_id}', correlation_id='nb', as_of=None, items=2, "
        "trades=1, total_value=Decimal('2000.00'), cash_before=Decimal('1000'), "
        "cash_after=Decimal('0.00'))"
    )


def test_a_long_plan_shows_thirty_rows_and_says_how_many_more() -> None:
    plan = wide_plan(45)
    text = str(plan)
    assert "… and 15 more rows (to_records() or to_frame() has them all)" in text
    assert sum(line.startswith("S0") for line in text.splitlines()) == 30
    cells = Cells(plan._repr_html_())
    assert len(cells.rows) == 1 + 30  # the header row, then 30 items
    assert cells.paragraphs[0] == "… and 15 more rows (to_records() or to_frame() has them all)"
    assert len(repr(plan)) < 250


def test_a_plan_in_html_is_its_table_with_the_summary_below() -> None:
    plan = small_plan()
    cells = Cells(plan._repr_html_())
    assert cells.captions == [f"Rebalance plan {plan.plan_id} (correlation id nb)"]
    assert cells.rows == [
        ["Symbol", "Action", "Amount", "Quantity", "Price", "Weight now → target", "Reason"],
        ["QQQ", "BUY", "1,000.00", "+2.5", "400.00", "  0.00% →  50.00%", "REBALANCE"],
        ["SPY", "HOLD", "0.00", "0", "500.00", " 50.00% →  50.00%", "AT_TARGET"],
    ]
    assert cells.paragraphs == [
        "Sells 0.00   buys 1,000.00   (1 trade)",
        "Cash 1,000.00 → projected 0.00   (portfolio value 2,000.00)",
    ]


def test_html_escapes_what_it_shows() -> None:
    plan = attrs_evolve_ids(small_plan(), correlation_id="<script>alert(1)</script>")
    markup = plan._repr_html_()
    assert "<script>" not in markup
    assert Cells(markup).captions[0].endswith("(correlation id <script>alert(1)</script>)")


def attrs_evolve_ids(plan: RebalancePlan, *, correlation_id: str) -> RebalancePlan:
    return RebalancePlan(
        plan_id=plan.plan_id,
        correlation_id=correlation_id,
        items=plan.items,
        total_value=plan.total_value,
        cash_before=plan.cash_before,
        cash_after=plan.cash_after,
    )


@settings(max_examples=60, deadline=None)
@given(accounts(), policies)
def test_records_give_back_every_item_exactly(
    account: tuple[Allocation, Snapshot], policy: SizingPolicy
) -> None:
    """to_records() loses nothing: each record rebuilds its PlanItem, field for field."""
    allocation, snapshot = account
    plan = plan_rebalance(allocation, snapshot, policy).value_or(None)
    if plan is None:
        return
    records = plan.to_records()
    assert all(tuple(record) == PLAN_COLUMNS for record in records)
    rebuilt = tuple(
        PlanItem(**{**r, "action": Action(r["action"]), "reason": Reason(r["reason"])})  # type: ignore[arg-type]  # values are object-typed
        for r in records
    )
    assert rebuilt == plan.items
    assert "\n" not in repr(plan)
    html_rows = Cells(plan._repr_html_()).rows
    assert len(html_rows) == 1 + min(len(plan.items), 30)  # the header, then the items
    assert [row[0] for row in html_rows[1:]] == [item.symbol for item in plan.items[:30]]


def decimal(value: object) -> Decimal:
    """A record's value, known to be a Decimal."""
    assert isinstance(value, Decimal)
    return value


closes = st.decimals(min_value="1", max_value="500", places=2)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(closes, closes), min_size=1, max_size=70),
    st.sampled_from(["once", "weekly", "monthly", "drift"]),
    st.sampled_from([None, D(200), D(-150)]),
)
def test_backtest_records_agree_with_the_result(
    prices: list[tuple[Decimal, Decimal]], schedule: str, monthly: Decimal | None
) -> None:
    """The rows are the result seen bar by bar and order by order: nothing lost or added."""
    days = [date(2024, 1, 1) + timedelta(days=3 * n) for n in range(len(prices))]
    bars = [Bar(date=d, prices={"A": a, "B": b}) for d, (a, b) in zip(days, prices, strict=True)]
    allocation = Allocation(target_weights={"A": D("0.7"), "B": D("0.3")}, correlation_id="p")
    flows = CashFlows(monthly=monthly) if monthly is not None else None
    ran = run_backtest(
        bars, allocation, initial_cash=D(10_000), schedule=schedule, cash_flows=flows
    )
    assume(isinstance(ran, Success))  # not a withdrawal larger than the equity
    result = ran.unwrap()
    records = result.to_records()
    assert [(r["date"], r["equity"]) for r in records] == list(result.equity_curve)
    assert max(decimal(r["drawdown"]) for r in records) == result.max_drawdown
    assert [r["date"] for r in records if r["rebalanced"]] == list(result.rebalance_dates)
    flows_seen = [(r["date"], r["cash_flow"]) for r in records if r["cash_flow"]]
    assert flows_seen == list(result.cash_flows)
    trades = result.trade_records()
    assert len(trades) == sum(len(fill.orders) for fill in result.fills)
    traded = sum((abs(decimal(t["traded_value"])) for t in trades), D(0))
    assert traded == result.traded_value


def test_a_plan_frame_is_indexed_by_symbol_and_keeps_decimals_exact() -> None:
    frame = small_plan().to_frame()
    assert list(frame.index) == ["QQQ", "SPY"]
    assert list(frame.columns) == list(PLAN_COLUMNS[1:])
    assert frame.loc["QQQ", "quantity"] == D("2.5")
    assert isinstance(frame.loc["QQQ", "trade_amount"], Decimal)
    assert frame["trade_amount"].sum() == D(1000)
    assert list(frame["action"]) == ["BUY", "HOLD"]


def test_without_pandas_to_frame_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # what `import pandas` meets when absent
    with pytest.raises(ImportError, match=r"pip install 'portfolio-rebalancer\[frame\]'") as info:
        small_plan().to_frame()
    assert str(info.value).startswith("RebalancePlan.to_frame() needs pandas")
    assert small_plan().to_records()  # records need no extra
    with pytest.raises(ImportError, match=r"BacktestResult.to_frame\(\) needs pandas"):
        hand_backtest().to_frame()


def test_importing_the_library_does_not_import_pandas() -> None:
    code = "import sys, portfolio, portfolio.backtest; print('pandas' in sys.modules)"
    shown = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", code], capture_output=True, check=True, text=True
    )
    assert shown.stdout == "False\n"


# One symbol bought on the first bar and held: equity 1,000 → 1,200 → 900 → 1,500.
CLOSES = (D(10), D(12), D(9), D(15))
DAYS = tuple(date(2024, 1, 1) + timedelta(days=n) for n in range(4))


def hand_backtest() -> BacktestResult:
    bars = [Bar(date=day, prices={"AAA": close}) for day, close in zip(DAYS, CLOSES, strict=True)]
    allocation = Allocation(target_weights={"AAA": D(1)}, correlation_id="hand")
    return run_backtest(bars, allocation, initial_cash=D(1000), schedule="once").unwrap()


def test_backtest_records_are_the_curve_its_drawdown_and_the_rebalances() -> None:
    records = hand_backtest().to_records()
    assert [tuple(r) for r in records] == [BAR_COLUMNS] * 4
    assert [r["equity"] for r in records] == [D(1000), D(1200), D(900), D(1500)]
    assert [r["drawdown"] for r in records] == [D(0), D(0), D("0.25"), D(0)]  # 900 / 1,200 − 1
    assert [r["rebalanced"] for r in records] == [True, False, False, False]
    assert [r["cash_flow"] for r in records] == [D(0)] * 4


def test_backtest_trade_records_are_every_order_with_its_date() -> None:
    (record,) = hand_backtest().trade_records()
    assert tuple(record) == TRADE_COLUMNS
    assert record == {
        "date": DAYS[0],
        "symbol": "AAA",
        "action": "BUY",
        "reason": "REBALANCE",
        "quantity": D(100),
        "price": D(10),
        "traded_value": D(1000),
        "fee": D(0),
    }


def test_the_drawdown_column_peaks_at_max_drawdown_with_cash_flows() -> None:
    """With flows, drawdown is taken on the flow-adjusted curve, as max_drawdown is."""
    days = [date(2024, 1, 2) + timedelta(days=7 * n) for n in range(30)]
    bars = [
        Bar(date=d, prices={"A": D(100 + (n % 7) * 3 - n), "B": D(50 + n)})
        for n, d in enumerate(days)
    ]
    allocation = Allocation(target_weights={"A": D("0.6"), "B": D("0.4")}, correlation_id="f")
    result = run_backtest(
        bars, allocation, initial_cash=D(10_000), cash_flows=CashFlows(monthly=D(-300))
    ).unwrap()
    records = result.to_records()
    assert result.cash_flows
    assert max(decimal(r["drawdown"]) for r in records) == result.max_drawdown
    assert sum(decimal(r["cash_flow"]) for r in records) == sum(a for _, a in result.cash_flows)
    assert sum(r["rebalanced"] for r in records) == result.rebalances  # type: ignore[misc]  # bools


def test_a_backtest_prints_its_figures_and_reprs_in_one_line() -> None:
    result = hand_backtest()
    lines = [" ".join(line.split()) for line in str(result).splitlines()]
    assert lines[0] == (
        "Backtest: once rebalancing, 2024-01-01 → 2024-01-04 (4 bars), initial cash 1,000.00"
    )
    assert lines[2:4] == ["Final equity 1,500.00", "Total return 50.00%"]
    assert lines[6:] == [
        "Max drawdown 25.00% largest fall from a peak",  # 900 against the 1,200 peak
        "Turnover 0.87× traded 1,000.00",  # 1,000 ÷ mean equity 1,150
        "Fees 0.00",
        "Rebalances 1",
    ]
    assert repr(result) == (
        "BacktestResult(schedule='once', start='2024-01-01', end='2024-01-04', bars=4, "
        "initial_cash=Decimal('1000'), final_equity=Decimal('1500.000000000'), plans=1, "
        "rebalances=1, warnings=0)"
    )


def test_a_backtest_prints_its_warnings_below_the_figures() -> None:
    bars = [
        Bar(date=date(2024, 1, 2), prices={"AAA": D(10)}),
        Bar(date=date(2024, 1, 3), prices={"AAA": D(10), "BBB": D(20)}),
    ]
    allocation = Allocation(target_weights={"AAA": D("0.5"), "BBB": D("0.5")}, correlation_id="w")
    result = run_backtest(bars, allocation, initial_cash=D(1000)).unwrap()
    assert str(result).splitlines()[-1] == (
        "warning: 2024-01-03 BBB: first close on this bar; until then its weight waited in cash"
    )
    assert str(result).startswith(result.to_text() + "\n")


def test_a_long_backtest_repr_stays_short() -> None:
    """Two years of daily bars on ten symbols: the curve and plans stay out of the repr."""
    names = [f"S{n}" for n in range(10)]
    days = [date(2022, 1, 3) + timedelta(days=n) for n in range(730)]
    bars = [
        Bar(date=d, prices={s: D(50 + (n * (i + 3)) % 17) for i, s in enumerate(names)})
        for n, d in enumerate(days)
    ]
    allocation = Allocation(target_weights=dict.fromkeys(names, D("0.1")), correlation_id="long")
    result = run_backtest(bars, allocation, schedule="weekly").unwrap()
    assert len(repr(result)) < 250
    assert len(str(result).splitlines()) < 20
    cells = Cells(result._repr_html_())
    captions = cells.captions[1:]
    assert len(captions) == 12  # the first 12 rebalances, then a note
    assert cells.paragraphs[-1].startswith(f"… and {result.rebalances - 12} more rebalances")


def test_a_backtest_in_html_has_its_figures_and_its_trades() -> None:
    result = hand_backtest()
    cells = Cells(result._repr_html_())
    assert cells.captions == [result.headline(), "2024-01-01: 1 order"]
    figures = {row[0]: row[1] for row in cells.rows[1:12] if len(row) == 3}
    assert figures["Final equity"] == "1,500.00"
    assert figures["Max drawdown"] == "25.00%"
    assert cells.rows[-1] == [
        "2024-01-01", "AAA", "BUY", "+100", "10.00", "1,000.00", "0.00", "REBALANCE",
    ]  # fmt: skip


def test_a_backtest_frame_is_indexed_by_date() -> None:
    result = hand_backtest()
    frame = result.to_frame()
    assert list(frame.index) == list(DAYS)
    assert list(frame.columns) == list(BAR_COLUMNS[1:])
    assert frame.loc[DAYS[2], "drawdown"] == D("0.25")
    trades = result.trades_frame()
    assert list(trades.index) == [DAYS[0]]
    assert trades.iloc[0]["quantity"] == D(100)


def test_a_taxed_plan_in_html_lists_the_lots_it_sells() -> None:
    """Value 2,000: SPY at 25 % sells 500, 1 share; FIFO takes it from lot a (cost 300):
    500 proceeds, 300 cost, 200 gain, long-term (bought 2022-01-03, sold 2024-06-03)."""
    lots = {
        "SPY": (
            TaxLot(quantity=Decimal(3), cost=Decimal(300), acquired=date(2022, 1, 3), lot_id="a"),
            TaxLot(quantity=Decimal(1), cost=Decimal(450), acquired=date(2024, 5, 1), lot_id="b"),
        )
    }
    snapshot = Snapshot(
        cash=Decimal(0), positions={"SPY": Decimal(4)},
        prices={"SPY": Decimal(500), "QQQ": Decimal(100)},
        as_of=datetime(2024, 6, 3, 20, tzinfo=UTC), lots=lots,
    )  # fmt: skip
    weights = {"SPY": Decimal("0.75"), "QQQ": Decimal("0.25")}
    allocation = Allocation(target_weights=weights, correlation_id="nb")
    plan = plan_rebalance(allocation, snapshot, SizingPolicy(tax=TaxPolicy())).unwrap()
    cells = Cells(plan._repr_html_())
    assert cells.captions[-1] == "Lots sold"
    assert cells.rows[-2:] == [
        ["Symbol", "Lot", "Acquired", "Shares", "Proceeds", "Cost", "Gain", "Term"],
        ["SPY", "a", "2022-01-03", "1", "500.00", "300.00", "200.00", "long-term"],
    ]
    untaxed = plan_rebalance(allocation, snapshot).unwrap()
    assert "Lots sold" not in untaxed._repr_html_()
