"""The HTML reports in a real headless browser (chromium): no console errors, every chart's
points as the browser parsed them, and a screenshot with both curves drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from browser import Browser, needs_chromium
from matplotlib.image import imread
from report_support import backtest_report, expected, plan_report

pytestmark = needs_chromium

#: The page's colours for the strategy and buy-and-hold (RGB, 0–255).
BLUE, ORANGE = (0x2B, 0x6C, 0xB0), (0xDD, 0x6B, 0x20)


@pytest.fixture
def browser(tmp_path: Path) -> Browser:
    scratch = tmp_path / "browser"
    scratch.mkdir()
    return Browser(scratch)


def test_the_console_check_catches_errors_and_blocked_loads(
    browser: Browser, tmp_path: Path
) -> None:
    """The check the report pages pass must be able to fail: an error and a fetch are seen."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body>"
        '<script>console.error("boom");</script><img src="http://example.invalid/x.png">'
        "</body></html>",
        encoding="utf-8",
    )
    _, console = browser.dom(page)
    assert any('"boom"' in line for line in console), console
    assert any("Content Security Policy" in line for line in console), console


@pytest.mark.parametrize("report", [backtest_report, plan_report])
def test_a_report_renders_without_console_errors(
    browser: Browser, tmp_path: Path, report: object
) -> None:
    page = report(tmp_path)  # type: ignore[operator]  # one of the two writers above
    dom, console = browser.dom(page)
    assert console == []
    assert "<h1>" in dom
    assert dom.count("<svg") == (3 if page.name == "report.html" else 1)


def test_the_backtest_charts_have_a_point_per_bar_and_a_mark_per_event(
    browser: Browser, tmp_path: Path
) -> None:
    result = expected(tmp_path)
    charts = browser.charts(backtest_report(tmp_path))
    assert [chart["chart"] for chart in charts] == ["equity", "drawdown", "turnover"]
    equity, drawdown, turnover = charts
    assert equity["lines"] == [["equity", 6], ["benchmark", 6]]  # six bars
    assert drawdown["lines"] == [["equity", 6], ["benchmark", 6]]
    markers = equity["markers"]
    assert isinstance(markers, list)
    assert markers.count("rebalance") == result.rebalances
    assert markers.count("flow-in") == 4  # a contribution each month, February to May
    assert turnover["columns"] == sum(1 for fill in result.fills if fill.orders)
    for chart in charts:
        assert isinstance(chart["width"], float | int)
        assert isinstance(chart["height"], float | int)
        assert chart["width"] > 400
        assert chart["height"] > 100


def test_the_plan_chart_has_a_bar_for_each_weight_now_and_at_target(
    browser: Browser, tmp_path: Path
) -> None:
    (weights,) = browser.charts(plan_report(tmp_path))
    assert weights["chart"] == "weights"
    assert weights["bars"] == 6  # three symbols, each now and at target
    assert weights["lines"] == []


def pixels_near(image: np.ndarray, colour: tuple[int, int, int]) -> int:
    """How many pixels are within a few levels of `colour` (the PNG read as floats 0–1)."""
    rgb = (image[..., :3] * 255).astype(int)
    return int((np.abs(rgb - np.array(colour)).max(axis=-1) <= 8).sum())


def test_a_screenshot_shows_both_curves(browser: Browser, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    console = browser.screenshot(backtest_report(tmp_path), png, (1000, 1400))
    assert console == []
    image = imread(png)
    assert image.shape[:2] == (1400, 1000)
    assert pixels_near(image, BLUE) > 200  # the strategy's line and legend key
    assert pixels_near(image, ORANGE) > 200  # buy-and-hold's
    plan_png = tmp_path / "plan.png"
    assert browser.screenshot(plan_report(tmp_path), plan_png, (1000, 900)) == []
    assert pixels_near(imread(plan_png), BLUE) > 200  # the target bars
