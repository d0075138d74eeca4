"""Backpropagation against central finite differences, for every task x activation x depth."""

import numpy as np
import pytest

from chainnet import NeuralNetwork

TASKS = {"binary": "yes ~ x + z + g", "multiclass": "k ~ x + z", "regression": "y ~ x + z + g",
         "two outputs": "y + y2 ~ x + g"}
DEPTHS = {0: [], 1: [4], 2: [4, 3], 3: [3, 4, 2]}


def finite_differences(net, h=1e-6):
    """Central differences (L(w + h) - L(w - h)) / 2h of compute_loss() for every weight."""
    grads = []
    for W in net.weights:
        G = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            w = W[idx]
            W[idx] = w + h
            up = net.compute_loss()
            W[idx] = w - h
            down = net.compute_loss()
            W[idx] = w
            G[idx] = (up - down) / (2 * h)
        grads.append(G)
    return grads


def max_relative_error(a_list, b_list):
    num = max(np.max(np.abs(a - b)) for a, b in zip(a_list, b_list))
    den = max(np.max(np.abs(b)) for b in b_list)
    return num / den


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "identity", "softplus"])
@pytest.mark.parametrize("depth", DEPTHS)
def test_gradients_match_finite_differences(toy, task, activation, depth):
    net = NeuralNetwork(TASKS[task], data=toy, hidden=DEPTHS[depth], activation=activation, init="glorot",
                        seed=depth)
    for W in net.weights:  # move away from the symmetric start so that every gradient is non-trivial
        W += np.random.default_rng(1).normal(scale=0.3, size=W.shape)
    assert max_relative_error(net.gradients(), finite_differences(net)) < 1e-6


@pytest.mark.parametrize("decay", [0.0, 0.7])
def test_gradients_include_decay_without_bias_rows(toy, decay):
    net = NeuralNetwork("k ~ x + z + g", data=toy, hidden=[3, 2], activation="tanh", seed=3, decay=decay)
    assert max_relative_error(net.gradients(), finite_differences(net)) < 1e-6
    # decay·Σw² over every weight except the bias rows (W1's intercept row, row 0 of later layers)
    base = NeuralNetwork("k ~ x + z + g", data=toy, hidden=[3, 2], activation="tanh", seed=3)
    W1, W2, W3 = net.weights
    by_hand = decay * (np.sum(W1[1:] ** 2) + np.sum(W2[1:] ** 2) + np.sum(W3[1:] ** 2))
    assert net.compute_loss() == pytest.approx(base.compute_loss() + by_hand, rel=1e-12)


def test_backpropagate_moves_every_weight_by_minus_lr_gradient(toy):
    net = NeuralNetwork("k ~ x + z + g", data=toy, hidden=[4, 3], seed=0)
    before = [W.copy() for W in net.weights]
    g = net.gradients()
    net.feedforward().backpropagate(0.37)
    for W, W0, G in zip(net.weights, before, g):
        np.testing.assert_array_equal(W, W0 - 0.37 * G)


def test_backpropagate_recomputes_when_weights_changed_after_feedforward(toy):
    net = NeuralNetwork("y ~ x + z", data=toy, hidden=3, seed=0)
    net.feedforward()
    net.W2[0, 0] += 1.0  # in place: the stored forward pass is stale now
    expected = [W - 0.01 * G for W, G in zip(net.weights, net.gradients())]
    net.backpropagate(0.01)
    for W, E in zip(net.weights, expected):
        np.testing.assert_array_equal(W, E)


def test_one_step_by_hand():
    """A worked example: one hidden sigmoid unit, regression, numbers computed on paper."""
    import pandas as pd

    data = pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 0.0]})
    net = NeuralNetwork("y ~ x", data=data, hidden=1, init="r6", seed=0)
    net.W1 = np.array([[0.0], [1.0]])          # z1 = 0 + 1·x
    net.W2 = np.array([[0.5], [2.0]])          # ŷ = 0.5 + 2·σ(z1)
    s1, s2 = 1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(-2.0))
    r = np.array([0.5 + 2 * s1 - 1.0, 0.5 + 2 * s2 - 0.0])   # residuals ŷ - y
    assert net.compute_loss() == pytest.approx(np.sum(r ** 2), rel=1e-15)
    dW2 = np.array([[2 * r.sum()], [2 * (r[0] * s1 + r[1] * s2)]])
    dz = 2 * r * 2.0 * np.array([s1 * (1 - s1), s2 * (1 - s2)])
    dW1 = np.array([[dz.sum()], [dz[0] * 1.0 + dz[1] * 2.0]])
    g1, g2 = net.gradients()
    np.testing.assert_allclose(g1, dW1, rtol=1e-14)
    np.testing.assert_allclose(g2, dW2, rtol=1e-14)
