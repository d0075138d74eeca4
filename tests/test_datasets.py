"""Bundled and generated data: shapes, R's names, and the generators' formulas."""

import numpy as np
import pytest

from chainnet import NeuralNetwork, datasets


def test_iris_is_rs_iris(iris):
    assert iris.shape == (150, 5)
    assert list(iris.columns) == ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width", "Species"]
    assert list(iris["Species"].cat.categories) == ["setosa", "versicolor", "virginica"]
    # R: colMeans(iris[1:4]) and rows 35 and 38 as Fisher printed them
    np.testing.assert_allclose(iris.iloc[:, :4].mean(), [5.843333, 3.057333, 3.758, 1.199333], atol=1e-6)
    assert iris.iloc[34, :4].tolist() == [4.9, 3.1, 1.5, 0.2] and iris.iloc[37, :4].tolist() == [4.9, 3.6, 1.4, 0.1]


def test_penguins_keep_their_missing_values():
    p = datasets.load_penguins()
    assert p.shape == (344, 8) and p["sex"].isna().sum() == 11 and p["body_mass_g"].isna().sum() == 2
    assert list(p["species"].cat.categories) == ["Adelie", "Chinstrap", "Gentoo"]
    assert len(p.dropna()) == 333


def test_hotdogs_lie_on_their_spirals():
    d = datasets.make_hotdogs(200, seed=3)
    assert d.shape == (200, 3) and list(d["class"].cat.categories) == ["not hot dog", "hot dog"]
    assert (d["class"] == "hot dog").sum() == 100
    # |x - U| is θ|cos θ| etc., so the radius lies within θ's range widened by the uniform noise (√2 at most)
    r = np.hypot(d["x1"], d["x2"])
    assert r.min() > np.pi / 2 - 1.5 and r.max() < 3.5 * np.pi + 1.5
    assert not d.equals(datasets.make_hotdogs(200, seed=4)) and d.equals(datasets.make_hotdogs(200, seed=3))


def test_epidemic_curve_scales():
    d = datasets.make_epidemic(60, noise=0.06, seed=1)
    assert d["y"].min() == 0.0 and d["y"].max() == 1.0 and d["t"].iloc[[0, -1]].tolist() == [0.0, 1.0]
    # y_true is the bell curve under the same affine map as y: corr 1 with exp(-(t - 0.4)²/0.025)
    bell = np.exp(-((d["t"] - 0.4) ** 2) / 0.025)
    assert np.corrcoef(bell, d["y_true"])[0, 1] == pytest.approx(1.0, abs=1e-12)
    noiseless = datasets.make_epidemic(60, noise=0.0, seed=1)
    np.testing.assert_allclose(noiseless["y"], noiseless["y_true"], atol=1e-12)


def test_epidemic_regression_fits_the_curve():
    d = datasets.make_epidemic(seed=1)
    net = NeuralNetwork("y ~ t", data=d, hidden=16, activation="tanh", seed=1)
    net.train(3000, optimizer="adam", learn_rate=0.01, trace=0)
    assert float(np.mean((net.predict() - d["y_true"]) ** 2)) < 0.005


@pytest.mark.parametrize("bad", [{"n": 0}, {"n": 2.5}, {"seed": "x"}])
def test_generators_check_arguments(bad):
    with pytest.raises((ValueError, TypeError)):
        datasets.make_hotdogs(**bad)


def test_split_is_a_seeded_partition(iris):
    train, test = datasets.split(iris, test=0.2, seed=5)
    assert len(test) == 30 and len(train) == 120
    assert sorted(train.index.tolist() + test.index.tolist()) == list(range(150))
    assert test.index.equals(datasets.split(iris, test=0.2, seed=5)[1].index)
    with pytest.raises(ValueError, match="fraction"):
        datasets.split(iris, test=1.5)
