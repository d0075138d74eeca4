"""The values of every layer for some rows, in the maths' (n, units) layout: what explain_step, diagnose and the
information criteria read: core's forward pass, plus each hidden layer's scores z for the worked example:

    z1 = X·W1,  h1 = f(z1);   zl = [1, h(l-1)]·Wl,  hl = f(zl);   z = [1, h]·W_last,  output = link(z)
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .losses import loss_for
from .propagation import forward, linear


def layer_values(net, X: np.ndarray) -> tuple[list, list, np.ndarray]:
    """Forward pass over the rows of X (n, D), by ``propagation.forward`` (no dropout: the network as it
    predicts): (``Z``: every layer's scores (n, units), ``H``: each hidden layer's outputs, ``output`` (n, K))."""
    weights, act = net.weights, get_activation(net.activation)
    cache = forward(np.asarray(X), weights, act)
    Z = [linear(cache.inputs[l], W, np.empty_like(cache.A[l])) for l, W in enumerate(weights[:-1])]
    return [*Z, cache.Z], list(cache.A), loss_for(net.task, len(net.classes)).link(cache.Z)


def targets_of(net, rows) -> np.ndarray:
    """The training targets T (len(rows), K) of some rows: one-hot classes (binary: [y is the second class]),
    or the response values."""
    Y = net.Y
    if net.task == "regression":
        return np.asarray(Y, dtype=np.float64).reshape(len(Y), -1)[rows]
    codes = np.asarray(Y.codes)[rows]
    K = len(net.classes)
    return (codes == 1)[:, None].astype(float) if K == 2 else np.eye(K)[codes]


def training_loss(net) -> float:
    """The summed loss of the training rows at the current weights, without the decay penalty."""
    Z, _, _ = layer_values(net, np.asarray(net.X, dtype=np.float64))
    return float(loss_for(net.task, len(net.classes)).loss(Z[-1], targets_of(net, slice(None))))
