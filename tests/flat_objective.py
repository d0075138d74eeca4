"""A chainnet network seen as a function of one flat weight vector, through its public API only: the objective
the solvers' tests drive (``closure(w) -> (loss, gradient)``), independent of how training lays out weights."""

import numpy as np


class FlatObjective:
    """``obj(w)`` writes the flat vector ``w`` into ``net.weights`` and returns ``(net.compute_loss(),
    the flattened net.gradients())``; ``obj.weights()`` reads the current weights back as one vector."""

    def __init__(self, net):
        self.net = net
        self.shapes = [W.shape for W in net.weights]
        self.evaluations = 0

    def weights(self) -> np.ndarray:
        return np.concatenate([W.ravel() for W in self.net.weights])

    def set(self, w) -> None:
        offset = 0
        for W in self.net.weights:
            np.copyto(W, np.asarray(w[offset:offset + W.size]).reshape(W.shape))
            offset += W.size

    def __call__(self, w):
        self.set(w)
        self.evaluations += 1
        return self.net.compute_loss(), np.concatenate([g.ravel() for g in self.net.gradients()])


def drive(optimizer, net, steps, lr=1.0):
    """``steps`` iterations of a chainnet flat-vector optimizer on ``net``; leaves the result in ``net.weights``
    and returns the state."""
    obj = FlatObjective(net)
    w = obj.weights()
    state = optimizer.init_state(w.size, w.dtype)
    for _ in range(steps):
        loss, g = obj(w)
        optimizer.step(state, w, g, lr, loss, obj)
    obj.set(w)
    return state
