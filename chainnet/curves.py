"""``plot_fit``: a regression network's curve over one predictor, with the observed points and the true curve.

Part of chainnet's pictures (see ``chainnet.plotting`` for the shared conventions: ``ax=``, returning the Axes,
the other predictors held at their median or most frequent level).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from . import _checks as checks
from .design import _close
from .errors import ArgumentError, ArgumentTypeError, DataError
from .plotting import (
    NEGATIVE,
    _axes,
    _default_predictors,
    _held_note,
    _numeric_predictor,
    grid_frame,
    held_values,
    training_frame,
)


# ---------------------------------------------------------------------------------------------- plot_fit
def plot_fit(net, x=None, truth=None, *, data=None, target=None, resolution=200, points=True, label="network",
             color=None, ax=None):
    """Regression: the observed points, the network's curve over ``resolution`` values of ``x`` from its minimum
    to its maximum, and the true curve.

    ``truth``: ``None``; a column of the data (drawn against ``x``, sorted); or a callable ``f(x) -> y`` on an
    array (drawn on the curve's grid). ``target`` picks one response column of a multi-output network. The
    observed points (``points=True``) are the training ``Y`` (or the response column of ``data=``). The curve
    is labelled ``label`` and takes the Axes' next colour unless ``color`` is given, so several networks can
    share one Axes.
    """
    checks.require_task(net, "regression", "plot_fit", "plot_decision_boundary(x=, y=) or plot_predicted()")
    resolution = checks.positive_int("resolution", resolution)
    x = _numeric_predictor(net, _default_predictors(net, [x], 1, "plot_fit")[0], "x")
    j = _target_index(net, target)
    frame = training_frame(net, data)
    truth_values = _truth(truth, frame)
    grid = np.linspace(float(frame[x].min()), float(frame[x].max()), resolution)
    held = held_values(net, frame, (x,))
    curve = net.predict(grid_frame(net, frame, {x: grid}, held))
    ax = _axes(ax)
    if points:
        ax.scatter(frame[x], _observed(net, frame, data, j), color="0.6", s=14, label="observed", zorder=1)
    _draw_truth(ax, truth, truth_values, frame[x].to_numpy(), grid)
    ax.plot(grid, np.asarray(curve)[:, j] if curve.ndim == 2 else curve, color=color, linewidth=2, label=label,
            zorder=3)
    ax.legend(loc="best", fontsize="small")
    ax.set(xlabel=x, ylabel=net.design.targets[j])
    ax.set_title(f"{net.formula}: fit{_held_note(held)}", fontsize="medium")
    return ax


def _draw_truth(ax, truth, values, x: np.ndarray, grid: np.ndarray) -> None:
    """The true curve, dashed: a callable drawn on the curve's grid, or a column's ``values`` against ``x``."""
    if callable(truth):
        ax.plot(grid, _callable_curve(truth, grid), color=NEGATIVE, linestyle="--", label="truth", zorder=2)
    elif values is not None:
        order = np.argsort(x, kind="stable")
        ax.plot(x[order], values[order], color=NEGATIVE, linestyle="--", label=truth, zorder=2)


def _target_index(net, target) -> int:
    targets = list(net.design.targets)
    if target is None:
        if len(targets) > 1:
            raise ArgumentError(f"this network predicts {targets}: pass target=, one of them")
        return 0
    if target not in targets:
        raise ArgumentError(f"target={target!r} is not a response of formula {net.formula!r}; "
                            f"responses are {targets}")
    return targets.index(target)


def _truth(truth, frame: pd.DataFrame):
    """The values of a ``truth`` column (array), ``None`` for no column or a callable."""
    if truth is None or callable(truth):
        return None
    if not isinstance(truth, str):
        raise ArgumentTypeError(f"truth must be a column name or a callable f(x) -> y, got {type(truth).__name__}")
    if truth not in frame.columns:
        raise ArgumentError(f"truth={truth!r} is not a column of the data{_close(truth, frame.columns)}; "
                            f"columns are {list(map(str, frame.columns))}")
    return frame[truth].to_numpy(dtype=float)


def _callable_curve(truth: Callable, grid: np.ndarray) -> np.ndarray:
    try:
        values = np.asarray(truth(grid), dtype=float)
    except (ValueError, TypeError) as exc:
        raise ArgumentError(f"truth(x) must return numbers, one per x; it returned something else ({exc})") from exc
    if values.shape != grid.shape:
        raise ArgumentError(f"truth(x) must return one value per x (shape {grid.shape}), got shape {values.shape}")
    return values


def _observed(net, frame: pd.DataFrame, data, j: int) -> np.ndarray:
    """Response values of the rows of ``frame``: the training ``Y`` or ``data``'s response column."""
    if data is None:
        Y = np.asarray(net.Y, dtype=float)
        return Y if Y.ndim == 1 else Y[:, j]
    name = net.design.targets[j]
    if name not in frame.columns:
        raise DataError(f"data has no response column {name!r} for the observed points; "
                        "add it, or leave data= out to see the training rows")
    return frame[name].to_numpy(dtype=float)
