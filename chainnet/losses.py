"""Output links and their losses, from the output layer's linear scores ``Z`` (n, K) and targets ``T`` (n, K).

Each loss is the negative log-likelihood of its canonical link, summed over rows as in R's nnet and the R6
class (so a learning rate means what it meant there), with optional case weights w (n,) (None: all 1):

- ``bernoulli``   (binary, K = 1): output σ(Z) = P(second class);  L = Σ_i w_i [log(1 + e^z_i) - t_i·z_i]
- ``multinomial`` (K >= 3 classes): output softmax(Z);            L = Σ_i w_i [logΣ_k e^(Z_ik) - z_i,y_i]
- ``gaussian``    (regression):     output Z (identity);          L = Σ_i w_i Σ_k (Z_ik - T_ik)²

Why the output delta dL/dZ is ``output - T`` (times 2 for the squared error), times w_i: for a canonical link
the derivative of the link cancels the derivative of the log-likelihood, e.g. for the sigmoid
dL/dŷ · dŷ/dz = (ŷ - t)/(ŷ(1 - ŷ)) · ŷ(1 - ŷ) = ŷ - t; the softmax's Jacobian cancels the same way.

Exactness. Every loss is summed from per-element terms that are never negative, each in a stable form
(torch's): softplus((1 - 2t) z) = max(v, 0) + log1p(e^(-|v|)) at v = (1 - 2t) z for the bernoulli, log Σ_k e^(Z_ik - m_i) - (z_iy - m_i) with the
row maximum m_i for the multinomial; so no large sums cancel. The terms are formed and summed in float64 even
when ``Z`` is float32 (the (n, K) output layer is small next to the hidden layers).

Each function ``name(Z, T=None, sample_weight=None, output=None, delta=None)`` returns ``(output, loss,
delta)``; without ``T`` only the output (loss and delta None). ``output`` and ``delta`` are optional arrays
(n, K) to write into, as numpy's ``out=``: training passes the ones it reuses, the public verbs pass none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .activations import identity, sigmoid, softplus

FLOAT64 = np.dtype(np.float64)   # the dtype the terms are formed and summed in


def _float64(A: np.ndarray) -> np.ndarray:
    return A.astype(FLOAT64, copy=False)


def _total(terms: np.ndarray, w) -> float:
    """Σ_i w_i Σ_k terms_ik (float64, pairwise sums)."""
    if w is None:
        return float(np.add.reduce(terms, axis=None))
    return float(np.dot(w, terms.reshape(len(terms), -1).sum(axis=1)))


def _weigh(delta: np.ndarray, w) -> np.ndarray:
    """δ_i ← w_i δ_i, in place (no weights: δ as it is)."""
    if w is not None:
        delta *= np.asarray(w, dtype=delta.dtype)[:, None]
    return delta


def bernoulli(Z, T=None, sample_weight=None, output=None, delta=None):
    """σ(Z); L = Σ w [log(1 + e^z) - t·z] = Σ w softplus((1 - 2t)·z) for t in {0, 1} (t = 1: log(1 + e^z) - z =
    log(1 + e^-z)), never negative; softplus(v) = logaddexp(0, v) = max(v, 0) + log1p(e^(-|v|)) is torch's stable
    form. δ = w (σ(Z) - T)."""
    output = sigmoid(Z, out=output)
    if T is None:
        return output, None, None
    v = np.multiply(T, -2.0, dtype=FLOAT64)
    v += 1.0
    v *= Z                                         # (1 - 2t) z, in float64 (the 0/1 targets are exact)
    terms = softplus(v, out=v)
    return output, _total(terms, sample_weight), _weigh(np.subtract(output, T, out=delta), sample_weight)


def multinomial(Z, T=None, sample_weight=None, output=None, delta=None):
    """softmax(Z); L = Σ_i w_i [log s_i - S_iy] with S = Z - rowmax(Z) <= 0 and s_i = Σ_k e^S_ik >= 1 (both
    terms >= 0); δ = w (softmax(Z) - T). ``T`` is one-hot.

    Worked on the transposes (K, n), a row per class: in training's unit-by-unit buffers each class is
    contiguous, so a reduction over a row's K classes is K - 1 vector operations. S, e^S and the softmax
    share one float64 array: ``output`` itself when it is float64."""
    z, w = Z.T, sample_weight                                    # (K, n)
    output = np.empty_like(Z) if output is None else output
    E = output.T if output.dtype == FLOAT64 else np.empty(z.shape)
    S = np.subtract(z, np.maximum.reduce(z, axis=0), out=E, dtype=FLOAT64)  # S <= 0: e^S <= 1 cannot overflow
    if T is not None:                                            # Σ_i w_i S_iy <= 0, before S becomes e^S
        true = _inner(T.T, S) if w is None else np.dot(w, np.einsum("ki,ki->i", T.T, S))
    s = np.add.reduce(np.exp(S, out=E), axis=0)                  # s_i >= 1 (the maximum contributes e^0 = 1)
    np.divide(E, s, out=output.T)
    if T is None:
        return output, None, None
    log_s = np.log(s, out=s)
    fit = np.add.reduce(log_s) if w is None else np.dot(w, log_s)
    return output, float(fit - true), _weigh(np.subtract(output, T, out=delta), w)   # both >= 0: nothing cancels


def _inner(A: np.ndarray, B: np.ndarray) -> float:
    """Σ A∘B, read in the arrays' memory order (two unit-by-unit arrays are not copied)."""
    return np.vdot(A.T, B.T) if A.flags.f_contiguous and B.flags.f_contiguous else np.vdot(A, B)


def gaussian(Z, T=None, sample_weight=None, output=None, delta=None):
    """Identity output; L = Σ_i w_i Σ_k (Z_ik - T_ik)²; δ = 2 w (Z - T). Unweighted, Σ r² is one inner product
    (in float64: float32 residuals are cast chunk by chunk, not copied whole)."""
    output = identity(Z, out=output)
    if T is None:
        return output, None, None
    R = np.subtract(Z, T, out=delta)
    if sample_weight is None:
        loss = float(_inner(R, R) if R.dtype == np.float64 else np.einsum("ik,ik->", R, R, dtype=np.float64))
    else:
        r = _float64(R)
        loss = _total(r * r, sample_weight)
    R *= 2.0
    return output, loss, _weigh(R, sample_weight)


class Loss(NamedTuple):
    """An output link with its summed loss and delta: ``evaluate(Z, T, sample_weight, output, delta)`` ->
    (output, loss, delta) as the module's functions; ``link``, ``loss`` and ``delta`` are its three parts."""

    name: str
    evaluate: Callable

    def link(self, Z: np.ndarray) -> np.ndarray:
        """The output (n, K) from the scores Z."""
        return self.evaluate(Z)[0]

    def loss(self, Z: np.ndarray, T: np.ndarray, sample_weight=None) -> float:
        """The summed loss at scores Z against targets T."""
        return self.evaluate(Z, T, sample_weight)[1]

    def delta(self, Z: np.ndarray, T: np.ndarray, sample_weight=None) -> np.ndarray:
        """dL/dZ (n, K)."""
        return self.evaluate(Z, T, sample_weight)[2]

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


LOSSES: dict[str, Loss] = {f.__name__: Loss(f.__name__, f) for f in (bernoulli, multinomial, gaussian)}


def loss_for(task: str, n_classes: int | None) -> Loss:
    """The loss a task implies: two classes -> bernoulli, more -> multinomial, regression -> gaussian."""
    if task == "regression":
        return LOSSES["gaussian"]
    return LOSSES["bernoulli"] if n_classes == 2 else LOSSES["multinomial"]
