"""The bundled sample data (see `samplegen`), read with `importlib.resources`.

It ships inside the `adapters` package, so it works from a wheel as well as from a
checkout: a sample account (`account.json`), target weights (`weights.json`) and three
years of synthetic daily closes for five symbols (`prices.csv`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from importlib import resources
from pathlib import Path

from returns.result import Result

from adapters.cli.documents import parse_document
from adapters.cli.loaders import convert, snapshot_from, weights_from
from adapters.cli.terminal import InputError
from portfolio import Snapshot

__all__ = ["prices_path", "sample_account", "sample_path", "sample_text", "sample_weights"]

_PACKAGE = "adapters.cli"


def sample_text(name: str) -> str:
    """The text of one bundled file, e.g. `sample_text("weights.json")`."""
    return (resources.files(_PACKAGE) / "sample" / name).read_text(encoding="utf-8")


def sample_path(name: str) -> Path | None:
    """The path of one bundled file, for the rule that no output replaces an input.

    None when the package is not on disk (a zip): no output can name that file.
    """
    found = resources.files(_PACKAGE) / "sample" / name
    return found if isinstance(found, Path) else None


def sample_weights() -> Result[Mapping[str, Decimal], InputError]:
    """The sample target weights."""
    source = "sample weights.json"
    return parse_document(sample_text("weights.json"), source).bind(
        lambda doc: convert(doc, weights_from, source)
    )


def sample_account() -> Result[Snapshot, InputError]:
    """The sample account snapshot."""
    source = "sample account.json"
    return parse_document(sample_text("account.json"), source).bind(
        lambda doc: convert(doc, snapshot_from, source)
    )


@contextmanager
def prices_path() -> Iterator[Path]:
    """A real file path for the sample prices while the `with` block lasts."""
    with resources.as_file(resources.files(_PACKAGE) / "sample" / "prices.csv") as path:
        yield path
