"""What reaches a terminal is shown, never acted on: a file's symbol cannot drive it."""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path

import pytest
from cli_support import cli
from hypothesis import given
from hypothesis import strategies as st

from adapters.cli import terminal
from adapters.cli.terminal import visible

#: A symbol holding a colour, a bell, a right-to-left override and a C1 control.
TRICKS = "\x1b[2J\x07SPY\u202e\x9b"
ACTED_ON = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def files(tmp_path: Path) -> Path:
    weights = {TRICKS: "0.5", "QQQ": "0.5"}
    (tmp_path / "w.json").write_text(json.dumps(weights), encoding="utf-8")
    account = {"cash": "1000", "prices": {TRICKS: "10", "QQQ": "10"}}
    (tmp_path / "a.json").write_text(json.dumps(account), encoding="utf-8")
    (tmp_path / "no_price.json").write_text('{"cash": "1000", "prices": {"QQQ": "10"}}')
    return tmp_path


@pytest.mark.parametrize(
    ("command", "snapshot"),
    [("plan", "a.json"), ("rebalance", "a.json"), ("plan", "no_price.json")],
    ids=["plan-table", "orders-table", "error-line"],
)
def test_a_symbol_s_control_characters_are_shown_as_escapes(
    files: Path, command: str, snapshot: str
) -> None:
    """Before, `\\x1b[2J` in a symbol cleared the adviser's screen when the table was shown."""
    run = cli(command, "--weights", files / "w.json", "--snapshot", files / snapshot)
    assert ACTED_ON.search(run.out + run.err) is None
    assert "\\x1b[2J\\x07SPY\\u202e\\x9b" in run.out + run.err


def test_such_a_symbol_is_refused_by_the_core_and_named_by_its_escapes(files: Path) -> None:
    """No broker lists such a symbol (`records.symbol_keys.is_symbol`): the file is refused.

    With `--json` too, and the error line names the key as its escapes, not as the
    characters a terminal would act on.
    """
    run = cli("plan", "--weights", files / "w.json", "--snapshot", files / "a.json", "--json")
    assert (run.code, run.out) == (1, "")
    assert "INVALID_WEIGHTS" in run.err
    assert "target_weights has keys that are not symbols" in run.err
    assert "\\x1b[2J\\x07SPY\\u202e\\x9b" in run.err
    assert ACTED_ON.search(run.err) is None


@given(st.text())
def test_visible_text_has_nothing_a_terminal_acts_on_and_keeps_the_rest(text: str) -> None:
    """Printable text, tabs and line breaks pass as they are; the others become escapes."""
    shown = visible(text)
    assert ACTED_ON.search(shown) is None
    if ACTED_ON.search(text) is None:
        assert shown == text


def test_the_terminal_examples_run() -> None:
    assert doctest.testmod(terminal).failed == 0
