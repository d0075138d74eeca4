"""Scores of a fitted network, in numpy: ``evaluate()`` (one Series) and ``confusion()`` (one labelled table).

Each metric is defined as ``sklearn.metrics`` defines it, so the numbers agree with it on the same predictions
(the tests compare them); scikit-learn is not needed at run time.

Classification, for n rows with true class ``y_i``, predicted class ``ŷ_i`` and probabilities ``p_ik``:

    loss              -Σ_i log p_{i,y_i}              (summed negative log-likelihood, as ``compute_loss``)
    mean_loss         loss / n
    log_loss          -1/n Σ_i log clip(p_{i,y_i}, ε, 1 - ε)      (ε = float64 eps, as scikit-learn clips)
    accuracy          1/n Σ_i [ŷ_i = y_i]
    balanced_accuracy mean over the true classes of recall_k = C_kk / Σ_j C_kj
    precision, recall, f1   macro: the mean over the classes that occur in the truth or the predictions of
                      C_kk / Σ_j C_jk,  C_kk / Σ_j C_kj,  2 C_kk / (Σ_j C_kj + Σ_j C_jk)   (0 where 0/0)
    auc               binary: P(score of a positive > score of a negative), ties counting ½ (Mann-Whitney);
                      3+ classes: the mean of the one-vs-rest AUCs of p_k (NaN when a class is absent)

Regression (pooled over response columns, as ``rmse()``/``r2()``): ``loss`` Σ(ŷ - y)², ``rmse``
√(mean (ŷ - y)²), ``mae`` mean |ŷ - y|, ``r2`` 1 - Σ(ŷ - y)² / Σ(y - ȳ)² (scikit-learn's ``variance_weighted``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _checks as checks, _frames as frames
from .errors import DataError

_EPS = np.finfo(np.float64).eps


# ---------------------------------------------------------------------------------------------- classification
def confusion_counts(actual: np.ndarray, predicted: np.ndarray, K: int) -> np.ndarray:
    """C (K, K): C[j, k] = rows of true class j predicted as class k (codes 0 .. K-1)."""
    C = np.zeros((K, K), dtype=np.int64)
    np.add.at(C, (actual, predicted), 1)
    return C


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den = 0 (scikit-learn's zero_division=0)."""
    return np.divide(num, den, out=np.zeros(len(num)), where=den > 0)


def macro_scores(C: np.ndarray) -> dict:
    """Macro precision, recall and F1 over the classes that occur (row or column of C non-zero)."""
    tp, truth, pred = np.diag(C).astype(float), C.sum(axis=1), C.sum(axis=0)
    seen = (truth + pred) > 0
    precision, recall = _ratio(tp, pred), _ratio(tp, truth)
    f1 = _ratio(2 * tp, truth + pred)
    return {"precision": precision[seen].mean(), "recall": recall[seen].mean(), "f1": f1[seen].mean()}


def balanced_accuracy(C: np.ndarray) -> float:
    """Mean recall over the classes present in the truth."""
    truth = C.sum(axis=1)
    return float(np.mean(np.diag(C)[truth > 0] / truth[truth > 0]))


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1 .. n of ``x``, tied values sharing the mean of their ranks (scipy's ``rankdata``)."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    last = np.cumsum(counts)                        # rank of the last copy of each distinct value
    return (last - (counts - 1) / 2.0)[inverse]


def binary_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """AUC = (R₊ - n₊(n₊ + 1)/2) / (n₊ n₋), R₊ the sum of the positives' average ranks; NaN without both."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    R = average_ranks(score)[positive].sum()
    return float((R - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def auc(actual: np.ndarray, P: np.ndarray) -> float:
    """Binary: AUC of P[:, 1]; 3+ classes: the mean one-vs-rest AUC (NaN when a class never occurs)."""
    if P.shape[1] == 2:
        return binary_auc(actual == 1, P[:, 1])
    return float(np.mean([binary_auc(actual == k, P[:, k]) for k in range(P.shape[1])]))


def classification_scores(actual: np.ndarray, P: np.ndarray) -> dict:
    """Every classification metric of the module docstring, from true codes (n,) and probabilities (n, K)."""
    n, K = P.shape
    p_true = P[np.arange(n), actual]
    with np.errstate(divide="ignore"):
        loss = float(-np.log(p_true).sum())
    C = confusion_counts(actual, P.argmax(axis=1), K)
    return {"loss": loss, "mean_loss": loss / n,
            "log_loss": float(-np.log(np.clip(p_true, _EPS, 1 - _EPS)).mean()),
            "accuracy": float(np.trace(C) / n), "balanced_accuracy": balanced_accuracy(C),
            **{k: float(v) for k, v in macro_scores(C).items()}, "auc": auc(actual, P)}


# ---------------------------------------------------------------------------------------------- regression
def regression_scores(T: np.ndarray, Yhat: np.ndarray) -> dict:
    """loss, rmse, mae, r2 of predictions ``Yhat`` against truth ``T`` (both (n, k)), pooled over columns."""
    R = Yhat - T
    sse = float(np.vdot(R, R))
    spread = float(np.sum((T - T.mean(axis=0)) ** 2))
    return {"loss": sse, "rmse": float(np.sqrt(sse / R.size)), "mae": float(np.abs(R).mean()),
            "r2": 1.0 - sse / spread if spread > 0 else float("nan")}


# ---------------------------------------------------------------------------------------------- on a network
def scored_rows(net, newdata=None):
    """(truth, prediction) over the rows that have both: classification gives the true codes (n,) and the
    probabilities (n, K); regression the truth (n, k) and the predictions (n, k)."""
    if newdata is None:
        truth = net.Y.codes if net.task == "classification" else np.asarray(net.Y, dtype=float)
        pred = (net.predict_proba() if net.task == "classification" else net.predict()).to_numpy(dtype=float)
    else:
        newdata = frames.to_pandas(newdata, "newdata")
        values = net.design.response_values(newdata)
        pred = (net.predict_proba(newdata) if net.task == "classification" else net.predict(newdata))
        pred = pred.to_numpy(dtype=float)
        truth = (pd.Categorical(values.to_numpy(dtype=object), categories=net.classes).codes
                 if net.task == "classification" else values.to_numpy(dtype=float))
    pred = pred.reshape(len(pred), -1)
    has_truth = truth >= 0 if net.task == "classification" else ~np.isnan(truth.reshape(len(truth), -1)).any(1)
    ok = has_truth & ~np.isnan(pred).any(axis=1)
    if not ok.any():
        raise DataError(f"no row of newdata has both complete predictors and the response "
                        f"{net.design.response or list(net.design.targets)!r}: scoring needs at least one")
    return truth[ok], pred[ok]


def evaluate(net, newdata=None) -> pd.Series:
    """The metrics of the module docstring as a Series, on the training rows or on ``newdata`` (which must hold
    the response); rows missing a predictor or the response are left out."""
    truth, pred = scored_rows(net, newdata)
    if net.task == "classification":
        values = classification_scores(truth, pred)
    else:
        values = regression_scores(truth.reshape(len(truth), -1), pred)
    return pd.Series(values, name="training" if newdata is None else "newdata", dtype=float)


def confusion(net, newdata=None) -> pd.DataFrame:
    """Counts of (actual, predicted) classes: rows the actual classes, columns the predicted, in level order."""
    checks.require_task(net, "classification", "confusion", "evaluate() or plot_fit()")
    actual, P = scored_rows(net, newdata)
    labels = [str(c) for c in net.classes]
    return pd.DataFrame(confusion_counts(actual, P.argmax(axis=1), len(labels)),
                        index=pd.Index(labels, name="actual"), columns=pd.Index(labels, name="predicted"))
