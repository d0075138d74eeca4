"""Hidden-layer activations: name -> (function ``f(z)``, derivative ``df(a)`` written through the output a = f(z)).

Writing the derivative through the output lets the backward pass reuse the forward pass's ``A`` instead of
keeping ``Z`` (as scikit-learn's ``_base.py`` does):

    sigmoid' = a(1 - a)    tanh' = 1 - a²    relu' = [a > 0]    identity' = 1    softplus' = σ(z) = 1 - e^(-a)

Each function takes an optional ``out=`` array, as numpy's ufuncs do (``out=z`` works in place), so training
evaluates the very same formula into arrays it reuses. Adding an activation is one entry in ``ACTIVATIONS``;
the entries are module-level functions, so the table pickles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .errors import ArgumentError


@np.errstate(over="ignore")   # as a decorator: no context object made per call
def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(-z)); e^(-z) overflows to inf for z < -709 (float32: -88) and σ is then exactly 0,
    without a warning."""
    out = np.negative(z, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def sigmoid_derivative(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ'(z) = a(1 - a)."""
    out = np.subtract(1.0, a, out=out)
    out *= a
    return out


def tanh(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """tanh(z)."""
    return np.tanh(z, out=out)


def tanh_derivative(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """tanh'(z) = 1 - a²."""
    out = np.multiply(a, a, out=out)
    return np.subtract(1.0, out, out=out)


def relu(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """max(0, z)."""
    return np.maximum(z, 0.0, out=out)


def relu_derivative(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """relu'(z) = [a > 0] (0 at z = 0, as torch)."""
    if out is None:
        out = np.empty_like(a)
    return np.greater(a, 0.0, out=out, casting="unsafe")


def identity(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """z."""
    if out is None or out is z:
        return z
    np.copyto(out, z)
    return out


def identity_derivative(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """identity'(z) = 1."""
    if out is None:
        return np.ones_like(a)
    out.fill(1.0)
    return out


def softplus(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """log(1 + e^z), computed as logaddexp(0, z) so that it never overflows."""
    return np.logaddexp(0.0, z, out=out)


def softplus_derivative(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """softplus'(z) = σ(z) = 1 - e^(-a), as -expm1(-a) (exact for small a)."""
    out = np.negative(a, out=out)
    np.expm1(out, out=out)
    return np.negative(out, out=out)


class Activation(NamedTuple):
    """An activation ``f(z, out=None)`` and its derivative ``df(a, out=None)`` written through ``a = f(z)``."""

    name: str
    f: Callable[..., np.ndarray]
    df: Callable[..., np.ndarray]

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in [
        Activation("sigmoid", sigmoid, sigmoid_derivative),
        Activation("tanh", tanh, tanh_derivative),
        Activation("relu", relu, relu_derivative),
        Activation("identity", identity, identity_derivative),
        Activation("softplus", softplus, softplus_derivative),
    ]
}


def get_activation(name) -> Activation:
    """Look an activation up by name; an unknown name lists the known ones."""
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ArgumentError(f"unknown activation {name!r}; known activations are {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]
