"""Resilient backpropagation (Riedmiller & Braun 1993), full batch, as ``torch.optim.Rprop`` writes it.

Each weight has its own step size Δ, grown while its gradient keeps its sign and cut when the sign flips; only
the sign of the gradient is used, so the loss's scale (summed over rows) does not matter:

    Δ ← clip(Δ·η⁺, Δmin, Δmax)   if g·g_prev > 0
    Δ ← clip(Δ·η⁻, Δmin, Δmax)   if g·g_prev < 0, and g ← 0 (no step; the next step grows from here)
    Δ unchanged                    if g·g_prev = 0
    w ← w - sign(g)·Δ;   g_prev ← g

Δ starts at the learning rate (torch's ``lr``, default 0.01). R's neuralnet trains by a variant of it (rprop+).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._optimizer import Optimizer, count
from .errors import ArgumentError


class Rprop(Optimizer):
    """Rprop with torch's defaults: ``etas=(η⁻, η⁺) = (0.5, 1.2)``, ``step_sizes=(Δmin, Δmax) = (1e-6, 50)``."""

    name = "rprop"
    full_batch_only = True    # the sign test compares gradients of the same objective
    default_learn_rate = 0.01  # torch's lr: the first step size Δ of every weight

    def __init__(self, etas: tuple = (0.5, 1.2), step_sizes: tuple = (1e-6, 50)):
        minus, plus = _pair("etas", etas, "(0.5, 1.2)")
        if not 0.0 < minus < 1.0 < plus:
            raise ArgumentError(f"etas must satisfy 0 < etas[0] < 1 < etas[1] (shrink, grow), got {etas!r}; "
                                "torch's default is (0.5, 1.2)")
        low, high = _pair("step_sizes", step_sizes, "(1e-6, 50)")
        if not 0.0 <= low <= high:
            raise ArgumentError(f"step_sizes must satisfy 0 <= step_sizes[0] <= step_sizes[1] (smallest, largest "
                                f"step), got {step_sizes!r}; torch's default is (1e-6, 50)")
        self.etas, self.step_sizes = (minus, plus), (low, high)

    non_negative = ("step_size",)   # Δ is clipped to [Δmin, Δmax], Δmin >= 0 (0 before the first step)

    def state_shapes(self, n: int, dtype) -> dict:
        """``prev`` the last gradient used (n,), ``step_size`` Δ (n,; set to lr at the first step), ``t`` the steps taken."""
        vector = ((n,), np.dtype(dtype))
        return {"prev": vector, "step_size": vector, "t": ((), np.dtype(np.int64))}

    def step(self, state: dict, w: np.ndarray, g: np.ndarray, lr: float, loss=None, closure=None) -> None:
        """One Rprop update of w (n,) from g (n,), in place; the loss and closure are not needed."""
        prev, delta = state["prev"], state["step_size"]
        if count(state, "t") == 1:
            delta[...] = lr                               # torch: step_size = full_like(grad, lr)
        same = g * prev                                   # > 0: the sign held; < 0: it flipped
        flipped = same < 0
        eta = delta.dtype.type                            # η in Δ's dtype, as torch keeps it (float32 stays float32)
        delta *= np.where(same > 0, eta(self.etas[1]), np.where(flipped, eta(self.etas[0]), eta(1.0)))
        low, high = self.step_sizes                       # Δ ← clip(Δ·η, Δmin, Δmax), as two ufuncs (np.clip's
        np.minimum(np.maximum(delta, low, out=delta), high, out=delta)  # wrapper costs twice as much)
        np.copyto(prev, np.where(flipped, 0.0, g))        # a flipped sign: no step now, no sign test next time
        w -= np.sign(prev) * delta                        # w ← w - sign(g)·Δ

    def hyperparameters(self) -> dict:
        return {"etas": self.etas, "step_sizes": self.step_sizes}


def _pair(name: str, value, default: str) -> tuple[float, float]:
    ok = (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) for v in value))
    if not ok:
        raise ArgumentError(f"{name} must be a pair of finite numbers such as {default}, got {value!r}")
    return float(value[0]), float(value[1])
