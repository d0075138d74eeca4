"""Pictures of a network: its loss, its decision regions and its predictions; ``plot_fit`` is in
``chainnet.curves`` and ``plot_network`` in ``chainnet.diagram``. This module holds what they share.

matplotlib is imported inside the functions, so ``import chainnet`` stays light. Every function takes
``ax=None`` (a new figure) or a matplotlib Axes to draw into, and returns the Axes. They are also methods:
``net.plot_loss()`` is ``plot_loss(net)``.

Plots over predictors read the network's training data (``net.data``, the frame given to the constructor,
restricted to the rows it trained on) or ``data=``. Predictors that a plot does not vary are held at their
median (numbers) or their most frequent level (categories), and the title says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _checks as checks
from .design import _close
from .errors import ArgumentError, ArgumentTypeError, DataError
from .report import LOSS_NAMES, confusion_matrix

POSITIVE, NEGATIVE = "#1f77b4", "#d62728"   # edge colours by the sign of the weight (blue +, red -)


# ---------------------------------------------------------------------------------------------- matplotlib
def _axes(ax, size=(6.0, 4.5)):
    """``ax`` itself, or the Axes of a new figure."""
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    if ax is None:
        return plt.subplots(figsize=size, layout="constrained")[1]
    if not isinstance(ax, Axes):
        raise ArgumentTypeError(f"ax must be a matplotlib Axes or None (a new figure), got {type(ax).__name__}")
    return ax


def class_colors(k: int) -> list[tuple]:
    """One RGB colour per class: matplotlib's ``tab10`` cycle, evenly spaced hues beyond ten classes."""
    import matplotlib

    if k <= 10:
        return [tuple(c) for c in matplotlib.colormaps["tab10"].colors[:k]]
    return [tuple(matplotlib.colormaps["hsv"](i / k)[:3]) for i in range(k)]


def pale(color: tuple, weight: float = 0.35) -> tuple:
    """``color`` mixed with white, for the regions behind the points: weight·c + (1 - weight)·1."""
    return tuple(weight * c + (1.0 - weight) for c in color[:3])


# ---------------------------------------------------------------------------------------------- data
def training_frame(net, data=None) -> pd.DataFrame:
    """``data`` as given, or the rows of the network's training data that it trained on (same order as ``Y``)."""
    if data is not None:
        if not isinstance(data, pd.DataFrame):
            raise ArgumentTypeError(f"data must be a pandas DataFrame or None (the training data), "
                                    f"got {type(data).__name__}")
        missing = [c for c in net.design.predictors if c not in data.columns]
        if missing:
            raise DataError(f"data lacks the predictor column(s) {missing} of formula {net.formula!r}"
                            f"{_close(missing[0], data.columns)}")
        return data
    kept = getattr(net, "data", None)
    if kept is None:
        raise DataError("this network holds no training data frame (loaded from a file?): "
                        "pass data=, a DataFrame with the predictor columns")
    frame = kept.loc[net.rows] if kept.index.is_unique else kept.iloc[_complete(net, kept)]
    if len(frame) != len(net.X):
        raise DataError(f"the training data frame now has {len(frame)} usable rows but the network was trained "
                        f"on {len(net.X)}: it changed since; pass data=")
    return frame


def _complete(net, data: pd.DataFrame) -> np.ndarray:
    used = [c for c in data.columns if c in set(net.design.predictors) | {net.design.response, *net.design.targets}]
    return np.flatnonzero(data[used].notna().all(axis=1).to_numpy())


def held_values(net, frame: pd.DataFrame, varying) -> dict:
    """Median of each numeric predictor not in ``varying``, most frequent level of each categorical one
    (the first level in the training order on a tie)."""
    held = {}
    for col in net.design.predictors:
        if col in varying:
            continue
        if col in net.design.levels:
            levels = net.design.levels[col]
            counts = [int((frame[col] == level).sum()) for level in levels]
            held[col] = levels[int(np.argmax(counts))]
        else:
            held[col] = float(frame[col].median())
    return held


def grid_frame(net, frame: pd.DataFrame, varying: dict, held: dict) -> pd.DataFrame:
    """A frame of the predictors: ``varying`` maps column -> values (all the same length), ``held`` column ->
    the one value of every other predictor (``held_values``); dtypes (categories) follow ``frame``."""
    n = len(next(iter(varying.values())))
    columns = {col: np.asarray(varying[col]) if col in varying else
               pd.Series([held[col]] * n, dtype=frame[col].dtype) for col in net.design.predictors}
    return pd.DataFrame(columns)


def _held_note(held: dict) -> str:
    if not held:
        return ""
    text = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in held.items())
    return f"\nothers at {text}"


def _numeric_predictor(net, name, role: str) -> str:
    numeric = list(net.design.numeric)
    if not isinstance(name, str):
        raise ArgumentTypeError(f"{role} must be a column name, one of {numeric}, got {name!r}")
    if name not in net.design.predictors:
        raise ArgumentError(f"{role}={name!r} is not a predictor of formula {net.formula!r}"
                            f"{_close(name, net.design.predictors)}; numeric predictors are {numeric}")
    if name not in numeric:
        raise ArgumentError(f"{role}={name!r} is categorical; {role} must be a numeric predictor, one of {numeric}")
    return name


def _default_predictors(net, names: list, count: int, call: str) -> list[str]:
    """The names given, or the first ``count`` numeric predictors when none are given."""
    if all(n is None for n in names):
        numeric = list(net.design.numeric)
        if len(numeric) < count:
            raise ArgumentError(f"{call} needs {count} numeric predictor(s); formula {net.formula!r} has {numeric}")
        if count == 1 and len(numeric) > 1:
            raise ArgumentError(f"{call} needs x=, one of the numeric predictors {numeric}")
        return numeric[:count]
    if any(n is None for n in names):
        raise ArgumentError(f"{call} needs both x= and y=, numeric predictors among {list(net.design.numeric)}")
    return names


def _span(values, count: int) -> np.ndarray:
    """``count`` values from the minimum to the maximum, widened by 5% on each side (±1 for a constant)."""
    low, high = float(np.min(values)), float(np.max(values))
    pad = 0.05 * (high - low) if high > low else 1.0
    return np.linspace(low - pad, high + pad, count)


# ---------------------------------------------------------------------------------------------- plot_loss
def plot_loss(net, ax=None, *, label="training loss"):
    """Training loss per iteration on a log scale, and the validation loss when ``train(validation=)`` gave one.

    The lines are ``net.history['loss']`` and ``net.history['val_loss']`` as they are: each a sum over its own
    rows (training rows with the decay penalty; validation rows without it). Lines take the Axes' next colours,
    so several networks can share one Axes, each with its ``label``.
    """
    history = net.history
    if len(history) == 0:
        raise ArgumentError("plot_loss needs a training history: call net.train(...) first")
    ax = _axes(ax)
    ax.plot(history.index, history["loss"], label=label)
    if "val_loss" in history:
        ax.plot(history.index, history["val_loss"],
                label="validation loss" if label == "training loss" else f"{label}, validation")
    ax.legend(fontsize="small")
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel(LOSS_NAMES[net.family])
    ax.set_title(f"{net.formula}: loss", fontsize="medium")
    return ax


# ---------------------------------------------------------------------------------------------- decision boundary
def plot_decision_boundary(net, x=None, y=None, *, data=None, resolution=200, points=True, ax=None):
    """Predicted classes over a ``resolution`` × ``resolution`` grid of predictors ``x`` and ``y`` (the first two
    numeric predictors by default), the training points on top coloured by their true class.

    The grid runs 5% past the data's range; other predictors are held at their median or most frequent level.
    Regions are drawn with ``pcolormesh``, one cell centred on each grid point, coloured ``pale(colour of the
    predicted class)``; the points use the class colours themselves (``class_colors``).
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap

    checks.require_task(net, "classification", "plot_decision_boundary", "plot_fit(x=) or plot_predicted()")
    resolution = checks.positive_int("resolution", resolution)
    x, y = (_numeric_predictor(net, v, r) for v, r in zip(_default_predictors(net, [x, y], 2, "plot_decision_boundary"), "xy"))
    if x == y:
        raise ArgumentError(f"x and y must be two different predictors, got {x!r} twice")
    frame = training_frame(net, data)
    gx, gy = _span(frame[x], resolution), _span(frame[y], resolution)
    XX, YY = np.meshgrid(gx, gy)                                    # (resolution, resolution), rows follow y
    held = held_values(net, frame, (x, y))
    codes = net.predict(grid_frame(net, frame, {x: XX.ravel(), y: YY.ravel()}, held)).cat.codes.to_numpy()
    K, colors = len(net.classes), class_colors(len(net.classes))
    ax = _axes(ax)
    ax.pcolormesh(gx, gy, codes.reshape(XX.shape), shading="nearest", cmap=ListedColormap([pale(c) for c in colors]),
                  norm=BoundaryNorm(np.arange(K + 1) - 0.5, K))
    if points and net.design.response in frame.columns:
        _draw_classes(net, ax, frame, x, y, colors)
    ax.set(xlabel=x, ylabel=y)
    ax.set_title(f"{'-'.join(map(str, net.layer_sizes))} network{_held_note(held)}", fontsize="medium")
    return ax


def _draw_classes(net, ax, frame: pd.DataFrame, x: str, y: str, colors: list) -> None:
    """The rows of ``frame`` as points at (x, y), coloured by their true class, with a legend."""
    truth = pd.Categorical(frame[net.design.response].to_numpy(dtype=object), categories=net.classes).codes
    for k, label in enumerate(net.classes):
        ax.scatter(frame[x].to_numpy()[truth == k], frame[y].to_numpy()[truth == k], color=colors[k],
                   edgecolors="black", linewidths=0.5, s=18, label=str(label), zorder=3)
    ax.legend(loc="best", fontsize="small")


# ---------------------------------------------------------------------------------------------- plot_predicted
def plot_predicted(net, newdata=None, *, ax=None):
    """Predicted against actual: a scatter with the line y = x (regression, titled with RMSE and R²), or the
    confusion matrix (classification, rows actual, columns predicted, titled with the accuracy).

    On the training rows, or on the complete rows of ``newdata`` holding the response.
    """
    if net.task == "classification":
        return _plot_confusion(confusion_matrix(net, newdata), _axes(ax, (4.5, 4.0)))
    actual, predicted = _actual_predicted(net, newdata)
    ax = _axes(ax, (4.5, 4.5))
    for j, name in enumerate(net.design.targets):
        ax.scatter(actual[:, j], predicted[:, j], s=14, alpha=0.8, label=name)
    low, high = float(min(actual.min(), predicted.min())), float(max(actual.max(), predicted.max()))
    ax.plot([low, high], [low, high], color="0.3", linestyle="--", linewidth=1, label="y = x")
    R = predicted - actual
    r2 = 1.0 - np.sum(R * R) / np.sum((actual - actual.mean(axis=0)) ** 2)
    ax.set_xlabel("actual")
    ax.set_ylabel("predicted")
    ax.set_title(f"{'training rows' if newdata is None else 'new data'} (n={len(R)}): "
                 f"RMSE {np.sqrt(np.mean(R * R)):.4g}, R² {r2:.3f}", fontsize="medium")
    if len(net.design.targets) > 1:
        ax.legend(fontsize="small")
    return ax


def _actual_predicted(net, newdata) -> tuple[np.ndarray, np.ndarray]:
    """(actual, predicted), each (rows, targets), over the rows with both."""
    if newdata is None:
        actual = np.asarray(net.Y, dtype=float).reshape(len(net.X), -1)
        return actual, net._predict_X(net.X)
    targets = list(net.design.targets)
    missing = [t for t in targets if t not in newdata.columns]
    if missing:
        raise DataError(f"newdata has no response column(s) {missing}; plot_predicted compares predictions "
                        "with the true values, so add them")
    actual = newdata[targets].to_numpy(dtype=float)
    predicted = np.asarray(net.predict(newdata), dtype=float).reshape(len(newdata), -1)
    ok = np.isfinite(actual).all(axis=1) & np.isfinite(predicted).all(axis=1)
    return actual[ok], predicted[ok]


def _plot_confusion(table: pd.DataFrame, ax):
    counts = table.to_numpy()
    ax.imshow(counts, cmap="Blues", vmin=0)
    for (i, j), count in np.ndenumerate(counts):
        ax.text(j, i, str(count), ha="center", va="center",
                color="white" if count > counts.max() / 2 else "black")
    ax.set_xticks(range(len(table.columns)), table.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(table.index)), table.index)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.set_title(f"accuracy {np.trace(counts) / counts.sum():.4g} (n={counts.sum()})", fontsize="medium")
    return ax


__all__ = ["NEGATIVE", "POSITIVE", "class_colors", "grid_frame", "held_values", "pale", "plot_decision_boundary",
           "plot_loss", "plot_predicted", "training_frame"]
