"""Gradient checking: backpropagation against central finite differences of the loss.

For every weight w, with everything else held fixed,

    dL/dw ≈ (L(w + h) - L(w - h)) / 2h        (error O(h²) from the Taylor series, O(ε·|L|/h) from rounding)

and the check reports ``max |g - ĝ| / max(max |g|, max |ĝ|)`` over all weights: the largest disagreement
relative to the largest gradient, so that weights with a (near) zero gradient, such as those into a dead ReLU
unit, do not divide by zero. Backpropagation that is right gives about 1e-8 or less in float64; a wrong
derivative gives something of order 1e-2 to 1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# h ≈ ε^(1/3) balances the truncation error h² against the rounding error ε/h of a central difference.
STEPS = {np.dtype(np.float64): 6e-6, np.dtype(np.float32): 5e-3}


def finite_differences(loss: Callable[[], float], weights: list, h: float) -> list:
    """Central differences of ``loss()`` (evaluated at the current ``weights``) for every entry of every
    weight matrix; each entry is put back exactly after its two evaluations. 2·(number of weights) calls."""
    grads = []
    for W in weights:
        G = np.zeros(W.shape, dtype=np.float64)
        for idx in np.ndindex(W.shape):
            w = W[idx]
            W[idx] = w + h
            up = loss()
            W[idx] = w - h
            down = loss()
            W[idx] = w                  # the very same number: no drift from w + h - h
            G[idx] = (up - down) / (2.0 * h)
        grads.append(G)
    return grads


def relative_error(grads: list, reference: list) -> float:
    """max |g - ĝ| over every weight, divided by the largest |g| or |ĝ| (0 when both are all zero)."""
    diff = max(float(np.max(np.abs(g - r), initial=0.0)) for g, r in zip(grads, reference))
    scale = max(float(np.max(np.abs(a), initial=0.0)) for a in (*grads, *reference))
    return diff / scale if scale > 0 else diff
