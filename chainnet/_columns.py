"""The data frame's columns before formulaic sees them: their kinds, their levels, and the checks formulaic skips.

formulaic silently mis-reads several inputs (``shared/notes/formulaic.md``); each is refused here with the fix:
duplicate or non-text column names, a column named ``Intercept`` or ``1`` (it would replace the intercept),
dates and times, infinite values, and in new data a level never seen in training or a column whose kind changed
(a text column that arrives as numbers is silently mis-encoded); and formulaic's matrix is checked finite.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._formula_text import in_call_C
from .errors import ArgumentError, ArgumentTypeError, DataError, FormulaError, NewLevelError

TASKS = ("classification", "regression")
MULTIPART = "formula {formula!r} has '|' parts, which chainnet does not use: join the terms with '+'"


def is_categorical(series) -> bool:
    """Categorical, string, object or bool columns (a Series or its dtype) hold classes; numbers do not."""
    dtype = getattr(series, "dtype", series)
    return (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype))


def levels_of(series: pd.Series) -> list:
    """Levels in R's order: a categorical's own categories (those present), else the sorted unique values."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, categories = series.array.codes, series.dtype.categories
        present = np.bincount(codes[codes >= 0], minlength=len(categories)) > 0
        return categories.tolist() if present.all() else categories[present].tolist()
    present = pd.unique(series.dropna())
    try:
        return sorted(present.tolist())
    except TypeError:  # mixed types: keep the order of appearance
        return list(present)


def as_doubles(frame: pd.DataFrame, quoted: str) -> pd.DataFrame:
    """Integer columns as float64, as R holds numbers (``I(hp^-1)`` and ``I(hp^20)`` exact, no int64 overflow),
    except those a ``C()`` of ``quoted`` (the rewritten formula) makes categorical: their levels stay integers."""
    ints = [c for c, dtype in frame.dtypes.items() if pd.api.types.is_integer_dtype(dtype) and not in_call_C(quoted, c)]
    return frame.astype({c: np.float64 for c in ints}) if ints else frame


def check_frame(data, name: str) -> None:
    """A pandas DataFrame with rows and each column name once."""
    if not isinstance(data, pd.DataFrame):
        raise ArgumentTypeError(f"{name} must be a pandas DataFrame, got {type(data).__name__}; "
                                f"wrap it, e.g. pd.DataFrame({name})")
    if len(data) == 0:
        raise DataError(f"{name} has no rows")
    if data.columns.has_duplicates:
        counts = data.columns.value_counts()
        dup = counts.index[counts > 1][0]
        raise DataError(f"{name}'s column {dup!r} appears {counts[dup]} times: a formula names each column once; "
                        f"rename or drop the copies, e.g. {name}.loc[:, ~{name}.columns.duplicated()]")


def check_data(data, task) -> None:
    """The training frame: :func:`check_frame`, text column names, no column formulaic would read as the
    intercept, and a known ``task``."""
    check_frame(data, "data")
    odd = [c for c in data.columns if not isinstance(c, str)]
    if odd:
        raise DataError(f"data column name {odd[0]!r} is not a string: a formula names columns by text; "
                        "rename them, e.g. data.columns = data.columns.astype(str)")
    if task is not None and (not isinstance(task, str) or task not in TASKS):
        raise ArgumentError(f"task must be one of {TASKS} or None (inferred), got {task!r}")
    if "Intercept" in data.columns:
        raise DataError("the data has a column named 'Intercept', which formulaic would silently use as the "
                        "intercept: rename it, e.g. data.rename(columns={'Intercept': 'intercept_'})")
    if "1" in data.columns:   # formulaic reads `1` as the intercept term, so the column would vanish from X
        raise DataError("the data has a column named '1', which formulaic reads as the intercept (the column would "
                        "be silently left out): rename it, e.g. data.rename(columns={'1': 'x1'})")


def plain_columns(frame: pd.DataFrame, used, trained: dict | None = None) -> pd.DataFrame:
    """Column types formulaic reads right: pandas ``string`` columns become plain text (formulaic would try
    to read them as numbers), logical columns get one storage (:func:`logical_columns`, ``trained`` the
    training dtypes for new data); dates and times are refused with a fix, as formulaic cannot encode them."""
    wanted = set(used)
    dtypes = {c: d for c, d in frame.dtypes.items() if c in wanted}
    for col, dtype in dtypes.items():
        if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
            raise DataError(f"column {col!r} holds dates or times ({dtype}), which a formula cannot encode: "
                            f"convert it to numbers, e.g. (data[{col!r}] - data[{col!r}].min()).dt.days")
    text = [c for c, dtype in dtypes.items() if isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA]
    return logical_columns(frame.astype({c: object for c in text}) if text else frame, list(dtypes), trained)


def logical_columns(frame: pd.DataFrame, used, trained: dict | None = None) -> pd.DataFrame:
    """Logical columns (only True/False, whatever the storage) in the one storage formulaic encodes as their
    design was fitted: formulaic reads the dtype, not the values (numpy ``bool`` gives a 0/1 column ``b``, R's
    ``bTRUE``; ``object`` a factor ``b[T.True]``), and refuses new data of the other kind.

    Training (``trained`` None): an object column of booleans (pandas makes one of a bool column with a
    missing value) becomes ``bool``, the encoding of a real bool column. New data (``trained``: column ->
    training dtype name): a logical column becomes ``bool`` for a predictor fitted as ``bool``/``boolean`` and
    ``object`` for one fitted as a factor (a Categorical of booleans). No value may be missing here."""
    if trained is None:
        target = {c: bool for c in used if frame[c].dtype == object and _logical(frame[c])}
    else:
        target = {c: _LOGICAL_AS[trained[c]] for c in used if trained.get(c) in _LOGICAL_AS and _logical(frame[c])}
        target = {c: t for c, t in target.items() if frame[c].dtype != t}
    return frame.astype(target) if target else frame


_LOGICAL_AS = {"bool": bool, "boolean": bool, "object": object, "category": object}   # training dtype -> storage


def _logical(series: pd.Series) -> bool:
    """Only True/False values: a bool, ``boolean`` or Categorical-of-booleans dtype, or objects that are all
    booleans (``infer_dtype`` stops at the first value that is not, so a text column costs nothing)."""
    if pd.api.types.is_bool_dtype(series.dtype):   # numpy bool, pandas boolean, a Categorical of booleans
        return True
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "boolean"


def check_finite(series: pd.Series, col: str) -> None:
    """A numeric column holds no infinite value (formulaic would encode it and training would turn NaN)."""
    dtype = series.dtype
    if dtype.kind in "iub" or not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return   # integers and booleans cannot be infinite; text and categories are not numbers
    values = series.to_numpy() if dtype == np.float64 else series.to_numpy(dtype=float, na_value=np.nan)
    bad = np.isinf(values)
    if bad.any():
        raise DataError(f"column {col!r} holds {int(bad.sum())} infinite value(s) (first at row "
                        f"{series.index[bad][0]!r}); replace or drop them")


def check_new_column(series: pd.Series, col: str, levels: tuple | None, text: bool) -> None:
    """A predictor in new data as in training: a categorical one (training ``levels``; ``text`` when its
    training column held text) has no new level and no numbers for text; a numeric one no text, no infinity."""
    if levels is None:
        if is_categorical(series) and not pd.api.types.is_bool_dtype(series.dtype):
            raise DataError(f"column {col!r} was numeric in training but holds text in newdata: "
                            f"convert it, e.g. pd.to_numeric(newdata[{col!r}])")
        check_finite(series, col)
        return
    if text and not is_categorical(series):
        raise DataError(f"column {col!r} held text in training but numbers in newdata: "
                        f"convert it back, e.g. newdata[{col!r}].astype(str)")
    known = set(levels)
    new = [v for v in pd.unique(series) if v not in known]
    if new:
        raise NewLevelError(f"column {col!r} in newdata has level(s) {new[:5]} never seen in training; known levels "
                            f"are {list(levels)}. Map them to a known level or drop those rows.")


def float_matrix(matrix, formula: str, allow_empty: bool = False) -> np.ndarray:
    """formulaic's right-side matrix as C-contiguous float64 (n, D), every value finite."""
    if not hasattr(matrix, "model_spec"):   # formulaic's multi-part formula ('y ~ a | b') gives a tuple
        raise FormulaError(MULTIPART.format(formula=formula))
    X = np.ascontiguousarray(np.asarray(matrix, dtype=np.float64))
    if X.shape[1] == 0:
        raise FormulaError(f"formula {formula!r} gives no predictor columns: add a predictor or an intercept")
    if X.shape[0] == 0 and not allow_empty:   # formulaic dropped every row: a term is NaN on each (sqrt(-x))
        raise DataError(f"formula {formula!r} gives NaN on every row (e.g. sqrt or log of negative values): "
                        "transform or filter the data first")
    bad = ~np.isfinite(X).all(axis=0)
    if bad.any():
        col = str(matrix.model_spec.column_names[int(np.argmax(bad))])
        raise DataError(f"design column {col!r} of formula {formula!r} has infinite or NaN values "
                        "(e.g. np.log of zero): transform or filter the data first")
    return X
