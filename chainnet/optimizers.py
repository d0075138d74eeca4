"""Update rules: gd, momentum, nesterov, rmsprop, adam, each as torch.optim writes it, with torch's defaults.

An optimizer object holds its hyperparameters and its state, named arrays aligned with the weights (one per
weight matrix), and updates the weights in place with ``step(weights, grads, lr)``. The network keeps the
object, so the state carries over chained ``train()`` calls.

Each ``update`` works in place through ``out=`` and one scratch array per weight matrix (``tmp``, not state):
no array is allocated per step, which matters for large layers; the comment on each line gives the equation.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ArgumentError


class Optimizer:
    """Base class: ``state`` maps a name (``"m"``, ``"v"`` ...) to a list of arrays shaped like the weights."""

    name = "optimizer"
    slots: tuple[str, ...] = ()

    def __init__(self):
        self.state: dict[str, list] = {}
        self.t = 0  # steps taken
        self._tmp: list = []  # scratch arrays shaped like the weights

    def init(self, weights: list) -> None:
        """Zero state for these weights (kept when it already matches their shapes)."""
        shapes = [W.shape for W in weights]
        if not all(len(self.state.get(s, [])) == len(weights) and
                   [a.shape for a in self.state[s]] == shapes for s in self.slots):
            self.state = {s: [np.zeros_like(W) for W in weights] for s in self.slots}
            self.t = 0
        self._tmp = [np.empty(W.shape, W.dtype) for W in weights]

    def step(self, weights: list, grads: list, lr: float) -> None:
        self.t += 1
        lr = float(lr)  # a numpy float64 scalar would turn float32 updates into float64 ones
        if len(self._tmp) != len(weights):
            self._tmp = [np.empty(W.shape, W.dtype) for W in weights]
        for W, g, tmp, *state in zip(weights, grads, self._tmp, *(self.state[s] for s in self.slots)):
            self.update(W, g, lr, *state, tmp)

    def update(self, W, g, lr, *state_and_tmp) -> None:
        """One matrix: ``update(W, g, lr, *state, tmp)`` changes ``W`` and its ``state`` arrays (one per slot) in
        place; ``tmp`` is scratch space shaped like ``W``."""
        raise NotImplementedError

    def hyperparameters(self) -> dict:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


class GD(Optimizer):
    """Plain gradient descent, the R6 loop: W ← W - lr·g."""

    name = "gd"

    def update(self, W, g, lr, tmp):
        np.multiply(g, lr, out=tmp)
        W -= tmp                    # W ← W - lr·g


class Momentum(Optimizer):
    """Heavy-ball momentum (torch ``SGD(momentum=0.9)``): b ← μb + g;  W ← W - lr·b."""

    name, slots = "momentum", ("b",)

    def __init__(self, momentum: float = 0.9):
        super().__init__()
        self.momentum = _check_unit("momentum", momentum)

    def hyperparameters(self):
        return {"momentum": self.momentum}

    def update(self, W, g, lr, b, tmp):
        b *= self.momentum
        b += g                      # velocity: b = μ·b + g (b = g on the first step, as torch)
        np.multiply(b, lr, out=tmp)
        W -= tmp                    # W ← W - lr·b


class Nesterov(Momentum):
    """Nesterov momentum (torch ``SGD(momentum=0.9, nesterov=True)``): b ← μb + g;  W ← W - lr·(g + μb)."""

    name = "nesterov"

    def update(self, W, g, lr, b, tmp):
        b *= self.momentum
        b += g                      # velocity
        np.multiply(b, self.momentum, out=tmp)
        tmp += g
        tmp *= lr
        W -= tmp                    # look-ahead step: W ← W - lr·(g + μ·b)


class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton 2012; torch defaults): v ← αv + (1-α)g²;  W ← W - lr·g / (√v + ε)."""

    name, slots = "rmsprop", ("v",)

    def __init__(self, alpha: float = 0.99, eps: float = 1e-8):
        super().__init__()
        self.alpha, self.eps = _check_unit("alpha", alpha), _check_positive("eps", eps)

    def hyperparameters(self):
        return {"alpha": self.alpha, "eps": self.eps}

    def update(self, W, g, lr, v, tmp):
        v *= self.alpha
        np.multiply(g, 1.0 - self.alpha, out=tmp)
        tmp *= g
        v += tmp                                 # running mean of squared gradients: v ← α·v + (1-α)·g²
        np.sqrt(v, out=tmp)
        tmp += self.eps
        np.divide(g, tmp, out=tmp)
        tmp *= lr
        W -= tmp                                 # W ← W - lr·g / (√v + ε)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015; torch defaults).

    m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;  m̂ = m/(1-β1^t);  v̂ = v/(1-β2^t);  W ← W - lr·m̂/(√v̂ + ε)
    """

    name, slots = "adam", ("m", "v")

    def __init__(self, betas: tuple = (0.9, 0.999), eps: float = 1e-8):
        super().__init__()
        self.betas = (_check_unit("betas[0]", betas[0]), _check_unit("betas[1]", betas[1]))
        self.eps = _check_positive("eps", eps)

    def hyperparameters(self):
        return {"betas": self.betas, "eps": self.eps}

    def update(self, W, g, lr, m, v, tmp):
        b1, b2 = self.betas
        np.subtract(g, m, out=tmp)
        tmp *= 1.0 - b1
        m += tmp                                     # first moment: m ← m + (1-β1)(g - m) = β1·m + (1-β1)·g
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v *= b2
        v += tmp                                     # second moment: v ← β2·v + (1-β2)·g²
        # With the bias corrections c1 = 1-β1^t, c2 = 1-β2^t:  lr·m̂/(√v̂ + ε) = (lr·√c2/c1)·m / (√v + ε·√c2)
        root_c2 = math.sqrt(1.0 - b2 ** self.t)
        np.sqrt(v, out=tmp)
        tmp += self.eps * root_c2
        np.divide(m, tmp, out=tmp)
        tmp *= lr * root_c2 / (1.0 - b1 ** self.t)
        W -= tmp                                     # W ← W - lr·m̂/(√v̂ + ε)


OPTIMIZERS = {cls.name: cls for cls in (GD, Momentum, Nesterov, RMSprop, Adam)}


def get_optimizer(spec) -> Optimizer:
    """An optimizer object from a name (fresh state) or the object itself."""
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, str) and spec in OPTIMIZERS:
        return OPTIMIZERS[spec]()
    raise ArgumentError(f"unknown optimizer {spec!r}; known optimizers are {sorted(OPTIMIZERS)} "
                        "or an object from chainnet.optim (e.g. chainnet.optim.Adam(betas=(0.9, 0.99)))")


def _check_unit(name, value):
    if not (isinstance(value, (int, float)) and 0.0 <= value < 1.0):
        raise ArgumentError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _check_positive(name, value):
    if not (isinstance(value, (int, float)) and value > 0 and np.isfinite(value)):
        raise ArgumentError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)
