"""The command line's R habits: --subset, --type, --decay, --dropout, --validation, --task, --quiet, --version,
'-' for standard input, counts as 1e3, and unseen levels predicting NA instead of aborting the file."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from test_cli import assert_one_line_error, call

import chainnet
from chainnet import NeuralNetwork, datasets


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "chainnet", *map(str, args)], input=stdin, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("habits")
    datasets.load_iris().to_csv(d / "iris.csv", index=False)
    rng = np.random.default_rng(0)
    toy = pd.DataFrame({"x": rng.normal(size=60), "g": rng.choice(["a", "b"], size=60)})
    toy["y"] = 1.5 * toy["x"] + (toy["g"] == "b") + rng.normal(scale=0.1, size=60)
    toy.to_csv(d / "toy.csv", index=False)
    assert call("fit", "y ~ x + g", d / "toy.csv", "--hidden", "0", "--iterations", "200", "--seed", "0",
                "--quiet", "--save", d / "toy.npz").returncode == 0
    assert call("fit", "Species ~ .", d / "iris.csv", "--hidden", "3", "--iterations", "200", "--seed", "1",
                "--optimizer", "adam", "--quiet", "--save", d / "iris.npz").returncode == 0
    return d


def _model_after(folder, *options):
    out = call("fit", options[0], folder / options[1], *options[2:], "--save", folder / "m.npz")
    assert out.returncode == 0, out.stderr
    return NeuralNetwork.load(folder / "m.npz"), out


def test_version():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"chainnet {chainnet.__version__}"


def test_settings_reach_the_network(folder):
    net, out = _model_after(folder, "Species ~ .", "iris.csv", "--hidden", "4,2", "--iterations", "1e1",
                            "--decay", "0.01", "--dropout", "0.2,0.1", "--seed", "3", "--quiet")
    assert net.hidden == (4, 2) and net.decay == 0.01 and net.dropout == (0.2, 0.1) and net.iteration == 10
    assert out.stderr == ""                                                    # --quiet: no trace
    python = NeuralNetwork("Species ~ .", datasets.load_iris(), hidden=[4, 2], decay=0.01, dropout=[0.2, 0.1],
                           seed=3).train(10, trace=0)
    for a, b in zip(net.weights, python.weights):                              # the same run as in Python
        np.testing.assert_array_equal(a, b)


def test_task_classifies_an_integer_response(folder, tmp_path):
    data = pd.DataFrame({"x": np.arange(30.0), "k": np.arange(30) % 3})
    data.to_csv(tmp_path / "k.csv", index=False)
    out = call("fit", "k ~ x", tmp_path / "k.csv", "--task", "classification", "--iterations", "5", "--quiet")
    assert out.returncode == 0 and "classification, 3 classes: 0, 1, 2" in out.stdout


def test_subset_trains_on_the_rows_r_would_keep(folder):
    net, _ = _model_after(folder, "Species ~ Petal.Width", "iris.csv", "--subset", 'Species != "setosa"',
                          "--iterations", "5", "--quiet")
    assert net.classes == ["versicolor", "virginica"] and len(net.X) == 100  # the absent level is dropped
    iris = datasets.load_iris()
    np.testing.assert_array_equal(net.X[:, 1], iris.loc[iris["Species"] != "setosa", "Petal.Width"])


@pytest.mark.parametrize("condition, fragment", [
    ("open('x') > 1", "refused"),
    ("Sepal.Lenght > 5", "'Sepal.Lenght', which is not a column (did you mean 'Sepal.Length'?)"),
    ("Sepal.Length > 100", "keeps no row of the 150"),
    ("Sepal.Length", "must give TRUE/FALSE"),
])
def test_bad_subsets_are_one_line_errors(folder, condition, fragment):
    assert_one_line_error(call("fit", "Species ~ .", folder / "iris.csv", "--subset", condition), fragment)


def test_validation_fraction_and_file(folder, tmp_path):
    net, _ = _model_after(folder, "Species ~ .", "iris.csv", "--iterations", "20", "--validation", "0.2",
                          "--optimizer", "adam", "--quiet")
    assert "val_loss" in net.history.columns
    datasets.load_iris().iloc[::5].to_csv(tmp_path / "valid.csv", index=False)
    net, _ = _model_after(folder, "Species ~ .", "iris.csv", "--iterations", "20", "--validation",
                          tmp_path / "valid.csv", "--patience", "5", "--quiet")
    assert "val_loss" in net.history.columns
    assert_one_line_error(call("fit", "Species ~ .", folder / "iris.csv", "--validation", "nope.csv"), "nope.csv")


def test_data_from_standard_input(folder):
    text = (folder / "iris.csv").read_text()
    out = run("fit", "Species ~ .", "-", "--iterations", "5", "--quiet", stdin=text)
    assert out.returncode == 0 and "150 rows" in out.stdout, out.stderr
    out = run("predict", folder / "iris.npz", "-", stdin=text)
    assert out.returncode == 0, out.stderr
    predicted = pd.read_csv(__import__("io").StringIO(out.stdout))["predicted_Species"]
    net = NeuralNetwork.load(folder / "iris.npz")
    assert (predicted.to_numpy() == net.predict(datasets.load_iris()).astype(str).to_numpy()).all()


@pytest.mark.parametrize("kind, columns", [
    ("prob", ["prob_setosa", "prob_versicolor", "prob_virginica"]),
    ("raw", ["raw_setosa", "raw_versicolor", "raw_virginica"]),
    ("link", ["link_setosa", "link_versicolor", "link_virginica"]),
    ("class", ["predicted_Species"]),
])
def test_predict_type(folder, kind, columns, tmp_path):
    out = call("predict", folder / "iris.npz", folder / "iris.csv", "--type", kind, "--output", tmp_path / "p.csv")
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(tmp_path / "p.csv")
    assert list(table.columns[5:]) == columns
    net, iris = NeuralNetwork.load(folder / "iris.npz"), datasets.load_iris()
    if kind != "class":
        np.testing.assert_allclose(table[columns].to_numpy(), chainnet._rverbs.predict(net, iris, kind).to_numpy(),
                                   rtol=1e-12)


def test_predict_type_for_the_other_task_is_a_one_line_error(folder):
    assert_one_line_error(call("predict", folder / "toy.npz", folder / "toy.csv", "--type", "prob"),
                          "type='prob' is for classification")
    assert call("predict", folder / "toy.npz", folder / "toy.csv", "--type", "probability").returncode == 2


def test_unseen_levels_predict_na_and_are_counted(folder, tmp_path):
    new = pd.read_csv(folder / "toy.csv").iloc[:6].copy()
    new.loc[[1, 4], "g"] = "zzz"
    new.loc[3, "g"] = "q"
    new.to_csv(tmp_path / "new.csv", index=False)
    out = call("predict", folder / "toy.npz", tmp_path / "new.csv")
    assert out.returncode == 0, out.stderr
    assert "3 row(s) have a level never seen in training (g: 'q', 'zzz'); their predictions are NA" in out.stderr
    table = pd.read_csv(__import__("io").StringIO(out.stdout))
    assert table["predicted_y"].isna().tolist() == [False, True, False, True, True, False]
    net = NeuralNetwork.load(folder / "toy.npz")
    keep = [0, 2, 5]
    np.testing.assert_allclose(table.loc[keep, "predicted_y"], net.predict(new.loc[keep]), rtol=1e-12)
    assert (table["g"] == new["g"]).all()                                        # the input is written as read


def test_counts_as_r_writes_them(folder):
    net, _ = _model_after(folder, "Species ~ .", "iris.csv", "--iterations", "2e1", "--trace", "1e1")
    assert net.iteration == 20
    assert call("fit", "Species ~ .", folder / "iris.csv", "--iterations", "2.5").returncode == 2


def test_weights_column(folder, tmp_path):
    data = datasets.load_iris().assign(w=np.arange(150) % 3)
    data.to_csv(tmp_path / "w.csv", index=False)
    out = call("fit", "Species ~ . - w", tmp_path / "w.csv", "--weights", "w", "--iterations", "5", "--seed", "2",
               "--quiet", "--save", tmp_path / "w.npz")
    assert out.returncode == 0, out.stderr
    net = NeuralNetwork.load(tmp_path / "w.npz")
    python = NeuralNetwork("Species ~ . - w", data, hidden=5, seed=2, weights="w").train(5, trace=0)
    np.testing.assert_array_equal(net.case_weights, np.arange(150) % 3)
    np.testing.assert_array_equal(net.params, python.params)
    assert_one_line_error(call("fit", "Species ~ .", tmp_path / "w.csv", "--weights", "w"),
                          "weights column 'w' is also a variable", "- w")
