"""Forward and backward passes through any number of layers, in the maths' (n, units) layout.

Forward, for hidden layers l = 1 .. L-1 and the output layer L (``X`` carries the intercept column, so W_1's
bias row is X's; later layers keep their bias in row 0):

    Z_1 = X W_1,    Z_l = H_{l-1} W_l[1:] + W_l[0] = [1, H_{l-1}] W_l
    A_l = f(Z_l),   H_l = A_l * M_l          (inverted-dropout multipliers M_l; H_l = A_l without dropout)
    Z   = H_{L-1} W_L[1:] + W_L[0]           (the output layer's scores; ``losses`` turns them into the output)

Backward, from ``delta`` = dLoss/dZ (n, K) (``output - Y`` for every canonical link, see ``losses``):

    dW_l = [1, H_{l-1}]^T delta  (row 0: Σ_rows delta),  dW_1 = X^T delta
    delta  <- (delta W_l[1:]^T) * M_{l-1} * f'(A_{l-1})        (f' written through the layer's output A)

Every array of a pass lives in a ``Buffers`` (sized once for a number of rows) and the gradients are written
into arrays the caller gives (the views of the network's flat gradient): training reuses both from one batch
and one call to the next, so an iteration allocates nothing the size of the hidden layers. Without them, a
pass makes fresh arrays, which are then the caller's to keep.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import Activation


class Buffers:
    """The arrays of one forward and backward pass over ``rows`` rows: per hidden layer ``Hb`` (rows, 1 + units)
    = [1, H] (its column of ones written once; ``H`` = ``Hb[:, 1:]`` is the layer's output after dropout),
    ``A`` (its output before dropout: ``H`` itself when the layer has none), ``M`` (dropout multipliers),
    ``dA`` (f'(A)) and ``dH`` (dLoss/dH); the output layer's ``Z``, ``output`` and ``delta`` (rows, K).

    The (rows, units) arrays are stored unit by unit (Fortran order: each unit's values contiguous), which
    makes the reductions over a row's few outputs (softmax's max and sum, argmax) 2-6x faster; BLAS writes
    them as the transposed product (see ``linear``)."""

    def __init__(self, units: list, rows: int, dtype, dropout=None):
        self.rows, self.dtype = rows, np.dtype(dtype)
        hidden, K = units[:-1], units[-1]
        rates = dropout if dropout is not None else (0.0,) * len(hidden)
        new = lambda k: np.empty((k, rows), self.dtype).T    # (rows, k), stored unit by unit
        self.Hb = [new(k + 1) for k in hidden]
        for Hb in self.Hb:
            Hb[:, 0] = 1.0
        self.H = [Hb[:, 1:] for Hb in self.Hb]
        self.M = [np.empty((rows, k), self.dtype) if p > 0 else None for k, p in zip(hidden, rates)]
        self.A = [H if M is None else new(k) for H, M, k in zip(self.H, self.M, hidden)]
        self.dA, self.dH = [new(k) for k in hidden], [new(k) for k in hidden]
        self.Z, self.output, self.delta = new(K), new(K), new(K)

    def __repr__(self) -> str:
        return f"Buffers(rows={self.rows}, layers={len(self.A) + 1}, dtype={self.dtype.name})"


def units(weights: list) -> list:
    """Units of every layer after the input: the weight matrices' column counts."""
    return [W.shape[1] for W in weights]


class Cache(NamedTuple):
    """What the backward pass reuses: ``inputs`` of every layer with their bias column ([X, [1, H_1], ...]:
    X carries the intercept); per hidden layer ``A`` (n, units) its output before dropout, ``H`` after it and
    ``masks`` its dropout multipliers (None where none); ``Z`` (n, K) the output layer's scores."""

    inputs: list
    A: list
    H: list
    masks: list
    Z: np.ndarray

    X = property(lambda self: self.inputs[0], doc="The design matrix (n, D).")

    def __repr__(self) -> str:
        hidden = "-".join(str(A.shape[1]) for A in self.A)
        return f"<Cache {len(self.X)} rows, hidden {hidden or 'none'}, {self.Z.shape[1]} outputs>"


def linear(inputs: np.ndarray, W: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Z = [1, H] W = H W[1:] + W[0] (the first layer: X W, X's intercept column being the ones), into
    ``out``, an (n, units) array stored unit by unit; BLAS writes it as Z^T = W^T [1, H]^T, the same numbers."""
    np.dot(W.T, inputs.T, out=out.T)
    return out


def forward(X: np.ndarray, weights: list, act: Activation, dropout=None, rng: np.random.Generator | None = None,
            buf: Buffers | None = None) -> Cache:
    """One forward pass up to the output layer's scores Z; dropout (one rate per hidden layer) applies only
    when ``rng`` is given.

    Inverted dropout (Srivastava et al. 2014): a unit is kept with probability 1 - p and scaled by 1/(1 - p),
    so the expected input of the next layer is unchanged and prediction needs no rescaling.
    """
    rates = dropout if rng is not None and dropout is not None and any(dropout) else None
    buf = buf or Buffers(units(weights), len(X), np.result_type(X, *weights), rates)
    L = len(weights) - 1                                              # hidden layers
    inputs, masks = [X, *buf.Hb], [None] * L                          # [X, [1, H_1], ...]
    for l in range(L):
        A = act.f(linear(inputs[l], weights[l], buf.A[l]), out=buf.A[l])  # A_l = f([1, H_{l-1}] W_l)
        if rates is not None and rates[l] > 0:
            masks[l] = _mask(rng, rates[l], buf.M[l])
            np.multiply(A, masks[l], out=buf.H[l])                   # H_l = A_l * M_l
        elif A is not buf.H[l]:                                      # a dropout network's pass without dropout
            np.copyto(buf.H[l], A)                                   # H_l = A_l (its own buffer: write it)
    return Cache(inputs, buf.A, buf.H, masks, linear(inputs[L], weights[L], buf.Z))


def _mask(rng: np.random.Generator, p: float, M: np.ndarray) -> np.ndarray:
    """M = [U >= p] / (1 - p), U uniform on [0, 1), drawn (n, units) into ``M``."""
    rng.random(out=M, dtype=M.dtype)
    np.greater_equal(M, p, out=M, casting="unsafe")
    M *= 1.0 / (1.0 - p)
    return M


def backward(cache: Cache, delta: np.ndarray, weights: list, act: Activation, grads: list | None = None,
             buf: Buffers | None = None) -> list:
    """dLoss/dW for every weight matrix, given ``delta`` = dLoss/dZ (n, K) of the output layer, written into
    ``grads`` (arrays shaped like the weights) or fresh arrays."""
    if grads is None:
        grads = [np.empty(W.shape, np.result_type(cache.X, *weights)) for W in weights]
    buf = buf or Buffers(units(weights), len(cache.X), grads[0].dtype)
    inputs, A, masks = cache.inputs, cache.A, cache.masks
    for l in range(len(weights) - 1, 0, -1):
        np.dot(inputs[l].T, delta, out=grads[l])                      # dW_l = [1, H_{l-1}]^T delta
        dH = np.dot(weights[l][1:], delta.T, out=buf.dH[l - 1].T).T   # dLoss/dH = delta W_l[1:]^T
        if masks[l - 1] is not None:
            dH *= masks[l - 1]                                        # through the dropout: dLoss/dA = dH * M
        dH *= act.df(A[l - 1], out=buf.dA[l - 1])                     # dLoss/dZ = dLoss/dA * f'(A)
        delta = dH
    np.dot(inputs[0].T, delta, out=grads[0])                          # dW_1 = X^T delta
    return grads
