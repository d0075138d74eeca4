"""R's verbs on a fitted network: ``predict(newdata, type=)``, ``fitted()`` and ``residuals()``.

The output layer computes scores ``Z = [1, H] W_L`` (n, K) and the output ``link(Z)``: σ(Z) = P(second level)
for a binary response (K = 1, as R's ``glm`` and ``nnet``), softmax(Z) for 3+ classes, Z itself for a
regression. The ``type=`` of R's ``predict`` picks one of them:

============  =================================================================================================
``class``     the labels, a Series (default for classification; nnet's ``type = "class"``)
``prob``      one column per class, binary included (``predict_proba``; multinom's ``type = "probs"``)
``raw``       the output layer's values ``link(Z)``, nnet's ``type = "raw"``: ONE column P(second level) for a
              binary response, K probabilities for 3+ classes, the values for a regression
``link``      the scores Z before the link (glm's ``type = "link"``: the log-odds of a binary response)
``response``  ``link(Z)`` as glm's ``type = "response"``: the values (default for regression; a Series for one
              response column), the probabilities of ``raw`` for classification
============  =================================================================================================

``fitted()`` is nnet's ``fitted(fit)``: ``link(Z)`` on the training rows (probabilities for classification,
one column P(second level) for a binary response); ``residuals()`` is ``y - fitted`` with ``y`` the response
(regression) or its class indicators (classification, nnet's ``residuals``). Both are indexed like the
training rows (``net.rows``) and use the current weights; neither changes the network.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _frames as frames
from .errors import ArgumentError, TaskError
from .propagation import forward
from .report import output_names

#: the task each type needs (None: any task)
_TYPE_TASK = {"class": "classification", "prob": "classification", "raw": None, "link": None, "response": None}
TYPES = tuple(_TYPE_TASK)
DEFAULT_TYPE = {"classification": "class", "regression": "response"}


def scores(net, newdata=None) -> tuple[np.ndarray, pd.Index]:
    """Output-layer scores Z (n, K) at the current weights, aligned with ``newdata``'s index (NaN rows where a
    predictor is missing); the training rows when ``newdata`` is None. Changes nothing on ``net``."""
    if newdata is None:
        return forward(net.X, net.weights, net._act).Z, net.rows
    newdata = frames.to_pandas(newdata, "newdata")
    X, complete = net._design_matrix(newdata)
    Z = np.full((len(newdata), len(output_names(net))), np.nan)
    if len(X):
        Z[complete] = forward(X, net.weights, net._act).Z
    return Z, newdata.index


def predict(net, newdata=None, type=None):
    """R's ``predict(fit, newdata, type = ...)``; see the module docstring for the five types.

    ``type=None`` is ``"class"`` for classification and ``"response"`` for regression.
    """
    kind = _check_type(net, type)
    if kind == "class":
        return net.predict(newdata)
    if kind == "prob":
        return net.predict_proba(newdata)
    Z, index = scores(net, newdata)
    values = Z if kind == "link" else net._loss.link(Z)
    frame = pd.DataFrame(values, index=index, columns=output_names(net))
    if kind == "response" and net.task == "regression" and frame.shape[1] == 1:
        return frame.iloc[:, 0]
    return frame


def _check_type(net, type) -> str:
    kind = DEFAULT_TYPE[net.task] if type is None else type
    if not isinstance(kind, str) or kind not in _TYPE_TASK:
        raise ArgumentError(f"type must be one of {list(TYPES)} (or None: {DEFAULT_TYPE[net.task]!r} for "
                            f"{net.task}), got {type!r}; 'prob' gives class probabilities, 'raw' nnet's output")
    need = _TYPE_TASK[kind]
    if need is not None and need != net.task:
        raise TaskError(f"type={kind!r} is for {need} networks; this one does {net.task}: use type='response'")
    return kind


def fitted(net):
    """nnet's ``fitted(fit)``: ``link(Z)`` on the training rows, indexed like them. Regression: the fitted
    values (a Series for one response column); classification: a DataFrame of probabilities (binary: the one
    column P(second level), named by that level)."""
    return predict(net, None, "response")


def residuals(net):
    """R's ``residuals(fit)``: ``y - fitted()`` on the training rows. Regression: the response minus the fitted
    values; classification: the class indicator minus the probability, column by column (binary: 1[second
    level] - P(second level)), as nnet's ``residuals``."""
    fit = fitted(net)
    return fit.rsub(_targets(net, fit))


def _targets(net, fit):
    """The training targets shaped like ``fit``: the response values or the class indicators of ``fit``'s
    columns (one column, the second level, for a binary response)."""
    T = net._T.astype(np.float64)
    if isinstance(fit, pd.Series):
        return pd.Series(T[:, 0], index=fit.index, name=fit.name)
    return pd.DataFrame(T, index=fit.index, columns=fit.columns)

