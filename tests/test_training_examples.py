"""The seeds' training runs, as numbers: seed 003's penguins networks, seed 000's epidemic curve with Adam, and
100,000 rows in minibatches. Settings as in examples/ and the README."""

import numpy as np
import pandas as pd
import pytest

from chainnet import DivergedError, NeuralNetwork, datasets


@pytest.fixture(scope="module")
def penguins_split():
    return datasets.split(datasets.load_penguins().dropna(), test=0.2, seed=1)


def test_penguins_body_mass_beats_the_seed(penguins_split):
    """Seed 003 (luz, RMSprop, 50 ReLU units, dropout 0.4, 100 epochs): test MAE 422.8 g."""
    train, test = penguins_split
    net = NeuralNetwork("body_mass_g ~ . - year", data=train, hidden=50, activation="relu", dropout=0.4,
                        standardize=True, seed=1)
    net.train(100, optimizer="rmsprop", learn_rate=0.01, batch_size=32, trace=0)
    mae = float(np.mean(np.abs(net.predict(test) - test["body_mass_g"])))
    assert net.iteration == 100 and mae < 422.8


def test_penguins_species_two_layers(penguins_split):
    train, test = penguins_split
    net = NeuralNetwork("species ~ . - year", data=train, hidden=[10, 5], activation="relu", dropout=[0.4, 0.3],
                        standardize=True, seed=1)
    net.train(100, optimizer="rmsprop", learn_rate=0.01, batch_size=32, trace=0)
    assert net.iteration == 100 and net.accuracy(test) >= 0.97


def test_epidemic_with_adam_fits_the_true_curve():
    """Seed 000's 16 tanh units; its gradient-descent loop ended at MSE 0.034 against the noisy data."""
    data = datasets.make_epidemic(seed=1)
    net = NeuralNetwork("y ~ t", data=data, hidden=16, activation="tanh", seed=1)
    net.train(3000, optimizer="adam", learn_rate=0.01, trace=0)
    pred = net.predict(data)
    assert np.mean((pred - data["y"]) ** 2) < 0.034
    assert np.mean((pred - data["y_true"]) ** 2) < 0.002


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(0)
    n = 100_000
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "y": np.sin(2 * x1) + 0.5 * x2 ** 2 + rng.normal(scale=0.1, size=n)})


def test_adam_minibatches_on_100000_rows(big):
    net = NeuralNetwork("y ~ x1 + x2", data=big, hidden=16, activation="tanh", seed=0)
    start = net.compute_loss()
    net.train(3, optimizer="adam", learn_rate=0.01, batch_size=256, tolerance=0, trace=0)
    loss = net.history["loss"].to_numpy()
    assert np.all(np.isfinite(loss)) and loss[0] < start and loss[2] < loss[1] < loss[0]
    assert net.compute_loss() / len(big) < 0.1 * big["y"].var()      # MSE: most of the variance explained


@pytest.mark.parametrize("batch_size", [32, 4096, None])
def test_gradient_descent_rate_scales_with_one_over_the_batch(big, batch_size):
    """With a summed loss, learn_rate = 0.1 / batch_size (full batch: 0.1 / n) is a stable step at every batch
    size, while ten times more blows up the loss."""
    b = batch_size or len(big)
    good = NeuralNetwork("y ~ x1 + x2", data=big, hidden=16, activation="tanh", seed=0)
    start = good.compute_loss()
    good.train(2, learn_rate=0.1 / b, batch_size=batch_size, tolerance=0, trace=0)
    assert good.compute_loss() < 0.8 * start
    bad = NeuralNetwork("y ~ x1 + x2", data=big, hidden=16, activation="tanh", seed=0)
    with np.errstate(all="ignore"):
        try:
            bad.train(2, learn_rate=10.0 / b, batch_size=batch_size, tolerance=0, trace=0)
            blown = bad.compute_loss() > 10 * start
        except DivergedError:          # the loss went to inf or NaN
            blown = True
    assert blown
