"""A network's public fields (R6's, live): :class:`Fields`, a base class of ``NeuralNetwork`` holding the
properties ``X``, ``Y``, ``params``, ``weights``, ``W1, W2, ...``, ``history`` ..., and the checks for assignments
to them (``net.X = ...``, ``net.Y``, ``net.W1``, ``net.weights``).

Each check returns a clean array (or raises with the fix) and never keeps the caller's array: the network copies
the value into its own storage, so a read-only array is fine and the caller's array is never trained in place.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._scoring import history_frame
from .errors import ArgumentError, ArgumentTypeError, DataError

_W_NAME = re.compile(r"W([1-9][0-9]*)")


def checked_array(name: str, value, shape: tuple, dtype, expected: str) -> np.ndarray:
    """``value`` as a new C array of ``dtype`` and ``shape``, numbers only and finite."""
    if isinstance(value, (str, bytes)):
        raise ArgumentTypeError(f"{name} must be an array of numbers, got the text {value!r}")
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ArgumentTypeError(f"{name} must be an array of numbers: {exc}") from exc
    if a.dtype.kind not in "biuf":
        raise ArgumentTypeError(f"{name} must hold numbers, got an array of {a.dtype} (e.g. {a.flat[0]!r} )"
                                if a.size else f"{name} must hold numbers, got an array of {a.dtype}")
    if a.shape != tuple(shape):
        raise ArgumentError(f"{name} must have {expected}: shape {tuple(shape)}, got {a.shape}")
    a = np.array(a, dtype=dtype, order="C", copy=True)
    if not np.isfinite(a).all():
        raise DataError(f"{name} holds NaN or infinite values; assign finite numbers")
    return a


def checked_weights(value, shapes: list, dtype) -> list:
    """A list of weight matrices of the network's shapes."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ArgumentTypeError(f"weights must be a list of {len(shapes)} arrays, got {type(value).__name__}")
    if len(value) != len(shapes):
        raise ArgumentError(f"weights must be a list of {len(shapes)} arrays (W1..W{len(shapes)}), got {len(value)}")
    return [checked_array(f"W{l + 1}", W, shape, dtype, f"shape {shape}") for l, (W, shape) in
            enumerate(zip(value, shapes))]


def checked_response(value, design, dtype, rows: int):
    """(T, Y) for a new response of ``rows`` values (one per row of ``X``)."""
    if isinstance(value, (str, bytes)):
        raise ArgumentTypeError(f"Y must hold one response value per row, got the text {value!r}")
    if design.task == "regression" and np.iscomplexobj(value):   # numpy would drop the imaginary parts
        raise ArgumentTypeError("Y must hold real numbers, got complex numbers; assign their real part (y.real)")
    try:
        T, Y = design.encode_response(value, dtype)
    except (ValueError, TypeError, NotImplementedError) as exc:
        if isinstance(exc, (ArgumentError, ArgumentTypeError)):
            raise
        raise DataError(f"Y must hold the response's values ({design.task}): {exc}") from exc
    k = _width(design)
    one_column = design.task == "regression" and k == 1 and np.ndim(Y) != 1   # a 1-response Y is (n,), as fitted
    if T.ndim != 2 or len(T) != rows or T.shape[1] != k or one_column:
        raise DataError(f"Y must hold {rows} response values (one per row of X), each of {k} number(s), got shape "
                        f"{np.shape(Y)}{' (one response: a 1-d array)' if one_column else ''}; use set_data(df) "
                        "to train on other rows")
    if not np.isfinite(T).all():
        raise DataError("Y holds NaN or infinite values; drop those rows (set_data) or fill them")
    return T, Y


def _width(design) -> int:
    if design.task == "classification":
        return 1 if len(design.classes) == 2 else len(design.classes)
    return len(design.targets)


class Fields:
    """The public fields of a ``NeuralNetwork`` (mixed into it; see ``chainnet.network``)."""

    formula = property(lambda self: self.design.formula, doc="The formula, as given.")
    na_rows = property(lambda self: self.design.na_rows, doc="Labels of the rows dropped for missing values.")
    task = property(lambda self: self.design.task, doc="'classification' or 'regression'.")
    classes = property(lambda self: list(self.design.classes or []), doc="The response's levels.")
    family = property(lambda self: self._loss.name, doc="The output's distribution, which fixes its link and loss: "
                      "'bernoulli' (sigmoid), 'multinomial' (softmax), 'gaussian' (identity, squared error).")

    @property
    def X(self) -> np.ndarray:
        """Design matrix (n, D), intercept column included (R6: ``model.matrix``)."""
        if not len(self._X):
            raise DataError("this model has no training data (it was saved with include_data=False): give it "
                            "data with net.set_data(df), or pass newdata= to predict/accuracy/compute_loss")
        return self._X

    @X.setter
    def X(self, value):
        D = len(self.design.columns)
        X = checked_array("X", value, (len(self._T), D), self.dtype,
                                 f"{len(self._T)} rows (one per response value) and {D} columns "
                                 f"{list(self.design.columns)}; use set_data(df) for other rows")
        self._X, self._cache, self._split, self._buffers = X, None, None, {}

    @property
    def Y(self):
        """Response: a pandas Categorical (classification) or a float array (regression)."""
        return self._Y

    @Y.setter
    def Y(self, value):
        self._T, self._Y = checked_response(value, self.design, self.dtype, len(self._X))
        self._cache, self._split = None, None

    @property
    def params(self) -> np.ndarray:
        """The flat parameter vector (all layers, in order); ``W1, W2, ...`` are views into it."""
        return self.__dict__.get("params")

    @params.setter
    def params(self, value):
        # copied into the buffer, never rebound: a new array would detach the live views W1, W2, ...
        flat = self.params
        np.copyto(flat, checked_array("params", value, flat.shape, self.dtype, f"shape {flat.shape}"))
        self._cache = None

    @property
    def weights(self) -> list:
        """The weight matrices ``[W1, W2, ...]``: live views into the flat parameter vector ``params``."""
        return list(self._weights)

    @weights.setter
    def weights(self, value):
        arrays = checked_weights(value, self._shapes(), self.dtype)
        if self.__dict__.get("params") is None:
            self._allocate()
        for W, A in zip(self._weights, arrays):
            np.copyto(W, A)

    @property
    def layer_sizes(self) -> list[int]:
        """Units per layer, input (design columns less the intercept) to output."""
        inputs = len(self.design.columns) - (self.design.intercept is not None)
        return [inputs, *self.hidden, self._T.shape[1]]

    @property
    def history(self) -> pd.DataFrame:
        """One row per training iteration across chained ``train()`` calls."""
        return history_frame(self._history, self.task)

    def __getattr__(self, name):
        if _W_NAME.fullmatch(name) and "_weights" in self.__dict__:
            i = int(name[1:]) - 1
            if i < len(self._weights):
                return self._weights[i]
            raise AttributeError(f"this network has no {name}: its weights are W1..W{len(self._weights)}")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name[0] == "W" and _W_NAME.fullmatch(name):
            i = int(name[1:]) - 1
            if i >= len(self._weights):
                raise ArgumentError(f"this network has no {name}: its weights are W1..W{len(self._weights)}")
            np.copyto(self._weights[i], checked_array(name, value, self._weights[i].shape, self.dtype,
                                                             f"shape {self._weights[i].shape}"))
            return
        super().__setattr__(name, value)
