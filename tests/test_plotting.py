"""Plots: rendered with Agg, their content checked against predict(), the history and the weights."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection, QuadMesh
from matplotlib.colors import to_rgba

from chainnet import ArgumentError, ArgumentTypeError, DataError, NeuralNetwork, TaskError, datasets
from chainnet.plotting import NEGATIVE, POSITIVE, class_colors, pale


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def hotdog_net():
    data = datasets.make_hotdogs(80, seed=3)
    return NeuralNetwork("class ~ x1 + x2", data=data, hidden=5, seed=1).train(400, learn_rate=2e-2, trace=0)


@pytest.fixture(scope="module")
def iris_net(iris):
    return NeuralNetwork("Species ~ .", data=iris, hidden=5, seed=1).train(600, learn_rate=1e-3, trace=0)


@pytest.fixture
def toy_fit(toy):
    return NeuralNetwork("y ~ x + z + g", data=toy, hidden=4, activation="tanh", seed=0).train(
        300, optimizer="adam", learn_rate=0.01, trace=0)


def documented_grid(values, n):
    """The grid the docstring promises: n values from min - 5% to max + 5% of the range."""
    low, high = values.min(), values.max()
    pad = 0.05 * (high - low)
    return np.linspace(low - pad, high + pad, n)


def expected_classes(net, data, x, y, n):
    """Predicted class codes over the grid, other numeric predictors at their median (test's own frame)."""
    gx, gy = documented_grid(data[x], n), documented_grid(data[y], n)
    XX, YY = np.meshgrid(gx, gy)
    frame = pd.DataFrame({x: XX.ravel(), y: YY.ravel()})
    for col in data.columns:
        if col not in (x, y) and col != net.design.response:
            frame[col] = data[col].median()
    return gx, gy, net.predict(frame).cat.codes.to_numpy().reshape(XX.shape)


def pixel_colours(ax, tmp_path, xs, ys):
    """RGB of the saved PNG at the data points (xs[i], ys[i])."""
    path = tmp_path / "figure.png"
    ax.figure.savefig(path)
    image = plt.imread(path)
    px, py = ax.transData.transform(np.column_stack([xs, ys])).T
    rows, cols = np.round(image.shape[0] - py - 0.5).astype(int), np.round(px - 0.5).astype(int)
    return image[rows, cols, :3]


# ---------------------------------------------------------------------------------------------- decision boundary
@pytest.mark.parametrize("case", ["binary", "three classes"])
def test_decision_boundary_colours_are_the_predicted_classes(case, hotdog_net, iris_net, iris):
    net, data, x, y = ((hotdog_net, hotdog_net.data, "x1", "x2") if case == "binary"
                       else (iris_net, iris, "Petal.Length", "Petal.Width"))
    ax = net.plot_decision_boundary(x, y, resolution=60)
    codes = expected_classes(net, data, x, y, 60)[2]
    assert len(np.unique(codes)) == len(net.classes)                     # every class has a region here
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    rgba = mesh.to_rgba(mesh.get_array())
    colours = np.array([pale(c) for c in class_colors(len(net.classes))])
    np.testing.assert_allclose(rgba[..., :3], colours[codes], atol=1e-12)
    # the training points on top, in their true class's colour
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points) == len(net.classes)
    for k, (collection, label) in enumerate(zip(points, net.classes)):
        rows = data[net.design.response] == label
        np.testing.assert_array_equal(collection.get_offsets(), data.loc[rows, [x, y]].to_numpy())
        assert np.allclose(collection.get_facecolor()[0][:3], class_colors(len(net.classes))[k])
        assert np.allclose(pale(class_colors(len(net.classes))[k]), colours[k])


@pytest.mark.parametrize("case", ["binary", "three classes"])
def test_decision_boundary_png_pixels_match_predict(case, hotdog_net, iris_net, iris, tmp_path):
    net, data, x, y = ((hotdog_net, hotdog_net.data, "x1", "x2") if case == "binary"
                       else (iris_net, iris, "Petal.Length", "Petal.Width"))
    ax = net.plot_decision_boundary(x, y, resolution=30, points=False)
    gx, gy, codes = expected_classes(net, data, x, y, 30)
    # cells whose eight neighbours share their class: their centre pixel is that class's colour only
    inner = np.zeros_like(codes, dtype=bool)
    inner[1:-1, 1:-1] = True
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            inner &= np.roll(np.roll(codes, di, 0), dj, 1) == codes
    i, j = np.nonzero(inner)
    assert len(i) > 200
    got = pixel_colours(ax, tmp_path, gx[j], gy[i])
    colours = np.array([pale(c) for c in class_colors(len(net.classes))])
    np.testing.assert_allclose(got, colours[codes[i, j]], atol=1.5 / 255)


def test_decision_boundary_holds_other_predictors_at_median_and_most_frequent_level(toy):
    net = NeuralNetwork("k ~ x + z + g", data=toy, hidden=4, seed=0).train(200, learn_rate=0.05, trace=0)
    ax = net.plot_decision_boundary("z", "x", resolution=25)
    gz, gx = documented_grid(toy["z"], 25), documented_grid(toy["x"], 25)
    ZZ, XX = np.meshgrid(gz, gx)
    counts = toy["g"].value_counts()
    assert counts.iloc[0] > counts.iloc[1]                                  # a unique most frequent level
    frame = pd.DataFrame({"x": XX.ravel(), "z": ZZ.ravel(), "g": counts.index[0]})
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).ravel(), net.predict(frame).cat.codes.to_numpy())
    assert f"g={counts.index[0]}" in ax.get_title()


def test_decision_boundary_on_other_data_uses_its_rows(iris_net, iris):
    part = iris.iloc[::3]
    ax = iris_net.plot_decision_boundary("Sepal.Length", "Sepal.Width", data=part, resolution=10)
    points = np.vstack([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)])
    assert len(points) == len(part)
    assert ax.get_xlim()[0] <= part["Sepal.Length"].min() and ax.get_xlim()[1] >= part["Sepal.Length"].max()


# ---------------------------------------------------------------------------------------------- plot_fit
def test_plot_fit_line_is_predict_on_its_grid(toy_fit, toy):
    ax = toy_fit.plot_fit("x", resolution=50)
    line = next(ln for ln in ax.lines if ln.get_label() == "network")
    grid = np.linspace(toy["x"].min(), toy["x"].max(), 50)
    np.testing.assert_allclose(line.get_xdata(), grid, rtol=0, atol=1e-12)
    counts = toy["g"].value_counts()
    frame = pd.DataFrame({"x": grid, "z": toy["z"].median(), "g": counts.index[0]})
    np.testing.assert_allclose(line.get_ydata(), toy_fit.predict(frame).to_numpy(), rtol=1e-12)
    observed = next(c for c in ax.collections if c.get_label() == "observed")
    np.testing.assert_array_equal(observed.get_offsets(), toy[["x", "y"]].to_numpy())


def test_plot_fit_truth_from_a_column_or_a_callable():
    data = datasets.make_epidemic(seed=2)
    net = NeuralNetwork("y ~ t", data=data, hidden=8, activation="tanh", seed=0).train(
        200, optimizer="adam", learn_rate=0.01, trace=0)
    ax = net.plot_fit(truth="y_true")
    line = next(ln for ln in ax.lines if ln.get_label() == "y_true")
    np.testing.assert_array_equal(line.get_xdata(), data["t"].to_numpy())
    np.testing.assert_array_equal(line.get_ydata(), data["y_true"].to_numpy())
    ax = net.plot_fit(truth=lambda t: np.sin(t), resolution=30)
    line = next(ln for ln in ax.lines if ln.get_label() == "truth")
    np.testing.assert_allclose(line.get_ydata(), np.sin(np.linspace(0, 1, 30)))
    network = next(ln for ln in ax.lines if ln.get_label() == "network")
    np.testing.assert_allclose(network.get_ydata(), net.predict(pd.DataFrame({"t": np.linspace(0, 1, 30)})))


def test_plot_fit_several_networks_share_an_axes(toy):
    a = NeuralNetwork("y ~ x", data=toy, hidden=0, seed=0).train(500, learn_rate=1e-3, trace=0)
    b = NeuralNetwork("y ~ x", data=toy, hidden=3, seed=0).train(50, learn_rate=1e-3, trace=0)
    ax = a.plot_fit(label="linear")
    assert b.plot_fit(points=False, label="three units", ax=ax) is ax
    labels = [ln.get_label() for ln in ax.lines]
    assert labels == ["linear", "three units"] and ax.lines[0].get_color() != ax.lines[1].get_color()
    assert sum(c.get_label() == "observed" for c in ax.collections) == 1


# ---------------------------------------------------------------------------------------------- plot_loss
def test_plot_loss_lines_are_the_history(toy):
    net = NeuralNetwork("yes ~ x + z", data=toy, hidden=3, seed=0)
    net.train(40, learn_rate=0.05, trace=0, validation=0.25)
    ax = net.plot_loss()
    train, val = ax.lines
    np.testing.assert_array_equal(train.get_xdata(), np.arange(1, 41))
    np.testing.assert_array_equal(train.get_ydata(), net.history["loss"].to_numpy())
    np.testing.assert_array_equal(val.get_ydata(), net.history["val_loss"].to_numpy())
    assert ax.get_yscale() == "log" and val.get_label() == "validation loss"
    plain = NeuralNetwork("y ~ x", data=toy, hidden=2, seed=0).train(15, learn_rate=1e-3, trace=0).plot_loss()
    assert len(plain.lines) == 1


# ---------------------------------------------------------------------------------------------- plot_predicted
def test_plot_predicted_regression_scatter_is_actual_against_predict(toy_fit, toy):
    ax = toy_fit.plot_predicted()
    points = ax.collections[0].get_offsets()
    np.testing.assert_allclose(points[:, 0], toy["y"].to_numpy())
    np.testing.assert_allclose(points[:, 1], toy_fit.predict().to_numpy(), rtol=1e-12)
    new = toy.iloc[::2].copy()
    new.loc[new.index[0], "x"] = np.nan                                    # an incomplete row is left out
    ax = toy_fit.plot_predicted(new)
    points = ax.collections[0].get_offsets()
    assert len(points) == len(new) - 1
    np.testing.assert_allclose(points[:, 1], toy_fit.predict(new.iloc[1:]).to_numpy(), rtol=1e-12)
    assert f"RMSE {toy_fit.rmse(new):.4g}" in ax.get_title() and f"R² {toy_fit.r2(new):.3f}" in ax.get_title()


def test_plot_predicted_classification_is_the_confusion_matrix(iris_net, iris):
    ax = iris_net.plot_predicted()
    expected = pd.crosstab(iris["Species"], iris_net.predict(), dropna=False).to_numpy()
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert sorted(int(t.get_text()) for t in ax.texts) == sorted(expected.ravel())
    assert f"accuracy {iris_net.accuracy():.4g}" in ax.get_title()
    test = iris.iloc[1::4]
    ax = iris_net.plot_predicted(test)
    expected = pd.crosstab(test["Species"], iris_net.predict(test), dropna=False).to_numpy()
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)


# ---------------------------------------------------------------------------------------------- plot_network
def texts(ax, label, gid="node"):
    return [t.get_position() for t in ax.texts if t.get_text() == label and t.get_gid() == gid]


@pytest.mark.parametrize("formula, hidden", [("Species ~ .", 5), ("Species ~ .", [4, 3]), ("yes ~ x + z + g", 0),
                                             ("y ~ x + z - 1", [3])])
def test_plot_network_draws_one_edge_per_weight(formula, hidden, iris, toy):
    data = iris if formula.startswith("Species") else toy
    net = NeuralNetwork(formula, data=data, hidden=hidden, seed=4).train(5, learn_rate=1e-3, trace=0)
    ax = net.plot_network(show_weights=False)
    edges = {c.get_gid(): c for c in ax.collections if isinstance(c, LineCollection)}
    assert list(edges) == [f"W{l}" for l in range(1, len(net.weights) + 1)]
    assert sum(len(c.get_segments()) for c in edges.values()) == sum(W.size for W in net.weights)
    biggest = max(np.abs(W).max() for W in net.weights)
    for name, W in zip(edges, net.weights):
        c, w = edges[name], W.ravel()
        assert len(c.get_segments()) == W.size
        expected = np.array([to_rgba(POSITIVE if v >= 0 else NEGATIVE, 0.8) for v in w])
        np.testing.assert_allclose(c.get_colors(), expected)
        widths = np.broadcast_to(c.get_linewidths(), w.shape)
        slope, offset = np.polyfit(np.abs(w) / biggest, widths, 1)            # width grows linearly with |w|
        assert slope > 1 and np.allclose(widths, offset + slope * np.abs(w) / biggest)
    nodes = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    biases = len(net.weights) - 1 + (net.design.intercept is not None)
    assert nodes == sum(net.layer_sizes) + biases == len(texts(ax, "1", "bias")) + sum(net.layer_sizes)


def test_plot_network_edges_join_the_labelled_nodes(iris_net):
    ax = iris_net.plot_network(show_weights=True)
    W1, W2 = (c for c in ax.collections if isinstance(c, LineCollection))
    bias_in, bias_hidden = sorted(texts(ax, "1", "bias"))                  # the input layer's first
    columns = list(iris_net.design.columns)
    for r, column in enumerate(columns):
        for c in range(5):
            start, end = W1.get_segments()[r * 5 + c]
            assert np.allclose(end, texts(ax, f"h{c + 1}")[0])
            if column == "Intercept":
                assert np.allclose(start, bias_in)
            else:
                assert start[1] == pytest.approx(texts(ax, column)[0][1])  # the input node beside its label
    for r in range(6):
        for k, species in enumerate(iris_net.classes):
            start, end = W2.get_segments()[r * 3 + k]
            assert end[1] == pytest.approx(texts(ax, species)[0][1])
            assert np.allclose(start, bias_hidden if r == 0 else texts(ax, f"h{r}")[0])
    shown = sorted(float(t.get_text()) for t in ax.texts if t.get_gid() == "weight")
    np.testing.assert_allclose(shown, sorted(float(f"{w:.2g}") for W in iris_net.weights for w in W.ravel()))


# ---------------------------------------------------------------------------------------------- axes and imports
def test_every_plot_draws_into_a_given_axes_and_returns_it(iris_net, toy_fit):
    axes = plt.subplots(2, 3)[1]
    calls = [lambda ax: iris_net.plot_loss(ax=ax), lambda ax: iris_net.plot_decision_boundary(resolution=5, ax=ax),
             lambda ax: iris_net.plot_predicted(ax=ax), lambda ax: iris_net.plot_network(ax=ax),
             lambda ax: toy_fit.plot_fit("x", resolution=5, ax=ax), lambda ax: toy_fit.plot_predicted(ax=ax)]
    for call, ax in zip(calls, axes.ravel()):
        assert call(ax) is ax
    assert len(plt.get_fignums()) == 1


def test_import_chainnet_does_not_import_matplotlib():
    code = "import sys, chainnet; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------- bad input
def test_unknown_or_unfit_columns_name_the_fix(iris_net, toy_fit, toy):
    with pytest.raises(ArgumentError, match=r"x='Petal\.Len' is not a predictor.*did you mean 'Petal\.Length'"):
        iris_net.plot_decision_boundary("Petal.Len", "Petal.Width")
    with pytest.raises(ArgumentError, match="two different predictors"):
        iris_net.plot_decision_boundary("Petal.Width", "Petal.Width")
    with pytest.raises(ArgumentError, match="needs both x= and y="):
        iris_net.plot_decision_boundary("Petal.Width")
    with pytest.raises(ArgumentError, match=r"x='g' is categorical.*numeric predictor, one of \['x', 'z'\]"):
        toy_fit.plot_fit("g")
    with pytest.raises(ArgumentError, match=r"needs x=, one of the numeric predictors \['x', 'z'\]"):
        toy_fit.plot_fit()
    with pytest.raises(ArgumentError, match=r"truth='y_tru' is not a column of the data.*did you mean 'y_true'"):
        _epidemic_fit().plot_fit(truth="y_tru")
    with pytest.raises(ArgumentTypeError, match="truth must be a column name or a callable"):
        toy_fit.plot_fit("x", truth=3)
    with pytest.raises(ArgumentError, match=r"truth\(x\) must return one value per x"):
        toy_fit.plot_fit("x", truth=lambda x: x[:3])
    with pytest.raises(DataError, match=r"data lacks the predictor column\(s\) \['z'\]"):
        toy_fit.plot_fit("x", data=toy.drop(columns="z"))
    with pytest.raises(ArgumentTypeError, match="ax must be a matplotlib Axes"):
        toy_fit.plot_predicted(ax="left")


def _epidemic_fit():
    data = datasets.make_epidemic(seed=0)
    return NeuralNetwork("y ~ t", data=data, hidden=2, activation="tanh", seed=0)


def test_plots_for_the_other_task_say_which_to_use(iris_net, toy_fit):
    with pytest.raises(TaskError, match=r"plot_decision_boundary is for classification.*use plot_fit\(x=\)"):
        toy_fit.plot_decision_boundary("x", "z")
    with pytest.raises(TaskError, match=r"plot_fit is for regression.*use plot_decision_boundary\(x=, y=\)"):
        iris_net.plot_fit("Petal.Length")


def test_plots_need_the_data_or_a_history(toy):
    net = NeuralNetwork("y ~ x + z", data=toy, hidden=2, seed=0)
    with pytest.raises(ArgumentError, match=r"call net.train\(\.\.\.\) first"):
        net.plot_loss()
    weights = [W.copy() for W in net.weights]
    net.data = None                                                       # as a model saved without its data
    with pytest.raises(DataError, match="pass data="):
        net.plot_fit("x")
    assert net.plot_fit("x", data=toy, resolution=7).lines[0].get_xdata().shape == (7,)
    assert all(np.array_equal(a, b) for a, b in zip(weights, net.weights)) and net.iteration == 0
