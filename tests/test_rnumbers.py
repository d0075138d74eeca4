"""Numbers as R writes them: counts given as doubles (1e4, 5.0) are accepted when integral, 2.5 is not."""

import numpy as np
import pytest

from chainnet import NeuralNetwork
from chainnet.errors import ArgumentTypeError


def test_the_seed_posts_train_call_runs_as_written(iris):
    r_style = NeuralNetwork("Species ~ .", iris, hidden=5.0, seed=1).train(1e3, trace=1e2, learn_rate=1e-4)
    plain = NeuralNetwork("Species ~ .", iris, hidden=5, seed=1).train(1000, trace=100, learn_rate=1e-4)
    assert r_style.hidden == (5,) and isinstance(r_style.hidden[0], int)
    assert r_style.iteration == plain.iteration == 1000 and len(r_style.history) == 1000
    for a, b in zip(r_style.weights, plain.weights):
        np.testing.assert_array_equal(a, b)


def test_trace_1e3_prints_every_thousandth_iteration(iris, capsys):
    NeuralNetwork("Species ~ .", iris, hidden=2, seed=1).train(2e3, trace=1e3, learn_rate=1e-4)
    lines = [l for l in capsys.readouterr().err.splitlines() if l.startswith("Iteration")]
    assert [l.split("\t")[0] for l in lines] == ["Iteration 1000", "Iteration 2000"]


@pytest.mark.parametrize("hidden, sizes", [(5.0, (5,)), ([10.0, np.float64(3)], (10, 3)), (0.0, ()),
                                           (np.float32(2), (2,))])
def test_integral_hidden_sizes(iris, hidden, sizes):
    assert NeuralNetwork("Species ~ .", iris, hidden=hidden, seed=0).hidden == sizes


def test_integral_iterations_and_batch_size(iris):
    a = NeuralNetwork("Species ~ .", iris, hidden=2, seed=0).train(3.0, batch_size=32.0, trace=0)
    b = NeuralNetwork("Species ~ .", iris, hidden=2, seed=0).train(3, batch_size=32, trace=0)
    np.testing.assert_array_equal(a.W1, b.W1)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"hidden": 2.5}, ArgumentTypeError, r"hidden must be .*got 2.5"),
    ({"hidden": [4, 2.5]}, ArgumentTypeError, r"hidden layer sizes must be .*2.5"),
    ({"hidden": float("inf")}, ArgumentTypeError, r"hidden must be"),
    ({"hidden": float("nan")}, ArgumentTypeError, r"hidden must be"),
    ({"hidden": True}, ArgumentTypeError, r"hidden must be"),
])
def test_fractional_counts_are_still_refused(iris, kwargs, error, message):
    with pytest.raises(error, match=message):
        NeuralNetwork("Species ~ .", iris, **kwargs)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"iterations": 2.5}, ArgumentTypeError, r"iterations must be a positive integer.*2.5"),
    ({"iterations": 1e-3}, ArgumentTypeError, r"iterations must be a positive integer"),
    ({"trace": 1.5}, ArgumentTypeError, r"trace must be an integer >= 0.*1.5"),
    ({"batch_size": 2.5}, ArgumentTypeError, r"batch_size must be a positive integer"),
    ({"iterations": float("inf")}, ArgumentTypeError, r"iterations must be a positive integer"),
])
def test_fractional_training_counts_are_refused_and_change_nothing(iris, kwargs, error, message):
    net = NeuralNetwork("Species ~ .", iris, hidden=2, seed=0)
    W1 = net.W1.copy()
    with pytest.raises(error, match=message):
        net.train(**{"iterations": 5, **kwargs})
    np.testing.assert_array_equal(net.W1, W1)
    assert net.iteration == 0
