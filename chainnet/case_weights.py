"""Case weights, R's ``weights =`` of ``lm``, ``glm`` and ``nnet`` (scikit-learn's ``sample_weight``).

With weights w (n,) the summed loss becomes L = Σ_i w_i ℓ_i (ℓ_i the row's negative log-likelihood or squared
error), so a row of weight 2 counts exactly as that row twice: loss, gradients and every training step agree
with the repeated data. ``accuracy`` becomes Σ_i w_i 1[ŷ_i = y_i] / Σ_i w_i.

``weights=`` is a column name of the data (its values on the rows kept), or numbers: a pandas Series aligned by
the data's index, or an array with one value per row kept (or per data row, as R's vector, when the data's
index has no duplicate labels). They must be finite, >= 0, with a positive sum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ArgumentError, ArgumentTypeError, DataError


def resolve(weights, data: pd.DataFrame, rows: pd.Index) -> np.ndarray | None:
    """The weights of the training rows ``rows`` (labels of ``data``'s kept rows) as float64 (n,), or None."""
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in data.columns:
            raise DataError(f"weights={weights!r} is not a column of the data; columns are "
                            f"{list(map(str, data.columns))}: name a column of case weights, or pass the numbers")
        return check(_aligned(data[weights], data, rows, f"column {weights!r}"), f"weights column {weights!r}")
    if isinstance(weights, pd.Series):
        if weights.index.has_duplicates or not rows.isin(weights.index).all():
            raise ArgumentError("weights as a Series is aligned by the data's index: it needs one value for each "
                                f"of the {len(rows)} rows kept (missing labels, e.g. {list(rows[~rows.isin(weights.index)][:3])}"
                                ", or duplicate labels): pass weights.to_numpy() to align by position")
        return check(weights.reindex(rows).to_numpy(), "weights")
    return check(_aligned(_numbers(weights), data, rows, "weights"), "weights")


def _numbers(weights) -> np.ndarray:
    try:
        values = np.asarray(weights)
    except (TypeError, ValueError):
        values = None
    if values is None or values.dtype.kind not in "iuf" or values.ndim != 1:
        kind = getattr(values, "dtype", type(weights).__name__)
        raise ArgumentTypeError(f"weights must be a column name or one number per row (a 1-D array or Series of "
                                f"numbers), got {type(weights).__name__} of {kind}: convert text with "
                                "pd.to_numeric; for a row selection use subset=")
    return values


def _aligned(values, data: pd.DataFrame, rows: pd.Index, what: str) -> np.ndarray:
    """One value per kept row: ``values`` has one per kept row, or one per data row (picked by label)."""
    values = values.to_numpy() if isinstance(values, pd.Series) else values
    if len(values) == len(rows):
        return values
    if len(values) != len(data):
        raise ArgumentError(f"{what} has {len(values)} values, but the data has {len(data)} rows and {len(rows)} "
                            "are kept: give one weight per row")
    if data.index.has_duplicates:
        raise ArgumentError(f"{what} has one value per data row, but rows were dropped and the data's index has "
                            "duplicate labels, so they cannot be matched: data = data.reset_index(drop=True)")
    return values[data.index.get_indexer(rows)]


def check(values, what: str) -> np.ndarray:
    """Finite, non-negative, not all zero: else a clear error naming ``what``."""
    if values.dtype.kind == "b" or values.dtype.kind not in "iuf":
        raise ArgumentTypeError(f"{what} must hold numbers, got {values.dtype}: convert with pd.to_numeric; "
                                "for a row selection use subset=")
    w = values.astype(np.float64)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        first = float(w[bad][0])
        raise ArgumentError(f"{what} must be finite and >= 0; {int(bad.sum())} value(s) are not (first: {first!r} "
                            f"at position {int(np.argmax(bad))}): fill or drop them")
    if not w.sum() > 0:
        raise ArgumentError(f"{what} are all zero: at least one row needs a positive weight")
    return w


def of_design(weights, data: pd.DataFrame, rows: pd.Index, design) -> tuple[np.ndarray | None, str | None]:
    """``(case_weights, weights_column)`` for a network: the resolved weights, and the column name when
    ``weights`` names one (new data with that column is scored with its weights). A weights column may not be
    a variable of the formula (``y ~ .`` would take it as a predictor, as R does): remove it with ``- w``."""
    column = weights if isinstance(weights, str) else None
    used = {c.split("[")[0].strip("`") for c in design.columns} | {design.response, *design.targets}
    if column is not None and column in used:
        raise ArgumentError(f"weights column {column!r} is also a variable of formula {design.formula!r}; case "
                            f"weights are not a predictor: write e.g. '{design.formula} - {column}'")
    return resolve(weights, data, rows), column


def of_newdata(net, newdata: pd.DataFrame, rows: np.ndarray) -> np.ndarray | None:
    """Case weights of the scored rows (mask ``rows``) of ``newdata``: its weights column when the network was
    weighted by a column that ``newdata`` has, else None (each row counts 1)."""
    column = getattr(net, "weights_column", None)
    if column is None or column not in newdata.columns:
        return None
    return check(newdata[column].to_numpy()[rows], f"weights column {column!r} of newdata")
