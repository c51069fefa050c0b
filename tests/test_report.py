"""The HTML reports as written: self-contained, every chart's points, every trade; outputs
never onto an input. The same pages in a real browser: tests/test_report_browser.py."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cli_support import cli
from report_support import backtest_report, expected, inputs, plan_report

from adapters.cli.plot import equity_figure
from adapters.report.plan_page import REASONS, plan_page
from portfolio import Action, PlanItem, Reason, RebalancePlan

D = Decimal


class Elements(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def all(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k.replace("_", "-")) == v for k, v in wanted.items())
        ]


def points(polyline: dict[str, str]) -> int:
    return len(polyline["points"].split())


def test_the_backtest_page_loads_nothing_from_anywhere(tmp_path: Path) -> None:
    page = backtest_report(tmp_path).read_text(encoding="utf-8")
    elements = Elements(page)
    (policy,) = elements.all("meta", http_equiv="Content-Security-Policy")
    assert policy["content"].startswith("default-src 'none'")
    assert not elements.all("script")
    assert not elements.all("link")
    assert not [a for _, a in elements.tags if "src" in a or "href" in a]
    # The only URL on the page is SVG's namespace name, which is never fetched.
    assert set(re.findall(r"https?://[^\"' ]+", page)) == {"http://www.w3.org/2000/svg"}


def test_the_backtest_page_charts_every_bar_rebalance_and_flow(tmp_path: Path) -> None:
    elements = Elements(backtest_report(tmp_path).read_text(encoding="utf-8"))
    result = expected(tmp_path)
    lines = elements.all("polyline")
    assert [(line["data-series"], points(line)) for line in lines] == [
        ("equity", 6),  # six bars in the price file
        ("benchmark", 6),
        ("equity", 6),  # the drawdown chart: strategy and buy-and-hold
        ("benchmark", 6),
    ]
    assert all(line["data-points"] == "6" for line in lines)
    assert len(elements.all("line", data_marker="flow-in")) == 4  # February to May
    assert len(elements.all("line", data_marker="rebalance")) == result.rebalances
    traded = sum(1 for fill in result.fills if fill.orders)
    assert len(elements.all("rect", **{"class": "column"})) == traded
    assert len(elements.all("details")) == traded


def test_the_backtest_page_shows_figures_both_ways_warnings_and_trades(tmp_path: Path) -> None:
    page = backtest_report(tmp_path, contribution=None).read_text(encoding="utf-8")
    result = expected(tmp_path, contribution=None)
    held = expected(tmp_path, "once", contribution=None)
    assert held.final_equity != result.final_equity  # else the columns could be swapped
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    at = cells.index("Final equity")
    assert cells[at + 1 : at + 3] == [f"{result.final_equity:,.2f}", f"{held.final_equity:,.2f}"]
    assert "2024-02-01 BBB: first close on this bar; until then its weight waited in cash" in page
    assert page.count("<li>") == len(result.warnings) == 2
    orders = sum(len(fill.orders) for fill in result.fills)
    assert page.count("<td>REBALANCE</td>") + page.count("<td>CASH_LIMITED</td>") == orders


def test_the_plan_page_shows_weights_trades_reasons_and_cash(tmp_path: Path) -> None:
    page = plan_report(tmp_path).read_text(encoding="utf-8")
    elements = Elements(page)
    # 1,000 cash + 10 SPY × 500 + 30 TLT × 90 = 8,700; SPY 50 % = 4,350 (sell 650),
    # QQQ 30 % = 2,610 (buy), TLT 20 % = 1,740 (sell 960).
    bars = elements.all("rect")
    assert len([b for b in bars if b.get("class") in {"bar current", "bar target"}]) == 6
    assert '<td>Portfolio value</td><td style="text-align:right">8,700.00</td>' in page
    assert '<td>Cash before</td><td style="text-align:right">1,000.00</td>' in page
    assert "<dt>REBALANCE</dt><dd>traded to reach its target weight</dd>" in page
    assert re.search(r"<td>QQQ</td><td>BUY</td><td[^>]*>2,610\.00</td>", page)
    assert re.search(r"<td>SPY</td><td>SELL</td><td[^>]*>-650\.00</td>", page)


def test_the_plan_page_says_what_a_hold_rows_parentheses_mean(tmp_path: Path) -> None:
    """As the terminal's table does, under the table, only when a HOLD row skipped a trade."""
    files = inputs(tmp_path)
    # SPY 50 % = 4,350 against 5,000 held: a sale of 650, below a minimum trade of 700.
    (tmp_path / "p.json").write_text('{"min_trade_amount": "700"}', encoding="utf-8")
    page, traded = tmp_path / "hold.html", tmp_path / "traded.html"
    for policy, out in ((("--policy", tmp_path / "p.json"), page), ((), traded)):
        run = cli(
            "plan", "--weights", files["plan_weights"], "--snapshot", files["snapshot"],
            *policy, "--report", out,
        )  # fmt: skip
        assert run.code == 0, run.err
    text = page.read_text(encoding="utf-8")
    assert re.search(r"<td>SPY</td><td>HOLD</td><td[^>]*>\(-650\.00\)</td>", text)
    note = "(…) on a HOLD row: the trade the policy skipped, target − current value"
    assert f'<p class="lead">{note}</p>' in text
    assert note not in traded.read_text(encoding="utf-8")


def test_a_plan_page_escapes_what_it_shows() -> None:
    item = PlanItem(
        symbol="<B>", action=Action.HOLD, trade_amount=D(0), quantity=D(0), price=D(1),
        current_value=D(0), target_value=D(0), current_weight=D(0), target_weight=D(0),
        reason=Reason.AT_TARGET,
    )  # fmt: skip
    plan = RebalancePlan(
        plan_id="p", correlation_id="c", items=(item,), total_value=D(1), cash_before=D(1),
        cash_after=D(1),
    )  # fmt: skip
    page = plan_page(plan, title="<script>x</script>")
    assert "<script>" not in page
    assert "<B>" not in page
    assert "&lt;B&gt;" in page


@pytest.mark.parametrize("which", ["prices", "weights"])
def test_a_backtest_report_onto_an_input_exits_2_and_leaves_it(tmp_path: Path, which: str) -> None:
    files = inputs(tmp_path)
    before = files[which].read_bytes()
    run = cli(
        "backtest", "--prices", files["prices"], "--weights", files["weights"],
        "--report", files[which],
    )  # fmt: skip
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        f"portfolio backtest: error: --report {files[which]} is the --{which} file: "
        "an output never replaces an input (see --help)\n"
    )
    assert files[which].read_bytes() == before


def test_a_report_through_another_name_of_an_input_is_refused(tmp_path: Path) -> None:
    files = inputs(tmp_path)
    before = files["snapshot"].read_bytes()
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.json").symlink_to(files["snapshot"])
    run = cli(
        "plan", "--weights", files["plan_weights"], "--snapshot", files["snapshot"],
        "--report", tmp_path / "sub" / ".." / "link.json",
    )  # fmt: skip
    assert (run.code, run.out) == (2, "")
    assert "is the --snapshot file: an output never replaces an input" in run.err
    assert files["snapshot"].read_bytes() == before


def test_a_plan_report_onto_the_lots_file_exits_2_and_leaves_it(tmp_path: Path) -> None:
    files = inputs(tmp_path)
    lots = tmp_path / "lots.csv"
    lots.write_text("symbol,quantity,cost,acquired\nSPY,10,400,2023-01-05\n", encoding="utf-8")
    before = lots.read_bytes()
    run = cli(
        "plan", "--weights", files["plan_weights"], "--snapshot", files["snapshot"],
        "--lots", lots, "--report", lots,
    )  # fmt: skip
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        f"portfolio plan: error: --report {lots} is the --lots file: "
        "an output never replaces an input (see --help)\n"
    )
    assert lots.read_bytes() == before


def test_report_and_plot_onto_one_file_exit_2(tmp_path: Path) -> None:
    files = inputs(tmp_path)
    run = cli(
        "backtest", "--prices", files["prices"], "--weights", files["weights"],
        "--report", tmp_path / "out.png", "--plot", tmp_path / "out.png",
    )  # fmt: skip
    assert run.code == 2
    assert "--plot" in run.err
    assert run.err.endswith("is the --report file: two outputs never share a file (see --help)\n")
    assert not (tmp_path / "out.png").exists()


def test_a_report_that_cannot_be_written_exits_2_naming_it(tmp_path: Path) -> None:
    files = inputs(tmp_path)
    target = tmp_path / "missing" / "plan.html"
    run = cli(
        "plan", "--weights", files["plan_weights"], "--snapshot", files["snapshot"],
        "--report", target,
    )  # fmt: skip
    assert run.code == 2
    assert run.err == f"error: {target}: No such file or directory\n"
    assert not target.parent.exists()


def test_the_plot_draws_buy_and_hold_rebalances_and_flows(tmp_path: Path) -> None:
    result, held = expected(tmp_path), expected(tmp_path, "once")
    figure = equity_figure(result, held, "title").unwrap()
    (axes,) = figure.axes
    drawn = {line.get_label(): len(line.get_xdata()) for line in axes.get_lines()}  # type: ignore[arg-type]  # matplotlib's data is loosely typed
    assert drawn == {
        "Strategy": 6,
        "Buy and hold (starting weights)": 6,
        "Rebalance": result.rebalances,
        "Contribution": 4,
    }
    legend = axes.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == list(drawn)


def test_the_plot_marks_a_withdrawal_below(tmp_path: Path) -> None:
    files = inputs(tmp_path)
    png = tmp_path / "curve.png"
    run = cli(
        "backtest", "--prices", files["prices"], "--weights", files["weights"], "--cash", "1000",
        "--contribution", "-50", "--plot", png,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert png.read_bytes().startswith(b"\x89PNG")


def test_every_reason_has_a_meaning_on_the_plan_page() -> None:
    """A plan page names what each of its reasons means; a reason without one would raise."""
    assert set(REASONS) == set(Reason)


def test_a_taxed_plans_page_lists_every_lot_sold_with_its_gain(tmp_path: Path) -> None:
    """Before, the page of a plan under tax rules gave only the totals: the person
    approving it could not see which lots went. Value 100 + 7,000 + 900 = 8,000: SPY at
    70 % sells 1,400, 2 shares, and HIFO takes them from lot b (cost 650): 1,400
    proceeds, 1,300 cost, 100 gain, short-term (bought 2024-10-01); TLT, not targeted,
    sells its only lot: 10 × 90 = 900 against 10 × 95 = 950, a 50 loss, long-term."""
    files = {
        "account.json": '{"as_of": "2024-12-31T21:00:00+00:00", "cash": "100", '
        '"positions": {"SPY": "10", "TLT": "10"}, '
        '"prices": {"SPY": "700", "TLT": "90", "QQQ": "100"}}',
        "weights.json": '{"SPY": "0.7", "QQQ": "0.3"}',
        "policy.toml": '[tax]\nmethod = "HIFO"\n',
        "lots.csv": "symbol,quantity,cost,acquired,lot_id\nSPY,8,400,2023-01-03,a\n"
        "SPY,2,650,2024-10-01,b\nTLT,10,95,2022-05-05,c\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = tmp_path / "plan.html"
    run = cli(
        "plan", "--weights", tmp_path / "weights.json", "--snapshot", tmp_path / "account.json",
        "--policy", tmp_path / "policy.toml", "--lots", tmp_path / "lots.csv", "--report", report,
    )  # fmt: skip
    assert run.code == 0, run.err
    page = report.read_text(encoding="utf-8")
    section = page[page.index("<caption>Lots sold</caption>") : page.index("<h2>Reasons</h2>")]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", section)
    assert cells == [
        "SPY", "b", "2024-10-01", "2", "1,400.00", "1,300.00", "100.00", "short-term",
        "TLT", "c", "2022-05-05", "10", "900.00", "950.00", "-50.00", "long-term",
    ]  # fmt: skip
    plain = tmp_path / "plain"
    plain.mkdir()
    assert "Lots sold" not in plan_report(plain).read_text(encoding="utf-8")


def test_a_backtest_page_under_tax_rules_shows_both_runs_after_tax(tmp_path: Path) -> None:
    """Before, the page of a run under a `[tax]` policy showed no tax figure. A at 50 %:
    50 shares at 10, then at 20 the strategy sells 12.5 (125 realized, short-term) and
    holds 37.5 (375 unrealized); buy and hold keeps 50 (500 unrealized). At 40 % both
    owe 200 on the 1,500 they end with: 1,300 after tax each; only the strategy realized."""
    (tmp_path / "prices.csv").write_text(
        "date,A\n2023-11-01,10\n2023-12-01,20\n2023-12-29,20\n2024-01-02,20\n", encoding="utf-8"
    )
    (tmp_path / "w.json").write_text('{"A": "0.5"}', encoding="utf-8")
    (tmp_path / "tax.toml").write_text('[tax]\nshort_term_rate = "0.4"\n', encoding="utf-8")
    report = tmp_path / "report.html"
    run = cli(
        "backtest", "--prices", tmp_path / "prices.csv", "--weights", tmp_path / "w.json",
        "--cash", "1000", "--policy", tmp_path / "tax.toml", "--report", report,
    )  # fmt: skip
    assert run.code == 0, run.err
    page = report.read_text(encoding="utf-8")
    right = '<td style="text-align:right">'
    assert f"<td>After tax</td>{right}1,300.00</td>{right}1,300.00</td>" in page
    assert f"<td>Realized</td>{right}125.00</td>{right}0.00</td>" in page
