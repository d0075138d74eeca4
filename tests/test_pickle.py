"""Networks pickle and deep-copy (for joblib and multiprocessing): the copy predicts the same and trains on from
the same state, bit for bit; the scikit-learn estimators pickle through the network itself."""

import copy
import pickle

import numpy as np
import pytest

from chainnet import NeuralNetwork


def roundtrip(net, how):
    return pickle.loads(pickle.dumps(net)) if how == "pickle" else copy.deepcopy(net)


def assert_same_weights(a, b):
    assert len(a.weights) == len(b.weights)
    for Wa, Wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(Wa, Wb)


SETTINGS = [
    # (formula, network arguments, train arguments): GD; Adam with minibatches and dropout (the generator draws);
    # a regression with scale() in the formula and standardisation
    ("Species ~ .", {"hidden": 3}, {"learn_rate": 1e-3}),
    ("Species ~ Petal.Length + Petal.Width", {"hidden": [4, 3], "dropout": 0.2, "activation": "tanh"},
     {"optimizer": "adam", "learn_rate": 0.01, "batch_size": 32}),
    ("Sepal.Length ~ scale(Petal.Length) + Species", {"hidden": 2, "standardize": True, "decay": 0.01},
     {"optimizer": "rmsprop", "learn_rate": 0.01}),
]


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
@pytest.mark.parametrize("formula, kwargs, train", SETTINGS)
def test_a_copy_predicts_the_same_and_trains_on_bit_identically(iris, how, formula, kwargs, train):
    net = NeuralNetwork(formula, data=iris, seed=5, **kwargs).train(7, trace=0, **train)
    twin = roundtrip(net, how)
    assert twin is not net and twin.iteration == 7
    assert_same_weights(net, twin)
    np.testing.assert_array_equal(twin.predict(iris.iloc[::7]).to_numpy(), net.predict(iris.iloc[::7]).to_numpy())
    net.train(6, trace=0, **train)
    twin.train(6, trace=0, **train)
    assert_same_weights(net, twin)                       # optimizer state and generator carried over exactly
    np.testing.assert_array_equal(net.history.to_numpy(), twin.history.to_numpy())
    assert net.compute_loss() == twin.compute_loss()


def test_a_copy_is_independent(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=2, seed=1).train(3, trace=0)
    twin = copy.deepcopy(net)
    twin.train(2, trace=0)
    assert net.iteration == 3 and twin.iteration == 5
    assert not np.array_equal(net.weights[0], twin.weights[0])


def test_an_untrained_network_pickles(toy):
    net = NeuralNetwork("k ~ x + g", data=toy, hidden=2, seed=0)
    twin = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(twin.predict_proba(toy).to_numpy(), net.predict_proba(toy).to_numpy())
    assert twin.train(4, trace=0).iteration == 4 == net.train(4, trace=0).iteration
    assert_same_weights(net, twin)


def test_the_estimators_pickle_through_the_network(iris):
    pytest.importorskip("sklearn")
    from chainnet.sklearn import NeuralNetworkClassifier
    X, y = iris.drop(columns="Species"), iris["Species"]
    clf = NeuralNetworkClassifier(hidden=3, iterations=20, random_state=0).fit(X, y)
    twin = pickle.loads(pickle.dumps(clf))
    assert isinstance(twin.network_, NeuralNetwork) and twin.network_ is not clf.network_
    np.testing.assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))


def test_a_shallow_copy_trains_on_independently_and_shares_the_data(iris):
    """copy.copy used to share the weight buffer (and would share the optimizer state, generator and history):
    training the copy must leave the original exactly as it was, while the data and X are not duplicated."""
    from state_snapshot import whole_state

    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=2).train(4, trace=0, optimizer="adam",
                                                                        learn_rate=0.01, batch_size=16)
    before = whole_state(net)
    twin = copy.copy(net)
    assert twin.data is net.data and twin.X is net.X and twin.design is net.design
    twin.train(3, trace=0, optimizer="adam", learn_rate=0.01, batch_size=16)
    after = whole_state(net)
    assert after[:6] == before[:6] and after[7:] == before[7:]      # weights, X, T, output ... history, split
    assert after[6] == before[6]                                    # the optimizer state, byte for byte
    assert twin.iteration == 7 and not np.array_equal(twin.params, net.params)
    net.train(3, trace=0, optimizer="adam", learn_rate=0.01, batch_size=16)
    assert_same_weights(net, twin)                                  # and it went on from the same state
