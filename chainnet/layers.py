"""The values of every layer for some rows, in the maths' (n, units) layout: what explain_step, diagnose and the
information criteria read. A plain forward pass (no dropout, no workspace), as the network predicts:

    z1 = X·W1,  h1 = f(z1);   zl = [1, h(l-1)]·Wl,  hl = f(zl);   z = [1, h]·W_last,  output = link(z)
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .losses import loss_for


def layer_values(net, X: np.ndarray) -> tuple[list, list, np.ndarray]:
    """Forward pass over the rows of X (n, D): (``Z``: each layer's scores (n, units), ``H``: each hidden
    layer's outputs (n, units), ``output`` (n, K)). No dropout: the network as it predicts."""
    act, link = get_activation(net.activation), loss_for(net.task, len(net.classes)).link
    Z, H, inputs = [], [], np.asarray(X)
    for l, W in enumerate(net.weights):
        z = inputs @ W
        Z.append(z)
        if l == len(net.weights) - 1:
            return Z, H, link(z)
        H.append(act.f(z))
        inputs = np.hstack([np.ones((len(z), 1), z.dtype), H[-1]])     # [1, h]: the bias input of the next layer
    raise AssertionError("unreachable: a network has an output layer")


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
