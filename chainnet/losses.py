"""Output links and their losses, computed from the output layer's linear scores ``Z`` (n, K).

Each loss is the negative log-likelihood of its canonical link, summed over rows as in R's nnet and the R6
class (so a learning rate means what it meant there):

- ``bernoulli``   (binary, K = 1): output σ(Z) = P(second class);  L = Σ [log(1 + e^Z) - T·Z]
- ``multinomial`` (K >= 3 classes): output softmax(Z);            L = Σ_i [logΣ_k e^(Z_ik) - Σ_k T_ik Z_ik]
- ``gaussian``    (regression):     output Z (identity);          L = Σ (Z - T)²

Why the output delta dL/dZ is ``output - T`` (times 2 for the squared error): for a canonical link the
derivative of the link cancels the derivative of the log-likelihood, e.g. for the sigmoid
dL/dŷ · dŷ/dZ = (ŷ - t)/(ŷ(1 - ŷ)) · ŷ(1 - ŷ) = ŷ - t; the softmax Jacobian cancels the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .activations import sigmoid


def softmax(Z: np.ndarray) -> np.ndarray:
    """exp(Z - max) / Σ exp(Z - max), row-wise: subtracting the row maximum keeps exp() from overflowing."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def logsumexp(Z: np.ndarray) -> np.ndarray:
    """log Σ_k exp(Z_ik) per row (n,), shifted by the row maximum for stability."""
    m = Z.max(axis=1)
    return m + np.log(np.exp(Z - m[:, None]).sum(axis=1))


def bernoulli_nll(Z: np.ndarray, T: np.ndarray) -> float:
    """Σ [log(1 + e^Z) - T·Z], with log(1 + e^Z) = max(Z, 0) + log1p(e^(-|Z|)) so that it never overflows."""
    return float(np.sum(np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z))) - T * Z))


def multinomial_nll(Z: np.ndarray, T: np.ndarray) -> float:
    """Σ_i [logsumexp(Z_i) - Σ_k T_ik Z_ik]: the summed negative log of the true class's probability."""
    return float(np.sum(logsumexp(Z)) - np.sum(T * Z))


def squared_error(Z: np.ndarray, T: np.ndarray) -> float:
    """Σ (Z - T)²."""
    R = Z - T
    return float(np.vdot(R, R))


class Loss(NamedTuple):
    """An output ``link`` (scores -> output), its summed ``loss(Z, T)``, and ``delta(output, T)`` = dL/dZ."""

    name: str
    link: Callable[[np.ndarray], np.ndarray]
    loss: Callable[[np.ndarray, np.ndarray], float]
    delta: Callable[[np.ndarray, np.ndarray], np.ndarray]

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


LOSSES: dict[str, Loss] = {
    "bernoulli": Loss("bernoulli", sigmoid, bernoulli_nll, lambda out, T: out - T),
    "multinomial": Loss("multinomial", softmax, multinomial_nll, lambda out, T: out - T),
    "gaussian": Loss("gaussian", lambda Z: Z, squared_error, lambda out, T: 2.0 * (out - T)),
}


def loss_for(task: str, n_classes: int | None) -> Loss:
    """The loss a task implies: two classes -> bernoulli, more -> multinomial, regression -> gaussian."""
    if task == "regression":
        return LOSSES["gaussian"]
    return LOSSES["bernoulli"] if n_classes == 2 else LOSSES["multinomial"]
