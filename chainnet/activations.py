"""Hidden-layer activations: name -> (function, derivative written through the layer's output ``a``).

Writing the derivative through ``a = f(z)`` lets the backward pass reuse the forward pass's output instead of
keeping ``z``: sigmoid' = a(1 - a), tanh' = 1 - a², relu' = [a > 0], identity' = 1, softplus' = 1 - e^(-a).
Adding an activation is one entry in ``ACTIVATIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .errors import ArgumentError


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(-z)); e^(-z) overflows to inf for z < -709 and σ is then exactly 0, as it should be."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def relu(z: np.ndarray) -> np.ndarray:
    """max(0, z)."""
    return np.maximum(z, 0.0)


def softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z), computed as logaddexp(0, z) so that it never overflows."""
    return np.logaddexp(0.0, z)


class Activation(NamedTuple):
    """An activation ``f`` and its derivative ``df(a)`` written through the output ``a = f(z)``."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in [
        Activation("sigmoid", sigmoid, lambda a: a * (1.0 - a)),
        Activation("tanh", np.tanh, lambda a: 1.0 - a * a),
        Activation("relu", relu, lambda a: (a > 0).astype(a.dtype)),
        Activation("identity", lambda z: z, lambda a: np.ones_like(a)),
        Activation("softplus", softplus, lambda a: -np.expm1(-a)),  # σ(z) = 1 - e^(-a)
    ]
}


def get_activation(name: str) -> Activation:
    """Look an activation up by name; an unknown name lists the known ones."""
    if isinstance(name, Activation):
        return name
    if name not in ACTIVATIONS:
        raise ArgumentError(f"unknown activation {name!r}; known activations are {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]
