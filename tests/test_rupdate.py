"""R's update(): the formula's '.' rewriting, the weights carried over, and the new network computing the old
one's outputs right after an update that only adds columns or hidden units."""

import numpy as np
import pandas as pd
import pytest

from chainnet import NeuralNetwork
from chainnet._rupdate import update, updated_formula
from chainnet.errors import ArgumentError, ArgumentTypeError, DataError, FormulaError

SHARED = ["bias", "Sepal.Length", "Petal.Width"]                      # coef() rows of the shared design columns


def _state(net):
    return ([W.copy() for W in net.weights], net.rng.bit_generator.state, net.iteration, len(net.history),
            net.formula, None if net.output is None else net.output.copy())


def _same_state(a, b):
    return (all(np.array_equal(x, y) for x, y in zip(a[0], b[0])) and a[1:5] == b[1:5]
            and ((a[5] is None and b[5] is None) or np.array_equal(a[5], b[5])))


@pytest.fixture
def trained(iris):
    return NeuralNetwork("Species ~ Sepal.Length + Petal.Width", iris, hidden=3, seed=1).train(
        300, learn_rate=1e-2, trace=0)


# ---------------------------------------------------------------------------------------------- formulas
@pytest.mark.parametrize("old, change, new", [
    ("y ~ a + b", ". ~ . + c", "y ~ a + b + c"),
    ("y ~ a + b", ". ~ . - b", "y ~ a + b - b"),
    ("y ~ a + b", "~ . + c", "y ~ a + b + c"),                 # R: update(fit, ~ . + c) keeps the response
    ("y ~ a + b", ". ~ c * .", "y ~ c * (a + b)"),             # a '.' inside a term stands for the whole side
    ("y ~ .", ". ~ . - a", "y ~ . - a"),
    ("y ~ a + b", ". ~ . + I(.)", "y ~ a + b + I((a + b))"),
    ("np.log(y) ~ a", ". ~ . + I(a ** 0.5) + Sepal.Width", "np.log(y) ~ a + I(a ** 0.5) + Sepal.Width"),
    ("y ~ a", ". ~ . + `odd.name`", "y ~ a + `odd.name`"),
    ("y ~ a", "y ~ b", "y ~ b"),
])
def test_dots_stand_for_the_old_sides(old, change, new):
    assert updated_formula(old, change) == new


# ---------------------------------------------------------------------------------------------- outputs kept
def test_adding_columns_and_units_keeps_the_outputs(trained, iris):
    new = update(trained, ". ~ . + I(Sepal.Width ** 2) + Petal.Length", hidden=7)
    assert new.formula == "Species ~ Sepal.Length + Petal.Width + I(Sepal.Width ** 2) + Petal.Length"
    assert new.layer_sizes == [4, 7, 3] and new.iteration == 0 and new.history.empty
    np.testing.assert_allclose(new.predict_proba(iris), trained.predict_proba(iris), rtol=0, atol=1e-12)
    old_W1, new_W1 = trained.coef()["W1"], new.coef()["W1"]
    np.testing.assert_array_equal(new_W1.loc[SHARED, ["h1", "h2", "h3"]], old_W1.loc[SHARED])
    assert (new_W1.loc[["I(`Sepal.Width` ** 2)", "Petal.Length"], ["h1", "h2", "h3"]] == 0).all().all()
    W2 = new.coef()["W2"]
    np.testing.assert_array_equal(W2.loc[["bias", "h1", "h2", "h3"]], trained.coef()["W2"])
    assert (W2.loc[["h4", "h5", "h6", "h7"]] == 0).all().all()                 # new units feed nothing yet


def test_new_units_start_from_the_new_networks_own_initial_weights(trained, iris):
    new = update(trained, hidden=5)
    fresh = NeuralNetwork("Species ~ Sepal.Length + Petal.Width", iris, hidden=5, seed=1)   # same seed
    np.testing.assert_array_equal(new.W1[:, 3:], fresh.W1[:, 3:])
    new.train(200, learn_rate=1e-2, trace=0)                                   # and they learn
    assert np.abs(new.W2[4:]).max() > 1e-3


def test_removing_a_column_equals_zeroing_its_weights(trained, iris):
    new = update(trained, ". ~ . - Petal.Width")
    assert new.design.columns == ("Intercept", "Sepal.Length")
    by_hand = trained.coef()
    X = np.column_stack([np.ones(len(iris)), iris["Sepal.Length"]])
    H = 1 / (1 + np.exp(-(X @ by_hand["W1"].loc[["bias", "Sepal.Length"]].to_numpy())))
    Z = np.column_stack([np.ones(len(iris)), H]) @ by_hand["W2"].to_numpy()
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(new.predict_proba(iris).to_numpy(), P, atol=1e-12)


def test_fewer_units_equals_dropping_their_outgoing_weights(iris):
    old = NeuralNetwork("Petal.Width ~ Sepal.Length + Petal.Length", iris, hidden=4, activation="tanh",
                        seed=3).train(100, learn_rate=1e-4, trace=0)
    new = update(old, hidden=2)
    X = np.column_stack([np.ones(len(iris)), iris["Sepal.Length"], iris["Petal.Length"]])
    H = np.tanh(X @ old.W1[:, :2])
    np.testing.assert_allclose(new.predict(iris), np.column_stack([np.ones(len(iris)), H]) @ old.W2[:3, 0],
                               atol=1e-12)


def test_two_hidden_layers_and_a_regression(toy):
    old = NeuralNetwork("y ~ x", toy, hidden=[3, 2], activation="tanh", seed=0).train(50, learn_rate=1e-3,
                                                                                       trace=0)
    new = update(old, ". ~ . + z + g", hidden=[4, 5], decay=0.01)
    assert new.decay == 0.01 and new.activation == "tanh" and new.layer_sizes == [4, 4, 5, 1]
    np.testing.assert_allclose(new.predict(toy), old.predict(toy), rtol=0, atol=1e-12)


def test_standardized_columns_keep_the_old_centre_and_scale_when_rows_change(toy):
    data = toy.copy()
    data["w"] = np.where(np.arange(len(toy)) % 5 == 0, np.nan, np.linspace(10, 50, len(toy)))  # 8 rows lost
    old = NeuralNetwork("y ~ x + z", data, hidden=3, standardize=True, seed=0).train(100, learn_rate=1e-3,
                                                                                      trace=0)
    new = update(old, ". ~ . + w")
    kept = data.index[data["w"].notna()]
    assert new.rows.equals(kept)
    x, z = data["x"].to_numpy(), data["z"].to_numpy()                          # the old rows: all of them
    np.testing.assert_allclose(new.center[1:3], [x.mean(), z.mean()], rtol=1e-13)
    np.testing.assert_allclose(new.scale[1:3], [x.std(ddof=1), z.std(ddof=1)], rtol=1e-13)
    w = data.loc[kept, "w"].to_numpy()
    np.testing.assert_allclose(new.center[3], w.mean(), rtol=1e-13)            # a new column: its own rows
    np.testing.assert_allclose(new.X[:, 1], (data.loc[kept, "x"] - x.mean()) / x.std(ddof=1), rtol=1e-12)
    np.testing.assert_allclose(new.predict(data.loc[kept]), old.predict(data.loc[kept]), rtol=0, atol=1e-12)


def test_same_rows_and_standardize_match_a_fresh_network(iris):
    old = NeuralNetwork("Species ~ Sepal.Length", iris, hidden=2, standardize=True, seed=0)
    new = update(old, ". ~ . + Sepal.Width")
    fresh = NeuralNetwork("Species ~ Sepal.Length + Sepal.Width", iris, hidden=2, standardize=True, seed=0)
    np.testing.assert_array_equal(new.center, fresh.center)
    np.testing.assert_array_equal(new.X, fresh.X)


def test_formula_sees_the_variables_the_old_one_saw_and_not_update_internals(toy):
    offset = 3.0
    old = NeuralNetwork("y ~ I(x + offset)", toy, hidden=0, seed=0)
    new = update(old, ". ~ . + z")
    assert new.design.columns == ("Intercept", "I(x + offset)", "z")
    np.testing.assert_array_equal(new.X[:, 1], toy["x"] + offset)
    with pytest.raises(FormulaError, match="'settings', which is neither a column"):
        update(old, ". ~ . + I(settings)")


def test_the_old_network_is_unchanged(trained, iris):
    trained.feedforward()
    before = _state(trained)
    new = update(trained, ". ~ . + Sepal.Width", hidden=4)
    new.train(20, learn_rate=1e-2, trace=0)
    assert _same_state(before, _state(trained))
    assert not any(np.shares_memory(a, b) for a in new.weights for b in trained.weights)


def test_no_change_is_a_copy(trained, iris):
    new = update(trained)
    assert new.formula == trained.formula
    for a, b in zip(new.weights, trained.weights):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, error, message", [
    (lambda n: update(n, "Sepal.Width ~ ."), FormulaError, r"keeps the response .*'Sepal.Width' instead"),
    (lambda n: update(n, ". ~ . + x", size=3), ArgumentError, r"unknown setting\(s\) \['size'\].*'hidden'"),
    (lambda n: update(n, hidden=[2, 2]), ArgumentError, r"keeps their number \(1\)"),
    (lambda n: update(n, 5), ArgumentTypeError, r"formula must be a string such as '. ~ . \+ x3'"),
    (lambda n: update(n, ". ~ "), FormulaError, r"has no predictors"),
    (lambda n: update(n, "~ "), FormulaError, r"nothing right of '~'"),
    (lambda n: update(n, data=None), DataError, r"pass it, e.g. net.update\(formula, data=df\)"),
    (lambda n: update(n, ". ~ . + nope"), FormulaError, r"'nope', which is neither a column"),
])
def test_bad_updates_are_clear_errors_and_change_nothing(trained, call, error, message):
    trained.feedforward()
    before = _state(trained)
    with pytest.raises(error, match=message):
        call(trained)
    assert _same_state(before, _state(trained))


def test_a_model_loaded_without_data_updates_on_data_given(trained, iris, tmp_path):
    trained.save(tmp_path / "m.npz", include_data=False)
    loaded = NeuralNetwork.load(tmp_path / "m.npz")
    with pytest.raises(DataError, match="loaded without data"):
        update(loaded, ". ~ . + Sepal.Width")
    new = update(loaded, ". ~ . + Sepal.Width", data=iris)
    np.testing.assert_allclose(new.predict_proba(iris), trained.predict_proba(iris), atol=1e-12)


def test_a_categorical_added_and_an_interaction(toy):
    old = NeuralNetwork("yes ~ x", toy, hidden=2, seed=4).train(30, learn_rate=1e-2, trace=0)
    new = update(old, ". ~ . + g + x:z")
    assert set(new.design.columns) >= {"g[T.b]", "g[T.c]", "x:z"}
    np.testing.assert_allclose(new.predict_proba(toy), old.predict_proba(toy), atol=1e-12)
    assert isinstance(new.predict(toy), pd.Series)


def test_a_new_term_may_use_the_callers_variables(toy):
    old = NeuralNetwork("y ~ x", toy, hidden=0, seed=0)
    shift = 2.5
    new = update(old, ". ~ . + I(z + shift)")
    np.testing.assert_array_equal(new.X[:, 2], toy["z"] + shift)
