"""Every public object prints as one line naming its key facts (STYLE.md: the REPL prints it after each chained call)."""

import numpy as np
import pytest

from chainnet import NeuralNetwork, datasets, optim, schedules
from chainnet.activations import get_activation
from chainnet.losses import loss_for
from chainnet.propagation import Buffers, forward


@pytest.fixture(scope="module")
def net():
    return NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=5, seed=1).train(3, trace=0)


def one_line(obj) -> str:
    text = repr(obj)
    assert "\n" not in text and len(text) < 200, text
    return text


def test_network_design_report_reprs_are_one_line_with_their_facts(net):
    assert one_line(net) == (f"<NeuralNetwork 'Species ~ .': a 4-5-3 sigmoid network with 43 weights, "
                             f"classification, 3 iterations, loss {net.compute_loss():.4g}>")   # issue 12: nnet's
    assert one_line(net.design) == "Design('Species ~ .', task='classification', columns=5)"
    assert "43 parameters" in one_line(net.summary()) and "3 iterations" in repr(net.summary())
    assert one_line(net.coef()) == "<Coefficients W1 (5, 5), W2 (6, 3): 43 weights>"


def test_optimizer_schedule_activation_loss_reprs_name_their_settings():
    assert [one_line(o) for o in (optim.GD(), optim.Momentum(), optim.Nesterov(), optim.RMSprop(), optim.Adam())] == [
        "GD()", "Momentum(momentum=0.9)", "Nesterov(momentum=0.9)", "RMSprop(alpha=0.99, eps=1e-08)",
        "Adam(betas=(0.9, 0.999), eps=1e-08)"]
    assert one_line(schedules.Exponential(rate=0.5)) == "Exponential(rate=0.5)" and one_line(schedules.Cosine())
    assert one_line(get_activation("relu")) == "Activation('relu')"
    assert one_line(loss_for("classification", 3)).startswith("Loss(")


def test_cache_and_buffers_reprs_are_one_line_not_their_arrays(net):
    """A forward pass over 150 rows prints its shape facts, not 150-row arrays (it used to print a loss that
    was checked against the same code: the pass holds no loss now, ``losses`` computes it)."""
    cache = forward(net.X, net.weights, get_activation("sigmoid"))
    assert one_line(cache) == "<Cache 150 rows, hidden 5, 3 outputs>"
    deep = forward(net.X[:7], [np.zeros((5, 4)), np.zeros((5, 2)), np.zeros((3, 3))], get_activation("tanh"))
    assert one_line(deep) == "<Cache 7 rows, hidden 4-2, 3 outputs>"
    assert one_line(Buffers([5, 3], 150, np.float64)) == "Buffers(rows=150, layers=2, dtype=float64)"
