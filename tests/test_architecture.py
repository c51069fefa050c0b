"""The dependency rule, checked on the source: the core stays pure and imports point inward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The modules of `portfolio/` allowed to touch the outside world, each at the edge.
EDGE = {"portfolio/service.py", "portfolio/orders/execute.py", "portfolio/__main__.py"}
#: Optional extras a core module may import lazily (inside a function), each in one module.
OPTIONAL = {"portfolio/formats/frames.py": {"pandas"}}
IMPURE = {"logging", "time", "random", "secrets", "os", "io", "pathlib", "socket", "uuid"}


def imports(path: Path) -> set[str]:
    """Top-level package names a module imports at run time (TYPE_CHECKING blocks excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", modules("portfolio"), ids=name)
def test_the_core_imports_neither_ports_nor_adapters(path: Path) -> None:
    allowed = {"adapters"} if name(path) == "portfolio/__main__.py" else set()
    assert imports(path) & {"ports", "adapters"} <= allowed


@pytest.mark.parametrize("path", [p for p in modules("portfolio") if name(p) not in EDGE], ids=name)
def test_pure_modules_do_no_io_logging_clock_or_randomness(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert not imports(path) & IMPURE
    for call in ("datetime.now(", "date.today(", "open(", "print("):
        assert call not in source, call


@pytest.mark.parametrize("path", modules("ports"), ids=name)
def test_ports_depend_on_the_core_only(path: Path) -> None:
    assert "adapters" not in imports(path)


def test_the_core_needs_only_attrs_and_returns() -> None:
    third_party = set().union(
        *(
            imports(p) - OPTIONAL.get(name(p), set())
            for p in modules("portfolio")
            if name(p) not in EDGE
        )
    )
    stdlib = {
        "__future__",
        "array",
        "bisect",
        "collections",
        "concurrent",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "functools",
        "hashlib",
        "html",
        "itertools",
        "json",
        "math",
        "operator",
        "pickle",
        "re",
        "sys",
        "typing",
        "csv",
    }
    assert third_party - stdlib - {"portfolio"} <= {"attrs", "returns"}


def core_imports(path: Path) -> set[str]:
    """The `portfolio` modules a core module imports anywhere: lazy and TYPE_CHECKING included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("portfolio"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("portfolio"))
    return found


def test_the_core_has_no_import_cycles() -> None:
    """Every import, even a lazy or a type-only one, points one way through the core."""
    graph = {
        name(path).removesuffix(".py").removesuffix("/__init__").replace("/", "."): core_imports(
            path
        )
        for path in modules("portfolio")
    }
    done: set[str] = set()

    def visit(module: str, trail: tuple[str, ...]) -> None:
        assert module not in trail, " → ".join((*trail, module))
        if module in done:
            return
        for imported in sorted(graph.get(module, set()) - {"portfolio"}):
            visit(imported, (*trail, module))
        done.add(module)

    for module in sorted(graph):
        if module != "portfolio":
            visit(module, ())
