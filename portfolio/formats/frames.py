"""Rows as a pandas DataFrame: the one place the core reaches for an optional extra.

pandas is imported here, inside `data_frame`, and only when a `to_frame()` is called;
importing `portfolio` never imports it. Without pandas, `to_frame()` raises an
ImportError that names the extra to install: a missing package is a fact about the
environment, found by the person at the notebook, not bad data, so it is not a
`Failure` (and a `to_frame()` that returned a Result would need `.unwrap()` in every
cell). `to_records()` needs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pandas import DataFrame

__all__ = ["FRAME_EXTRA", "data_frame"]

#: What to install for `to_frame()`.
FRAME_EXTRA = "pip install 'portfolio-rebalancer[frame]'"


def data_frame(
    records: Sequence[dict[str, object]], columns: Sequence[str], index: str, *, what: str
) -> DataFrame:
    """`records` as a DataFrame with these `columns`, indexed by the column `index`.

    Values are kept as they are (Decimal money stays exact; `df.astype(float)` for
    plotting). `what` names the caller in the error raised when pandas is missing.
    """
    try:
        import pandas as pd  # noqa: PLC0415 - the optional `frame` extra, only when asked for
    except ImportError as exc:
        msg = f"{what} needs pandas: {FRAME_EXTRA}"
        raise ImportError(msg, name="pandas") from exc
    return pd.DataFrame.from_records(list(records), columns=list(columns)).set_index(index)
