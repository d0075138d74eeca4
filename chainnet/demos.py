"""The ``chainnet demo`` runs: each trains on bundled data and yields its headline lines."""

from __future__ import annotations

from . import datasets
from .network import NeuralNetwork


def iris(quick: bool = False):
    """The R6 post's session: Species ~ ., 5 sigmoid units, 9999 iterations at learn_rate 1e-4."""
    net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=5, seed=1)
    net.train(999 if quick else 9999, learn_rate=1e-4, trace=0)
    yield f"{net!r}"
    yield f"accuracy {net.accuracy():.4f}"


def hotdogs(quick: bool = False):
    """Logistic regression against 1, 5 and 30 hidden units on the hot-dog spirals."""
    data = datasets.make_hotdogs(200, seed=1)
    # logistic regression needs the smaller rate: at 1e-2 its steps exceed 2 / (largest curvature) and bounce
    for hidden, rate in ((0, 1e-3), (1, 1e-2), (5, 1e-2), (30, 1e-2)):
        net = NeuralNetwork("class ~ x1 + x2", data=data, hidden=hidden, seed=1)
        net.train(2000 if quick else 100_000, learn_rate=rate, trace=0)
        yield f"hidden={hidden:<2d} accuracy {net.accuracy():.3f}"


def epidemic(quick: bool = False):
    """Seed 000's tanh regression on the noisy epidemic curve, trained with Adam."""
    data = datasets.make_epidemic(seed=1)
    net = NeuralNetwork("y ~ t", data=data, hidden=16, activation="tanh", seed=1)
    net.train(500 if quick else 3000, optimizer="adam", learn_rate=0.01, trace=0)
    resid = net.predict(data) - data["y_true"]
    yield f"{net!r}"
    yield f"MSE against the noisy data {net.rmse() ** 2:.4f}; against the true curve {float((resid ** 2).mean()):.4f}"


def penguins(quick: bool = False):
    """Seed 003: species ~ . - year on the complete penguins, [10, 5] ReLU, dropout [0.4, 0.3], RMSprop 0.01,
    batch 32, on a fixed 80/20 split."""
    data = datasets.load_penguins().dropna().reset_index(drop=True)
    train, test = datasets.split(data, test=0.2, seed=1)
    net = NeuralNetwork("species ~ . - year", data=train, hidden=[10, 5], activation="relu", dropout=[0.4, 0.3],
                        standardize=True, seed=1)
    net.train(20 if quick else 100, optimizer="rmsprop", learn_rate=0.01, batch_size=32, trace=0)
    yield f"{net!r}"
    yield f"test accuracy {net.accuracy(test):.4f}"


DEMOS = {"iris": iris, "hotdogs": hotdogs, "epidemic": epidemic, "penguins": penguins}
