"""summary() and coef(): the tables equal the weights, the counts equal their sizes, the metrics equal the queries."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from chainnet import NeuralNetwork, TaskError
from chainnet.report import Coefficients, Summary, confusion_matrix


@pytest.fixture(scope="module")
def iris_net(iris):
    return NeuralNetwork("Species ~ .", data=iris, hidden=5, seed=1).train(300, learn_rate=1e-3, trace=0)


# ---------------------------------------------------------------------------------------------- coef()
def test_coef_tables_are_the_weights_with_their_labels(iris_net):
    tables = iris_net.coef()
    assert isinstance(tables, Coefficients) and list(tables) == ["W1", "W2"]
    W1, W2 = tables["W1"], tables["W2"]
    np.testing.assert_array_equal(W1.to_numpy(), iris_net.W1)
    np.testing.assert_array_equal(W2.to_numpy(), iris_net.W2)
    assert list(W1.index) == ["bias", "Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]  # issue 12
    assert list(W1.columns) == ["h1", "h2", "h3", "h4", "h5"]
    assert list(W2.index) == ["bias", "h1", "h2", "h3", "h4", "h5"]
    assert list(W2.columns) == ["setosa", "versicolor", "virginica"]
    assert W1.loc["Petal.Width", "h3"] == iris_net.W1[4, 2] and W2.loc["bias", "virginica"] == iris_net.W2[0, 2]


def test_coef_is_a_copy(iris_net):
    tables = iris_net.coef()
    before = iris_net.W1.copy()
    tables["W1"].iloc[0, 0] += 1.0
    np.testing.assert_array_equal(iris_net.W1, before)


def test_coef_tidy_has_one_row_per_weight(iris_net):
    long = iris_net.coef().tidy()
    assert list(long.columns) == ["layer", "from", "to", "weight"]
    assert len(long) == iris_net.W1.size + iris_net.W2.size
    row = long[(long["layer"] == "W2") & (long["from"] == "h4") & (long["to"] == "versicolor")]
    assert row["weight"].item() == iris_net.W2[4, 1]
    np.testing.assert_array_equal(long.loc[long["layer"] == "W1", "weight"], iris_net.W1.ravel())


@pytest.mark.parametrize("formula, hidden, rows, columns", [
    ("yes ~ x + z", 0, [["bias", "x", "z"]], [["yes"]]),                          # logistic regression
    ("y + y2 ~ x - 1", [3, 2], [["x"], ["bias", "h1.1", "h1.2", "h1.3"], ["bias", "h2.1", "h2.2"]],
     [["h1.1", "h1.2", "h1.3"], ["h2.1", "h2.2"], ["y", "y2"]]),
    ("k ~ g", 2, [["bias", "g[T.b]", "g[T.c]"], ["bias", "h1", "h2"]], [["h1", "h2"], ["p", "q", "r"]]),
])
def test_coef_labels_for_every_shape(toy, formula, hidden, rows, columns):
    net = NeuralNetwork(formula, data=toy, hidden=hidden, seed=0)
    tables = net.coef()
    assert [list(t.index) for t in tables.values()] == rows
    assert [list(t.columns) for t in tables.values()] == columns
    for table, W in zip(tables.values(), net.weights):
        np.testing.assert_array_equal(table.to_numpy(), W)


def test_coefficients_print_every_table_and_repr_is_one_line(iris_net):
    tables = iris_net.coef()
    assert repr(tables) == "<Coefficients W1 (5, 5), W2 (6, 3): 43 weights>"
    text = str(tables)
    assert text.startswith("W1:\n") and "\n\nW2:\n" in text and "Petal.Width" in text and "virginica" in text


# ---------------------------------------------------------------------------------------------- summary()
def test_summary_counts_parameters_and_reports_the_metrics(iris_net, iris):
    s = iris_net.summary()
    assert isinstance(s, Summary)
    assert s.parameters == sum(W.size for W in iris_net.weights) == 5 * 5 + 6 * 3
    assert s.layers["parameters"].tolist() == [W.size for W in iris_net.weights]
    assert list(zip(s.layers["rows"], s.layers["columns"])) == [W.shape for W in iris_net.weights]
    assert s.layers["activation"].tolist() == ["sigmoid", "softmax"]
    assert s.metrics["loss"] == pytest.approx(iris_net.compute_loss(), rel=1e-15)
    assert s.metrics["accuracy"] == iris_net.accuracy() and s.metrics["rows"] == 150
    expected = pd.crosstab(iris["Species"], iris_net.predict(), dropna=False)
    np.testing.assert_array_equal(s.confusion.to_numpy(), expected.to_numpy())
    assert s.columns == list(iris_net.design.columns)
    text = str(s)
    for piece in ("'Species ~ .'", "Intercept, Sepal.Length, Sepal.Width, Petal.Length, Petal.Width",
                  "sigmoid hidden", "GD()", "300, last learn_rate 0.001", "Layers (43 parameters)", "accuracy"):
        assert piece in text
    assert repr(s) == (f"<Summary 'Species ~ .': classification 4-5-3, 43 parameters, 300 iterations, "
                       f"loss {iris_net.compute_loss():.6g}, accuracy {iris_net.accuracy():.4g}>")


def test_summary_of_a_regression_with_training_extras(toy):
    net = NeuralNetwork("y ~ x + z + g", data=toy, hidden=[4, 3], activation="relu", dropout=[0.2, 0.1],
                        decay=0.01, standardize=True, seed=0)
    net.train(30, optimizer="adam", learn_rate=0.01, trace=0, validation=0.25)
    s = net.summary()
    assert s.parameters == sum(W.size for W in net.weights) == 5 * 4 + 5 * 3 + 4 * 1
    assert s.layers.index.tolist() == ["W1", "W2", "W3"]
    assert s.layers["activation"].tolist() == ["relu", "relu", "identity"]
    assert s.metrics["rmse"] == net.rmse() and s.metrics["r2"] == net.r2()
    assert s.metrics["val_loss"] == net.history["val_loss"].iloc[-1]
    assert s.confusion is None
    text = str(s)
    for piece in ("(standardized)", "dropout 0.2, 0.1", "decay 0.01", "Adam(betas=(0.9, 0.999), eps=1e-08)",
                  "squared error (summed)", "val_rmse"):
        assert piece in text


def test_ipython_shows_the_full_text(iris_net):
    for obj in (iris_net.summary(), iris_net.coef()):
        printed = []
        obj._repr_pretty_(SimpleNamespace(text=printed.append), False)      # IPython's printer protocol
        assert printed == [str(obj)]


def test_summary_of_an_untrained_network(toy):
    s = NeuralNetwork("yes ~ x", data=toy, hidden=2, seed=0).summary()
    assert "none yet" in str(s) and s.metrics["loss"] > 0 and "0 iterations" in repr(s)


# ---------------------------------------------------------------------------------------------- confusion matrix
def test_confusion_matrix_on_new_data_counts_complete_rows(iris_net, iris):
    new = iris.iloc[::5].copy()
    new.iloc[0, 0] = np.nan
    table = confusion_matrix(iris_net, new)
    kept = new.iloc[1:]
    expected = pd.crosstab(kept["Species"], iris_net.predict(kept), dropna=False)
    np.testing.assert_array_equal(table.to_numpy(), expected.to_numpy())
    assert table.index.name == "actual" and table.columns.name == "predicted"
    with pytest.raises(TaskError, match="confusion_matrix is for classification"):
        confusion_matrix(NeuralNetwork("Sepal.Length ~ Petal.Length", data=iris, hidden=1, seed=0))
