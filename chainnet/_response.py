"""The response: what kind it is (fitted once), and its values -> the target matrix ``T`` the loss compares with.

One encoder, :func:`targets`, serves the constructor, ``set_data``, the scoring of new data and ``net.Y = ...``:

    classification, K = 2:   T[i, 0] = 1[y_i = second class]      (one sigmoid unit, as R's glm)
    classification, K >= 3:  T[i, k] = 1[y_i = class k]           (one-hot, (n, K))
    regression:              T[i, k] = y_ik                       ((n, k) floats)

and ``Y`` is the response as the user sees it: a pandas Categorical over the training classes, or floats.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ._columns import is_categorical, levels_of
from .errors import ArgumentError, DataError, NewLevelError


def fit_response(values, column: str | None, qlhs: str, task: str | None, names=()) -> tuple[str, tuple | None, tuple]:
    """``(task, classes, targets)`` of the training response: ``values`` is the response column (a Series,
    when the left side names one) or the values of an expression such as ``np.log(y)`` (its columns ``names``)."""
    if column is None:
        if task == "classification":
            raise DataError(f"the response {qlhs!r} is an expression; classification needs a column, e.g. 'C(y) ~ x'")
        return "regression", None, tuple(names)
    categorical = is_categorical(values) or qlhs.strip().startswith("C(")
    task = task or ("classification" if categorical else "regression")
    if task == "regression":
        if categorical:
            raise DataError(f"response {column!r} holds classes, so task='regression' cannot use it; "
                            "drop task= to classify, or give a numeric response")
        return task, None, (column,)
    classes = tuple(levels_of(values))
    if len(classes) < 2:
        raise DataError(f"response {column!r} has one class only ({classes[0]!r}): classification "
                        "needs at least two; check the data or the rows dropped for missing values")
    return task, classes, (column,)


def targets(values, classes: tuple | None, dtype=np.float64) -> tuple[np.ndarray, object]:
    """Response values -> ``(T, Y)``: T (n, K) C-contiguous ``dtype`` (the table in the module docstring),
    Y a Categorical over ``classes`` (classification) or the float64 values (regression, ``classes`` None)."""
    if classes is not None:
        Y = _categorical(values, classes)
        K = len(classes)
        T = (Y.codes == 1)[:, None] if K == 2 else np.eye(K, dtype=bool)[Y.codes]
        return np.ascontiguousarray(T, dtype=dtype), Y
    Y = np.asarray(values, dtype=np.float64)
    T = Y[:, None] if Y.ndim == 1 else Y
    return np.ascontiguousarray(T, dtype=dtype), Y


def _categorical(values, classes: tuple) -> pd.Categorical:
    """``values`` as a Categorical over ``classes``; a value that is not a class is refused."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        Y = pd.Categorical(values, dtype=_dtype(classes))   # recoded from the codes (none when the same dtype)
    else:
        Y = pd.Categorical(np.asarray(values, dtype=object), dtype=_dtype(classes))
    if (Y.codes < 0).any():
        bad = pd.unique(np.asarray(values, dtype=object)[Y.codes < 0])
        raise ArgumentError(f"Y holds {list(bad)[:5]}, which are not classes {list(classes)}")
    return Y


@functools.lru_cache(maxsize=64)
def _dtype(classes: tuple) -> pd.CategoricalDtype:
    """The categorical dtype of the classes, made once (pandas validates the categories on each make)."""
    return pd.CategoricalDtype(list(classes))


def check_finite_response(Y: np.ndarray, name: str, where: str = "") -> None:
    if not np.isfinite(Y).all():
        raise DataError(f"response {name!r} has infinite values{where}; replace or drop them")


def response_of(design, newdata: pd.DataFrame) -> pd.Series | pd.DataFrame:
    """The response of new data (to score predictions): its column, or the target columns of a multi-column
    response (``y1 + y2 ~ x``); classes are checked against the training classes, NaN kept."""
    if design.response is None:
        missing = [t for t in design.targets if t not in newdata.columns]
        if missing:
            raise DataError(f"newdata lacks the response column(s) {missing} of formula {design.formula!r}; "
                            "scoring needs the true values (an expression response such as np.log(y) must "
                            "be added to newdata as a column of that name)")
        return numeric_response(newdata[list(design.targets)], design.formula)
    if design.response not in newdata.columns:
        raise DataError(f"newdata has no response column {design.response!r}; "
                        "scoring needs the true values next to the predictors")
    values = newdata[design.response]
    if design.task == "regression":
        return numeric_response(values, design.response)
    new = set(pd.unique(values.dropna())) - set(design.classes)
    if new:
        raise NewLevelError(f"response {design.response!r} in newdata has level(s) {sorted(map(str, new))} "
                            f"never seen in training; the classes are {list(design.classes)}")
    return values


def numeric_response(values, name):
    """A regression response in new data as floats (NaN kept); text or infinite values are refused."""
    try:
        numbers = values.apply(pd.to_numeric) if isinstance(values, pd.DataFrame) else pd.to_numeric(values)
        array = np.asarray(numbers, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise DataError(f"response {name!r} in newdata holds text ({exc}); a regression is scored on numbers: "
                        f"convert it, e.g. pd.to_numeric(newdata[{name!r}])") from None
    if np.isinf(array).any():
        raise DataError(f"response {name!r} in newdata has infinite values; replace or drop them")
    return numbers.astype(np.float64)
