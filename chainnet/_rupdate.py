"""R's ``update(fit, . ~ . + x3, size = 7)``: a new network on the same data and settings, started from the old
one's weights.

The formula's ``.`` stands for the old side: ``". ~ . + x3"`` on ``"y ~ x1 + x2"`` is ``"y ~ x1 + x2 + x3"``,
``"~ . - x2"`` keeps the response too. Any constructor setting may change (``hidden=``, ``decay=``, ``data=``
...); the rest are the old network's. The response may not change (that is another model).

Weights are carried over wherever both ends of a weight exist in the old network: design columns are matched
by name (``Intercept``, ``x1``, ``g[b]`` ...), hidden units by position within their layer (``h1, h2, ...``),
output units by name. A weight *into* a new hidden unit keeps the new network's initial value; every other new
weight (from a new design column, or from a new hidden unit into an old one) is zero. Each old unit therefore
receives exactly what it received before, and new units feed it nothing: right after ``update()`` that only adds
columns or hidden units the new network computes the old one's outputs (to rounding). With
``standardize=True`` the columns both networks have keep the old centre and scale (new columns get their own),
so that this holds even when the new formula drops other rows for missing values.

The new network is untrained: ``iteration`` 0, an empty ``history``, no optimizer state. The old network is not
changed.
"""

from __future__ import annotations

import inspect
import re
import sys

import numpy as np
import pandas as pd

from . import _checks as checks
from .design import Design, split_formula
from .errors import ArgumentError, ArgumentTypeError, DataError, FormulaError
from .report import output_names

_DOT = re.compile(r"(?<![\w.`])\.(?![\w.`])")  # R's "." as a whole token: not 0.5, .5, x.y or `a.b`

#: the settings a new network inherits, read from the old one
SETTINGS = {
    "data": lambda net: net.data,
    "hidden": lambda net: list(net.hidden),
    "activation": lambda net: net.activation,
    "task": lambda net: net.task,
    "init": lambda net: net.init,
    "seed": lambda net: net.seed,
    "decay": lambda net: net.decay,
    "dropout": lambda net: list(net.dropout) if net.dropout else 0.0,
    "standardize": lambda net: net.standardize,
    "dtype": lambda net: np.dtype(net.dtype).name,
    "weights": lambda net: net.weights_column or _weights_by_row(net),
}


def _weights_by_row(net):
    """The case weights labelled by their training rows, so the new formula's rows pick theirs."""
    return None if net.case_weights is None else pd.Series(net.case_weights, index=net.rows)


def update(net, formula=None, **changes):
    """A new network: ``net``'s formula rewritten by ``formula`` (``None``: unchanged), its settings with
    ``changes``, and its weights carried over as the module docstring says."""
    allowed = set(inspect.signature(type(net).__init__).parameters) - {"self", "formula"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ArgumentError(f"update() got unknown setting(s) {unknown}: it takes a formula and the constructor's "
                            f"settings {sorted(allowed)}")
    new_formula = net.formula if formula is None else updated_formula(net.formula, formula)
    settings = {name: get(net) for name, get in SETTINGS.items() if name in allowed}
    settings.update(changes)
    if settings.get("data") is None:
        raise DataError("update() refits the formula on the training data, and this network has none (it was "
                        "loaded without data): pass it, e.g. net.update(formula, data=df)")
    if "hidden" in changes and len(checks.hidden_units(changes["hidden"])) != len(net.hidden):
        raise ArgumentError(f"update() widens or narrows hidden layers but keeps their number ({len(net.hidden)}); "
                            f"hidden={changes['hidden']!r} has another: build a new NeuralNetwork for another depth")
    scope = {**_user_variables(), **net.design.context}  # the old formula's names mean what they meant
    new = _construct(type(net), scope, dict(formula=new_formula, **settings))
    _check_response(net, new, formula)
    if new.standardize and net.standardize:
        _carry_standardization(net, new)
    carry_weights(net, new)
    return new


# ---------------------------------------------------------------------------------------------- the formula
def updated_formula(old: str, change) -> str:
    """R's ``update.formula``: each ``.`` of ``change`` stands for that side of ``old``.

    ``("y ~ a + b", ". ~ . - b")`` -> ``"y ~ a + b - b"``; a leading ``.`` is the old side followed by the rest
    (``+``/``-`` have the lowest precedence on a side), any other ``.`` becomes ``(old side)``.
    """
    if not isinstance(change, str):
        raise ArgumentTypeError(f"update()'s formula must be a string such as '. ~ . + x3', "
                                f"got {type(change).__name__}")
    old_lhs, old_rhs = split_formula(old)
    lhs, rhs = ("", change.strip()[1:]) if change.strip().startswith("~") else split_formula(change)
    if not rhs.strip():
        raise FormulaError(f"update()'s formula {change!r} has nothing right of '~': write '. ~ .' to keep "
                           "the predictors, '. ~ . + x3' to add one")
    lhs = old_lhs if lhs.strip() in ("", ".") else lhs.strip()
    return f"{lhs} ~ {_substitute(rhs.strip(), old_rhs)}"


def _substitute(side: str, old: str) -> str:
    lead = _DOT.match(side) is not None
    parts = (side[1:] if lead else side).split("`")  # even parts are outside back-quotes
    parts[::2] = [_DOT.sub(lambda _: f"({old})", p) for p in parts[::2]]
    return (old if lead else "") + "`".join(parts)


def _check_response(old, new, change) -> None:
    if (new.design.response, new.design.targets) != (old.design.response, old.design.targets):
        raise FormulaError(f"update() keeps the response of {old.formula!r}; formula {change!r} models "
                           f"{split_formula(new.formula)[0]!r} instead: write '. ~ ...' for the same response, or "
                           "build a new NeuralNetwork for another one")


def _user_variables() -> dict:
    """The variables of the code that called ``update`` (the first frame outside chainnet), for the names the
    new formula adds, as the constructor takes its caller's."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "chainnet":
        frame = frame.f_back
    return {} if frame is None else {**frame.f_globals, **frame.f_locals}


def _construct(cls, context, kwargs):
    """``cls(**kwargs)`` called from a frame whose variables are ``context``: the constructor evaluates its
    formula in its caller's variables (as R in the formula's environment), so the new network sees what the
    old one saw and the caller's variables, not this module's names."""
    return eval("__cls__(**__kwargs__)", dict(context), {"__cls__": cls, "__kwargs__": kwargs})


# ---------------------------------------------------------------------------------------------- the weights
def carry_weights(old, new) -> None:
    """Copy into ``new``'s weights (in place) every weight whose two ends ``old`` has; zero the weights from a
    new design column or a new hidden unit into an old unit; leave the initial weights into new hidden units."""
    rows = [_index(old.design.columns, new.design.columns)]
    cols = []
    for l in range(len(new.weights)):
        last = l == len(new.weights) - 1
        cols.append(_index(output_names(old), output_names(new)) if last
                    else _positions(old.weights[l].shape[1], new.weights[l].shape[1]))
        if not last:  # the next layer's rows: the bias row 0, then this layer's units
            rows.append(np.concatenate([[0], np.where(cols[l] >= 0, 1 + cols[l], -1)]).astype(np.intp))
    for W_old, W_new, r, c in zip(old.weights, new.weights, rows, cols):
        _carry(W_old, W_new, r, c)


def _carry(W_old, W_new, r, c) -> None:
    """``r[i]``/``c[j]``: the old row/column of new row i/column j, -1 when new. Old units (c >= 0) take the old
    weights and 0 from new rows; new units (c < 0) keep their initial weights."""
    old_cols = np.flatnonzero(c >= 0)
    block = np.zeros((W_new.shape[0], old_cols.size))
    shared = np.flatnonzero(r >= 0)
    block[shared] = W_old[np.ix_(r[shared], c[old_cols])]
    W_new[:, old_cols] = block


def _index(old_names, new_names) -> np.ndarray:
    where = {name: i for i, name in enumerate(old_names)}
    return np.array([where.get(name, -1) for name in new_names], dtype=np.intp)


def _positions(n_old: int, n_new: int) -> np.ndarray:
    return np.array([j if j < n_old else -1 for j in range(n_new)], dtype=np.intp)


def _carry_standardization(old, new) -> None:
    """Columns both networks have keep the old centre and scale; ``X`` is re-standardised from the raw design."""
    j = _index(old.design.columns, new.design.columns)
    shared = j >= 0
    center = np.where(shared, old.center[np.maximum(j, 0)], new.center)
    scale = np.where(shared, old.scale[np.maximum(j, 0)], new.scale)
    if np.array_equal(center, new.center) and np.array_equal(scale, new.scale):
        return
    _, (raw, *_) = Design.fit(new.formula, new.data, new.task, new.design.context)
    new.center, new.scale = center, scale
    new.X = (raw - center) / scale
