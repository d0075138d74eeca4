"""The forward and the backward pass, for any number of hidden layers (the maths of the R6 class, generalised).

Layout (as in R6): ``X`` (n, D) already holds the intercept column, so layer 1 is ``Z1 = X W1``; every later
layer has its bias in row 0, ``Z = [1, H] W = H W[1:] + W[0]``. With L weight matrices:

    H0 = X,   Hl = f(Z_l) * M_l / (1 - p_l)  (l < L; M_l a dropout mask, all ones when not training)
    Z_L = [1, H_{L-1}] W_L,   output = link(Z_L)

Backward, with ``delta`` = dLoss/dZ (n, k) starting at the output (see ``losses``):

    dW_l     = [1, H_{l-1}]^T delta           (dW_1 = X^T delta)
    delta    = (delta W_l[1:]^T) * M * f'(A)   for the layer below, f' written through its output A
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import Activation
from .losses import Loss


class Cache(NamedTuple):
    """What the backward pass reuses: the input, each hidden layer's output before (``A``) and after (``H``)
    dropout, the dropout multipliers (``None`` where none), the output scores ``Z`` and the ``output``."""

    X: np.ndarray
    A: list
    H: list
    masks: list
    Z: np.ndarray
    output: np.ndarray


def affine(H: np.ndarray, W: np.ndarray, first: bool) -> np.ndarray:
    """``H W`` for the first layer (the bias is X's intercept column), ``H W[1:] + W[0]`` (= [1, H] W) after."""
    return H @ W if first else H @ W[1:] + W[0]


def forward(X: np.ndarray, weights: list, act: Activation, loss: Loss,
            dropout=None, rng: np.random.Generator | None = None) -> Cache:
    """One forward pass; ``dropout`` (one rate per hidden layer) applies only when ``rng`` is given.

    Inverted dropout (Srivastava et al. 2014): a unit is kept with probability 1 - p and scaled by 1/(1 - p),
    so the expected input of the next layer is unchanged and prediction needs no rescaling.
    """
    A, H, masks = [], [], []
    h = X
    for l, W in enumerate(weights[:-1]):
        a = act.f(affine(h, W, l == 0))
        p = dropout[l] if dropout is not None and rng is not None else 0.0
        mask = (rng.random(a.shape) >= p) / (1.0 - p) if p > 0 else None
        h = a if mask is None else a * mask
        A.append(a), H.append(h), masks.append(mask)
    Z = affine(h, weights[-1], len(weights) == 1)
    return Cache(X, A, H, masks, Z, loss.link(Z))


def backward(cache: Cache, delta: np.ndarray, weights: list, act: Activation) -> list:
    """Gradients of the loss with respect to every weight matrix, given ``delta`` = dLoss/dZ_L (n, k)."""
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        if l == 0:
            grads[0] = cache.X.T @ delta                               # dW1 = X^T delta
            break
        h = cache.H[l - 1]
        grads[l] = np.vstack([delta.sum(axis=0), h.T @ delta])      # dW = [1, H]^T delta
        dH = delta @ weights[l][1:].T                                 # dLoss/dH, (n, units)
        if cache.masks[l - 1] is not None:
            dH = dH * cache.masks[l - 1]
        delta = dH * act.df(cache.A[l - 1])                           # dLoss/dZ of the layer below
    return grads
