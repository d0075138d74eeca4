"""gradients() against torch autograd on the same network (float64), every task x activation x depth."""

import numpy as np
import pytest

from chainnet import NeuralNetwork

torch = pytest.importorskip("torch")
from torch_reference import TorchNet, max_relative_error

TASKS = {"binary": "yes ~ x + z + g", "multiclass": "k ~ x + z + g", "regression": "y ~ x + z + g",
         "two outputs": "y + y2 ~ x + g"}
DEPTHS = {0: [], 1: [4], 2: [4, 3], 3: [3, 4, 2]}


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "identity", "softplus"])
@pytest.mark.parametrize("depth", DEPTHS)
def test_gradients_match_torch_autograd(toy, task, activation, depth):
    net = NeuralNetwork(TASKS[task], data=toy, hidden=DEPTHS[depth], activation=activation, init="glorot",
                        seed=depth)
    for W in net.weights:  # away from the symmetric start (zero biases) so that every gradient is non-trivial
        W += np.random.default_rng(1).normal(scale=0.3, size=W.shape)
    ref = TorchNet(net)
    assert net.compute_loss() == pytest.approx(ref.loss(net.X, net._T).item(), rel=1e-12)
    assert max_relative_error(net.gradients(), ref.gradients(net.X, net._T)) < 1e-9


@pytest.mark.parametrize("task", TASKS)
def test_gradients_with_decay_match_torch_autograd(toy, task):
    net = NeuralNetwork(TASKS[task], data=toy, hidden=[4, 3], activation="tanh", seed=4, decay=0.8)
    ref = TorchNet(net)
    assert net.compute_loss() == pytest.approx(ref.loss(net.X, net._T).item(), rel=1e-12)
    assert max_relative_error(net.gradients(), ref.gradients(net.X, net._T)) < 1e-9


def test_no_intercept_penalises_every_first_layer_weight(toy):
    """Without an intercept column W1 has no bias row: the penalty covers all of it."""
    net = NeuralNetwork("y ~ x + z - 1", data=toy, hidden=[3], activation="tanh", seed=4, decay=0.5)
    assert net.design.intercept is None
    ref = TorchNet(net)
    assert net.compute_loss() == pytest.approx(ref.loss(net.X, net._T).item(), rel=1e-12)
    assert max_relative_error(net.gradients(), ref.gradients(net.X, net._T)) < 1e-9
