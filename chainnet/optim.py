"""Optimizers, as ``train(optimizer=...)`` takes them: gd, momentum, nesterov, rmsprop, adam, each as torch.optim
writes it with torch's defaults, and the full-batch solvers lbfgs, bfgs (``chainnet.quasinewton``) and rprop
(``chainnet.rprop``). An object sets other hyperparameters: ``train(optimizer=optim.Adam(betas=(0.9, 0.99)))``,
``optim.LBFGS(history_size=20)``; the protocol every optimizer follows is in ``chainnet._optimizer``.
"""

from __future__ import annotations

import math

import numpy as np

from . import _checks as checks
from ._optimizer import Optimizer
from .errors import ArgumentError, ArgumentTypeError
from .quasinewton import BFGS, LBFGS
from .rprop import Rprop

__all__ = ["BFGS", "GD", "LBFGS", "OPTIMIZERS", "Adam", "Momentum", "Nesterov", "Optimizer", "RMSprop", "Rprop",
           "get_optimizer"]


class GD(Optimizer):
    """Plain gradient descent, the R6 loop: w ← w - lr·g."""

    name = "gd"

    def update(self, state, w, g, lr):
        w -= lr * g                                   # w ← w - lr·g


class Momentum(Optimizer):
    """Heavy-ball momentum (torch ``SGD(momentum=0.9)``): b ← μb + g;  w ← w - lr·b."""

    name, slots = "momentum", ("b",)

    def __init__(self, momentum: float = 0.9):
        self.momentum = checks.unit_interval("momentum", momentum)

    def hyperparameters(self):
        return {"momentum": self.momentum}

    def update(self, state, w, g, lr):
        b = state["b"]
        b *= self.momentum
        b += g                                        # velocity: b = μ·b + g (b = g on the first step, as torch)
        w -= lr * b                                   # w ← w - lr·b


class Nesterov(Momentum):
    """Nesterov momentum (torch ``SGD(momentum=0.9, nesterov=True)``): b ← μb + g;  w ← w - lr·(g + μb)."""

    name = "nesterov"

    def update(self, state, w, g, lr):
        b = state["b"]
        b *= self.momentum
        b += g                                        # velocity
        step = np.multiply(b, self.momentum)
        step += g
        step *= lr
        w -= step                                     # look-ahead step: w ← w - lr·(g + μ·b)


class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton 2012; torch defaults): v ← αv + (1-α)g²;  w ← w - lr·g / (√v + ε)."""

    name, slots, non_negative = "rmsprop", ("v",), ("v",)

    def __init__(self, alpha: float = 0.99, eps: float = 1e-8):
        self.alpha, self.eps = checks.unit_interval("alpha", alpha), checks.positive("eps", eps)

    def hyperparameters(self):
        return {"alpha": self.alpha, "eps": self.eps}

    def update(self, state, w, g, lr):
        v, tmp = state["v"], np.multiply(g, 1.0 - self.alpha)    # one temporary, reused below
        tmp *= g
        v *= self.alpha
        v += tmp                                      # running mean of squared gradients: v ← α·v + (1-α)·g²
        denominator = np.sqrt(v, out=tmp)
        denominator += self.eps
        step = np.divide(g, denominator, out=tmp)
        step *= lr
        w -= step                                     # w ← w - lr·g / (√v + ε)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015; torch defaults).

    m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;  m̂ = m/(1-β1^t);  v̂ = v/(1-β2^t);  w ← w - lr·m̂/(√v̂ + ε)
    """

    name, slots, non_negative = "adam", ("m", "v"), ("v",)

    def __init__(self, betas: tuple = (0.9, 0.999), eps: float = 1e-8):
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ArgumentError(f"betas must be a pair (β1, β2) such as (0.9, 0.999), got {betas!r}")
        self.betas = (checks.unit_interval("betas[0]", betas[0]), checks.unit_interval("betas[1]", betas[1]))
        self.eps = checks.positive("eps", eps)

    def hyperparameters(self):
        return {"betas": self.betas, "eps": self.eps}

    def update(self, state, w, g, lr):
        (b1, b2), m, v, t = self.betas, state["m"], state["v"], int(state["t"])
        tmp = np.subtract(g, m)                       # one temporary, reused by every line below
        tmp *= 1.0 - b1
        m += tmp                                      # first moment: m ← m + (1-β1)(g - m) = β1·m + (1-β1)·g
        tmp = np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v *= b2
        v += tmp                                      # second moment: v ← β2·v + (1-β2)·g²
        # With the bias corrections c1 = 1-β1^t, c2 = 1-β2^t:  lr·m̂/(√v̂ + ε) = (lr·√c2/c1)·m / (√v + ε·√c2)
        root_c2 = math.sqrt(1.0 - b2 ** t)
        denominator = np.sqrt(v, out=tmp)
        denominator += self.eps * root_c2
        step = np.divide(m, denominator, out=tmp)
        step *= lr * root_c2 / (1.0 - b1 ** t)
        w -= step                                     # w ← w - lr·m̂/(√v̂ + ε)


OPTIMIZERS = {cls.name: cls for cls in (GD, Momentum, Nesterov, RMSprop, Adam, LBFGS, BFGS, Rprop)}


def get_optimizer(spec):
    """An optimizer specification from a name (torch's defaults) or an object that follows the protocol."""
    if isinstance(spec, str) and spec in OPTIMIZERS:
        return OPTIMIZERS[spec]()
    if isinstance(spec, type):   # optim.Adam, not optim.Adam(): its methods would be called unbound
        raise ArgumentTypeError(f"optimizer={spec.__name__} is a class; pass an instance, e.g. "
                                f"optimizer=chainnet.optim.{spec.__name__}()")
    if not isinstance(spec, str) and all(callable(getattr(spec, m, None)) for m in ("init_state", "step")):
        return spec
    raise ArgumentError(f"unknown optimizer {spec!r}; known optimizers are {sorted(OPTIMIZERS)} "
                        "or an object from chainnet.optim (e.g. chainnet.optim.Adam(betas=(0.9, 0.99)))")
