"""Update rules: gd, momentum, nesterov, rmsprop, adam, each as torch.optim writes it, with torch's defaults.

An optimizer object holds its hyperparameters and its state, named arrays aligned with the weights (one per
weight matrix), and updates the weights in place with ``step(weights, grads, lr)``. The network keeps the
object, so the state carries over chained ``train()`` calls.
"""

from __future__ import annotations

import numpy as np

from .errors import ArgumentError


class Optimizer:
    """Base class: ``state`` maps a name (``"m"``, ``"v"`` ...) to a list of arrays shaped like the weights."""

    name = "optimizer"
    slots: tuple[str, ...] = ()

    def __init__(self):
        self.state: dict[str, list] = {}
        self.t = 0  # steps taken

    def init(self, weights: list) -> None:
        """Zero state for these weights (kept when it already matches their shapes)."""
        shapes = [W.shape for W in weights]
        if not all(len(self.state.get(s, [])) == len(weights) and
                   [a.shape for a in self.state[s]] == shapes for s in self.slots):
            self.state = {s: [np.zeros_like(W) for W in weights] for s in self.slots}
            self.t = 0

    def step(self, weights: list, grads: list, lr: float) -> None:
        self.t += 1
        for i, (W, g) in enumerate(zip(weights, grads)):
            self.update(W, g, lr, *(self.state[s][i] for s in self.slots))

    def hyperparameters(self) -> dict:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


class GD(Optimizer):
    """Plain gradient descent, the R6 loop: W ← W - lr·g."""

    name = "gd"

    def update(self, W, g, lr):
        W -= lr * g


class Momentum(Optimizer):
    """Heavy-ball momentum (torch ``SGD(momentum=0.9)``): b ← μb + g;  W ← W - lr·b."""

    name, slots = "momentum", ("b",)

    def __init__(self, momentum: float = 0.9):
        super().__init__()
        self.momentum = _check_unit("momentum", momentum)

    def hyperparameters(self):
        return {"momentum": self.momentum}

    def update(self, W, g, lr, b):
        b *= self.momentum
        b += g                      # velocity: b = μ·b + g (b = g on the first step, as torch)
        W -= lr * b


class Nesterov(Momentum):
    """Nesterov momentum (torch ``SGD(momentum=0.9, nesterov=True)``): b ← μb + g;  W ← W - lr·(g + μb)."""

    name = "nesterov"

    def update(self, W, g, lr, b):
        b *= self.momentum
        b += g                      # velocity
        W -= lr * (g + self.momentum * b)   # look-ahead step


class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton 2012; torch defaults): v ← αv + (1-α)g²;  W ← W - lr·g / (√v + ε)."""

    name, slots = "rmsprop", ("v",)

    def __init__(self, alpha: float = 0.99, eps: float = 1e-8):
        super().__init__()
        self.alpha, self.eps = _check_unit("alpha", alpha), _check_positive("eps", eps)

    def hyperparameters(self):
        return {"alpha": self.alpha, "eps": self.eps}

    def update(self, W, g, lr, v):
        v *= self.alpha
        v += (1.0 - self.alpha) * g * g          # running mean of squared gradients
        W -= lr * g / (np.sqrt(v) + self.eps)


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

    def update(self, W, g, lr, m, v):
        b1, b2 = self.betas
        m *= b1
        m += (1.0 - b1) * g                          # first moment
        v *= b2
        v += (1.0 - b2) * g * g                      # second moment
        m_hat = m / (1.0 - b1 ** self.t)             # bias corrections
        v_hat = v / (1.0 - b2 ** self.t)
        W -= lr * m_hat / (np.sqrt(v_hat) + self.eps)


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
