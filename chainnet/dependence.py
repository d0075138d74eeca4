"""Partial dependence (Friedman 2001): how the prediction moves with one variable, the others as they are.

    PD(v) = (1/n) Σ_i f(x_i with the variable set to v)           (scikit-learn's "brute" method)

f is ``predict()`` for regression (one column per response) and ``predict_proba()`` for classification (one
column per class). The individual curves f(x_i with v) behind the average are ICE curves (Goldstein et al.
2015): ``plot_partial(term, ice=True)`` draws them. The variable is a predictor column, or a term of the formula
that reads one column (``scale(x)`` -> x); numeric or categorical (the grid is then its training levels).
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from .errors import ArgumentError, ArgumentTypeError
from .importance import complete_frame, term_variables
from .plotting import _axes, class_colors

#: default number of grid points for a numeric variable (evenly spaced from its minimum to its maximum)
GRID_POINTS = 20


def variable_of(net, term) -> str:
    """The one data column that ``term`` varies."""
    columns = term_variables(net, term)
    if len(columns) != 1:
        raise ArgumentError(f"term {term!r} reads {len(columns)} columns {list(columns)}; partial dependence "
                            f"varies one: pass one of them, e.g. {columns[0]!r}")
    return columns[0]


def default_grid(net, variable: str, frame: pd.DataFrame) -> np.ndarray:
    """A categorical variable's training levels, or ``GRID_POINTS`` values from the minimum to the maximum."""
    if variable in net.design.levels:
        return np.asarray(net.design.levels[variable], dtype=object)
    values = frame[variable].to_numpy(dtype=np.float64)
    return np.linspace(values.min(), values.max(), GRID_POINTS)


def check_grid(net, variable: str, grid) -> np.ndarray:
    if isinstance(grid, (str, bytes)) or not np.iterable(grid):
        raise ArgumentTypeError(f"grid must be a list or array of values of {variable!r}, got {grid!r}")
    values = np.asarray(list(grid), dtype=object)
    if values.ndim != 1 or len(values) == 0:
        raise ArgumentError(f"grid must be a non-empty 1-D list of values of {variable!r}, got {grid!r}")
    if variable in net.design.levels:
        unknown = [v for v in values if v not in set(net.design.levels[variable])]
        if unknown:
            raise ArgumentError(f"grid values {unknown[:5]} are not levels of {variable!r}; its levels are "
                                f"{list(net.design.levels[variable])}")
        return values
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) and np.isfinite(v) for v in values):
        raise ArgumentError(f"grid for the numeric variable {variable!r} must hold finite numbers, got {grid!r}")
    return values.astype(np.float64)


def _set(frame: pd.DataFrame, variable: str, value) -> pd.DataFrame:
    """A copy of ``frame`` with ``variable`` equal to ``value`` on every row, in the column's own kind."""
    out, column = frame.copy(), frame[variable]
    if isinstance(column.dtype, pd.CategoricalDtype):
        out[variable] = pd.Categorical([value] * len(frame), categories=column.cat.categories)
    else:
        out[variable] = pd.Series([value] * len(frame), index=frame.index,
                                  dtype=object if column.dtype == object else None)
    return out


def individual(net, term, grid=None, newdata=None) -> tuple[str, np.ndarray, np.ndarray, list]:
    """(variable, grid, ICE predictions (len(grid), n, K), output names): one ``predict`` over all grid copies."""
    variable = variable_of(net, term)
    frame = complete_frame(net, newdata)
    grid = default_grid(net, variable, frame) if grid is None else check_grid(net, variable, grid)
    stacked = pd.concat([_set(frame, variable, v) for v in grid], ignore_index=True)
    out = net.predict_proba(stacked) if net.task == "classification" else net.predict(stacked)
    out = out.to_frame() if isinstance(out, pd.Series) else out
    values = out.to_numpy(dtype=np.float64).reshape(len(grid), len(frame), -1)
    return variable, grid, values, [str(c) for c in out.columns]


def partial_dependence(net, term, grid=None, newdata=None) -> pd.DataFrame:
    """PD(v) for each grid value v: a column named after the variable, then the averaged prediction per output
    (per class probability for classification). Rows of ``newdata`` (default: the training rows) missing a
    predictor are left out. A query: the network is left as it was."""
    variable, grid, values, names = individual(net, term, grid, newdata)
    table = pd.DataFrame(values.mean(axis=1), columns=names)
    table.insert(0, variable, grid)
    return table


def plot_partial(net, term, ax=None, ice=False, grid=None, newdata=None):
    """Draw the partial dependence of ``term`` (one line per output; with ``ice=True`` each row's curve, thin,
    behind it); the x axis is labelled with the term. Returns the Axes."""
    variable, grid, values, names = individual(net, term, grid, newdata)
    ax = _axes(ax)
    categorical = variable in net.design.levels
    x = np.arange(len(grid)) if categorical else grid
    for k, (name, color) in enumerate(zip(names, class_colors(len(names)))):
        if ice:
            ax.plot(x, values[:, :, k], color=color, alpha=min(0.3, 20.0 / values.shape[1]), linewidth=0.6)
        ax.plot(x, values[:, :, k].mean(axis=1), color=color, linewidth=2.5, marker="o" if categorical else None,
                label=name)
    if categorical:
        ax.set_xticks(x, [str(g) for g in grid])
    ax.set_xlabel(term)
    ax.set_ylabel("average P(class)" if net.task == "classification" else f"average predicted {names[0]}"
                  if len(names) == 1 else "average prediction")
    if len(names) > 1:
        ax.legend(frameon=False, fontsize="small")
    ax.set_title(f"partial dependence on {term}" + (" (thin: each row)" if ice else ""), fontsize="medium")
    return ax
