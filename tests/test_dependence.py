"""Partial dependence equals averaging predict()/predict_proba() by hand with the variable set to each value;
the plot draws those numbers; bad terms and grids are refused with the fix; the network is left as it was."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from insight_state import assert_unchanged, snapshot

from chainnet import ArgumentError, ArgumentTypeError, NeuralNetwork, datasets


@pytest.fixture(scope="module")
def penguins():
    return datasets.load_penguins()


@pytest.fixture(scope="module")
def species(penguins):
    net = NeuralNetwork("species ~ bill_length_mm + island + scale(body_mass_g)", data=penguins, hidden=4,
                        standardize=True, seed=3)
    return net.train(100, optimizer="adam", learn_rate=0.05, trace=0)


@pytest.fixture(scope="module")
def mass(penguins):
    net = NeuralNetwork("body_mass_g ~ flipper_length_mm + sex", data=penguins, hidden=3, activation="tanh",
                        standardize=True, seed=3)
    return net.train(100, optimizer="adam", learn_rate=0.05, trace=0)


def by_hand(net, frame, column, values, proba):
    """For each value: set the column on every complete row, predict, average."""
    complete = frame[frame[list(net.design.predictors)].notna().all(axis=1)]
    rows = []
    for v in values:
        copy = complete.copy()
        copy[column] = pd.Series([v] * len(copy), index=copy.index, dtype=complete[column].dtype)
        out = net.predict_proba(copy) if proba else net.predict(copy).to_frame()
        rows.append(out.mean(axis=0).to_numpy())
    return np.array(rows)


def test_numeric_variable_on_training_rows_equals_averaged_predictions(species, penguins):
    before = snapshot(species)
    table = species.partial_dependence("bill_length_mm")
    assert_unchanged(species, before)
    complete = penguins.dropna(subset=["bill_length_mm", "island", "body_mass_g"])
    grid = np.linspace(complete["bill_length_mm"].min(), complete["bill_length_mm"].max(), 20)
    assert list(table.columns) == ["bill_length_mm", "Adelie", "Chinstrap", "Gentoo"]
    np.testing.assert_allclose(table["bill_length_mm"], grid)
    np.testing.assert_allclose(table.iloc[:, 1:].to_numpy(), by_hand(species, penguins, "bill_length_mm", grid, True),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(table.iloc[:, 1:].sum(axis=1), 1.0)


def test_categorical_variable_and_a_term_that_reads_one_column(species, penguins):
    table = species.partial_dependence("island")
    assert list(table["island"]) == ["Biscoe", "Dream", "Torgersen"]
    np.testing.assert_allclose(table.iloc[:, 1:].to_numpy(),
                               by_hand(species, penguins, "island", ["Biscoe", "Dream", "Torgersen"], True), rtol=1e-12)
    scaled = species.partial_dependence("scale(body_mass_g)", grid=[3000, 4500, 6000])
    assert scaled.columns[0] == "body_mass_g"
    np.testing.assert_allclose(scaled.iloc[:, 1:].to_numpy(),
                               by_hand(species, penguins, "body_mass_g", [3000, 4500, 6000], True), rtol=1e-12)


def test_regression_on_newdata(mass, penguins):
    newdata = penguins.iloc[:40]
    table = mass.partial_dependence("sex", newdata=newdata)
    assert list(table.columns) == ["sex", "body_mass_g"]
    np.testing.assert_allclose(table[["body_mass_g"]].to_numpy(),
                               by_hand(mass, newdata, "sex", ["female", "male"], False), rtol=1e-12)
    table = mass.partial_dependence("flipper_length_mm", grid=[180, 200.5], newdata=newdata)
    np.testing.assert_allclose(table[["body_mass_g"]].to_numpy(),
                               by_hand(mass, newdata, "flipper_length_mm", [180, 200.5], False), rtol=1e-12)


def test_plot_partial_draws_the_table_and_the_individual_curves(species, mass):
    before = snapshot(species)
    _, ax = plt.subplots()
    assert species.plot_partial("bill_length_mm", ax=ax) is ax
    assert ax.get_xlabel() == "bill_length_mm"
    table = species.partial_dependence("bill_length_mm")
    lines = {line.get_label(): line for line in ax.get_lines()}
    for name in ("Adelie", "Chinstrap", "Gentoo"):
        np.testing.assert_allclose(lines[name].get_ydata(), table[name])
    ice = mass.plot_partial("sex", ice=True)
    n = len(mass.Y)
    assert len(ice.get_lines()) == n + 1 and ice.get_xlabel() == "sex"
    assert [t.get_text() for t in ice.get_xticklabels()] == ["female", "male"]
    np.testing.assert_allclose(ice.get_lines()[-1].get_ydata(), mass.partial_dependence("sex")["body_mass_g"])
    plt.close("all")
    assert_unchanged(species, before)


def test_bad_terms_and_grids_are_refused_with_the_fix(species, iris):
    before = snapshot(species)
    with pytest.raises(ArgumentError, match="term 'bill_lenght_mm' is not in formula.*did you mean 'bill_length_mm'"):
        species.partial_dependence("bill_lenght_mm")
    with pytest.raises(ArgumentError, match="'flipper_length_mm' is not in formula"):
        species.partial_dependence("flipper_length_mm")
    with pytest.raises(ArgumentTypeError, match="term must be a term of the formula"):
        species.partial_dependence(3)
    with pytest.raises(ArgumentError, match="not levels of 'island'.*Biscoe"):
        species.partial_dependence("island", grid=["Mars"])
    with pytest.raises(ArgumentError, match="finite numbers"):
        species.partial_dependence("bill_length_mm", grid=[1.0, np.inf])
    with pytest.raises(ArgumentError, match="non-empty"):
        species.partial_dependence("bill_length_mm", grid=[])
    with pytest.raises(ArgumentTypeError, match="grid must be a list"):
        species.plot_partial("bill_length_mm", grid="40")
    two = NeuralNetwork("Species ~ Petal.Length:Petal.Width", data=iris, hidden=2, seed=1)
    with pytest.raises(ArgumentError, match="reads 2 columns.*varies one"):
        two.partial_dependence("Petal.Length:Petal.Width")
    assert_unchanged(species, before)


def test_two_responses_and_a_binary_classifier(toy):
    both = NeuralNetwork("y + y2 ~ x + g", data=toy, hidden=2, activation="tanh", seed=1)
    table = both.partial_dependence("x", grid=[-1.0, 0.0, 1.0])
    assert list(table.columns) == ["x", "y", "y2"]
    expected = [both.predict(toy.assign(x=v)).mean(axis=0).to_numpy() for v in (-1.0, 0.0, 1.0)]
    np.testing.assert_allclose(table[["y", "y2"]].to_numpy(), expected, rtol=1e-12)
    binary = NeuralNetwork("yes ~ x + g", data=toy, hidden=2, seed=1)
    table = binary.partial_dependence("g")
    assert list(table.columns) == ["g", "no", "yes"] and list(table["g"]) == ["a", "b", "c"]
    expected = [binary.predict_proba(toy.assign(g=v)).mean(axis=0).to_numpy() for v in "abc"]
    np.testing.assert_allclose(table[["no", "yes"]].to_numpy(), expected, rtol=1e-12)
    ax = both.plot_partial("x")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["y", "y2"]
    plt.close("all")
