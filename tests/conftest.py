"""Suite-wide rules: no hypothesis deadlines; `alpaca_paper` tests need keys, never run in CI."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# CI machines are shared and noisy: a slow example is not a failure (speed is benchmarked).
settings.register_profile("suite", deadline=None, max_examples=150)
# On CI (CI=true) the same examples every run: a submission passes or fails on its code,
# not on the draw. Developers' runs keep drawing new examples (and their database keeps
# what failed); a failure found there becomes an example test.
settings.register_profile("ci", parent=settings.get_profile("suite"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "suite")

KEYS = ("APCA_API_KEY_ID", "APCA_API_SECRET_KEY")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip `alpaca_paper` tests without both keys, and always on CI."""
    if os.environ.get("CI"):
        reason = "alpaca_paper tests never run in CI"
    elif not all(os.environ.get(key) for key in KEYS):
        reason = "needs APCA_API_KEY_ID / APCA_API_SECRET_KEY (Alpaca paper trading)"
    else:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if item.get_closest_marker("alpaca_paper"):
            item.add_marker(skip)
