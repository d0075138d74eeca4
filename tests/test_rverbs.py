"""R's predict(type=), fitted() and residuals(), against forward passes written out by hand in numpy and
against least squares."""

import numpy as np
import pandas as pd
import pytest

from chainnet import NeuralNetwork
from chainnet._rverbs import TYPES, fitted, predict, residuals
from chainnet.errors import ArgumentError, TaskError


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _state(net):
    return ([W.copy() for W in net.weights], None if net.output is None else net.output.copy(),
            net.rng.bit_generator.state, net.iteration, len(net.history))


def _same_state(a, b):
    return (all(np.array_equal(x, y) for x, y in zip(a[0], b[0])) and
            ((a[1] is None and b[1] is None) or np.array_equal(a[1], b[1])) and a[2:] == b[2:])


@pytest.fixture
def binary(toy):
    net = NeuralNetwork("yes ~ x + z", toy, hidden=0, seed=1)
    net.W1 = np.array([[0.3], [1.2], [-0.7]])          # Intercept, x, z
    return net


@pytest.fixture
def multiclass(iris):
    return NeuralNetwork("Species ~ .", iris, hidden=3, seed=2).train(50, learn_rate=1e-3, trace=0)


def _hand_iris(net, frame):
    X = np.column_stack([np.ones(len(frame)), frame.iloc[:, :4].to_numpy()])
    H = _sigmoid(X @ net.W1)
    return np.column_stack([np.ones(len(frame)), H]) @ net.W2


# ---------------------------------------------------------------------------------------------- predict(type=)
def test_binary_types_are_glm_and_nnet_quantities(binary, toy):
    eta = 0.3 + 1.2 * toy["x"].to_numpy() - 0.7 * toy["z"].to_numpy()   # the linear predictor by hand
    p = _sigmoid(eta)
    link, raw = predict(binary, toy, "link"), predict(binary, toy, "raw")
    assert list(link.columns) == ["yes"] and list(raw.columns) == ["yes"]      # one column: P(second level)
    np.testing.assert_allclose(link["yes"], eta, rtol=1e-13)
    np.testing.assert_allclose(raw["yes"], p, rtol=1e-13)
    np.testing.assert_allclose(predict(binary, toy, "response"), raw)
    prob = predict(binary, toy, "prob")
    np.testing.assert_allclose(prob[["no", "yes"]].to_numpy(), np.column_stack([1 - p, p]), rtol=1e-13)
    labels = predict(binary, toy, "class")
    assert (labels.astype(str).to_numpy() == np.where(p > 0.5, "yes", "no")).all()
    assert predict(binary, toy).equals(labels)                                 # class is the default


def test_multiclass_link_is_the_output_layer_scores(multiclass, iris):
    Z = _hand_iris(multiclass, iris)
    new = iris.iloc[[3, 70, 140]]
    link = predict(multiclass, new, "link")
    assert list(link.columns) == ["setosa", "versicolor", "virginica"] and list(link.index) == [3, 70, 140]
    np.testing.assert_allclose(link.to_numpy(), Z[[3, 70, 140]], rtol=1e-12)
    np.testing.assert_allclose(predict(multiclass, new, "raw").to_numpy(), _softmax(Z[[3, 70, 140]]), rtol=1e-12)
    np.testing.assert_allclose(predict(multiclass, new, "prob"), multiclass.predict_proba(new))
    assert predict(multiclass, new, "class").equals(multiclass.predict(new))


def test_regression_types(toy):
    net = NeuralNetwork("y ~ x + z", toy, hidden=0, seed=0)
    net.W1 = np.array([[2.0], [1.5], [-1.0]])
    values = 2.0 + 1.5 * toy["x"] - toy["z"]
    response = predict(net, toy)                                                # response is the default
    assert isinstance(response, pd.Series) and response.name == "y"
    np.testing.assert_allclose(response, values, rtol=1e-13)
    np.testing.assert_allclose(predict(net, toy, "link")["y"], values, rtol=1e-13)
    two = NeuralNetwork("y + y2 ~ x", toy, hidden=2, seed=0)
    both = predict(two, toy, "response")
    assert isinstance(both, pd.DataFrame) and list(both.columns) == ["y", "y2"]
    np.testing.assert_allclose(both, two.predict(toy))


def test_a_row_with_a_missing_predictor_gets_a_missing_score(multiclass, iris):
    new = iris.iloc[:4].copy()
    new.loc[1, "Petal.Width"] = np.nan
    for kind in ("link", "raw", "response"):
        out = predict(multiclass, new, kind)
        assert out.loc[1].isna().all() and out.drop(index=1).notna().all().all()


def test_unknown_type_is_a_clear_error_listing_the_types_and_changes_nothing(multiclass, iris):
    multiclass.feedforward()
    before = _state(multiclass)
    with pytest.raises(ArgumentError) as info:
        predict(multiclass, iris, "probability")
    for name in TYPES:
        assert repr(name) in str(info.value)
    assert "'probability'" in str(info.value)
    with pytest.raises(ArgumentError, match="type must be one of"):
        predict(multiclass, iris, 3)
    assert _same_state(before, _state(multiclass))


def test_a_type_for_the_other_task_says_what_to_use(toy):
    net = NeuralNetwork("y ~ x", toy, hidden=0, seed=0)
    for kind in ("class", "prob"):
        with pytest.raises(TaskError, match=f"type='{kind}' is for classification.*type='response'"):
            predict(net, toy, kind)


def test_predict_types_change_nothing(multiclass, iris):
    multiclass.feedforward()
    before = _state(multiclass)
    for kind in TYPES:
        predict(multiclass, iris, kind)
    fitted(multiclass), residuals(multiclass)
    assert _same_state(before, _state(multiclass))


# ---------------------------------------------------------------------------------------------- fitted / residuals
def test_regression_fitted_and_residuals_are_least_squares(toy):
    net = NeuralNetwork("y ~ x + z + g", toy, hidden=0, seed=0)
    X = np.column_stack([np.ones(len(toy)), toy["x"], toy["z"], toy["g"] == "b", toy["g"] == "c"]).astype(float)
    beta, *_ = np.linalg.lstsq(X, toy["y"].to_numpy(), rcond=None)
    assert net.design.columns == ("Intercept", "x", "z", "g[T.b]", "g[T.c]")
    net.W1 = beta[:, None]
    fit, res = fitted(net), residuals(net)
    assert isinstance(fit, pd.Series) and fit.index.equals(toy.index)
    np.testing.assert_allclose(fit, X @ beta, rtol=1e-12)
    np.testing.assert_allclose(res, toy["y"] - X @ beta, atol=1e-12)
    assert abs(res.sum()) < 1e-10 and np.abs(X.T @ res.to_numpy()).max() < 1e-9   # normal equations: X'r = 0


def test_classification_fitted_are_probabilities_and_residuals_indicator_minus_probability(multiclass, iris):
    P = _softmax(_hand_iris(multiclass, iris))
    fit, res = fitted(multiclass), residuals(multiclass)
    assert list(fit.columns) == ["setosa", "versicolor", "virginica"] and fit.index.equals(iris.index)
    np.testing.assert_allclose(fit.to_numpy(), P, rtol=1e-12)
    indicator = pd.get_dummies(iris["Species"]).to_numpy(dtype=float)
    np.testing.assert_allclose(res.to_numpy(), indicator - P, atol=1e-12)
    np.testing.assert_allclose(res.sum(axis=1), 0.0, atol=1e-12)               # each row's residuals sum to 0


def test_binary_fitted_is_one_column_as_nnet(binary, toy):
    p = _sigmoid(0.3 + 1.2 * toy["x"].to_numpy() - 0.7 * toy["z"].to_numpy())
    fit, res = fitted(binary), residuals(binary)
    assert list(fit.columns) == ["yes"]
    np.testing.assert_allclose(fit["yes"], p, rtol=1e-13)
    np.testing.assert_allclose(res["yes"], (toy["yes"] == "yes") - p, atol=1e-13)


def test_fitted_is_indexed_like_the_rows_kept(toy):
    data = toy.set_index(pd.Index([f"r{i}" for i in range(len(toy))]))
    data.loc[["r3", "r8"], "z"] = np.nan
    net = NeuralNetwork("y ~ x + z", data, hidden=2, seed=0)
    kept = data.index.drop(["r3", "r8"])
    assert fitted(net).index.equals(kept) and residuals(net).index.equals(kept)
    np.testing.assert_allclose(residuals(net), data.loc[kept, "y"] - predict(net, data.loc[kept]), atol=1e-12)


# ---------------------------------------------------------------------------------------------- against R's nnet
# nnet(Species ~ Sepal.Length + Petal.Width, size = 2, Wts = <the weights below>, maxit = 0) in R 4 / nnet 7.3:
# predict(fit, type = "raw") and residuals(fit) for a few rows (R's row names).
W1 = np.array([[0.5, -1.0], [0.2, 0.3], [-0.4, 1.1]])       # Intercept, Sepal.Length, Petal.Width -> h1, h2
R_BINARY_RAW = {51: 0.35938163834307651, 52: 0.35197031035771115, 100: 0.36389966037386934,
                150: 0.33288974523980686}
R_MULTI_RAW = {0: [0.24517144949574396, 0.43931773294477644, 0.31551081755947957],
               50: [0.13583782261194913, 0.45377907235759346, 0.41038310503045750],
               149: [0.12112521839879928, 0.43446677248019605, 0.44440800912100470]}


def test_raw_fitted_and_residuals_equal_nnets_binary(iris):
    data = iris.iloc[50:].assign(Species=lambda d: d["Species"].astype(str))   # versicolor, virginica
    net = NeuralNetwork("Species ~ Sepal.Length + Petal.Width", data, hidden=2, seed=0)
    net.W1, net.W2 = W1, np.array([[0.1], [1.5], [-2.0]])
    rows = [50, 51, 99, 149]                                                     # R's 51, 52, 100, 150
    expected = np.array(list(R_BINARY_RAW.values()))
    np.testing.assert_allclose(predict(net, data.loc[rows], "raw")["virginica"], expected, rtol=1e-14)
    np.testing.assert_allclose(fitted(net).loc[rows, "virginica"], expected, rtol=1e-14)
    np.testing.assert_allclose(residuals(net).loc[rows, "virginica"], [-expected[0], -expected[1], -expected[2],
                                                                        1 - expected[3]], rtol=1e-14)


def test_raw_fitted_and_residuals_equal_nnets_softmax(iris):
    net = NeuralNetwork("Species ~ Sepal.Length + Petal.Width", iris, hidden=2, seed=0)
    net.W1 = W1
    net.W2 = np.array([[0.1, -0.3, 0.2], [1.5, 0.7, -1.0], [-2.0, 0.4, 1.2]])  # bias, h1, h2 -> 3 classes
    rows = list(R_MULTI_RAW)
    expected = np.array(list(R_MULTI_RAW.values()))
    np.testing.assert_allclose(predict(net, iris.loc[rows], "raw").to_numpy(), expected, rtol=1e-14)
    np.testing.assert_allclose(fitted(net).loc[rows].to_numpy(), expected, rtol=1e-14)
    indicator = np.eye(3)[[0, 1, 2]]                                             # setosa, versicolor, virginica
    np.testing.assert_allclose(residuals(net).loc[rows].to_numpy(), indicator - expected, atol=1e-15)


def test_types_take_a_polars_frame(multiclass, iris):
    pl = pytest.importorskip("polars")
    new = iris.iloc[[3, 70, 140]].reset_index(drop=True)
    frame = pl.DataFrame({c: new[c].astype(str).tolist() if c == "Species" else new[c].tolist() for c in new})
    got = predict(multiclass, frame, "link")
    np.testing.assert_allclose(got.to_numpy(), predict(multiclass, new, "link").to_numpy(), rtol=1e-15)


def test_the_network_methods_are_these_verbs(multiclass, iris):
    for kind in TYPES:
        got, expected = multiclass.predict(iris, type=kind), predict(multiclass, iris, kind)
        assert got.equals(expected), kind
    assert multiclass.fitted().equals(fitted(multiclass)) and multiclass.residuals().equals(residuals(multiclass))
    with pytest.raises(ArgumentError, match="type must be one of"):
        multiclass.predict(iris, type="probability")
    assert multiclass.update(". ~ . - Sepal.Width").design.columns[1:] == ("Sepal.Length", "Petal.Length",
                                                                           "Petal.Width")
