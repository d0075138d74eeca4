"""R's model frame: the rows a formula is fitted on (``subset=``, then ``na.omit``, then ``drop.unused.levels``).

:func:`subset_rows` applies R's ``subset=`` (a boolean mask, or a boolean Series aligned by index);
:func:`complete_rows` drops the rows with a missing value in a column the formula uses, before formulaic fits
``scale()``/``center()`` on them, says which rows and columns, and drops the categories no kept row has, so that
a subset leaves no all-zero design column (R's ``lm`` does the same).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ArgumentError, DataError


def subset_rows(data: pd.DataFrame, subset) -> pd.DataFrame:
    """The rows of ``data`` that R's ``subset=`` keeps: a boolean array as long as the data, or a boolean
    Series aligned by index (every row of the data labelled)."""
    if subset is None:
        return data
    if isinstance(subset, pd.Series):
        if not subset.index.is_unique or not data.index.isin(subset.index).all():
            raise ArgumentError("subset must be a boolean Series with a label for every row of data (aligned by "
                                "index), e.g. subset=data['year'] > 2007")
        subset = subset.reindex(data.index)
    mask = np.asarray(subset)
    if mask.dtype != np.bool_ or mask.shape != (len(data),):
        raise ArgumentError(f"subset must be a boolean mask with one value per row of data ({len(data)}), got "
                            f"{mask.dtype} of shape {mask.shape}; e.g. subset=data['year'] > 2007")
    if not mask.any():
        raise DataError("subset keeps no row of data")
    return data.loc[mask]


def complete_rows(data: pd.DataFrame, used: list[str], formula: str) -> tuple[pd.DataFrame, pd.Index, tuple]:
    """Drop the rows with a missing value in a column the formula uses (R's ``na.omit`` over the model frame),
    before formulaic fits ``scale()``/``center()``; returns the rows kept, the labels of the rows dropped and
    the columns whose missing values dropped them. Categories no kept row has are dropped (R's
    ``drop.unused.levels``), so a subset or the rows dropped leave no all-zero design column."""
    frame = data[used] if used else data
    missing = frame.isna().to_numpy()
    keep = ~missing.any(axis=1)
    if not keep.any():
        raise DataError(f"no rows left after dropping rows with missing values in the columns {used} "
                        f"that formula {formula!r} uses")
    out = data.loc[keep].copy() if used else data.copy()
    out.index = data.index[keep]
    for col in used:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].cat.remove_unused_categories()
    columns = tuple(c for c, any_missing in zip(frame.columns, missing.any(axis=0)) if any_missing)
    return out, data.index[~keep], columns
