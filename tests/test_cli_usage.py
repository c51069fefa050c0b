"""What a newcomer meets on the command line: help with defaults and examples, --version,
no abbreviated options, "did you mean", and Ctrl-C without a traceback.

The checks run over `args.COMMANDS`, so every registered sub-command is held to them.
"""

from __future__ import annotations

import argparse
import doctest
import io
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cli_support import TtyStream, cli
from test_cli import assert_one_line_error

from adapters.cli import command as command_module
from adapters.cli import main
from adapters.cli.args import COMMANDS
from adapters.cli.command import build_parser
from adapters.cli.terminal import Terminal

ROOT = Path(__file__).resolve().parent.parent
NAMES = [command.name for command in COMMANDS]


def test_version_is_the_project_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    run = cli("--version")
    assert (run.code, run.out, run.err) == (0, f"portfolio {project['version']}\n", "")


def options_with_defaults(name: str) -> list[argparse.Action]:
    _, subparsers = build_parser(COMMANDS, version="0")
    return [
        action
        for action in subparsers[name]._actions
        if action.option_strings
        and action.default is not None
        and action.default is not False
        and action.default != argparse.SUPPRESS
    ]


@pytest.mark.parametrize("name", NAMES)
def test_every_command_help_shows_defaults_and_an_example(name: str) -> None:
    run = cli(name, "--help")
    assert run.code == 0
    flat = " ".join(run.out.split())  # argparse wraps long help lines
    for action in options_with_defaults(name):
        assert f"(default: {action.default})" in flat, action.option_strings
    examples = run.out.split("example", 1)[1].splitlines()[1:]
    assert examples, run.out
    assert all("portfolio " + name in line for line in examples if line.strip())


def test_the_backtest_help_names_its_defaults() -> None:
    flat = " ".join(cli("backtest", "--help").out.split())
    assert "--cash CASH initial cash (default: 1000000)" in flat
    schedules = "{once,daily,weekly,monthly,quarterly,annually,drift}"
    assert f"--schedule {schedules} when to trade (default: monthly)" in flat
    assert "portfolio backtest --prices prices.csv --weights weights.json --fee-bps 5" in flat


def test_top_level_help_lists_the_commands() -> None:
    run = cli("--help")
    assert run.code == 0
    for name in NAMES:  # argparse puts the summary of a long name on the next line
        assert f"    {name} " in run.out or f"    {name}\n" in run.out


ABBREVIATIONS = [
    ["backtest", "--prices", "p.csv", "--weights", "w.json", "--sched", "once"],
    ["plan", "--weights", "w.json", "--snapshot", "s.json", "--js"],
    ["plan", "--weights", "w.json", "--snap", "s.json"],
]


@pytest.mark.parametrize("argv", ABBREVIATIONS)
def test_options_are_never_abbreviated(argv: list[str]) -> None:
    """A prefix that happens to be unique today silently changes meaning when options are added."""
    run = cli(*argv)
    assert run.code == 2
    assert argv[-2] in run.err or argv[-1] in run.err


@pytest.mark.parametrize(
    ("typed", "meant"), [("plna", "plan"), ("backtset", "backtest"), ("valdiate", "validate")]
)
def test_a_mistyped_command_suggests_the_closest(typed: str, meant: str) -> None:
    run = cli(typed, "--weights", "w.json")
    assert_one_line_error(run, 2, f"unknown command '{typed}'; did you mean '{meant}'?")


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["plan", "--wieghts", "w.json", "--snapshot", "s.json"], "'--weights' for '--wieghts'"),
        (["plan", "--weights", "w", "--snapshot", "s", "--jsn"], "'--json' for '--jsn'"),
        (
            ["backtest", "--prices", "p", "--weights", "w", "--sched", "once"],
            "'--schedule' for '--sched'",
        ),
    ],
)
def test_a_mistyped_option_suggests_the_closest(argv: list[str], hint: str) -> None:
    assert_one_line_error(cli(*argv), 2, f"; did you mean {hint}? (see --help)")


@pytest.mark.parametrize("argv", ABBREVIATIONS)
def test_an_unknown_option_is_the_command_s_error_as_a_bad_value_is(argv: list[str]) -> None:
    """Before, `portfolio plan --snap s.json` said `portfolio: error:`, and
    `portfolio plan --weights` (no value) said `portfolio plan: error:`."""
    run = cli(*argv)
    assert run.err.startswith(f"portfolio {argv[0]}: error: unrecognized arguments: "), run.err


def test_the_command_helpers_doctests_hold() -> None:
    results = doctest.testmod(command_module)
    assert (results.failed, results.attempted) == (0, 5)


def test_an_unknown_command_lists_the_commands() -> None:
    run = cli("optimise")
    assert_one_line_error(run, 2, "unknown command 'optimise' (commands: " + ", ".join(NAMES))


class Interrupting(io.StringIO):
    """A stdout whose first write is where the user presses Ctrl-C."""

    def write(self, _text: str) -> int:
        raise KeyboardInterrupt


def test_ctrl_c_is_one_line_and_exit_130() -> None:
    err = io.StringIO()
    code = main(["demo"], Terminal(out=Interrupting(), err=err, environ={}))
    assert (code, err.getvalue()) == (130, "interrupted\n")


def test_ctrl_c_on_a_terminal_starts_a_new_line() -> None:
    err = TtyStream()
    code = main(["demo"], Terminal(out=Interrupting(), err=err, environ={}))
    assert code == 130
    assert err.getvalue().endswith("782/782\n\ninterrupted\n")  # after the backtest's bar


def test_a_real_sigint_ends_the_process_without_a_traceback() -> None:
    code = (
        "import os, signal, sys\n"
        # What Python does at start-up on a terminal (a job started with `&` ignores SIGINT).
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "class Out:\n"
        "    def write(self, text): os.kill(os.getpid(), signal.SIGINT)\n"
        "    def flush(self): pass\n"
        "sys.stdout = Out()\n"
        "from adapters.cli import main\n"
        "sys.exit(main(['demo']))\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (130, "interrupted\n")


def documented_options(command: str) -> dict[str, str]:
    """docs/cli.md's table under `## portfolio COMMAND`: option → default cell."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split(f"\n## portfolio {command}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| `--")]
    return {row[0].removeprefix("| `").split()[0].rstrip("`"): row[-1] for row in rows}


@pytest.mark.parametrize("name", NAMES)
def test_docs_cli_lists_every_option_with_its_default(name: str) -> None:
    _, subparsers = build_parser(COMMANDS, version="0")
    options = {
        action.option_strings[-1]
        for action in subparsers[name]._actions
        if action.option_strings and action.option_strings[-1] != "--help"
    }
    documented = documented_options(name)
    assert set(documented) == options
    for action in options_with_defaults(name):
        assert f"`{action.default}`" in documented[action.option_strings[-1]]
