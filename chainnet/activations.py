"""Hidden-layer activations: name -> (function, derivative written through the layer's output ``a``).

Writing the derivative through ``a = f(z)`` lets the backward pass reuse the forward pass's output instead of
keeping ``z``: sigmoid' = a(1 - a), tanh' = 1 - a², relu' = [a > 0], identity' = 1, softplus' = 1 - e^(-a).
Adding an activation is one entry in ``ACTIVATIONS``.

The training loop works on arrays it reuses, so each built-in entry also says how to do both in place:
``f_(z)`` overwrites ``z`` with f(z), and ``mul_df_(g, a)`` overwrites ``g`` with g·f'(a) (the chain rule's
step through the activation). An entry without them falls back to ``f`` and ``df``.
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


def sigmoid_(z: np.ndarray) -> np.ndarray:
    """σ(z) in place, the same numbers as ``sigmoid``: z ← 1 / (1 + e^(-z)). Callers that expect z < -709
    (float32: < -88) silence the harmless overflow warning with ``np.errstate(over="ignore")``."""
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    return np.reciprocal(z, out=z)


def _mul_dsigmoid_(g: np.ndarray, a: np.ndarray) -> np.ndarray:
    d = 1.0 - a
    d *= a                      # σ'(z) = a(1 - a)
    g *= d
    return g


def _mul_dtanh_(g: np.ndarray, a: np.ndarray) -> np.ndarray:
    d = a * a
    np.subtract(1.0, d, out=d)  # tanh'(z) = 1 - a²
    g *= d
    return g


def _mul_drelu_(g: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.multiply(g, a > 0, out=g)   # relu'(z) = [a > 0]


def relu(z: np.ndarray) -> np.ndarray:
    """max(0, z)."""
    return np.maximum(z, 0.0)


def softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z), computed as logaddexp(0, z) so that it never overflows."""
    return np.logaddexp(0.0, z)


class Activation(NamedTuple):
    """An activation ``f`` and its derivative ``df(a)`` written through the output ``a = f(z)``; optionally the
    in-place forms ``f_(z)`` (z ← f(z)) and ``mul_df_(g, a)`` (g ← g·f'(a)), each returning its first argument."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    f_: Callable[[np.ndarray], np.ndarray] | None = None
    mul_df_: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None

    def apply_(self, z: np.ndarray) -> np.ndarray:
        """z ← f(z), in place."""
        if self.f_ is not None:
            return self.f_(z)
        z[...] = self.f(z)
        return z

    def chain_(self, g: np.ndarray, a: np.ndarray) -> np.ndarray:
        """g ← g·f'(a), in place: dLoss/dZ of a layer from dLoss/dA and its output a."""
        if self.mul_df_ is not None:
            return self.mul_df_(g, a)
        g *= self.df(a)
        return g

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in [
        Activation("sigmoid", sigmoid, lambda a: a * (1.0 - a), sigmoid_, _mul_dsigmoid_),
        Activation("tanh", np.tanh, lambda a: 1.0 - a * a, lambda z: np.tanh(z, out=z), _mul_dtanh_),
        Activation("relu", relu, lambda a: (a > 0).astype(a.dtype), lambda z: np.maximum(z, 0.0, out=z),
                   _mul_drelu_),
        Activation("identity", lambda z: z, lambda a: np.ones_like(a), lambda z: z, lambda g, a: g),
        Activation("softplus", softplus, lambda a: -np.expm1(-a),  # σ(z) = 1 - e^(-a)
                   lambda z: np.logaddexp(0.0, z, out=z)),
    ]
}


def get_activation(name: str) -> Activation:
    """Look an activation up by name; an unknown name lists the known ones."""
    if isinstance(name, Activation):
        return name
    if name not in ACTIVATIONS:
        raise ArgumentError(f"unknown activation {name!r}; known activations are {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]
