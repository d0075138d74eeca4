"""Formula handling and bad input: every mistake a clear ValueError/TypeError, the model untouched."""

import numpy as np
import pandas as pd
import pytest

from chainnet import ArgumentError, ArgumentTypeError, DataError, FormulaError, NeuralNetwork, NewLevelError
from chainnet.design import quote_names, referenced_columns


def test_dotted_names_work_bare_anywhere(iris):
    net = NeuralNetwork("Species ~ scale(Sepal.Width) + Petal.Length", data=iris, hidden=2, seed=0)
    assert net.design.columns == ("Intercept", "scale(`Sepal.Width`)", "Petal.Length")
    sw = iris["Sepal.Width"]
    np.testing.assert_allclose(net.X[:, 1], (sw - sw.mean()) / sw.std(ddof=1), rtol=1e-12)


def test_quote_names_leaves_quoted_and_longer_names_alone():
    cols = ["a.b", "a.b.c", "x"]
    assert quote_names("y ~ a.b + log(a.b.c) + `a.b`", cols) == "y ~ `a.b` + log(`a.b.c`) + `a.b`"


def test_referenced_columns_reads_dot_and_minus():
    cols = ["y", "x", "year", "g"]
    assert referenced_columns("y", ". - year", cols) == (["y"], ["x", "year", "g"])
    assert referenced_columns("y", "np.log(x) + I(x * 0.5)", cols) == (["y"], ["x"])


def test_caller_variables_are_in_scope(toy):
    shift = 10.0  # noqa: F841 - read by the formula through the caller's scope
    net = NeuralNetwork("y ~ I(x + shift)", data=toy, hidden=0, seed=0)
    np.testing.assert_allclose(net.X[:, 1], toy["x"] + 10.0)


def test_formula_transforms(toy):
    net = NeuralNetwork("y ~ x * g + np.log(np.abs(z)) + center(x) - 1", data=toy, hidden=0, seed=0)
    assert "Intercept" not in net.design.columns and net.design.intercept is None
    assert "x:g[T.b]" in net.design.columns and "np.log(np.abs(z))" in net.design.columns
    net = NeuralNetwork("k ~ C(g)", data=toy, hidden=0, seed=0)
    assert net.design.levels["g"] == ("a", "b", "c")


def test_missing_rows_are_dropped_before_scale_learns(toy):
    data = toy.copy()
    data.loc[[0, 5], "x"] = np.nan
    data.loc[7, "z"] = np.nan        # z unused: row 7 stays
    net = NeuralNetwork("y ~ scale(x)", data=data, hidden=0, seed=0)
    assert len(net.X) == 38 and 0 not in net.rows and 7 in net.rows
    kept = data["x"].dropna()
    np.testing.assert_allclose(net.X[:, 1], (kept - kept.mean()) / kept.std(ddof=1), rtol=1e-12)


@pytest.mark.parametrize("formula, message", [
    ("y ~ nope", "'nope'"),
    ("y ~ x +", "could not be used"),
    ("~ x", "no response"),
    ("x", "exactly one '~'"),
    ("y ~ ", "no predictors"),
    ("missing ~ x", "response 'missing'"),
])
def test_bad_formulas_name_the_problem(toy, formula, message):
    with pytest.raises(FormulaError, match=message) as info:
        NeuralNetwork(formula, data=toy)
    assert "\x1b[" not in str(info.value)


def test_missing_column_suggests_a_close_name(toy):
    with pytest.raises(FormulaError, match="did you mean 'x'"):
        NeuralNetwork("y ~ xx", data=toy)


def test_misspelt_dotted_name_is_named_whole(iris):
    with pytest.raises(FormulaError, match=r"uses 'Sepal.Lenght'.*did you mean 'Sepal.Length'"):
        NeuralNetwork("Species ~ scale(Sepal.Lenght)", data=iris)


@pytest.mark.parametrize("data, error, message", [
    ([[1, 2]], ArgumentTypeError, "DataFrame"),
    (pd.DataFrame({"y": [], "x": []}), DataError, "no rows"),
    (pd.DataFrame({"y": [1.0, np.nan], "x": [np.nan, 2.0]}), DataError, "no rows left"),
    (pd.DataFrame({"y": ["a", "a"], "x": [1.0, 2.0]}), DataError, "one class"),
    (pd.DataFrame({"y": [1.0, 2.0], "x": [1.0, np.inf]}), DataError, "column 'x' holds 1 infinite"),
    (pd.DataFrame({"y": [1.0, 2.0], "x": [1.0, 2.0], "Intercept": 1.0}), DataError, "Intercept"),
])
def test_bad_data(data, error, message):
    with pytest.raises(error, match=message):
        NeuralNetwork("y ~ x", data=data)


def test_log_of_zero_names_the_design_column(toy):
    with pytest.raises(DataError, match=r"np.log\(x\)"):
        NeuralNetwork("y ~ np.log(x)", data=toy.assign(x=0.0))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"hidden": -1}, ArgumentError, "hidden must be >= 0"),
    ({"hidden": [3, 0]}, ArgumentError, "at least 1 unit"),
    ({"hidden": 2.5}, ArgumentTypeError, "integer"),
    ({"hidden": [2, "a"]}, ArgumentTypeError, "integers"),
    ({"activation": "swish"}, ArgumentError, r"unknown activation 'swish'.*'relu'"),
    ({"init": "zeros"}, ArgumentError, r"unknown init 'zeros'.*'glorot'"),
    ({"task": "ranking"}, ArgumentError, "task must be one of"),
    ({"seed": "one"}, ArgumentTypeError, "seed"),
])
def test_bad_constructor_arguments(toy, kwargs, error, message):
    with pytest.raises(error, match=message):
        NeuralNetwork("y ~ x", data=toy, **kwargs)


def test_task_override(toy):
    data = toy.assign(code=np.where(toy["x"] > 0, 2, 5))
    assert NeuralNetwork("code ~ z", data=data).task == "regression"
    net = NeuralNetwork("code ~ z", data=data, task="classification")
    assert net.classes == [2, 5] and net.layer_sizes[-1] == 1
    assert NeuralNetwork("C(code) ~ z", data=data).classes == [2, 5]
    with pytest.raises(DataError, match="holds classes"):
        NeuralNetwork("k ~ z", data=toy, task="regression")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"learn_rate": 0}, ArgumentError, "learn_rate must be a positive"),
    ({"learn_rate": float("nan")}, ArgumentError, "learn_rate"),
    ({"iterations": 0}, ArgumentError, "iterations must be a positive integer"),
    ({"iterations": 2.5}, ArgumentTypeError, "iterations"),
    ({"trace": -1}, ArgumentError, "trace"),
])
def test_bad_training_arguments_leave_the_model_unchanged(toy, kwargs, error, message):
    net = NeuralNetwork("k ~ x + z", data=toy, hidden=3, seed=0)
    before = [W.copy() for W in net.weights]
    with pytest.raises(error, match=message):
        net.train(**kwargs)
    assert net.iteration == 0 and all(np.array_equal(a, b) for a, b in zip(before, net.weights))


def test_predict_refuses_unseen_levels_and_missing_columns(toy):
    net = NeuralNetwork("y ~ x + g", data=toy, hidden=2, seed=0)
    with pytest.raises(NewLevelError, match=r"column 'g'.*'zzz'"):
        net.predict(toy.iloc[:3].assign(g=["a", "zzz", "b"]))
    with pytest.raises(DataError, match=r"lacks the predictor column\(s\) \['g'\]"):
        net.predict(toy[["x"]])
    with pytest.raises(DataError, match="held text in training but numbers"):
        net.predict(toy.iloc[:3].assign(g=[1, 2, 3]))
    with pytest.raises(DataError, match="numeric in training but holds text"):
        net.predict(toy.iloc[:3].assign(x=["1", "2", "3"]))
    with pytest.raises(ArgumentTypeError, match="DataFrame"):
        net.predict(toy.to_numpy())
    with pytest.raises(DataError, match="infinite"):
        net.predict(toy.iloc[:3].assign(x=np.inf))


def test_accuracy_on_new_data_needs_the_response(toy):
    net = NeuralNetwork("k ~ x", data=toy, hidden=2, seed=0)
    with pytest.raises(DataError, match="no response column 'k'"):
        net.accuracy(toy.drop(columns=["k"]))


def test_pandas_string_columns_are_classes_and_dates_are_refused(toy):
    data = toy.assign(g=toy["g"].astype("string"))
    net = NeuralNetwork("y ~ x + g", data=data, hidden=0, seed=0)
    ref = NeuralNetwork("y ~ x + g", data=toy, hidden=0, seed=0)
    assert net.design.columns == ref.design.columns and net.design.levels["g"] == ("a", "b", "c")
    np.testing.assert_array_equal(net.X, ref.X)
    np.testing.assert_array_equal(net.predict(data.iloc[:5]), ref.predict(toy.iloc[:5]))
    with pytest.raises(DataError, match=r"column 'when' holds dates.*\.dt\.days"):
        NeuralNetwork("y ~ x + when", data=toy.assign(when=pd.date_range("2020-01-01", periods=len(toy))))


def test_a_column_in_the_response_expression_can_also_be_a_predictor(toy):
    data = toy.assign(p=np.exp(toy["x"]))
    net = NeuralNetwork("np.log(p) ~ p + z", data=data, hidden=0, seed=0)
    assert set(net.design.predictors) == {"p", "z"}
    np.testing.assert_allclose(net.Y, toy["x"], rtol=1e-12)
    pred = net.predict(data[["p", "z"]].iloc[:3])
    np.testing.assert_allclose(pred, net.predict().iloc[:3], rtol=1e-12)


def test_a_column_named_1_is_refused_not_silently_dropped():
    """formulaic reads `1` as the intercept: ``y ~ .`` over columns '0', '1', '2' gave X without column '1'."""
    import re

    x = np.arange(10.0)
    df = pd.DataFrame({"y": np.sin(x), "0": x, "1": x ** 2, "2": np.cos(x)})
    with pytest.raises(DataError, match=re.escape("column named '1'") + ".*rename it"):
        NeuralNetwork("y ~ .", df, hidden=0)
    net = NeuralNetwork("y ~ .", df.rename(columns={"1": "x1"}), hidden=0)
    assert net.design.columns == ("Intercept", "0", "x1", "2")
