"""chainnet.sklearn: scikit-learn's own estimator checks, and the estimators inside scikit-learn's tools."""

import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from chainnet import ArgumentError, DataError, NeuralNetwork
from chainnet.optim import OPTIMIZERS
from chainnet.sklearn import DEFAULT_OPTIMIZER, NeuralNetworkClassifier, NeuralNetworkRegressor

#: small and quick for the checks: few units, 50 iterations
CHECKED = [NeuralNetworkClassifier(hidden=3, iterations=50),    # the default optimizer (lbfgs) at its own rate
           NeuralNetworkRegressor(hidden=3, iterations=50, learn_rate=0.1)]

#: checks that cannot pass, with the reason (README "scikit-learn"): none
EXPECTED_FAILURES: dict = {}
#: these need SCIPY_ARRAY_API=1 set before scipy is imported: run in a fresh interpreter below
ARRAY_API = "check_array_api_input"


def _expected(estimator):
    return EXPECTED_FAILURES


@parametrize_with_checks(CHECKED, expected_failed_checks=_expected)
def test_sklearn_estimator_checks(estimator, check):
    if ARRAY_API in str(check):
        pytest.skip("run with SCIPY_ARRAY_API=1 by test_array_api_checks_in_a_fresh_interpreter")
    check(estimator)


def test_array_api_checks_in_a_fresh_interpreter():
    code = ("from sklearn.utils.estimator_checks import check_array_api_input\n"
            "from chainnet.sklearn import NeuralNetworkClassifier as C, NeuralNetworkRegressor as R\n"
            "for e in (C(hidden=3, iterations=20), R(hidden=3, iterations=20)):\n"
            "    check_array_api_input(type(e).__name__, e, array_namespace='numpy', expect_only_array_outputs=False)\n"
            "print('ok')\n")
    env = {**os.environ, "SCIPY_ARRAY_API": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_default_optimizer_is_lbfgs_when_chainnet_has_it():
    assert DEFAULT_OPTIMIZER == ("lbfgs" if "lbfgs" in OPTIMIZERS else "adam")
    assert NeuralNetworkClassifier().get_params()["optimizer"] == DEFAULT_OPTIMIZER


# ---------------------------------------------------------------------------------------------- inside sklearn
@pytest.fixture(scope="module")
def iris_xy(iris):
    return iris.drop(columns="Species"), iris["Species"]


def test_cross_val_score_in_two_processes(iris_xy):
    X, y = iris_xy
    clf = NeuralNetworkClassifier(hidden=3, iterations=100, learn_rate=0.05, random_state=0)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    parallel = cross_val_score(clf, X, y, cv=cv, n_jobs=2)
    by_hand = [clone(clf).fit(X.iloc[tr], y.iloc[tr]).score(X.iloc[te], y.iloc[te]) for tr, te in cv.split(X, y)]
    np.testing.assert_array_equal(parallel, by_hand)       # same seeds, same folds: the same numbers
    assert parallel.min() > 0.8


def test_grid_search_over_hidden_picks_the_best_mean_score(iris_xy):
    X, y = iris_xy
    grid = GridSearchCV(NeuralNetworkClassifier(iterations=40, learn_rate=0.05, random_state=1),
                        {"hidden": [1, 4]}, cv=3).fit(X, y)
    means = grid.cv_results_["mean_test_score"]
    assert grid.best_params_["hidden"] == [1, 4][int(np.argmax(means))]
    manual = cross_val_score(NeuralNetworkClassifier(hidden=4, iterations=40, learn_rate=0.05, random_state=1),
                             X, y, cv=3)
    assert means[1] == pytest.approx(manual.mean(), rel=1e-12)
    assert list(grid.best_estimator_.network_.hidden) == [grid.best_params_["hidden"]]


def test_pipeline_is_the_scaler_then_the_network(iris_xy):
    X, y = iris_xy
    clf = NeuralNetworkClassifier(hidden=3, iterations=30, learn_rate=0.05, standardize=False, random_state=0)
    pipe = make_pipeline(StandardScaler(), clone(clf)).fit(X, y)
    scaled = StandardScaler().fit_transform(X)
    alone = clone(clf).fit(scaled, y)
    np.testing.assert_allclose(pipe.predict_proba(X), alone.predict_proba(scaled), rtol=1e-12)


def test_clone_keeps_the_parameters_not_the_fit(iris_xy):
    clf = NeuralNetworkClassifier(hidden=[4, 2], activation="tanh", decay=0.01, formula="~ Petal.Length",
                                  random_state=3).fit(*iris_xy)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params() and not hasattr(copy, "network_")
    assert copy.get_params()["hidden"] == [4, 2]


# ---------------------------------------------------------------------------------------------- the network inside
def test_a_data_frame_keeps_its_dotted_names_and_the_formula_picks_columns(iris_xy):
    X, y = iris_xy
    clf = NeuralNetworkClassifier(hidden=3, iterations=40, learn_rate=0.05, formula="~ Petal.Length + Petal.Width",
                                  random_state=0).fit(X, y)
    net = clf.network_
    assert net.design.columns == ("Intercept", "Petal.Length", "Petal.Width") and net.formula.startswith("y ~ ")
    assert list(clf.feature_names_in_) == list(X.columns) and clf.n_features_in_ == 4
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    direct = NeuralNetwork("y ~ Petal.Length + Petal.Width", data=X.assign(y=y), hidden=3, seed=0, standardize=True)
    direct.train(40, learn_rate=0.05, optimizer=DEFAULT_OPTIMIZER, tolerance=0.0, trace=0)
    np.testing.assert_array_equal(clf.predict_proba(X), direct.predict_proba(X).to_numpy())
    np.testing.assert_array_equal(clf.loss_curve_, direct.history["loss"].to_numpy())
    assert clf.n_iter_ == 40 == len(clf.loss_curve_)


def test_arrays_get_columns_x0_x1(iris_xy):
    X, _ = iris_xy
    reg = NeuralNetworkRegressor(hidden=2, iterations=20, learn_rate=0.05, random_state=0).fit(X.to_numpy()[:, 1:],
                                                                                            X.to_numpy()[:, 0])
    assert reg.network_.design.columns == ("Intercept", "x0", "x1", "x2")
    assert not hasattr(reg, "feature_names_in_") and reg.predict(X.to_numpy()[:, 1:]).shape == (150,)


def test_text_and_categorical_columns_are_dummy_coded(toy):
    X = toy[["x", "z", "g"]]
    clf = NeuralNetworkClassifier(hidden=2, iterations=30, learn_rate=0.05, random_state=0).fit(X, toy["yes"])
    assert "g[T.b]" in clf.network_.design.columns and clf.predict(X).shape == (40,)
    with pytest.raises(ValueError, match="NaN or infinity in column"):
        clf.predict(X.assign(g=X["g"].where(X.index != 3)))


def test_decision_function_is_the_score_before_the_link(iris_xy, toy):
    X, y = iris_xy
    three = NeuralNetworkClassifier(hidden=3, iterations=30, learn_rate=0.05, random_state=0).fit(X, y)
    Z = three.decision_function(X)
    softmax = np.exp(Z - Z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(softmax / softmax.sum(axis=1, keepdims=True), three.predict_proba(X), rtol=1e-12)
    two = NeuralNetworkClassifier(hidden=2, iterations=30, learn_rate=0.05, random_state=0).fit(toy[["x", "z"]],
                                                                                              toy["yes"])
    z = two.decision_function(toy[["x", "z"]])
    np.testing.assert_allclose(1 / (1 + np.exp(-z)), two.predict_proba(toy[["x", "z"]])[:, 1], rtol=1e-12)
    np.testing.assert_array_equal(two.predict(toy[["x", "z"]]), two.classes_[(z > 0).astype(int)])


def test_integer_sample_weights_are_repeated_rows(toy):
    X, y = toy[["x", "z"]], toy["y"]
    w = np.arange(len(X)) % 3                                   # 0, 1, 2: dropped, once, twice
    rows = np.repeat(np.arange(len(X)), w)
    est = NeuralNetworkRegressor(hidden=2, iterations=25, learn_rate=0.05, random_state=0)
    weighted = clone(est).fit(X, y, sample_weight=w)
    repeated = clone(est).fit(X.iloc[rows], y.iloc[rows])
    # case weights, not repeated rows, in the network: the same objective and standardisation, summed in another order
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-9)
    half = clone(est).fit(X, y, sample_weight=np.full(len(X), 0.5))        # fractional weights: Σ 0.5·(ŷ - y)²
    residual = half.predict(X) - y.to_numpy()
    assert half.network_.compute_loss() == pytest.approx(0.5 * np.sum(residual ** 2), rel=1e-10)
    with pytest.raises(ValueError, match="non-zero|zero weights"):
        clone(est).fit(X, y, sample_weight=np.zeros(len(X)))


def test_bad_input_raises_sklearns_errors_as_chainnets(iris_xy):
    X, y = iris_xy
    clf = NeuralNetworkClassifier(iterations=5)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    with pytest.raises(DataError, match="NeuralNetworkClassifier: Expected 2D array"):
        clf.fit(X["Sepal.Length"].to_numpy(), y)
    with pytest.raises(DataError, match="one class only"):
        clf.fit(X, np.repeat("a", len(X)))
    with pytest.raises(DataError, match="Input X contains NaN"):
        clf.fit(X.to_numpy() * np.where(np.arange(150) == 7, np.nan, 1)[:, None], y)
    with pytest.raises(DataError, match="Unknown label type"):
        clf.fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(DataError, match="sample_weight: .*shape"):
        clf.fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ArgumentError, match="right-hand side"):
        NeuralNetworkClassifier(formula="Species ~ .").fit(X, y)
    fitted = clone(clf).fit(X.to_numpy(), y)
    with pytest.raises(DataError, match="X has 3 features, but NeuralNetworkClassifier is expecting 4"):
        fitted.predict(X.to_numpy()[:, :3])
