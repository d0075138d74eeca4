"""diagnose() flags units made dead or saturated by hand-set weights, and its numbers equal a numpy forward
pass written here; the network is left as it was."""

import numpy as np
import pytest
from insight_state import assert_unchanged, snapshot

from chainnet import NeuralNetwork


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_a_relu_unit_with_a_large_negative_bias_is_dead(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, activation="relu", seed=1)
    W1 = net.W1.copy()
    W1[:, 0] = [-50.0, 0.1, 0.1, 0.1, 0.1]          # bias -50: z < 0 on every row (iris measures are < 8)
    W1[:, 1] = [5.0, 0.0, 0.0, 0.0, 0.0]            # always fires
    net.W1 = W1
    before = snapshot(net)
    table = net.diagnose()
    assert_unchanged(net, before)
    assert list(table.columns) == ["saturated", "dead", "mean_abs", "w_in", "w_out", "verdict"]
    assert list(table.index) == ["h1", "h2", "h3"]
    assert table.loc["h1", "dead"] == 1.0 and table.loc["h1", "verdict"] == "dead: never fires on the training rows"
    assert table.loc["h2", "dead"] == 0.0 and table.loc["h2", "mean_abs"] == pytest.approx(5.0)
    assert table["saturated"].isna().all()
    H = np.maximum(net.X @ net.W1, 0)
    np.testing.assert_allclose(table["dead"], (H == 0).mean(axis=0))
    np.testing.assert_allclose(table["mean_abs"], np.abs(H).mean(axis=0))
    np.testing.assert_allclose(table["w_in"], np.sqrt((net.W1[1:] ** 2).sum(axis=0)))
    np.testing.assert_allclose(table["w_out"], np.sqrt((net.W2[1:] ** 2).sum(axis=1)))
    text = str(table)
    assert "dead: never fires on the training rows" in text and len(text.splitlines()) == 5


def test_sigmoid_and_tanh_units_pinned_at_a_bound_are_saturated(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=[2, 2], activation="sigmoid", seed=1)
    W1 = net.W1.copy()
    W1[:, 0] = [20.0, 0, 0, 0, 0]                   # σ(20) = 1 - 2e-9 on every row
    net.W1 = W1
    W2 = net.W2.copy()
    W2[:, 1] = [0.0, 0.0, 0.0]
    W2[0, 1] = 0.0                                   # unit h2.2 reads nothing: σ(0) = 0.5 on every row
    net.W2 = W2
    table = net.diagnose()
    assert list(table.index) == ["h1.1", "h1.2", "h2.1", "h2.2"]
    assert table.loc["h1.1", "saturated"] == 1.0 and table.loc["h1.1", "verdict"].startswith("saturated")
    assert table.loc["h2.2", "verdict"].startswith("constant") and table.loc["h2.2", "saturated"] == 0.0
    assert table["dead"].isna().all()
    h1 = sigmoid(net.X @ net.W1)
    np.testing.assert_allclose(table["saturated"].iloc[:2], ((h1 < 0.01) | (h1 > 0.99)).mean(axis=0))
    tanh = NeuralNetwork("Species ~ .", data=iris, hidden=2, activation="tanh", seed=1)
    W1 = tanh.W1.copy()
    W1[:, 1] = [-3.0, 0.0, 0.0, 1.0, 0.0]            # tanh(Petal.Length - 3): past ±0.99 when |z| > 2.65
    tanh.W1 = W1
    z = iris["Petal.Length"].to_numpy() - 3
    table = tanh.diagnose(newdata=iris.iloc[::2])
    assert table.loc["h2", "saturated"] == pytest.approx((np.abs(np.tanh(z[::2])) >= 0.99).mean())


def test_no_hidden_layer_gives_an_empty_table(iris):
    assert NeuralNetwork("Species ~ .", data=iris, hidden=0, seed=1).diagnose().empty
