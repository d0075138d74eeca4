"""The rows one ``train()`` call trains and validates on.

A validation fraction is drawn once (stratified by class, from the network's generator) and kept on the network
with the rows it holds out, so chained calls validate on rows they never trained on; it is drawn again only
when the fraction or the training data change. A validation DataFrame is encoded through the design.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from . import _checks as checks
from ._frames import to_pandas
from ._scoring import class_codes
from .errors import ArgumentError


class Data(NamedTuple):
    """Training ``X`` (n, D), ``T`` (n, K), ``codes`` (each row's class, None for regression); validation
    ``X_val``, ``T_val`` (None without validation)."""

    X: np.ndarray
    T: np.ndarray
    codes: np.ndarray | None
    X_val: np.ndarray | None
    T_val: np.ndarray | None
    w: np.ndarray | None = None          # case weights of the training rows (None: all 1)
    w_val: np.ndarray | None = None      # and of the validation rows


class Split(NamedTuple):
    """A validation fraction drawn from the training matrix ``X`` (by identity): the held-out row indices and
    the two sides' arrays."""

    fraction: float
    X: np.ndarray
    val: np.ndarray
    train: Data
    w: np.ndarray | None = None          # the case weights it was drawn with (by identity)


def training_data(net, validation, batch_size) -> Data:
    """The call's rows (may draw and keep a new split on the network); checks ``batch_size`` against them."""
    data = _data(net, validation)
    if batch_size is not None and batch_size > len(data.X):
        raise ArgumentError(f"batch_size={batch_size} is larger than the {len(data.X)} training rows; "
                            "use batch_size=None for full batches")
    return data


def _data(net, validation) -> Data:
    X, T, w = net.X, net._T, net.case_weights
    codes = class_codes(T) if net.task == "classification" else None
    if validation is None:
        return Data(X, T, codes, None, None, w)
    validation = to_pandas(validation, "validation")      # a polars (or other narwhals) frame as data= takes it
    if isinstance(validation, pd.DataFrame):
        X_val, T_val, w_val = net._scored_weighted(validation)
        if len(X_val) == 0:
            raise ArgumentError("validation data has no complete rows (predictors and response)")
        return Data(X, T, codes, X_val, T_val, w, w_val)
    if not checks.is_fraction(validation):
        raise ArgumentError("validation must be a fraction in (0, 1) or a DataFrame (pandas or polars) of held-out rows, "
                            "e.g. 0.2; got "
                            + (repr(validation) if isinstance(validation, (int, float, str)) else
                               f"a {type(validation).__name__}"))
    split = net._split
    if (split is None or split.fraction != float(validation) or split.X is not net._X
            or split.w is not net.case_weights):
        split = net._split = _draw(net, float(validation), codes)
    return split.train


def _draw(net, fraction: float, codes) -> Split:
    """A shuffled split holding ``fraction`` of each class (of all rows, for regression)."""
    groups = ([np.flatnonzero(codes == c) for c in range(len(net.classes))]
              if codes is not None else [np.arange(len(net.X))])
    val = np.sort(np.concatenate([net.rng.permutation(g)[:round(fraction * len(g))] for g in groups]))
    return split_at(net, fraction, val)


def split_at(net, fraction: float, val: np.ndarray) -> Split:
    """The split of the network's rows that holds out the row indices ``val`` (sorted, unique, in range):
    drawn by ``train(validation=fraction)``, or read back from a model file."""
    X, T = net.X, net._T
    codes = class_codes(T) if net.task == "classification" else None
    train = np.setdiff1d(np.arange(len(X)), val)
    if len(train) == 0 or len(val) == 0:
        raise ArgumentError(f"validation={fraction} leaves no rows on one side of the split")
    w = net.case_weights
    data = Data(X[train], T[train], None if codes is None else codes[train], X[val], T[val],
                None if w is None else w[train], None if w is None else w[val])
    return Split(fraction, X, val, data, w)
