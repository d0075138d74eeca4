"""Case weights (R's weights =): integer weights equal repeating the rows, in the loss, the gradients and
training with every optimizer, minibatches, validation, accuracy, save/load; and R's glm numbers."""

import numpy as np
import pandas as pd
import pytest

from chainnet import NeuralNetwork
from chainnet.errors import ArgumentError, ArgumentTypeError, DataError
from chainnet.optim import OPTIMIZERS
from chainnet.quasinewton import BFGS, LBFGS
from chainnet.rprop import Rprop

CASES = [("yes ~ x + z", 2), ("k ~ x + g", 3), ("y ~ x + z + g", 2)]   # binary, 3 classes, regression


@pytest.fixture
def counts(toy):
    return np.random.default_rng(5).integers(0, 4, size=len(toy))            # 0..3: a 0 drops the row


def _pair(toy, counts, formula, hidden, **kw):
    """A network weighted by ``counts`` and one on the rows repeated ``counts`` times, from the same weights."""
    weighted = NeuralNetwork(formula, toy, hidden=hidden, seed=0, weights=counts, **kw)
    repeated = NeuralNetwork(formula, toy.loc[toy.index.repeat(counts)], hidden=hidden, seed=0, **kw)
    repeated.params[:] = weighted.params
    return weighted, repeated


@pytest.mark.parametrize("formula, hidden", CASES)
def test_integer_weights_are_repeated_rows_in_loss_and_gradients(toy, counts, formula, hidden):
    weighted, repeated = _pair(toy, counts, formula, hidden, decay=0.01)
    np.testing.assert_allclose(weighted.compute_loss(), repeated.compute_loss(), rtol=1e-12)
    for a, b in zip(weighted.gradients(), repeated.gradients()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert weighted.check_gradients() < 1e-6


@pytest.mark.parametrize("formula, hidden", CASES)
def test_fifty_gd_iterations_equal_the_repeated_rows(toy, counts, formula, hidden):
    weighted, repeated = _pair(toy, counts, formula, hidden)
    weighted.train(50, learn_rate=1e-3, trace=0, tolerance=0)
    repeated.train(50, learn_rate=1e-3, trace=0, tolerance=0)
    np.testing.assert_allclose(weighted.params, repeated.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(weighted.history["loss"], repeated.history["loss"], rtol=1e-10)
    metric = "accuracy" if weighted.task == "classification" else "rmse"
    np.testing.assert_allclose(weighted.history[metric], repeated.history[metric], rtol=1e-10)


@pytest.mark.parametrize("optimizer", [*sorted(OPTIMIZERS), LBFGS(), BFGS(), Rprop()], ids=str)
def test_every_optimizer_sees_the_weights(toy, counts, optimizer):
    weighted, repeated = _pair(toy, counts, "k ~ x + g", 3)
    rate = 1e-3 if optimizer in ("gd", "momentum", "nesterov") else 1 if not isinstance(optimizer, str) else 1e-2
    for net in (weighted, repeated):
        net.train(20, learn_rate=rate, trace=0, tolerance=0, optimizer=optimizer)
    np.testing.assert_allclose(weighted.params, repeated.params, rtol=1e-7, atol=1e-10)


def test_minibatches_step_on_each_batchs_weighted_loss(toy, counts):
    net = NeuralNetwork("y ~ x + z", toy, hidden=2, seed=0, weights=counts)
    start = net.params.copy()
    net.train(1, learn_rate=1e-3, batch_size=15, shuffle=False, trace=0, tolerance=0)
    by_hand = start.copy()
    for first in range(0, len(toy), 15):                                   # each batch as its own network
        rows = slice(first, first + 15)
        batch = NeuralNetwork("y ~ x + z", toy.iloc[rows], hidden=2, seed=0, weights=counts[rows])
        batch.params[:] = by_hand
        by_hand = batch.backpropagate(1e-3).params.copy()
    np.testing.assert_allclose(net.params, by_hand, rtol=1e-12)


def test_weighted_accuracy_and_validation(toy, counts):
    data = toy.assign(w=counts.astype(float))
    net = NeuralNetwork("k ~ x + g", data, hidden=3, seed=0, weights="w").train(30, learn_rate=1e-2, trace=0)
    right = (net.predict(data) == data["k"]).to_numpy()
    assert net.accuracy() == pytest.approx(np.average(right, weights=counts), rel=1e-15)
    assert net.accuracy(data) == pytest.approx(np.average(right, weights=counts), rel=1e-15)  # newdata: its w
    valid = data.iloc[:20]
    net.train(1, learn_rate=1e-2, trace=0, validation=valid)
    repeated = valid.loc[valid.index.repeat(counts[:20])]
    unweighted = NeuralNetwork("k ~ x + g", data, hidden=3, seed=0)
    unweighted.params[:] = net.params
    assert net.history["val_loss"].iloc[-1] == pytest.approx(unweighted.compute_loss(repeated), rel=1e-12)
    assert net.compute_loss(valid) == pytest.approx(unweighted.compute_loss(repeated), rel=1e-12)


def test_a_validation_fraction_splits_the_weights_with_the_rows(toy, counts):
    net = NeuralNetwork("y ~ x + z", toy, hidden=2, seed=0, weights=counts)
    net.train(3, learn_rate=1e-3, trace=0, validation=0.25)
    split = net._split
    assert np.array_equal(split.train.w, counts[np.setdiff1d(np.arange(len(toy)), split.val)].astype(float))
    np.testing.assert_array_equal(split.train.w_val, counts[split.val])


def test_glm_binomial_with_weights(iris):
    """R: glm(Species ~ Sepal.Length + Petal.Width, binomial, iris[51:150, ], weights = (1:100 %% 3) + 1)."""
    data = iris.iloc[50:].assign(Species=lambda d: d["Species"].astype(str))
    w = (np.arange(1, 101) % 3) + 1
    net = NeuralNetwork("Species ~ Sepal.Length + Petal.Width", data, hidden=0, seed=0, weights=w)
    net.train(300, optimizer=LBFGS(), learn_rate=1, tolerance=0, trace=0)
    np.testing.assert_allclose(net.W1[:, 0], [-26.91020166643363964, 0.61119878986652842, 14.18142290887391965],
                               rtol=1e-5)
    assert net.compute_loss() == pytest.approx(29.478895326166565, rel=1e-9)          # -logLik(fit)


def test_weights_are_saved_and_loaded(toy, counts, tmp_path):
    net = NeuralNetwork("y ~ x + z", toy, hidden=2, seed=0, weights=counts).train(3, learn_rate=1e-3, trace=0)
    net.save(tmp_path / "w.npz")
    loaded = NeuralNetwork.load(tmp_path / "w.npz")
    np.testing.assert_array_equal(loaded.case_weights, counts)
    net.train(4, learn_rate=1e-3, trace=0)
    loaded.train(4, learn_rate=1e-3, trace=0)
    np.testing.assert_array_equal(net.params, loaded.params)


def test_a_weights_column_follows_set_data_and_update(toy, counts):
    data = toy.assign(w=counts.astype(float))
    net = NeuralNetwork("y ~ x", data, hidden=0, seed=0, weights="w")
    net.set_data(data.iloc[:10])
    np.testing.assert_array_equal(net.case_weights, counts[:10])
    wider = NeuralNetwork("y ~ x", data, hidden=0, seed=0, weights="w").update(". ~ . + z")
    assert wider.weights_column == "w"
    np.testing.assert_array_equal(wider.case_weights, counts)
    arrays = NeuralNetwork("y ~ x", toy, hidden=0, seed=0, weights=counts).update(". ~ . + z")
    np.testing.assert_array_equal(arrays.case_weights, counts)


@pytest.mark.parametrize("weights, error, message", [
    (lambda n: -np.ones(n), ArgumentError, r"weights must be finite and >= 0"),
    (lambda n: np.full(n, np.nan), ArgumentError, r"weights must be finite and >= 0"),
    (lambda n: np.ones(n - 1), ArgumentError, r"weights has 39 values, but the data has 40 rows"),
    (lambda n: ["a"] * n, ArgumentTypeError, r"weights must be a column name or one number per row"),
    (lambda n: "nope", DataError, r"weights='nope' is not a column of the data"),
    (lambda n: "g", ArgumentTypeError, r"weights column 'g' must hold numbers"),
    (lambda n: "x", ArgumentError, r"weights column 'x' is also a variable of formula 'y ~ x \+ z'.*'y ~ x \+ z - x'"),
])
def test_bad_weights_are_clear_errors(toy, weights, error, message):
    with pytest.raises(error, match=message):
        NeuralNetwork("y ~ x + z", toy, hidden=0, weights=weights(len(toy)))


def test_a_bad_weights_column_in_set_data_changes_nothing(toy, counts):
    data = toy.assign(w=counts.astype(float))
    net = NeuralNetwork("y ~ x", data, hidden=0, seed=0, weights="w")
    before = (net.X.copy(), net.case_weights.copy())
    with pytest.raises(ArgumentError, match="weights column 'w' must be finite"):
        net.set_data(data.assign(w=-1.0))
    np.testing.assert_array_equal(net.X, before[0])
    np.testing.assert_array_equal(net.case_weights, before[1])


def test_weights_as_a_series_align_by_index(toy, counts):
    shuffled = pd.Series(counts, index=toy.index)[::-1]
    a = NeuralNetwork("y ~ x", toy, hidden=0, seed=0, weights=shuffled)
    np.testing.assert_array_equal(a.case_weights, counts)


def test_set_data_drops_weights_given_as_numbers(toy, counts):
    net = NeuralNetwork("y ~ x", toy, hidden=0, seed=0, weights=counts)
    net.set_data(toy.iloc[:10])
    squared_error = float(((net.predict(toy.iloc[:10]) - toy["y"].iloc[:10]) ** 2).sum())   # each row counts 1
    assert net.case_weights is None and net.compute_loss() == pytest.approx(squared_error, rel=1e-12)


def test_rmse_and_r2_are_weighted_as_repeated_rows(toy, counts):
    weighted, repeated = _pair(toy, counts, "y ~ x + z", 2)
    assert weighted.rmse() == pytest.approx(repeated.rmse(), rel=1e-12)
    assert weighted.r2() == pytest.approx(repeated.r2(), rel=1e-12)
    data = toy.assign(w=counts.astype(float))
    by_column = NeuralNetwork("y ~ x + z", data, hidden=2, seed=0, weights="w")
    by_column.params[:] = weighted.params
    assert by_column.rmse(data) == pytest.approx(repeated.rmse(), rel=1e-12)      # newdata: its weights column


def test_regression_output_bias_starts_at_the_weighted_mean():
    """Item 6 of issue 11 with case weights: the output bias starts at Σ wᵢyᵢ / Σ w, the mean of the rows
    repeated wᵢ times (found when scikit-learn's weight-equivalence check failed)."""
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": rng.normal(size=12), "y": rng.normal(size=12) + 5.0})
    w = np.arange(12) % 3
    net = NeuralNetwork("y ~ x", df, hidden=2, weights=w, seed=0)
    repeated = df.iloc[np.repeat(np.arange(12), w)]
    assert net.weights[-1][0, 0] == pytest.approx(repeated["y"].mean(), rel=1e-12)
