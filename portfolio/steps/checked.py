"""The validated inputs, in two shapes: `Columns` for the steps, `Checked` for pipelines.

Both are made by the validate step (`portfolio.steps.validate`) and read by the later
steps; neither checks anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

import attrs

from portfolio.records.frozen import FrozenDict
from portfolio.records.plan import freeze_metadata_mapping
from portfolio.records.policy import SizingPolicy
from portfolio.records.snapshot import Asset, freeze_assets, freeze_decimals
from portfolio.steps.rules import Thresholds

__all__ = ["Checked", "Columns", "step_input"]


def step_input(value: object, kind: type, step: str, made_by: str) -> None:
    """Raise a clear `TypeError` when a step of your own pipeline is given another step's record.

    The steps compose as `validate` → `targets` → `deltas` → `actions`; passing one the
    wrong record (which mypy refuses) would otherwise fail deep inside it.

    >>> step_input("x", Columns, "deltas(targets)", "targets")
    Traceback (most recent call last):
    ...
    TypeError: deltas(targets) takes the Columns that `targets` returns, got str
    """
    if not isinstance(value, kind):
        got = type(value).__name__
        msg = f"{step} takes the {kind.__name__} that `{made_by}` returns, got {got}"
        raise TypeError(msg)


class Columns(NamedTuple):
    """Validated inputs as columns: `weights`, `quantities`, `prices` align with `symbols`.

    What the steps compute on; `Checked` is the same content with mappings, for
    pipelines of your own. `assets` has upper-case keys; the rest as in `Checked`.
    A typed, immutable tuple rather than an attrs record: one is built per plan, and
    it is internal to the planner's steps.
    """

    correlation_id: str
    as_of: datetime | None
    policy: SizingPolicy
    cash: Decimal
    total_value: Decimal
    symbols: tuple[str, ...]
    weights: tuple[Decimal, ...]
    quantities: tuple[Decimal, ...]
    prices: tuple[Decimal, ...]
    assets: Mapping[str, Asset]
    metadata: Mapping[str, object]
    plan_id: str
    #: The model's 1 − Σ weights when no weight is signed, and its thresholds when the
    #: portfolio value does not enter them (`steps.prepare.Prepared`).
    headroom: Decimal | None = None
    limits: Thresholds | None = None

    @classmethod
    def of(cls, checked: Checked) -> Columns:
        """The columns of a `Checked` record (which a pipeline of your own may have changed)."""
        symbols = checked.symbols
        return cls(
            correlation_id=checked.correlation_id,
            as_of=checked.as_of,
            policy=checked.policy,
            cash=checked.cash,
            total_value=checked.total_value,
            symbols=symbols,
            weights=tuple(map(checked.weights.__getitem__, symbols)),
            quantities=tuple(map(checked.quantities.__getitem__, symbols)),
            prices=tuple(map(checked.prices.__getitem__, symbols)),
            assets=checked.assets,
            metadata=checked.metadata,
            plan_id=checked.plan_id,
        )


@attrs.frozen(kw_only=True)
class Checked:
    """Validated, normalised inputs: upper-case symbols, every needed price present.

    `symbols` is the sorted universe (targeted ∪ held); `weights`, `quantities` and
    `prices` have an entry for every one of them (0 where untargeted or not held).
    `total_value` is V in cents; `cash` in account currency. `plan_id` is derived
    from all of these by the plan id step (`portfolio.steps.plan_id`).
    """

    correlation_id: str
    as_of: datetime | None
    policy: SizingPolicy
    cash: Decimal
    total_value: Decimal
    symbols: tuple[str, ...]
    weights: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    quantities: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    prices: Mapping[str, Decimal] = attrs.field(converter=freeze_decimals)
    assets: Mapping[str, Asset] = attrs.field(converter=freeze_assets)
    metadata: Mapping[str, object] = attrs.field(
        factory=FrozenDict, converter=freeze_metadata_mapping
    )
    plan_id: str

    @classmethod
    def of(cls, columns: Columns) -> Checked:
        """The same content, with a mapping per column."""
        symbols = columns.symbols
        return cls(
            correlation_id=columns.correlation_id,
            as_of=columns.as_of,
            policy=columns.policy,
            cash=columns.cash,
            total_value=columns.total_value,
            symbols=symbols,
            weights=FrozenDict(zip(symbols, columns.weights, strict=True)),
            quantities=FrozenDict(zip(symbols, columns.quantities, strict=True)),
            prices=FrozenDict(zip(symbols, columns.prices, strict=True)),
            assets=FrozenDict(columns.assets),
            metadata=columns.metadata,
            plan_id=columns.plan_id,
        )
