"""Notebook output: the network card, summary() and coef() as HTML; user text escaped; showing changes nothing."""

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from chainnet import NeuralNetwork


class Cells(HTMLParser):
    """The text of every table cell, and every tag seen (to prove no <script> element is produced)."""

    def __init__(self, markup):
        super().__init__()
        self.cells, self.tags, self._cell = [], [], None
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


@pytest.fixture(scope="module")
def iris_net(iris):
    return NeuralNetwork("Species ~ .", data=iris, hidden=4, seed=1).train(12, optimizer="adam", learn_rate=0.01,
                                                                           trace=0)


def test_card_shows_formula_layers_weights_and_the_last_history_rows(iris_net):
    page = Cells(iris_net._repr_html_())
    cells = page.cells
    assert cells[cells.index("formula") + 1] == "Species ~ ."
    assert cells[cells.index("layers") + 1] == "4-4-3, sigmoid hidden"
    assert cells[cells.index("weights") + 1] == str(5 * 4 + 5 * 3)
    assert cells[cells.index("iterations") + 1] == "12"
    last = iris_net.history["loss"].iloc[-1]
    assert cells[cells.index("loss") + 1] == f"{last:.6g} at iteration 12"
    rows = cells[cells.index("loss") + 2:]               # the history table, after the settings
    for i in range(8, 13):                               # the last five iterations, with their loss
        row = rows.index(str(i))
        assert float(rows[row + 1]) == pytest.approx(iris_net.history.loc[i, "loss"], rel=1e-5)
    assert "7" not in rows                               # iteration 7 is not among the last five


def test_showing_the_card_changes_nothing_and_runs_no_forward_pass(iris_net, monkeypatch):
    before = (iris_net.output, iris_net._cache, iris_net.rng.bit_generator.state, [W.copy() for W in iris_net.weights])
    monkeypatch.setattr(NeuralNetwork, "feedforward", lambda self: pytest.fail("the card ran a forward pass"))
    iris_net._repr_html_()
    after = (iris_net.output, iris_net._cache, iris_net.rng.bit_generator.state, iris_net.weights)
    assert after[0] is before[0] and after[1] is before[1] and after[2] == before[2]
    for W, S in zip(after[3], before[3]):
        np.testing.assert_array_equal(W, S)


def test_untrained_card(toy):
    page = Cells(NeuralNetwork("yes ~ x", data=toy, hidden=2, seed=0)._repr_html_())
    assert page.cells[page.cells.index("loss") + 1] == "untrained" and "iterations" in page.cells


def test_user_text_is_escaped_everywhere():
    rng = np.random.default_rng(0)
    bad = "<script>alert(1)</script>"
    data = pd.DataFrame({bad: rng.normal(size=30), "y": pd.Categorical(rng.choice(["<b>a</b>", "b&c"], 30))})
    net = NeuralNetwork(f"y ~ `{bad}`", data=data, hidden=2, seed=0).train(3, trace=0)
    for markup in (net._repr_html_(), net.summary()._repr_html_(), net.coef()._repr_html_()):
        page = Cells(markup)
        assert "script" not in page.tags and "b" in page.tags          # <b> of our own captions only
        assert "<script>" not in markup and "&lt;script&gt;" in markup
        assert not re.search(r"<b>a</b>", markup)
    cells = Cells(net.coef()._repr_html_()).cells
    assert bad in cells and "<b>a</b>" not in cells      # the one-unit binary output is named by the 2nd class
    assert "b&c" in cells


def test_summary_html_has_every_table(iris_net, iris):
    s = iris_net.summary(iris.iloc[::2])
    cells = Cells(s._repr_html_()).cells
    for label in ("W1", "W2", "parameters", "accuracy", "balanced_accuracy", "newdata", "setosa", "regularisation"):
        assert label in cells
    assert s._repr_html_().count("<table") == 1 + 5      # facts, layers, metrics, evaluation, 2 confusion matrices
    assert str(s).startswith("NeuralNetwork 'Species ~ .'")   # the text report stays


def test_coef_html_one_table_per_layer_and_it_still_indexes_like_a_dict(iris_net):
    c = iris_net.coef()
    markup = c._repr_html_()
    assert markup.count("<table") == 2 and "W1 5 x 4" in markup and "W2 5 x 3" in markup
    assert c["W2"].loc["bias", "virginica"] == iris_net.W2[0, 2] and list(c) == ["W1", "W2"]
    assert str(c).startswith("W1:\n")


def test_plain_text_repr_is_unchanged(iris_net):
    assert repr(iris_net).startswith(          # issue 12's nnet wording; the HTML card does not change it
        "<NeuralNetwork 'Species ~ .': a 4-4-3 sigmoid network with 35 weights, classification, 12 iterations")
