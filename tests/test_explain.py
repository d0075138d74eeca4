"""explain_step: one row's dW summed over every row is gradients() (no decay) to 1e-10; the numbers in it equal
a numpy forward pass written here; the text is the worked example; bad rows are refused with the fix."""

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from insight_state import assert_unchanged, snapshot

from chainnet import ArgumentError, ArgumentTypeError, NeuralNetwork
from chainnet.activations import ACTIVATIONS


@pytest.mark.parametrize("formula, hidden, activation", [
    ("Species ~ .", [4, 3], "tanh"), ("Species ~ .", 3, "sigmoid"), ("Species ~ .", 0, "sigmoid"),
    ("Sepal.Length ~ .", [3, 2], "relu"), ("Sepal.Length + Sepal.Width ~ Petal.Length", 2, "softplus")])
def test_row_gradients_sum_to_gradients(iris, formula, hidden, activation):
    data = iris.iloc[::5]
    if formula.startswith("Species") and hidden == 3:
        data = data[data["Species"] != "setosa"].assign(Species=lambda d: d["Species"].cat.remove_unused_categories())
    net = NeuralNetwork(formula, data=data, hidden=hidden, activation=activation, seed=4)
    net.train(20, optimizer="adam", learn_rate=0.02, trace=0)
    before = snapshot(net)
    total = [np.zeros(W.shape) for W in net.weights]
    for i in range(len(net.X)):
        for t, g in zip(total, net.explain_step(i)["gradients"]):
            t += g
    assert_unchanged(net, before)
    for t, g in zip(total, net.gradients()):
        np.testing.assert_allclose(t, g, rtol=0, atol=1e-10)


def test_numbers_and_text_follow_the_seed_notation(iris):
    net = NeuralNetwork("Species ~ Petal.Length + Petal.Width", data=iris, hidden=2, activation="sigmoid", seed=1)
    step = net.explain_step(row=60)
    x = net.X[60]
    h = 1 / (1 + np.exp(-(x @ net.W1)))
    z = np.concatenate([[1.0], h]) @ net.W2
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    y = np.array([0.0, 1.0, 0.0])                    # row 60 is a versicolor
    np.testing.assert_allclose(step["h"][0], h, rtol=1e-12)
    np.testing.assert_allclose(step["output"], p, rtol=1e-12)
    np.testing.assert_allclose(step["delta"][1], p - y, rtol=1e-12)
    delta1 = ((p - y) @ net.W2[1:].T) * h * (1 - h)
    np.testing.assert_allclose(step["delta"][0], delta1, rtol=1e-12)
    np.testing.assert_allclose(step["gradients"][0], np.outer(x, delta1), rtol=1e-12)
    assert step["loss"] == pytest.approx(-np.log(p[1]))
    text = str(step)
    for piece in ("z1 = x·W1", "h1 = sigmoid(z1)", "z = [1, h1]·W2", "ŷ = softmax(z)", "δ2 = dLoss/dz",
                  "why: δ = ŷ − y", "dLoss/dh1 = δ2·W2[1:]ᵀ", "f'(z1) = h1 ⊙ (1 − h1)", "δ1 = dLoss/dh1 ⊙ f'(z1)",
                  "dW1 = xᵀ·δ1", "dW2 = [1, h1]ᵀ·δ2", f"{p[1]:.4g}"):
        assert piece in text, piece
    assert repr(step).startswith("<Step row 60") and "\n" not in repr(step)


def test_regression_output_delta_is_twice_the_residual(iris):
    net = NeuralNetwork("Sepal.Length ~ Petal.Length", data=iris, hidden=2, activation="tanh", seed=1)
    step = net.explain_step(5)
    residual = step["output"] - iris["Sepal.Length"].iloc[5]
    np.testing.assert_allclose(step["delta"][-1], 2 * residual)
    assert "why: δ = 2(ŷ − y)" in str(step) and "f'(z1) = 1 − h1²" in str(step)


def test_bad_rows_are_refused_with_the_range(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=2, seed=1)
    before = snapshot(net)
    for row in (150, -1, 10**9):
        with pytest.raises(ArgumentError, match=r"row=.* is out of range.*150 training rows.*0 \.\. 149"):
            net.explain_step(row)
    for row in (1.5, "3", True, None):
        with pytest.raises(ArgumentTypeError, match="row must be an integer position"):
            net.explain_step(row)
    assert net.explain_step(np.int64(149))["row"] == 149
    assert_unchanged(net, before)


@settings(max_examples=25, deadline=None)
@given(hidden=st.lists(st.integers(1, 4), max_size=3), activation=st.sampled_from(sorted(ACTIVATIONS)),
       seed=st.integers(0, 2**16), task=st.sampled_from(["Species", "Sepal.Length", "binary"]))
def test_any_architecture_row_gradients_sum_to_gradients(iris, hidden, activation, seed, task):
    """Random depth, widths, activation, weights and task: the rows' dW always add up to gradients()."""
    data = iris.iloc[seed % 5::7]
    if task == "binary":
        data = data.assign(Species=pd.Categorical(data["Species"] == "virginica"))
    net = NeuralNetwork(f"{'Species' if task == 'binary' else task} ~ .", data=data, hidden=hidden,
                        activation=activation, init="glorot", seed=seed)
    total = [np.zeros(W.shape) for W in net.weights]
    for i in range(len(net.X)):
        for t, g in zip(total, net.explain_step(i)["gradients"]):
            t += g
    for t, g in zip(total, net.gradients()):
        np.testing.assert_allclose(t, g, rtol=0, atol=1e-10 * max(1.0, np.abs(g).max()))
