"""Adversarial review of the public API: inputs a user of nnet, scikit-learn or Keras would try."""

import numpy as np
import pandas as pd
import pytest

from chainnet import NeuralNetwork, datasets
from chainnet.errors import ArgumentError, ArgumentTypeError, DataError


def _snapshot(net):
    return [W.copy() for W in net.weights], net.iteration, len(net._history), net.rng.bit_generator.state


def _unchanged(net, snap):
    weights, iteration, history, rng = snap
    return (all(np.array_equal(a, b) for a, b in zip(weights, net.weights)) and net.iteration == iteration
            and len(net._history) == history and net.rng.bit_generator.state == rng)


# ---------------------------------------------------------------------------------------------- column names
def test_non_string_column_names_are_refused_with_the_fix():
    data = pd.DataFrame({0: [1.0, 2.0, 3.0], "y": [2.0, 3.0, 1.0]})
    with pytest.raises(DataError, match=r"column name 0 .*data.columns.astype\(str\)"):
        NeuralNetwork("y ~ .", data=data)


def test_duplicate_column_names_are_refused_with_the_fix():
    data = pd.DataFrame([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0], [5.0, 1.0, 2.0]], columns=["x", "x", "y"])
    with pytest.raises(DataError, match=r"column 'x' appears 2 times"):
        NeuralNetwork("y ~ .", data=data)
    net = NeuralNetwork("y ~ x", data=pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 3.0, 1.0]}), seed=0)
    with pytest.raises(DataError, match=r"newdata.*column 'x' appears 2 times"):
        net.predict(data)


# ---------------------------------------------------------------------------------------------- scoring new data
@pytest.fixture
def regression(iris):
    return NeuralNetwork("Sepal.Length ~ .", data=iris, hidden=2, seed=0).train(5, learn_rate=1e-3, trace=0)


def test_text_response_in_newdata_of_a_regression_is_refused(iris, regression):
    bad = iris.iloc[:3].assign(**{"Sepal.Length": "a"})
    for score in (regression.rmse, regression.r2, regression.compute_loss):
        with pytest.raises(DataError, match=r"response 'Sepal.Length' in newdata.*pd.to_numeric"):
            score(bad)


def test_scoring_newdata_without_a_complete_row_is_refused(iris, regression):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=2, seed=0)
    no_truth = iris.iloc[:4].assign(Species=np.nan)
    for score in (net.accuracy, net.compute_loss):
        with pytest.raises(DataError, match=r"no row of newdata has both .*predictors and the response 'Species'"):
            score(no_truth)
    no_truth = iris.iloc[:4].assign(**{"Sepal.Length": np.nan})
    for score in (regression.rmse, regression.r2, regression.compute_loss):
        with pytest.raises(DataError, match=r"no row of newdata has both"):
            score(no_truth)


# ---------------------------------------------------------------------------------------------- standardize
def test_standardize_leaves_a_constant_column_as_it_is():
    rng = np.random.default_rng(0)
    # Without an intercept, a constant column is the model's intercept: centring it would zero it out.
    x = rng.normal(size=50)
    data = pd.DataFrame({"c": 1.0, "x": x, "y": 1.0 + 2.0 * x})
    net = NeuralNetwork("y ~ c + x - 1", data=data, hidden=0, activation="identity", standardize=True, seed=0)
    assert np.allclose(net.X[:, 0], 1.0)                                  # the constant column is kept
    assert np.allclose(net.X[:, 1], (x - x.mean()) / x.std(ddof=1))       # the varying one standardised
    net.train(2000, learn_rate=1e-2, trace=0, tolerance=0)
    assert net.rmse() < 1e-6                                              # y = 1 + 2x is fitted exactly


# ---------------------------------------------------------------------------------------------- dropout
def test_dropout_without_hidden_layers_is_refused(iris):
    for rate in (0.5, 5):
        with pytest.raises(ArgumentError, match=r"dropout.*no hidden layer.*dropout=0"):
            NeuralNetwork("Species ~ .", data=iris, hidden=0, dropout=rate)
    assert NeuralNetwork("Species ~ .", data=iris, hidden=0, dropout=0.0).dropout == ()


# ---------------------------------------------------------------------------------------------- numpy scalars
def test_numpy_float_fractions_are_accepted(iris):
    train, test = datasets.split(iris, test=np.float32(0.2), seed=0)
    assert (len(train), len(test)) == (120, 30)
    net = NeuralNetwork("Species ~ .", data=iris, hidden=2, seed=0)
    net.train(2, validation=np.float32(0.2), learn_rate=1e-3, trace=0)
    assert "val_loss" in net.history.columns


# ---------------------------------------------------------------------------------------------- files, datasets
def test_a_path_that_is_not_a_path_is_refused(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=2, seed=0)
    snap = _snapshot(net)
    with pytest.raises(ArgumentTypeError, match=r"path must be a file name.*got int"):
        net.save(3)
    assert _unchanged(net, snap)
    with pytest.raises(ArgumentTypeError, match=r"path must be a file name.*got int"):
        NeuralNetwork.load(3)


def test_make_epidemic_needs_two_points():
    with pytest.raises(ArgumentError, match=r"n must be at least 2"):
        datasets.make_epidemic(1)
    assert np.isfinite(datasets.make_epidemic(2, seed=0).to_numpy()).all()


# ---------------------------------------------------------------------------------------------- more new data
def test_a_categorical_predictor_given_as_all_missing_predicts_missing():
    penguins = datasets.load_penguins()
    net = NeuralNetwork("species ~ island + bill_length_mm + sex", data=penguins, hidden=2, seed=0)
    pred = net.predict(penguins.iloc[:3].assign(sex=np.nan))             # float NaN column: all missing
    assert list(pred.index) == list(penguins.index[:3]) and pred.isna().all()


def test_r2_of_a_response_that_does_not_vary_is_refused(iris, regression):
    for rows in (iris.iloc[:1], iris.iloc[:3].assign(**{"Sepal.Length": 5.0})):
        with pytest.raises(DataError, match=r"r2 is undefined.*response 'Sepal.Length' does not vary"):
            regression.r2(rows)


def test_plot_fit_truth_returning_text_is_refused(iris, regression):
    with pytest.raises(ArgumentError, match=r"truth\(x\) must return numbers"):
        regression.plot_fit(x="Petal.Length", truth=lambda x: ["a"] * len(x))
