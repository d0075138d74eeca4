"""Importance: permutation recovers a planted signal; Olden and Garson equal their formulas, written here as
loops over the weights; bad input is refused with the fix; every call leaves the network as it was."""

import numpy as np
import pandas as pd
import pytest
from insight_state import assert_unchanged, snapshot

from chainnet import ArgumentError, ArgumentTypeError, DataError, NeuralNetwork


@pytest.fixture(scope="module")
def planted():
    """y = 3·signal + level effect of g + 2·x1·x2 + small noise; `noise` plays no part."""
    rng = np.random.default_rng(7)
    n = 300
    d = pd.DataFrame({"signal": rng.normal(size=n), "noise": rng.normal(size=n),
                      "g": rng.choice(["a", "b", "c"], size=n), "x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    d["y"] = (3 * d["signal"] + d["g"].map({"a": 0.0, "b": 1.5, "c": -1.5}) + 2 * d["x1"] * d["x2"]
              + 0.1 * rng.normal(size=n))
    return d


@pytest.fixture(scope="module")
def fitted(planted):
    net = NeuralNetwork("y ~ signal + noise + g + x1:x2", data=planted, hidden=6, activation="tanh", seed=1)
    return net.train(800, optimizer="adam", learn_rate=0.03, trace=0)


def test_permutation_recovers_the_planted_signal(fitted):
    before = snapshot(fitted)
    table = fitted.importance(seed=3)
    assert_unchanged(fitted, before)
    assert list(table.index) == ["signal", "noise", "g", "x1:x2"]
    assert list(table.columns) == ["importance", "sd", "rank"]
    assert table.loc["signal", "rank"] == 1 and table.loc["noise", "rank"] == 4
    # the noise term: a tiny share of the signal's rise, and within a few sd of zero
    assert abs(table.loc["noise", "importance"]) < 0.01 * table.loc["signal", "importance"]
    assert table.loc["g", "importance"] > 0.5 and table.loc["x1:x2", "importance"] > 0.5


def test_permutation_equals_the_definition_by_hand(fitted, planted):
    """Mean over repeats of (L(shuffled) − L) / n, with the same generator draws; a factor's dummies move
    together because its column moves; x1:x2 moves x1 and x2 with one permutation."""
    table = fitted.importance(n_repeats=3, seed=11)
    rng = np.random.default_rng(11)
    n = len(planted)
    base = fitted.compute_loss(planted)
    for term, columns in [("signal", ["signal"]), ("noise", ["noise"]), ("g", ["g"]), ("x1:x2", ["x1", "x2"])]:
        rises = []
        for _ in range(3):
            order = rng.permutation(n)
            shuffled = planted.copy()
            for c in columns:
                shuffled[c] = planted[c].to_numpy()[order]
            rises.append(fitted.compute_loss(shuffled) - base)
        assert table.loc[term, "importance"] == pytest.approx(np.mean(rises) / n, rel=1e-12)
        assert table.loc[term, "sd"] == pytest.approx(np.std(rises) / n, rel=1e-12, abs=1e-15)


def test_permutation_is_deterministic_given_seed_and_uses_newdata(fitted, planted):
    a, b = fitted.importance(seed=5, n_repeats=2), fitted.importance(seed=5, n_repeats=2)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(fitted.importance(seed=6, n_repeats=2))
    half = planted.iloc[:150]
    on_half = fitted.importance(newdata=half, seed=5, n_repeats=2)
    rng, rises = np.random.default_rng(5), []            # "signal" is the first term: the first two draws
    for _ in range(2):
        shuffled = half.copy()
        shuffled["signal"] = half["signal"].to_numpy()[rng.permutation(150)]
        rises.append((fitted.compute_loss(shuffled) - fitted.compute_loss(half)) / 150)
    assert on_half.loc["signal", "importance"] == pytest.approx(np.mean(rises), rel=1e-12)


def olden_by_hand(W1, W2, intercept):
    """Σ_j W1[i, j]·W2[1 + j, k] for every input i (the intercept row left out) and output k."""
    inputs = [i for i in range(W1.shape[0]) if i != intercept]
    out = np.zeros((len(inputs), W2.shape[1]))
    for r, i in enumerate(inputs):
        for k in range(W2.shape[1]):
            out[r, k] = sum(W1[i, j] * W2[1 + j, k] for j in range(W1.shape[1]))
    return out


def garson_by_hand(W1, W2, intercept):
    """Garson 1991 / NeuralNetTools: for each hidden unit j, Q_ij = |W1[i,j]|·|W2[j]| / Σ_i' |W1[i',j]|·|W2[j]|;
    S_i = Σ_j Q_ij; importance_i = S_i / Σ S."""
    inputs = [i for i in range(W1.shape[0]) if i != intercept]
    S = np.zeros(len(inputs))
    for j in range(W1.shape[1]):
        products = [abs(W1[i, j]) * abs(W2[1 + j, 0]) for i in inputs]
        for r in range(len(inputs)):
            S[r] += products[r] / sum(products)
    return S / S.sum()


def test_olden_and_garson_equal_the_hand_formulas(fitted):
    before = snapshot(fitted)
    olden, garson = fitted.importance("olden"), fitted.importance("garson")
    assert_unchanged(fitted, before)
    columns = ["signal", "noise", "g[T.b]", "g[T.c]", "x1:x2"]
    assert list(olden.index) == columns and list(olden.columns) == ["y"]
    assert list(garson.index) == columns and list(garson.columns) == ["importance"]
    np.testing.assert_allclose(olden.to_numpy(), olden_by_hand(fitted.W1, fitted.W2, 0), rtol=1e-12)
    np.testing.assert_allclose(garson["importance"], garson_by_hand(fitted.W1, fitted.W2, 0), rtol=1e-12)
    assert garson["importance"].sum() == pytest.approx(1.0)


def test_garson_and_olden_on_neuraltools_documented_weights(iris):
    """NeuralNetTools' own example: wts_in <- c(13.12, 1.49, 0.16, -0.11, -0.19, -0.16, 0.56, -0.52, 0.81),
    struct c(2, 2, 1): hidden 1 = (bias 13.12, X1 1.49, X2 0.16), hidden 2 = (-0.11, -0.19, -0.16), output =
    (bias 0.56, h1 -0.52, h2 0.81). Worked by hand: c = |w|·|v| = [[0.7748, 0.1539], [0.0832, 0.1296]];
    per unit: X1 0.7748/0.858 + 0.1539/0.2835, X2 0.0832/0.858 + 0.1296/0.2835."""
    d = pd.DataFrame({"X1": [0.0, 1.0, 2.0, 3.0], "X2": [1.0, 0.0, 3.0, 1.0], "Y1": [0.1, 0.5, 0.2, 0.9]})
    net = NeuralNetwork("Y1 ~ X1 + X2", data=d, hidden=2, seed=0)
    net.W1 = np.array([[13.12, -0.11], [1.49, -0.19], [0.16, -0.16]])
    net.W2 = np.array([[0.56], [-0.52], [0.81]])
    s1 = 0.7748 / (0.7748 + 0.0832) + 0.1539 / (0.1539 + 0.1296)
    s2 = 0.0832 / (0.7748 + 0.0832) + 0.1296 / (0.1539 + 0.1296)
    np.testing.assert_allclose(net.importance("garson")["importance"], [s1 / (s1 + s2), s2 / (s1 + s2)], rtol=1e-12)
    np.testing.assert_allclose(net.importance("olden")["Y1"], [1.49 * -0.52 + -0.19 * 0.81,
                                                             0.16 * -0.52 + -0.16 * 0.81], rtol=1e-12)


def test_olden_has_one_column_per_class_and_works_without_intercept(iris):
    net = NeuralNetwork("Species ~ Petal.Length + Petal.Width - 1", data=iris, hidden=3, seed=2)
    table = net.importance("olden")
    assert list(table.columns) == ["setosa", "versicolor", "virginica"]
    np.testing.assert_allclose(table.to_numpy(), olden_by_hand(net.W1, net.W2, None), rtol=1e-12)
    with pytest.raises(ArgumentError, match="one output.*method='olden'"):
        net.importance("garson")


def test_bad_input_names_the_choice_and_the_fix(fitted, iris):
    before = snapshot(fitted)
    with pytest.raises(ArgumentError, match="unknown importance method 'oldn'.*'olden'"):
        fitted.importance("oldn")
    for bad in (0, -1):
        with pytest.raises(ArgumentError, match="n_repeats must be an integer >= 1.*10 is the default"):
            fitted.importance(n_repeats=bad)
    for bad in (2.5, True, "3"):
        with pytest.raises(ArgumentTypeError, match="n_repeats must be an integer >= 1"):
            fitted.importance(n_repeats=bad)
    with pytest.raises(ArgumentError, match="reads the weights, not data.*permutation"):
        fitted.importance("olden", newdata=iris)
    with pytest.raises(ArgumentTypeError, match="seed must be an integer"):
        fitted.importance(seed="x")
    deep = NeuralNetwork("Species ~ .", data=iris, hidden=[3, 2], seed=1)
    for method in ("olden", "garson"):
        with pytest.raises(ArgumentError, match="exactly one hidden layer.*2.*method='permutation'"):
            deep.importance(method)
    flat = NeuralNetwork("Species ~ .", data=iris, hidden=0, seed=1)
    with pytest.raises(ArgumentError, match="method='permutation'"):
        flat.importance("olden")
    assert deep.importance(n_repeats=1, seed=0).shape == (4, 3)
    with pytest.raises(ArgumentTypeError, match="DataFrame"):
        fitted.importance(newdata=[1, 2])
    assert_unchanged(fitted, before)


def test_a_loaded_model_without_its_frame_asks_for_newdata(fitted, planted, tmp_path):
    fitted.save(tmp_path / "m.npz")
    loaded = type(fitted).load(tmp_path / "m.npz")
    with pytest.raises(DataError, match="pass newdata="):
        loaded.importance()
    pd.testing.assert_frame_equal(loaded.importance(newdata=planted, seed=2, n_repeats=2),
                                  fitted.importance(newdata=planted, seed=2, n_repeats=2))
    pd.testing.assert_frame_equal(loaded.importance("olden"), fitted.importance("olden"))


def test_permutation_finds_the_signal_of_a_classifier(planted):
    """Binary response drawn from the signal alone: the cross-entropy rises when it is shuffled, not otherwise."""
    d = planted.assign(label=pd.Categorical(np.where(planted["signal"] + 0.3 * planted["x1"] > 0, "hi", "lo")))
    net = NeuralNetwork("label ~ noise + g + signal + x1", data=d, hidden=3, seed=2)
    net.train(300, optimizer="adam", learn_rate=0.05, trace=0)
    table = net.importance(seed=0)
    assert table.loc["signal", "rank"] == 1 and table.loc["x1", "rank"] == 2
    assert table.loc["signal", "importance"] > 0.3
    assert abs(table.loc["noise", "importance"]) < 0.05 * table.loc["signal", "importance"]
    assert abs(table.loc["g", "importance"]) < 0.05 * table.loc["signal", "importance"]


def test_a_polars_frame_is_newdata_too(fitted, planted):
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({c: planted[c].tolist() for c in planted.columns})
    pd.testing.assert_frame_equal(fitted.importance(newdata=frame, seed=4, n_repeats=2),
                                  fitted.importance(newdata=planted.reset_index(drop=True), seed=4, n_repeats=2))
    pd.testing.assert_frame_equal(fitted.partial_dependence("g", newdata=frame),
                                  fitted.partial_dependence("g", newdata=planted))
