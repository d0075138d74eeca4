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


# ---------------------------------------------------------------------------------------------- classes x rows
# The forward pass keeps the output scores as ZT (K, n), one row per output unit (see ``propagation``), so the
# functions below take transposes: the sums over classes then run down short columns of one array. Each returns
# (output^T, summed loss, delta^T = dL/dZ^T); loss and delta are None when no targets TT (K, n) are given.

def multinomial_T(ZT: np.ndarray, TT: np.ndarray | None = None):
    """softmax, L = Σ_i [logsumexp(Z_i) - Σ_k T_ik Z_ik] and δ = P - T, sharing the shift and the sums."""
    m = ZT.max(axis=0)                  # each row's largest score: e^(Z - m) <= 1 cannot overflow
    PT = ZT - m
    np.exp(PT, out=PT)
    s = PT.sum(axis=0)
    PT /= s                             # P = e^(Z - m) / Σ_k e^(Z - m)
    if TT is None:
        return PT, None, None
    np.log(s, out=s)
    s += m                              # logsumexp(Z_i) = m_i + log Σ_k e^(Z_ik - m_i)
    return PT, float(s.sum() - np.vdot(TT, ZT)), PT - TT


def bernoulli_T(ZT: np.ndarray, TT: np.ndarray | None = None):
    """σ(Z), L = Σ [log(1 + e^Z) - T·Z] (log(1 + e^Z) = logaddexp(0, Z) never overflows) and δ = σ(Z) - T."""
    PT = sigmoid(ZT)
    if TT is None:
        return PT, None, None
    return PT, float(np.logaddexp(0.0, ZT).sum() - np.vdot(TT, ZT)), PT - TT


def gaussian_T(ZT: np.ndarray, TT: np.ndarray | None = None):
    """Identity output, L = Σ (Z - T)² and δ = 2(Z - T)."""
    if TT is None:
        return ZT, None, None
    RT = ZT - TT
    loss = float(np.vdot(RT, RT))
    RT *= 2.0
    return ZT, loss, RT


class Loss(NamedTuple):
    """An output ``link`` (scores -> output), its summed ``loss(Z, T)``, ``delta(output, T)`` = dL/dZ, all on
    (n, K) arrays, and ``evaluate(ZT, TT)`` -> (output^T, loss, delta^T): the three at once on transposes."""

    name: str
    link: Callable[[np.ndarray], np.ndarray]
    loss: Callable[[np.ndarray, np.ndarray], float]
    delta: Callable[[np.ndarray, np.ndarray], np.ndarray]
    evaluate: Callable

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


def bernoulli_nll(Z: np.ndarray, T: np.ndarray) -> float:
    """Σ [log(1 + e^Z) - T·Z], with log(1 + e^Z) = logaddexp(0, Z) so that it never overflows."""
    return bernoulli_T(Z.T, T.T)[1]


def multinomial_nll(Z: np.ndarray, T: np.ndarray) -> float:
    """Σ_i [logsumexp(Z_i) - Σ_k T_ik Z_ik]: the summed negative log of the true class's probability."""
    return multinomial_T(Z.T, T.T)[1]


def squared_error(Z: np.ndarray, T: np.ndarray) -> float:
    """Σ (Z - T)²."""
    return gaussian_T(Z.T, T.T)[1]


LOSSES: dict[str, Loss] = {
    "bernoulli": Loss("bernoulli", sigmoid, bernoulli_nll, lambda out, T: out - T, bernoulli_T),
    "multinomial": Loss("multinomial", softmax, multinomial_nll, lambda out, T: out - T, multinomial_T),
    "gaussian": Loss("gaussian", lambda Z: Z, squared_error, lambda out, T: 2.0 * (out - T), gaussian_T),
}


def loss_for(task: str, n_classes: int | None) -> Loss:
    """The loss a task implies: two classes -> bernoulli, more -> multinomial, regression -> gaussian."""
    if task == "regression":
        return LOSSES["gaussian"]
    return LOSSES["bernoulli"] if n_classes == 2 else LOSSES["multinomial"]
