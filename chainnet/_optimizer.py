"""The optimizer protocol and the base class of every built-in rule (``chainnet.optim`` holds the rules).

The protocol (what a network asks of an optimizer; the solvers' lbfgs, bfgs and rprop follow it too):

- An optimizer object is a **specification**: its name and hyperparameters, nothing that changes while it
  trains. One object may be passed to many networks; each network keeps its own state.
- ``init_state(n, dtype) -> dict[str, np.ndarray]``: fresh state for ``n`` parameters, named numpy arrays
  only (0-d arrays for scalars, a leading "pairs" axis for histories), so the network can checkpoint, restore
  and save any optimizer's state generically. Every built-in state holds ``"t"`` (0-d int64): steps taken.
  The built-ins' arrays are views of one buffer (``allocate``), which a checkpoint copies whole; a state of
  separate arrays (loaded, unpickled, assigned, or another optimizer's) is packed so once per ``train()`` call.
  ``step`` updates the arrays in place (it does not put new arrays in the dict).
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


def count(state: dict, key: str, by: int = 1) -> int:
    """state[key] += by on a 0-d integer array, through its Python value (a 0-d ufunc costs ten times more)."""
    value = state[key].item() + by
    state[key][()] = value
    return value


def allocate(shapes: dict) -> tuple[dict, np.ndarray]:
    """(state, buffer): zeroed arrays of ``shapes`` (name -> (shape, np.dtype)) as views of one byte buffer, each
    at an 8-byte-aligned offset, so that a checkpoint of the state copies one array, not one per name."""
    offsets, total = [], 0
    for shape, dtype in shapes.values():
        offsets.append(total)
        total += -(-math.prod(shape) * dtype.itemsize // 8) * 8     # rounded up to 8 bytes
    buffer = np.zeros(total, np.uint8)
    return {name: np.ndarray(shape, dtype, buffer, offset)
            for (name, (shape, dtype)), offset in zip(shapes.items(), offsets)}, buffer


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
        """Zeros of ``state_shapes``, as views of one buffer (``allocate``)."""
        return allocate(self.state_shapes(n, dtype))[0]

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
        count(state, "t")
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
