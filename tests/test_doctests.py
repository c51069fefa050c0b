"""The docstrings' examples are executable: each module's doctests run here."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import portfolio

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(portfolio.__path__, prefix="portfolio.")
    if not info.name.endswith("__main__")
)


def test_the_core_has_doctests() -> None:
    examples = sum(
        len(test.examples)
        for name in MODULES
        for test in doctest.DocTestFinder().find(importlib.import_module(name))
    )
    assert examples >= 20


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
