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
    ``drop.unused.levels``), so a subset or the rows dropped leave no all-zero design column. The data is
    not copied when every row is complete and every category is used (the frame returned is read only)."""
    columns = [data[c] for c in used]
    missing = np.column_stack([_missing(s) for s in columns]) if used else np.zeros((len(data), 0), dtype=bool)
    keep = ~missing.any(axis=1)
    if not keep.any():
        raise DataError(f"no rows left after dropping rows with missing values in the columns {used} "
                        f"that formula {formula!r} uses")
    out, dropped = (data, data.index[:0]) if keep.all() else (data.loc[keep], data.index[~keep])
    unused = [c for c, s in zip(used, columns) if _has_unused_categories(s if out is data else out[c])]
    if unused:
        out = out.assign(**{c: out[c].cat.remove_unused_categories() for c in unused})
    return out, dropped, tuple(c for c, any_missing in zip(used, missing.any(axis=0)) if any_missing)


def _missing(series: pd.Series) -> np.ndarray:
    """Which values are missing (categories: code -1; numpy floats: NaN; integers, booleans: none; else isna)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.array.codes < 0
    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else None
    if kind == "f":
        return np.isnan(series.to_numpy())
    return np.zeros(len(series), dtype=bool) if kind in ("i", "u", "b") else series.isna().to_numpy()


def _has_unused_categories(series: pd.Series) -> bool:
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return False
    codes = series.array.codes   # no missing value here: every code is >= 0
    return not (np.bincount(codes, minlength=len(series.dtype.categories)) > 0).all()
