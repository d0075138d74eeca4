"""Initial weights: name -> function ``(rng, shape, bias_row) -> array``.

``bias_row`` is the row of the weight matrix that multiplies the constant 1 (the intercept column of ``X`` for
``W1``, row 0 for later layers), or ``None`` when the layer has no bias.

- ``r6``:     every weight 0.01·N(0, 1), biases included: the R6 class, exactly.
- ``glorot``: U(-l, l) with l = √(6 / (fan_in + fan_out)) (Glorot & Bengio 2010), biases 0.
- ``he``:     N(0, 2 / fan_in) (He et al. 2015), for ReLU layers, biases 0.
"""

from __future__ import annotations

import numpy as np

from .errors import ArgumentError, ArgumentTypeError


def _fans(shape, bias_row):
    fan_in = shape[0] - (bias_row is not None)
    return max(fan_in, 1), shape[1]


def r6(rng: np.random.Generator, shape, bias_row=None) -> np.ndarray:
    """0.01·N(0, 1) for every entry, as ``.01 * matrix(rnorm(D * H), D, H)`` in the R6 class."""
    return 0.01 * rng.standard_normal(shape)


def glorot(rng: np.random.Generator, shape, bias_row=None) -> np.ndarray:
    """Glorot-uniform weights, zero bias."""
    fan_in, fan_out = _fans(shape, bias_row)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    W = rng.uniform(-limit, limit, size=shape)
    if bias_row is not None:
        W[bias_row] = 0.0
    return W


def he(rng: np.random.Generator, shape, bias_row=None) -> np.ndarray:
    """He-normal weights, sd = √(2 / fan_in), zero bias."""
    fan_in, _ = _fans(shape, bias_row)
    W = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
    if bias_row is not None:
        W[bias_row] = 0.0
    return W


INITIALIZERS = {"r6": r6, "glorot": glorot, "he": he}


def resolve_init(init: str, activation: str) -> str:
    """``"auto"`` -> ``"r6"`` with sigmoid (the seed's runs behave as in the seed), ``"glorot"`` otherwise."""
    if not isinstance(init, str):
        raise ArgumentTypeError(f"init must be a name, one of {sorted(INITIALIZERS) + ['auto']}, got "
                                f"{type(init).__name__} {init!r:.60}")
    if init == "auto":
        return "r6" if activation == "sigmoid" else "glorot"
    if init not in INITIALIZERS:
        raise ArgumentError(f"unknown init {init!r}; known inits are {sorted(INITIALIZERS) + ['auto']}")
    return init
