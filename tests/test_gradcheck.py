"""check_gradients(): finite differences of compute_loss() against gradients(), weights left exactly as they were."""

import numpy as np
import pytest

from chainnet import ArgumentError, NeuralNetwork
from chainnet.gradcheck import finite_differences, relative_error


@pytest.mark.parametrize("formula", ["yes ~ x + z + g", "k ~ x + z + g", "y + y2 ~ x + g"])
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "softplus"])
def test_check_gradients_is_small_for_backpropagation(toy, formula, activation):
    net = NeuralNetwork(formula, data=toy, hidden=[4, 3], activation=activation, seed=1, decay=0.2,
                        dropout=[0.5, 0.5], standardize=True)
    net.train(5, optimizer="adam", learn_rate=0.01, batch_size=10, tolerance=0, trace=0)
    assert net.check_gradients() < 1e-6


def test_check_gradients_catches_a_wrong_gradient(toy):
    net = NeuralNetwork("k ~ x + z", data=toy, hidden=3, seed=0)
    right = net.gradients

    def wrong():
        grads = right()
        grads[1][0] *= 1.05          # a 5% error in the output biases
        return grads

    net.gradients = wrong            # the public query check_gradients compares (it used to patch _gradients)
    assert net.check_gradients() > 1e-3


def test_weights_are_restored_exactly(toy):
    net = NeuralNetwork("k ~ x + z + g", data=toy, hidden=[3, 2], activation="tanh", seed=0)
    net.train(3, learn_rate=0.01, tolerance=0, trace=0)
    arrays = list(net.weights)
    before = [W.tobytes() for W in net.weights]
    net.check_gradients(h=0.1)
    assert all(a is b for a, b in zip(arrays, net.weights))
    assert [W.tobytes() for W in net.weights] == before


def test_relative_error_by_hand():
    g = [np.array([[1.0, -4.0]]), np.array([[0.0]])]
    r = [np.array([[1.0, -3.9]]), np.array([[0.02]])]
    assert relative_error(g, r) == pytest.approx(0.1 / 4.0)
    assert relative_error([np.zeros(2)], [np.zeros(2)]) == 0.0


def test_finite_differences_of_a_quadratic():
    """L = Σ a·w³: the central difference of a cubic is 3a·w² + a·h² exactly."""
    W = np.array([[1.0, 2.0], [-1.0, 0.5]])
    a = 0.7
    G = finite_differences(lambda: float(np.sum(a * W ** 3)), [W], 1e-3)[0]
    np.testing.assert_allclose(G, 3 * a * W ** 2 + a * 1e-6, rtol=1e-8)


def test_float32_networks_use_a_larger_step(toy):
    net = NeuralNetwork("k ~ x + z", data=toy, hidden=3, activation="tanh", seed=0, dtype="float32")
    assert net.check_gradients() < 1e-2       # float32 rounding: ~1e-3 at best


@pytest.mark.parametrize("h", [0, -1e-6, float("nan"), "small"])
def test_bad_step(toy, h):
    net = NeuralNetwork("k ~ x + z", data=toy, hidden=3, seed=0)
    with pytest.raises(ArgumentError, match="h must be a positive finite number"):
        net.check_gradients(h=h)
