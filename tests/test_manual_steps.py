"""Stepping by hand counts (issue 12, item 9) and the network prints as nnet does (item 10)."""

import matplotlib
import numpy as np
import pytest

from chainnet import NeuralNetwork
from chainnet.errors import DivergedError

matplotlib.use("Agg")


def _hand_loss(net, X, T):
    """The summed softmax negative log-likelihood of a one-hidden-layer sigmoid network, written out."""
    H = 1 / (1 + np.exp(-(X @ net.W1)))
    Z = np.column_stack([np.ones(len(X)), H]) @ net.W2
    Z -= Z.max(axis=1, keepdims=True)
    return float(-(T * (Z - np.log(np.exp(Z).sum(axis=1, keepdims=True)))).sum())


def test_a_hundred_hand_steps_are_a_hundred_history_rows(iris):
    net = NeuralNetwork("Species ~ .", iris, hidden=5, seed=1)
    X = np.column_stack([np.ones(len(iris)), iris.iloc[:, :4].to_numpy()])
    T = np.eye(3)[iris["Species"].cat.codes]
    expected, accuracy = [], []
    for _ in range(100):
        expected.append(_hand_loss(net, X, T))                               # the loss the step starts from
        accuracy.append(np.mean(net.predict(iris) == iris["Species"]))
        net.feedforward().backpropagate(1e-3)
    assert net.iteration == 100 and len(net.history) == 100
    np.testing.assert_allclose(net.history["loss"], expected, rtol=1e-12)
    np.testing.assert_allclose(net.history["accuracy"], accuracy)
    assert (net.history["learn_rate"] == 1e-3).all() and list(net.history.index) == list(range(1, 101))
    assert "100 iterations" in repr(net)
    ax = net.plot_loss()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), expected, rtol=1e-12)


def test_steps_without_feedforward_and_train_after_them_continue_the_count(iris):
    net = NeuralNetwork("Species ~ .", iris, hidden=2, seed=1)
    loss = net.compute_loss()
    net.backpropagate(1e-3).backpropagate(1e-3)                             # no feedforward(): a fresh pass
    assert net.history["loss"].iloc[0] == pytest.approx(loss, rel=1e-15)
    net.train(3, learn_rate=1e-3, trace=0)
    assert net.iteration == 5 and len(net.history) == 5


def test_a_diverging_step_adds_nothing(toy):
    net = NeuralNetwork("y ~ x", toy.assign(y=toy["y"] * 1e150), hidden=0, seed=0)
    with pytest.raises(DivergedError):
        net.backpropagate(1e300)
    assert net.iteration == 0 and net.history.empty


# ---------------------------------------------------------------------------------------------- the repr
def test_repr_counts_weights_as_nnet(iris):
    net = NeuralNetwork("Species ~ .", iris, hidden=5, seed=1).train(50, learn_rate=1e-4, trace=0)
    assert repr(net) == (f"<NeuralNetwork 'Species ~ .': a 4-5-3 sigmoid network with 43 weights, "
                         f"classification, 50 iterations, loss {_hand_loss(net, np.column_stack([np.ones(150), iris.iloc[:, :4].to_numpy()]), np.eye(3)[iris['Species'].cat.codes]):.4g}>")
    flat = NeuralNetwork("Species ~ .", iris, hidden=0, seed=1)
    assert repr(flat).startswith("<NeuralNetwork 'Species ~ .': a 4-3 network with 15 weights, classification, "
                                 "0 iterations, loss ")                      # no activation without a layer


def test_repr_changes_nothing(iris):
    net = NeuralNetwork("Species ~ .", iris, hidden=3, seed=1, dropout=0.2).train(5, learn_rate=1e-3, trace=0)
    net.feedforward()
    output, cache, rng = net.output.copy(), net._cache, net.rng.bit_generator.state
    net.params[:] *= 1.01                                                   # feedforward() is now stale
    repr(net), str(net.summary())
    assert np.array_equal(net.output, output) and net._cache is cache and net.rng.bit_generator.state == rng


def test_summary_lists_the_weights_under_its_tables(iris):
    net = NeuralNetwork("Species ~ .", iris, hidden=2, seed=1)
    text = str(net.summary())
    block = text.split("Weights (as R's nnet lists them")[1].splitlines()[1:]
    assert block[0].split() == ["b->h1", "i1->h1", "i2->h1", "i3->h1", "i4->h1"]
    assert [float(v) for v in block[1].split()] == pytest.approx(np.round(net.W1[:, 0], 2), abs=1e-12)
    assert block[4].split() == ["b->o1", "h1->o1", "h2->o1"] and len(block) == 10
    assert all(t.index[0] == "bias" for t in net.coef().values())   # the bias named alike in every layer


def test_the_readme_repr_of_the_r6_session(iris):
    net = NeuralNetwork("Species ~ .", iris, hidden=5, seed=1).train(9999, learn_rate=1e-4, trace=0)
    assert repr(net) == ("<NeuralNetwork 'Species ~ .': a 4-5-3 sigmoid network with 43 weights, classification, "
                         "9999 iterations, loss 18.44>")


def test_repr_and_summary_say_what_was_dropped_and_weighted(toy):
    data = toy.assign(w=1.0 + np.arange(len(toy)) % 2)
    data.loc[[2, 5, 7], "z"] = np.nan
    net = NeuralNetwork("y ~ x + z", data, hidden=0, seed=0, weights="w")
    assert repr(net).endswith(", 3 rows dropped for missing values (z)>")
    assert "37, weighted by column 'w'; 3 rows dropped for missing values (z)" in str(net.summary())
