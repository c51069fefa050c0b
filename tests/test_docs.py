"""Every ```python block in README.md and docs/*.md runs, so the documentation cannot rot.

How blocks run (the rules authors of docs/*.md can rely on):

- Files are found when the tests are collected: README.md and every docs/*.md, so a new
  document is tested without touching this file. One test per file.
- The blocks of one file run in order, in one namespace that starts fresh for each file:
  a later block may use names defined by an earlier block of the same file, never of
  another file. The working directory is the repository root.
- A ```python block directly followed by an ```output block must print exactly that
  text (trailing whitespace ignored). Other blocks may print anything.
- Blocks run without Alpaca keys: every `APCA_*` variable is removed from the
  environment, so an example reading them shows what a newcomer without keys sees.
- Only blocks tagged `python` run. Use `sh`, `text`, `toml`, `json` or `pycon` for
  anything that must not (shell sessions, file contents, illustrations). A `json` or
  `toml` block must be a weights, snapshot or policy file that the command line loads.
- A failing block is reported with the document's file name and line numbers.
- `make lint` runs `ruff format --check` over these blocks too: write them the way
  `ruff format` writes them.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import attrs
import pytest
from alpaca_server import AlpacaServer
from returns.pipeline import is_successful
from test_cli import KEY, SECRET, alpaca_account

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```(?P<tag>[\w-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@attrs.frozen(kw_only=True)
class Block:
    """One fenced Python block; `line` is the 1-based line of its first code line."""

    code: str
    line: int
    output: str | None


def python_blocks(text: str) -> list[Block]:
    fences = list(FENCE.finditer(text))
    blocks = []
    for n, fence in enumerate(fences):
        if fence.group("tag") != "python":
            continue
        output = None
        if n + 1 < len(fences):
            following = fences[n + 1]
            adjacent = not text[fence.end() : following.start()].strip()
            if adjacent and following.group("tag") == "output":
                output = following.group("body")
        line = text.count("\n", 0, fence.start("body")) + 1
        blocks.append(Block(code=fence.group("body"), line=line, output=output))
    return blocks


def run_document(path: Path, *, check_outputs: bool = True) -> list[str]:
    """Run every python block of `path` in order; return what each block printed."""
    namespace: dict[str, object] = {"__name__": f"docs.{path.stem}"}
    outputs = []
    for block in python_blocks(path.read_text(encoding="utf-8")):
        # Padding with newlines makes tracebacks point at the document's own line numbers.
        code = compile("\n" * (block.line - 1) + block.code, str(path), "exec")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)  # noqa: S102 - running our own documentation is the point
        outputs.append(printed.getvalue())
        if check_outputs and block.output is not None:
            where = f"{path.name}:{block.line}"
            assert _lines(printed.getvalue()) == _lines(block.output), f"output of {where}"
    return outputs


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


@pytest.mark.parametrize("path", DOCUMENTS, ids=[str(p.relative_to(ROOT)) for p in DOCUMENTS])
def test_python_blocks_run(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    without_alpaca_keys(monkeypatch)
    run_document(path)


def without_alpaca_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("APCA_")]:
        monkeypatch.delenv(name)


def readme_alpaca_output(monkeypatch: pytest.MonkeyPatch) -> str:
    """What the README's `AlpacaBroker.from_env()` example prints, run in its document."""
    monkeypatch.chdir(ROOT)
    readme = ROOT / "README.md"
    blocks = python_blocks(readme.read_text(encoding="utf-8"))
    printed = run_document(readme, check_outputs=False)
    (output,) = [out for b, out in zip(blocks, printed, strict=True) if "from_env()" in b.code]
    return output


def test_the_readme_alpaca_example_without_keys_names_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without_alpaca_keys(monkeypatch)
    output = readme_alpaca_output(monkeypatch)
    assert output.startswith("cannot read the Alpaca account: BROKER_UNAVAILABLE: ")
    assert "APCA_API_KEY_ID" in output
    assert "APCA_API_SECRET_KEY" in output


def test_the_readme_alpaca_example_plans_a_real_account(monkeypatch: pytest.MonkeyPatch) -> None:
    with AlpacaServer(KEY, SECRET) as server:
        for name, value in alpaca_account(server).items():
            monkeypatch.setenv(name, value)
        output = readme_alpaca_output(monkeypatch)
        methods = {request.method for request in server.requests}
    # The README's account on the local server: 10,000 cash and 20 SPY at 500.
    # returns shows a Success by its value's str(): the plan's table.
    assert output.startswith("<Success: Rebalance plan ")
    assert re.search(r"^QQQ +BUY +8,000\.00 ", output, re.MULTILINE), output
    assert methods == {"GET"}


def test_readme_has_a_tested_example() -> None:
    blocks = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert blocks, "README.md must show a Python example"
    assert all(len(block.code.splitlines()) <= 15 for block in blocks)


def test_blocks_are_found_with_their_outputs_and_lines() -> None:
    text = (
        "intro\n```python\nprint(1)\n```\n\n```output\n1\n```\n"
        "```sh\nls\n```\n```python\nx = 2\n```\n"
    )
    first, second = python_blocks(text)
    assert (first.code, first.line, first.output) == ("print(1)\n", 3, "1\n")
    assert (second.code, second.line, second.output) == ("x = 2\n", 13, None)


def test_a_wrong_output_fails_naming_the_document(tmp_path: Path) -> None:
    doc = tmp_path / "bad.md"
    doc.write_text("```python\nprint('yes')\n```\n```output\nno\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match=r"bad\.md:2"):
        run_document(doc)


def test_a_failing_block_points_at_the_document_line(tmp_path: Path) -> None:
    doc = tmp_path / "broken.md"
    doc.write_text("# Title\n\n```python\nx = 1\n1 / 0\n```\n", encoding="utf-8")
    with pytest.raises(ZeroDivisionError) as caught:
        run_document(doc)
    frame = caught.traceback[-1]
    assert (Path(str(frame.path)).name, frame.lineno + 1) == ("broken.md", 5)


def data_blocks() -> list[tuple[Path, str, str, int]]:
    found = []
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        for fence in FENCE.finditer(text):
            if fence.group("tag") in {"json", "toml"}:
                line = text.count("\n", 0, fence.start("body")) + 1
                found.append((path, fence.group("tag"), fence.group("body"), line))
    return found


@pytest.mark.parametrize(
    ("path", "tag", "body", "line"),
    data_blocks(),
    ids=lambda value: value.name if isinstance(value, Path) else str(value)[:12],
)
def test_data_blocks_are_input_files_the_cli_accepts(
    path: Path, tag: str, body: str, line: int, tmp_path: Path
) -> None:
    """Every ```json and ```toml block is a weights, snapshot or policy file that loads."""
    from adapters.cli.loaders import load_policy, load_snapshot, load_weights  # noqa: PLC0415

    file = tmp_path / f"example.{tag}"
    file.write_text(body, encoding="utf-8")
    loaded = [load(file) for load in (load_weights, load_snapshot, load_policy)]
    assert any(is_successful(result) for result in loaded), (
        f"{path.name}:{line}: no loader accepts this {tag} block"
    )
