"""The CLI's small parts: number formats, the progress bar, the bundled sample data."""

from __future__ import annotations

import doctest
import io
from decimal import Decimal
from pathlib import Path

import pytest

import adapters.cli as cli_package
from adapters.cli import samplegen
from adapters.cli.progress import progress_bar
from adapters.cli.samples import sample_account, sample_text, sample_weights
from adapters.cli.table import money, percent, shares
from adapters.prices_csv import load_prices_csv


@pytest.mark.parametrize(
    ("amount", "text"),
    [("-1234.5", "-1,234.50"), ("0", "0.00"), ("1234567.891", "1,234,567.89"), ("0.005", "0.00")],
)
def test_money_has_separators_and_cents(amount: str, text: str) -> None:
    assert money(Decimal(amount)) == text


def test_percent_and_shares() -> None:
    assert percent(Decimal("0.1234")) == "12.34%"
    assert percent(Decimal("0.0000000001")) == "0.00%"
    assert shares(Decimal("3.500000000")) == "+3.5"
    assert shares(Decimal(-60)) == "-60"
    assert shares(Decimal(30)) == "+30"
    assert shares(Decimal("0E-9")) == "0"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_progress_bar_when_not_a_terminal() -> None:
    assert progress_bar(io.StringIO()) is None


def test_progress_bar_redraws_only_when_the_percentage_changes() -> None:
    stream = Tty()
    update = progress_bar(stream)
    assert update is not None
    for done in range(1, 1001):
        update(done, 1000)
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 101  # 0 %, 1 %, …, 100 %
    assert frames[0] == "[" + "." * 30 + "]   0% 1/1000"
    assert frames[10] == "[" + "###" + "." * 27 + "]  10% 100/1000"
    assert frames[-1] == "[" + "#" * 30 + "] 100% 1000/1000\n"


def test_committed_sample_data_is_what_the_generator_writes() -> None:
    """The sample files are reproducible: regenerating them changes no byte."""
    assert sample_text("prices.csv") == samplegen.prices_csv()
    assert sample_text("account.json") == samplegen.account_json()
    assert sample_text("weights.json") == samplegen.weights_json()


def test_sample_data_loads(tmp_path: Path) -> None:
    account = sample_account().unwrap()
    weights = sample_weights().unwrap()
    assert sum(weights.values()) == Decimal("0.95")
    (tmp_path / "prices.csv").write_text(sample_text("prices.csv"), encoding="utf-8")
    bars = load_prices_csv(tmp_path / "prices.csv").unwrap()
    assert len(bars) == 782  # business days of 2022–2024
    assert bars[-1].prices == account.prices  # the account is priced at the last close


def test_the_docstring_examples_hold() -> None:
    results = doctest.testmod(cli_package)
    assert (results.failed, results.attempted) == (0, 1)
