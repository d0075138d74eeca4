"""dtype="float32": every array of the training loop stays float32, and the maths agrees with float64 and with
torch (float64) within float32's rounding. float32's eps is 1.2e-7 (float64's 2.2e-16); the errors seen here are
1e-7 .. 7e-7, so each tolerance is about ten times that, where the float64 tests use 1e-9 .. 1e-12."""

import numpy as np
import pytest

from chainnet import NeuralNetwork, datasets
from chainnet.propagation import forward

TASKS = {"binary": "yes ~ x + z + g", "multiclass": "k ~ x + z + g", "regression": "y + y2 ~ x + z + g"}


def twin(net32, **kwargs):
    """The float64 network with the float32 network's weights (exactly: every float32 is a float64)."""
    net64 = NeuralNetwork(net32.formula, **kwargs)
    for W64, W32 in zip(net64.weights, net32.weights):
        W64[...] = W32
    return net64


def max_relative_error(a_list, b_list):
    return max(np.max(np.abs(a - b)) for a, b in zip(a_list, b_list)) / max(np.max(np.abs(b)) for b in b_list)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "rmsprop", "adam"])
@pytest.mark.parametrize("task", TASKS)
def test_the_training_loop_keeps_float32(toy, optimizer, task):
    net = NeuralNetwork(TASKS[task], data=toy, hidden=[4, 3], activation="relu", seed=1, dropout=0.2, decay=0.1,
                        dtype="float32")
    net.train(3, optimizer=optimizer, learn_rate=1e-3, batch_size=7, schedule=lambda t: np.float64(0.5), trace=0,
              tolerance=0)
    arrays = [net.params, *net.weights, *(a for k, a in net.optimizer_state.items() if k != "t")]
    assert all(a.dtype == np.float32 for a in arrays)
    assert np.isfinite(net.history["loss"]).all() and net.iteration == 3
    cache = forward(net.X, net.weights, net._act, net.dropout, np.random.default_rng(0))
    output, _, delta = net._loss.evaluate(cache.Z, net._T)
    inside = [cache.Z, output, delta, *cache.A, *cache.H, *(m for m in cache.masks if m is not None)]
    assert all(a.dtype == np.float32 for a in inside)
    assert all(g.dtype == np.float32 for g in net.gradients())
    assert net.feedforward().output.dtype == np.float32


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "softplus"])
@pytest.mark.parametrize("hidden", [[], [4], [4, 3]])
def test_float32_gradients_match_float64(toy, task, activation, hidden):
    net = NeuralNetwork(TASKS[task], data=toy, hidden=hidden, activation=activation, init="glorot", seed=2,
                        dtype="float32")
    for W in net.weights:  # away from the symmetric start, as in test_gradients
        W += np.random.default_rng(1).normal(scale=0.3, size=W.shape).astype(np.float32)
    net64 = twin(net, data=toy, hidden=hidden, activation=activation, init="glorot", seed=2)
    assert max_relative_error(net.gradients(), net64.gradients()) < 2e-6
    assert net.compute_loss() == pytest.approx(net64.compute_loss(), rel=1e-6)


def test_float32_gradients_match_finite_differences(toy):
    net = NeuralNetwork("k ~ x + z", data=toy, hidden=[3], activation="tanh", seed=0, dtype="float32")
    assert net.check_gradients() < 1e-2       # central differences in float32: about 1e-3 at best


@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov", "rmsprop", "adam"])
@pytest.mark.parametrize("task", TASKS)
def test_float32_optimizer_matches_torch(toy, name, task):
    torch = pytest.importorskip("torch")  # noqa: F841
    from torch_reference import OPTIMIZERS, TorchNet

    rates = {"gd": 0.005, "momentum": 0.0025, "nesterov": 0.0025, "rmsprop": 0.01, "adam": 0.02}
    net = NeuralNetwork(TASKS[task], data=toy, hidden=[4, 3], activation="tanh", seed=5, dtype="float32")
    ref = TorchNet(twin(net, data=toy, hidden=[4, 3], activation="tanh", seed=5))  # float64, the float32 weights
    opt = OPTIMIZERS[name](ref.parameters(), rates[name])
    for _ in range(4):
        torch_loss = ref.train_iteration(opt, net.X, net._T, 10)
        net.train(1, optimizer=name, learn_rate=rates[name], batch_size=10, shuffle=False, tolerance=0, trace=0)
        assert max_relative_error(net.weights, ref.weights()) < 2e-6
        assert net.history["loss"].iloc[-1] == pytest.approx(torch_loss, rel=1e-6)


def test_float32_r6_session_follows_float64():
    iris = datasets.load_iris()
    net32 = NeuralNetwork("Species ~ .", data=iris, hidden=5, seed=1, dtype="float32")
    net64 = twin(net32, data=iris, hidden=5, seed=1)
    net32.train(2000, learn_rate=1e-4, trace=0)
    net64.train(2000, learn_rate=1e-4, trace=0)
    np.testing.assert_allclose(net32.history["loss"], net64.history["loss"], rtol=5e-6)
    assert max_relative_error(net32.weights, net64.weights) < 5e-6
    assert (net32.predict() == net64.predict()).all()
