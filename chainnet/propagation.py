"""Forward and backward passes through any number of layers (the maths of the R6 class, generalised).

Forward, for hidden layers l = 1 .. L-1 and the output layer L:

    A_1   = f(X W_1)                      (X carries the intercept column, so W_1's bias row is X's)
    A_l   = f([1, H_{l-1}] W_l)           (W_l[0] is the bias row)
    H_l   = A_l * M_l                     (inverted-dropout multipliers M_l; H_l = A_l without dropout)
    Z     = [1, H_{L-1}] W_L,   output = link(Z)

Backward, from ``delta`` = dLoss/dZ (n, k) of the output layer (``output - Y`` for every canonical link, see
``losses``):

    dW_l     = [1, H_{l-1}]^T delta           (dW_1 = X^T delta)
    delta    = (delta W_l[1:]^T) * M * f'(A)   for the layer below, f' written through its output A

Layout. The maths writes a layer's values as an (n, units) matrix; this module keeps its transpose, one row per
unit (``AT``, ``ZT``: units x n), and computes the transposed products (Z^T = W^T [1, H]^T and so on: the same
numbers). Each unit's n values are then contiguous, so the elementwise work (activation, derivative, dropout)
runs over long contiguous rows, the bias row of ones is simply row 0 of ``HbT`` = [1, H]^T, and the output's
sums over classes run down short columns. ``Cache`` gives back the maths' (n, units) matrices as views.

Training reuses its arrays from one batch to the next through a ``Workspace``; a call without one allocates
fresh arrays, so what it returns is the caller's to keep.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import Activation
from .losses import Loss


class Workspace:
    """The arrays of one forward and backward pass over ``rows`` rows, made once and reused: per hidden layer
    [1, H]^T (its row of ones written once), A^T (a view of [1, H]^T's rows 1: unless the layer has dropout,
    which keeps A apart from H), dLoss/dH^T; and the gradients, shaped like the weights."""

    def __init__(self, weights: list, rows: int, dtype, dropout=None):
        self.rows, self.dtype = rows, np.dtype(dtype)
        self.HbT, self.AT, self.dHT = [], [], []
        for l, W in enumerate(weights[:-1]):
            HbT = np.empty((W.shape[1] + 1, rows), self.dtype)
            HbT[0] = 1.0
            self.HbT.append(HbT)
            self.AT.append(HbT[1:] if dropout is None or dropout[l] == 0 else np.empty_like(HbT[1:]))
            self.dHT.append(np.empty((W.shape[1], rows), self.dtype))
        self.grads = [np.empty(W.shape, self.dtype) for W in weights]

    def __repr__(self) -> str:
        return f"Workspace(rows={self.rows}, layers={len(self.grads)}, dtype={self.dtype.name})"


def workspace_dtype(X: np.ndarray, weights: list) -> np.dtype:
    """The dtype every array of a pass takes: the network's dtype when X and the weights agree."""
    return np.result_type(X, *weights)


class Cache(NamedTuple):
    """What the backward pass reuses, in the transposed layout: the input ``X`` (n, D); per hidden layer ``AT``
    (units, n) its output before dropout, ``HbT`` (1 + units, n) = [1, H]^T after dropout, ``masksT`` its dropout
    multipliers (None where none); ``ZT`` (K, n) the output scores and ``outputT`` the output. With targets
    ``T``: the summed ``loss`` and ``deltaT`` = dLoss/dZ^T. The maths' (n, ·) matrices are the properties below."""

    X: np.ndarray
    AT: list
    HbT: list
    masksT: list
    ZT: np.ndarray
    outputT: np.ndarray
    T: np.ndarray | None = None
    loss: float | None = None
    deltaT: np.ndarray | None = None

    Z = property(lambda self: self.ZT.T, doc="Output scores (n, K).")
    output = property(lambda self: self.outputT.T, doc="Output (n, K).")
    A = property(lambda self: [a.T for a in self.AT], doc="Hidden outputs before dropout, (n, units) each.")
    H = property(lambda self: [h[1:].T for h in self.HbT], doc="Hidden outputs after dropout, (n, units) each.")
    masks = property(lambda self: [None if m is None else m.T for m in self.masksT], doc="Dropout multipliers.")
    delta = property(lambda self: None if self.deltaT is None else self.deltaT.T, doc="dLoss/dZ (n, K).")

    def __repr__(self) -> str:
        units = "-".join(str(len(a)) for a in self.AT)
        loss = "" if self.loss is None else f", loss {self.loss:.6g}"
        return f"<Cache {len(self.X)} rows, hidden {units or 'none'}, {len(self.ZT)} outputs{loss}>"


def forward(X: np.ndarray, weights: list, act: Activation, loss: Loss, dropout=None,
            rng: np.random.Generator | None = None, T: np.ndarray | None = None,
            work: Workspace | None = None) -> Cache:
    """One forward pass; ``dropout`` (one rate per hidden layer) applies only when ``rng`` is given. With targets
    ``T`` (n, K) the cache also holds the summed loss and dLoss/dZ, computed with the output in one go.

    Inverted dropout (Srivastava et al. 2014): a unit is kept with probability 1 - p and scaled by 1/(1 - p),
    so the expected input of the next layer is unchanged and prediction needs no rescaling.
    """
    n = len(X)
    rates = dropout if dropout is not None and rng is not None and any(dropout) else None
    if work is None:
        work = Workspace(weights, n, workspace_dtype(X, weights), rates)
    masksT = [None] * len(work.HbT)
    inputT = X.T                                        # (D, n): the intercept row is X's column
    with np.errstate(over="ignore"):                    # sigmoid's e^(-z) -> inf for z << 0: σ = 0, as it should
        for l, W in enumerate(weights[:-1]):
            aT = work.AT[l]
            np.dot(W.T, inputT, out=aT)                 # Z_l^T = W_l^T [1, H_{l-1}]^T
            act.apply_(aT)                              # A_l = f(Z_l)
            if rates is not None and rates[l] > 0:
                keep = rng.random((n, aT.shape[0])) >= rates[l]      # drawn (n, units), as the maths lays them out
                masksT[l] = np.multiply(keep.T, 1.0 / (1.0 - rates[l]), dtype=aT.dtype)
                np.multiply(aT, masksT[l], out=work.HbT[l][1:])      # H_l = A_l * M_l
            inputT = work.HbT[l]
        ZT = np.dot(weights[-1].T, inputT)             # Z^T = W_L^T [1, H_{L-1}]^T: fresh, the output may be it
        outputT, value, deltaT = loss.evaluate(ZT, None if T is None else T.T)
    return Cache(X, work.AT, work.HbT, masksT, ZT, outputT, T, value, deltaT)


def backward(cache: Cache, delta: np.ndarray, weights: list, act: Activation,
             work: Workspace | None = None) -> list:
    """Gradients of the loss with respect to every weight matrix, given ``delta`` = dLoss/dZ_L (n, k).

    With a workspace the gradients are its arrays (overwritten by the next call); without, fresh arrays.
    """
    if work is None:
        work = Workspace(weights, len(cache.X), workspace_dtype(cache.X, weights))
    grads = work.grads
    deltaT = delta.T.astype(work.dtype, copy=False)              # (k, n), in the workspace's dtype
    for l in range(len(weights) - 1, 0, -1):
        np.dot(cache.HbT[l - 1], deltaT.T, out=grads[l])          # dW = [1, H]^T delta
        dHT = np.dot(weights[l][1:], deltaT, out=work.dHT[l - 1])  # dLoss/dH = delta W_l[1:]^T, transposed
        if cache.masksT[l - 1] is not None:
            dHT *= cache.masksT[l - 1]
        deltaT = act.chain_(dHT, cache.AT[l - 1])                 # dLoss/dZ of the layer below = dH * f'(A)
    np.dot(cache.X.T, deltaT.T, out=grads[0])                     # dW1 = X^T delta
    return grads
