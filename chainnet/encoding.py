"""New training data through a stored design: a data frame -> (X, Y, rows), nothing refitted.

Categorical levels, ``scale()``/``center()``/``poly()`` parameters are the ones of the original training data,
so the weights keep their meaning. Rows with a missing value in a column the formula uses are dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design_io import response_matrix
from .errors import ArgumentTypeError, DataError


def encode(design, data) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """(X (n, D) float64 before standardisation, Y the response values, the labels of the rows kept)."""
    if not isinstance(data, pd.DataFrame):
        raise ArgumentTypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    used = list(design.dtypes)
    missing = [c for c in used if c not in data.columns]
    if missing:
        raise DataError(f"data lacks the column(s) {missing} that formula {design.formula!r} uses")
    frame = data.loc[data[used].notna().all(axis=1).to_numpy()]
    if len(frame) == 0:
        raise DataError(f"data has no complete rows in the columns {used} that formula {design.formula!r} uses")
    X, _ = design.matrix(frame)
    if design.response is not None:
        values = design.response_values(frame)
        Y = values.to_numpy(dtype=np.float64) if design.task == "regression" else values.to_numpy()
    else:
        Y = response_matrix(design, frame)
        Y = Y[:, 0] if Y.shape[1] == 1 else Y
    if design.task == "regression" and not np.isfinite(Y).all():
        raise DataError(f"the response of formula {design.formula!r} has infinite values in data")
    return X, Y, frame.index
