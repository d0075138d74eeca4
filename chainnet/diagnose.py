"""Is every hidden unit doing something? ``net.diagnose()``: one row per hidden unit, input side first.

- ``saturated``: share of rows where a sigmoid or tanh unit is within 0.01 of a bound (0/1, −1/1): there its
  slope f' is below ~0.01 (σ' = h(1 − h) < 0.0099, tanh' = 1 − h² < 0.02) and almost no gradient flows back.
- ``dead``: share of rows where a ReLU unit outputs 0 (its slope is 0 there); 1.0: it never fires, and no row
  can revive it through gradient descent.
- ``mean_abs``: mean |h| over the rows; ``w_in``: the Euclidean norm of the unit's incoming weights (its bias
  left out); ``w_out``: the norm of its outgoing weights.
- ``verdict``: the first rule of ``VERDICTS`` that holds, in words.

Columns that do not apply to the activation (``dead`` for tanh, ``saturated`` for ReLU) are NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .importance import complete_frame
from .layers import layer_values
from .report import hidden_names

#: activation -> (lower bound, upper bound) of its output, for ``saturated``
BOUNDS = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
#: activations whose zero output means zero slope, for ``dead``
CAN_DIE = {"relu"}
NEAR = 0.01     # within this of a bound counts as saturated

#: (test on a row of the table, verdict): the first that holds is the unit's verdict
VERDICTS = [
    (lambda r: r["dead"] == 1.0, "dead: never fires on {rows}"),
    (lambda r: r["dead"] >= 0.95, "nearly dead: fires on {fires:.0%} of {rows}"),
    (lambda r: r["saturated"] == 1.0, "saturated: at a bound on all of {rows} (no gradient)"),
    (lambda r: r["saturated"] >= 0.5, "mostly saturated: at a bound on {saturated:.0%} of {rows}"),
    (lambda r: r["spread"] < 1e-6, "constant: the same output on every row (acts as a bias)"),
    (lambda r: r["w_out"] < 1e-3, "unused: its outgoing weights are about zero"),
    (lambda r: True, "ok"),
]


class Diagnosis(pd.DataFrame):
    """The table ``diagnose()`` returns: a DataFrame whose ``print()`` shows every column on one line per unit."""

    @property
    def _constructor(self):
        return Diagnosis

    def __str__(self) -> str:
        width = max([len("verdict"), *map(len, self["verdict"])]) if "verdict" in self and len(self) else 0
        return self.to_string(float_format=lambda v: f"{v:.3f}", formatters={"verdict": lambda v: v.ljust(width)})


def unit_table(net, H: list) -> pd.DataFrame:
    """The numeric columns for hidden outputs ``H`` (one (n, units) array per hidden layer)."""
    low, high = BOUNDS.get(net.activation, (np.nan, np.nan))
    parts = []
    for l, h in enumerate(H):
        W_in = np.asarray(net.weights[l], dtype=np.float64)
        bias = net.design.intercept if l == 0 else 0
        W_in = np.delete(W_in, bias, axis=0) if bias is not None else W_in
        W_out = np.asarray(net.weights[l + 1], dtype=np.float64)[1:]
        parts.append(pd.DataFrame({
            "saturated": ((h <= low + NEAR) | (h >= high - NEAR)).mean(axis=0) if net.activation in BOUNDS
            else np.nan,
            "dead": (h <= 0).mean(axis=0) if net.activation in CAN_DIE else np.nan,
            "mean_abs": np.abs(h).mean(axis=0),
            "w_in": np.linalg.norm(W_in, axis=0), "w_out": np.linalg.norm(W_out, axis=1),
            "spread": h.std(axis=0)}, index=hidden_names(net)[l]))
    return pd.concat(parts)


def verdict(row, rows: str) -> str:
    for test, text in VERDICTS:
        if test(row):
            return text.format(rows=rows, fires=1.0 - row["dead"], saturated=row["saturated"])
    raise AssertionError("unreachable: the last verdict always holds")


def design_matrix(net, newdata) -> np.ndarray:
    """X for the complete rows of ``newdata``, encoded and standardized as the training rows were."""
    X, _ = net.design.matrix(complete_frame(net, newdata))
    return X if net.center is None else (X - net.center) / net.scale


def diagnose(net, newdata=None) -> Diagnosis:
    """One row per hidden unit (``h1 ...``, or ``h2.3`` with several layers): saturated, dead, mean_abs, w_in,
    w_out, verdict (see the module docstring); on the training rows or ``newdata``. A query."""
    if not net.hidden:
        return Diagnosis(columns=["saturated", "dead", "mean_abs", "w_in", "w_out", "verdict"])
    _, H, _ = layer_values(net, net.X if newdata is None else design_matrix(net, newdata))
    table = unit_table(net, H)
    rows = "the training rows" if newdata is None else "these rows"
    table["verdict"] = [verdict(r, rows) for _, r in table.iterrows()]
    return Diagnosis(table.drop(columns="spread").rename_axis("unit"))
