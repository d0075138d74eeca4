"""Each optimizer against torch.optim, step for step, full batch and minibatches in order; the update rules by
hand; optimizer state across chained train() calls."""

import numpy as np
import pytest

from chainnet import ArgumentError, NeuralNetwork, optim

torch = pytest.importorskip("torch")
from torch_reference import OPTIMIZERS, TorchNet

TASKS = {"binary": "yes ~ x + z + g", "multiclass": "k ~ x + z + g", "regression": "y + y2 ~ x + z + g"}
RATES = {"gd": 0.01, "momentum": 0.005, "nesterov": 0.005, "rmsprop": 0.01, "adam": 0.02}


def assert_same(chain_weights, torch_weights, rel=1e-9):
    for a, b in zip(chain_weights, torch_weights):
        assert np.max(np.abs(a - b)) <= rel * np.max(np.abs(b)), (a, b)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("batch_size", [None, 7])
@pytest.mark.parametrize("task", TASKS)
def test_optimizer_matches_torch_step_for_step(toy, name, batch_size, task):
    lr = RATES[name] / (2 if task == "regression" and name in ("gd", "momentum", "nesterov") else 1)
    net = NeuralNetwork(TASKS[task], data=toy, hidden=[4, 3], activation="tanh", seed=5)
    ref = TorchNet(net)
    opt = OPTIMIZERS[name](ref.parameters(), lr)
    for _ in range(6):
        torch_loss = ref.train_iteration(opt, net.X, net._T, batch_size)
        net.train(1, optimizer=name, learn_rate=lr, batch_size=batch_size, shuffle=False, tolerance=0, trace=0)
        assert_same(net.weights, ref.weights())
        assert net.history["loss"].iloc[-1] == pytest.approx(torch_loss, rel=1e-10)
    assert net.iteration == 6 and net.optimizer_state["t"] == 6 * (1 if batch_size is None else 6)  # 6 batches


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("batch_size", [None, 16])
def test_optimizer_with_decay_matches_torch(toy, name, batch_size):
    """The penalty decay·Σw² (biases excluded), split over the batches by their share of the rows."""
    net = NeuralNetwork("k ~ x + z + g", data=toy, hidden=[5], activation="relu", seed=2, decay=0.3)
    ref = TorchNet(net)
    opt = OPTIMIZERS[name](ref.parameters(), RATES[name])
    for _ in range(5):
        torch_loss = ref.train_iteration(opt, net.X, net._T, batch_size)
        net.train(1, optimizer=name, learn_rate=RATES[name], batch_size=batch_size, shuffle=False, tolerance=0,
                  trace=0)
        assert_same(net.weights, ref.weights())
        assert net.history["loss"].iloc[-1] == pytest.approx(torch_loss, rel=1e-10)


def test_one_training_call_of_many_iterations_matches_torch(iris):
    """train(20) in one call (state kept inside the loop) equals 20 torch Adam epochs of 5 batches."""
    net = NeuralNetwork("Species ~ .", data=iris, hidden=[6, 4], activation="relu", seed=3)
    ref = TorchNet(net)
    opt = OPTIMIZERS["adam"](ref.parameters(), 0.005)
    losses = [ref.train_iteration(opt, net.X, net._T, 30) for _ in range(20)]
    net.train(20, optimizer="adam", learn_rate=0.005, batch_size=30, shuffle=False, tolerance=0, trace=0)
    assert_same(net.weights, ref.weights())
    np.testing.assert_allclose(net.history["loss"], losses, rtol=1e-10)


# ---------------------------------------------------------------------------------------------- rules by hand
def one_step(optimizer, W, g, lr, steps=1):
    """The protocol on a flat vector: fresh state, then ``step(state, w, g, lr, loss, closure)`` in place."""
    w, state = W.ravel().copy(), optimizer.init_state(W.size, W.dtype)
    for _ in range(steps):
        optimizer.step(state, w, g.ravel(), lr, None, None)
    assert int(state["t"]) == steps
    return w.reshape(W.shape)


def test_update_rules_by_hand():
    W, g, lr = np.array([[1.0, -2.0]]), np.array([[0.5, -4.0]]), 0.1
    np.testing.assert_allclose(one_step(optim.GD(), W, g, lr), W - lr * g, rtol=1e-13)
    # momentum, two steps with the same g: b1 = g, b2 = 0.9 g + g = 1.9 g
    np.testing.assert_allclose(one_step(optim.Momentum(), W, g, lr, 2), W - lr * (g + 1.9 * g), rtol=1e-13)
    # nesterov: W -= lr (g + μ b), b1 = g then b2 = 1.9 g: steps of 1.9 g and 2.71 g
    np.testing.assert_allclose(one_step(optim.Nesterov(), W, g, lr, 2), W - lr * (1.9 * g + 2.71 * g), rtol=1e-13)
    # rmsprop: v = 0.01 g², step lr g / (0.1 |g| + ε)
    np.testing.assert_allclose(one_step(optim.RMSprop(), W, g, 0.03), W - 0.03 * g / (0.1 * np.abs(g) + 1e-8),
                               rtol=1e-14)
    # adam, first step: m̂ = g, v̂ = g², so the step is lr·sign(g) (up to ε)
    np.testing.assert_allclose(one_step(optim.Adam(), W, g, 0.03), W - 0.03 * g / (np.abs(g) + 1e-8), rtol=1e-14)


def test_hyperparameters_live_on_the_objects(toy):
    a = optim.Adam(betas=(0.8, 0.99), eps=1e-6)
    assert repr(a) == "Adam(betas=(0.8, 0.99), eps=1e-06)" and not hasattr(a, "state")  # a specification
    net = NeuralNetwork("k ~ x + z", data=toy, hidden=3, activation="tanh", seed=0)
    ref = TorchNet(net)
    opt = torch.optim.Adam(ref.parameters(), lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    for _ in range(4):
        ref.train_iteration(opt, net.X, net._T)
    net.train(4, optimizer=a, learn_rate=0.01, tolerance=0, trace=0)
    assert net.optimizer is a and net.optimizer_state["t"] == 4 and net.optimizer_state["m"].shape == net.params.shape
    assert_same(net.weights, ref.weights())
    rms = optim.RMSprop(alpha=0.9)
    net2 = NeuralNetwork("k ~ x + z", data=toy, hidden=3, activation="tanh", seed=0)
    ref2 = TorchNet(net2)
    opt2 = torch.optim.RMSprop(ref2.parameters(), lr=0.01, alpha=0.9)
    for _ in range(3):
        ref2.train_iteration(opt2, net2.X, net2._T)
    net2.train(3, optimizer=rms, learn_rate=0.01, tolerance=0, trace=0)
    assert_same(net2.weights, ref2.weights())


@pytest.mark.parametrize("bad", [{"momentum": 1.0}, {"momentum": -0.1}])
def test_bad_momentum(bad):
    with pytest.raises(ArgumentError, match="momentum"):
        optim.Momentum(**bad)


def test_bad_adam_and_rmsprop_hyperparameters():
    with pytest.raises(ArgumentError, match=r"betas\[1\]"):
        optim.Adam(betas=(0.9, 1.0))
    with pytest.raises(ArgumentError, match="eps"):
        optim.RMSprop(eps=0.0)


# ---------------------------------------------------------------------------------------------- state carries over
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_stays_with_the_network_across_calls(toy, name):
    net = NeuralNetwork("k ~ x + z", data=toy, hidden=3, activation="tanh", seed=0)
    net.train(3, optimizer=name, learn_rate=0.01, tolerance=0, trace=0)
    first = net.optimizer
    net.train(2, learn_rate=0.01, tolerance=0, trace=0)                   # None: keep it
    assert net.optimizer is first and net.optimizer_state["t"] == 5
    net.train(2, optimizer=name, learn_rate=0.01, tolerance=0, trace=0)   # the same name: keep it
    assert net.optimizer is first and net.optimizer_state["t"] == 7
    other = "adam" if name != "adam" else "rmsprop"
    net.train(1, optimizer=other, learn_rate=0.01, tolerance=0, trace=0)  # another name: fresh state
    assert net.optimizer is not first and net.optimizer.name == other and net.optimizer_state["t"] == 1


def test_gd_default_is_the_r6_loop(toy):
    a = NeuralNetwork("k ~ x + z", data=toy, hidden=3, seed=0)
    b = NeuralNetwork("k ~ x + z", data=toy, hidden=3, seed=0)
    a.train(5, learn_rate=0.01, tolerance=0, trace=0)
    for _ in range(5):
        b.feedforward().backpropagate(0.01)
    assert isinstance(a.optimizer, optim.GD)
    for Wa, Wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(Wa, Wb)
