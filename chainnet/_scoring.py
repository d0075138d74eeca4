"""Targets and scores: the response encoded for the loss, predicted classes, the history's metric column."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ._progress import metric_name


def class_codes(output: np.ndarray) -> np.ndarray:
    """Predicted class index per row: P(second class) > 0.5 for one sigmoid unit, else the argmax."""
    return (output[:, 0] > 0.5).astype(np.intp) if output.shape[1] == 1 else output.argmax(axis=1)


def metric(total: float, n: int, k: int, task: str) -> float:
    """Accuracy from the correct count, or RMSE from the summed squared error over n rows and k outputs."""
    return total / n if task == "classification" else math.sqrt(total / (n * k))


def score(output: np.ndarray, T: np.ndarray, task: str, w=None) -> float:
    """Correct predictions (classification) or squared error (regression), summed over rows; with case
    weights w (n,): Σ w_i 1[right_i] or Σ w_i Σ_k r_ik²."""
    if task == "regression":
        R = output - T
        return float(np.vdot(R, R)) if w is None else float(np.dot(w, np.einsum("ik,ik->i", R, R)))
    right = class_codes(output) == class_codes(T)
    return float(np.count_nonzero(right)) if w is None else float(np.dot(w, right))


def total_weight(n: int, w=None) -> float:
    """The rows' total weight: n unweighted, Σ w_i with case weights (what an accuracy or RMSE divides by)."""
    return n if w is None else float(np.sum(w))


def history_frame(rows: list, task: str) -> pd.DataFrame:
    """The history as a DataFrame indexed by iteration (1, 2, ...)."""
    columns = ["loss", metric_name(task), "val_loss", "val_" + metric_name(task), "learn_rate"]
    frame = pd.DataFrame(rows, columns=columns, dtype=float)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="iteration")
    return frame.dropna(axis=1, how="all") if len(frame) else frame[["loss", metric_name(task), "learn_rate"]]
