"""What was dropped is said, text that is not meant as classes is flagged, R's subset= (issue 12, items 8, 5)."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from chainnet import ArgumentError, DataError, DataWarning, NeuralNetwork, datasets


# ---------------------------------------------------------------------------------------------- missing values
def test_rows_dropped_for_missing_values_are_named():
    """palmerpenguins: R's lm says '11 observations deleted due to missingness' for these columns."""
    p = datasets.load_penguins()
    net = NeuralNetwork("species ~ bill_length_mm + sex", data=p, hidden=0)
    truth = p.index[p[["bill_length_mm", "sex"]].isna().any(axis=1)]
    pd.testing.assert_index_equal(net.na_rows, truth)
    assert len(net.na_rows) == 11 and len(net.rows) == len(p) - 11
    assert net.design.na_note == "11 rows dropped for missing values (bill_length_mm, sex)"
    clean = NeuralNetwork("species ~ island", data=p, hidden=0)
    assert len(clean.na_rows) == 0 and clean.design.na_note is None


def test_the_command_line_says_what_it_dropped(tmp_path):
    datasets.load_penguins().to_csv(tmp_path / "p.csv", index=False)
    out = subprocess.run([sys.executable, "-m", "chainnet", "fit", "species ~ bill_length_mm + sex", tmp_path / "p.csv",
                          "--iterations", "2", "--hidden", "0", "--optimizer", "lbfgs"],  # gd at 0.01 blows up here
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "missing     11 rows dropped for missing values (bill_length_mm, sex)" in out.stdout


# ---------------------------------------------------------------------------------------------- DataWarning
@pytest.fixture
def customers():
    n = 40
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "id": [f"C{i:04d}" for i in range(n)], "signup": [f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
        "amount": [f"{v:.2f}" for v in rng.uniform(1, 100, n)], "plan": rng.choice(["basic", "pro"], n),
        "x": rng.normal(size=n), "churned": rng.choice(["no", "yes"], n)})


@pytest.mark.parametrize("column, fix", [("id", "- id"), ("signup", "pd.to_datetime(data['signup'])"),
                                         ("amount", "pd.to_numeric(data['amount'])")])
def test_identifiers_numbers_and_dates_stored_as_text_warn(customers, column, fix):
    with pytest.warns(DataWarning) as record:
        NeuralNetwork(f"churned ~ x + plan + {column}", data=customers, hidden=0)
    assert len(record) == 1 and issubclass(DataWarning, UserWarning)
    message = str(record[0].message)
    assert f"column {column!r}" in message and fix in message


def test_no_warning_for_real_classes_explicit_categories_or_a_removed_column(customers):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        NeuralNetwork("churned ~ x + plan", data=customers, hidden=0)
        NeuralNetwork("churned ~ x + C(amount)", data=customers.head(10), hidden=0)   # asked for categories
        NeuralNetwork("churned ~ . - id - signup - amount", data=customers, hidden=0)
        NeuralNetwork("churned ~ x + id", data=customers.head(8), hidden=0)          # too few rows to judge


def test_the_command_line_warns_in_one_line(customers, tmp_path):
    customers.to_csv(tmp_path / "c.csv", index=False)
    out = subprocess.run([sys.executable, "-m", "chainnet", "fit", "churned ~ x + signup", tmp_path / "c.csv",
                          "--iterations", "2", "--hidden", "0", "--optimizer", "lbfgs"],  # gd at 0.01 blows up here
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stderr.splitlines() if "warning" in line.lower()]
    assert len(lines) == 2 and lines[0].startswith("chainnet: warning: column 'signup' holds dates stored as text")
    assert lines[1].startswith("chainnet: warning: optimizer 'lbfgs' stopped at the iteration limit")   # 2 iterations


# ---------------------------------------------------------------------------------------------- subset=
def test_subset_is_rs_subset(iris):
    keep = iris["Species"] != "setosa"
    net = NeuralNetwork("Species ~ Sepal.Length + Petal.Width", data=iris, hidden=0, subset=keep)
    direct = NeuralNetwork("Species ~ Sepal.Length + Petal.Width", data=iris[keep], hidden=0)
    assert net.classes == ["versicolor", "virginica"] and net.task == "classification"   # absent level dropped
    np.testing.assert_array_equal(net.X, direct.X)
    pd.testing.assert_index_equal(net.rows, iris.index[keep])
    shuffled = keep.sample(frac=1.0, random_state=0)                                     # aligned by index
    np.testing.assert_array_equal(NeuralNetwork("Species ~ Sepal.Length", data=iris, hidden=0, subset=shuffled).X,
                                  NeuralNetwork("Species ~ Sepal.Length", data=iris[keep], hidden=0).X)


def test_subset_drops_unused_predictor_levels_as_r_does(iris):
    """R: lm(Sepal.Length ~ Species, iris, subset = Species != "setosa") has columns (Intercept),
    Speciesvirginica; without dropping the unused level formulaic would add an all-zero column."""
    net = NeuralNetwork("Sepal.Length ~ Species", data=iris, hidden=0, subset=np.asarray(iris["Species"] != "setosa"))
    assert net.design.columns == ("Intercept", "Species[T.virginica]")
    np.testing.assert_array_equal(net.X[:, 1], (iris["Species"][50:] == "virginica").astype(float))


def test_subset_comes_before_missing_values():
    p = datasets.load_penguins()
    male = (p["island"] == "Biscoe").to_numpy()
    net = NeuralNetwork("species ~ bill_length_mm + sex", data=p, hidden=0, subset=male)
    sub = p[male]
    pd.testing.assert_index_equal(net.na_rows, sub.index[sub[["bill_length_mm", "sex"]].isna().any(axis=1)])


@pytest.mark.parametrize("subset, message", [
    ("yes", "boolean mask"), (np.ones(3, dtype=bool), "one value per row"), (np.arange(150), "boolean mask"),
    (pd.Series([True] * 10), "label for every row"), (np.zeros(150, dtype=bool), "keeps no row")])
def test_bad_subsets_are_clear_errors(iris, subset, message):
    with pytest.raises((ArgumentError, DataError), match=message):
        NeuralNetwork("Species ~ Sepal.Length", data=iris, hidden=0, subset=subset)
