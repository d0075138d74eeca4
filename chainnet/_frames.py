"""Data frames other than pandas (polars, and any frame narwhals supports), converted to pandas at the boundary.

chainnet's design works on pandas; a polars frame given as ``data`` or ``newdata`` becomes a pandas frame with
the same columns, indexed 0 .. n-1 (a polars frame has no index), so results line up with its rows. Columns go
through numpy one at a time (no pyarrow needed): numbers stay numbers (a null becomes NaN), text stays text
(a null becomes None) and an ``Enum`` column becomes a pandas Categorical with the Enum's level order, which
is what a formula's dummy coding and the classes of a response follow.
"""

from __future__ import annotations

import pandas as pd

from .errors import ArgumentTypeError


def _narwhals():
    try:
        import narwhals.stable.v2 as nw
    except ImportError:  # narwhals is optional: polars frames are read through polars' own API then
        return None
    return nw


def _native(frame):
    """The frame as an eager frame with ``columns`` and ``get_column(name)``, or None when it is not one."""
    nw = _narwhals()
    if nw is not None:
        frame = nw.from_native(frame, eager_only=True, pass_through=True)
        return frame if isinstance(frame, nw.DataFrame) else None
    return frame if type(frame).__module__.split(".")[0] == "polars" and hasattr(frame, "get_column") else None


def _column(series):
    """One column as numpy values, or a Categorical keeping an Enum's levels."""
    values = series.to_numpy()
    if str(series.dtype).startswith("Enum"):
        return pd.Categorical(values, categories=list(series.dtype.categories))
    return values.astype(object) if values.dtype.kind == "U" else values


def to_pandas(frame, name: str = "data"):
    """``frame`` itself when it is pandas (or None); a pandas copy, indexed 0 .. n-1, of a polars (or other
    narwhals-supported) frame; anything else is returned as it is for the caller's own type check."""
    if frame is None or isinstance(frame, pd.DataFrame):
        return frame
    native = _native(frame)
    if native is None:
        if type(frame).__module__.split(".")[0] in {"polars", "pyarrow", "modin", "cudf", "dask"}:
            raise ArgumentTypeError(_refusal(frame, name))
        return frame
    return pd.DataFrame({c: _column(native.get_column(c)) for c in native.columns},
                        index=pd.RangeIndex(len(native)))


def _refusal(frame, name: str) -> str:
    """Why a frame-library object is not taken, and the fix: narwhals missing, a lazy frame, or no frame."""
    kind = f"{type(frame).__module__}.{type(frame).__name__}"
    if _narwhals() is None:
        return f"{name} is a {kind}: install narwhals (pip install narwhals) to use it, or convert it to pandas"
    if hasattr(frame, "collect"):
        return f"{name} is a lazy {kind}: collect it first ({name}.collect()), or convert it to pandas"
    return f"{name} is a {kind}, not a data frame: pass a DataFrame (pandas or polars) with the formula's columns"
