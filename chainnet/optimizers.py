"""Update rules: gd, momentum, nesterov, rmsprop, adam, each as torch.optim writes it, with torch's defaults.

The protocol (what a network asks of an optimizer; the solvers' lbfgs, bfgs and rprop follow it too):

- An optimizer object is a **specification**: its name and hyperparameters, nothing that changes while it
  trains. One object may be passed to many networks; each network keeps its own state.
- ``init_state(n, dtype) -> dict[str, np.ndarray]``: fresh state for ``n`` parameters, named numpy arrays
  only (0-d arrays for scalars, a leading "pairs" axis for histories), so the network can checkpoint, restore
  and save any optimizer's state generically. Every built-in state holds ``"t"`` (0-d int64): steps taken.
- ``state_shapes(n, dtype) -> dict[str, (shape, dtype)]`` (built-ins): what ``init_state`` makes, without
  allocating it; ``check_state(state)`` raises ValueError naming an array whose values no step makes (NaN, a
  negative mean of squares, an L-BFGS pair count outside 0..history_size). A loaded or unpickled state passes both.
- ``step(state, w, g, lr, loss, closure) -> None``: update the flat parameter vector ``w`` (1-D, float64 or
  float32, the network's live buffer) in place, from ``g`` = dLoss/dw at ``w`` (do not modify ``g``) and the
  ``loss`` there, updating ``state`` in place. ``closure(w_new) -> (loss, g_new)`` evaluates the full-batch
  objective (decay included) at another point, for line searches; it is None in minibatch training.
- ``full_batch_only`` (class attribute, default False): True refuses ``batch_size`` and dropout (lbfgs ...).
- ``hyperparameters() -> dict`` (the constructor's keyword arguments) and a one-line ``__repr__``.

A step that raises leaves nothing half-done in the network: ``train()`` restores the weights and the state.
"""

from __future__ import annotations

import math

import numpy as np

from . import checks
from .errors import ArgumentError, ArgumentTypeError


class Optimizer:
    """Base class of the built-in rules: state = ``"t"`` plus one zero vector per name in ``slots``; ``step``
    counts the step and calls ``update(state, w, g, lr)``."""

    name = "optimizer"
    slots: tuple[str, ...] = ()
    non_negative: tuple[str, ...] = ()    # state arrays the steps keep >= 0 (means of squares, step sizes, counts)
    full_batch_only = False

    def state_shapes(self, n: int, dtype) -> dict:
        """name -> (shape, dtype) of the state ``init_state(n, dtype)`` makes, known without allocating it (a
        model file's state is compared with it before anything of the optimizer's size exists)."""
        return {"t": ((), np.dtype(np.int64)), **{s: ((n,), np.dtype(dtype)) for s in self.slots}}

    def init_state(self, n: int, dtype) -> dict:
        return {name: np.zeros(shape, dt) for name, (shape, dt) in self.state_shapes(n, dtype).items()}

    def check_state(self, state: dict) -> None:
        """Raise ValueError naming the array unless ``state`` (of the shapes of ``state_shapes``) holds what
        this optimizer's steps can make: a step count t >= 0, no NaN (a NaN reaches the weights, and train()
        rolls such a step back), no negative value in the arrays named by ``non_negative``."""
        if int(state["t"]) < 0:
            raise ValueError(f"the optimizer's step count t must be >= 0, got {int(state['t'])}")
        for name, a in state.items():
            if a.dtype.kind == "f" and np.isnan(a).any():
                raise ValueError(f"optimizer state {name!r} holds NaN, which no step makes")
            if name in self.non_negative and (a < 0).any():
                raise ValueError(f"optimizer state {name!r} holds negative values; the steps keep it >= 0")

    def step(self, state: dict, w: np.ndarray, g: np.ndarray, lr: float, loss: float | None = None,
             closure=None) -> None:
        state["t"] += 1
        self.update(state, w, g, float(lr))  # a numpy float64 lr would turn float32 updates into float64 ones

    def update(self, state: dict, w: np.ndarray, g: np.ndarray, lr: float) -> None:
        raise NotImplementedError

    def hyperparameters(self) -> dict:
        return {}

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.hyperparameters() == other.hyperparameters()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(map(repr, self.hyperparameters().items())))))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


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


OPTIMIZERS = {cls.name: cls for cls in (GD, Momentum, Nesterov, RMSprop, Adam)}


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
