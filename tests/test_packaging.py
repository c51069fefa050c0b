"""The distribution's metadata: the licence ships, the Python versions are stated."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_licence_file_ships_and_matches_the_declared_licence() -> None:
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "portfolio-rebalancer developers" in text


def test_every_supported_python_has_a_classifier() -> None:
    """From the minimum in requires-python to the newest one named, with no gap."""
    minimum = int(re.fullmatch(r">=3\.(\d+)", PROJECT["requires-python"]).group(1))  # type: ignore[union-attr]
    pattern = re.compile(r"Programming Language :: Python :: 3\.(\d+)")
    named = sorted(int(m.group(1)) for c in PROJECT["classifiers"] if (m := pattern.fullmatch(c)))
    assert named == list(range(minimum, max(named) + 1))
    assert max(named) >= 13
