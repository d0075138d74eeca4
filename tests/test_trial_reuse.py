"""The line search's last evaluation reused as the next iteration's start (``objective.objective_at``,
``objective.reuse``): an iteration of L-BFGS costs its line search's passes only, and the loss and accuracy it
records are still those at its own weights, checked against fresh evaluations (``compute_loss``, ``accuracy``)
after hand edits of the weights, the decay and the data, and after pickling."""

import copy
import pickle
import warnings

import numpy as np
import pytest

from chainnet import ConvergenceWarning, NeuralNetwork, _objective as objective, datasets
from chainnet.network import NeuralNetwork as Network

IRIS = datasets.load_iris()
QUIET = {"trace": 0, "tolerance": 0}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def iris(**kwargs):
    return NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=0, init="glorot", **kwargs)


def assert_row_is_fresh(net, loss, accuracy):
    """The last history row against the loss and accuracy evaluated afresh before the iteration."""
    row = net.history.iloc[-1]
    assert row["loss"] == pytest.approx(loss, rel=1e-12)
    assert row["accuracy"] == pytest.approx(accuracy, rel=1e-12)


@pytest.mark.parametrize("name", ["lbfgs", "bfgs"])
def test_each_iteration_records_the_loss_at_its_own_weights(name):
    net = iris(decay=0.01, weights=np.linspace(0.5, 2.0, len(IRIS)))
    for _ in range(15):
        loss, accuracy = net.compute_loss(), net.feedforward().accuracy()
        net.train(1, optimizer=name, **QUIET)
        assert_row_is_fresh(net, loss, accuracy)


def test_a_regression_records_the_rmse_at_its_own_weights():
    net = NeuralNetwork("Sepal.Length ~ .", IRIS, hidden=3, seed=1)
    for _ in range(10):
        loss, rmse = net.compute_loss(), net.rmse()
        net.train(1, optimizer="lbfgs", **QUIET)
        assert net.history["loss"].iloc[-1] == pytest.approx(loss, rel=1e-12)
        assert net.history["rmse"].iloc[-1] == pytest.approx(rmse, rel=1e-12)


@pytest.mark.parametrize("edit", ["weights", "decay", "data", "pickle", "deepcopy"])
def test_an_edit_between_calls_is_never_answered_from_the_last_trial(edit):
    net = iris(decay=0.01).train(6, optimizer="lbfgs", **QUIET)
    if edit == "weights":
        net.W1 = net.W1 * 0.9
    elif edit == "decay":
        net.decay = 0.5
    elif edit == "data":
        net.set_data(IRIS.sample(frac=1.0, random_state=3))
    else:
        net = pickle.loads(pickle.dumps(net)) if edit == "pickle" else copy.deepcopy(net)
        assert vars(net).get("_trial") is None               # scratch: its layer views would not survive
    loss, accuracy = net.compute_loss(), net.feedforward().accuracy()
    net.train(1, **QUIET)
    assert_row_is_fresh(net, loss, accuracy)
    for _ in range(3):                                      # and it reuses correctly again afterwards
        loss, accuracy = net.compute_loss(), net.feedforward().accuracy()
        net.train(1, **QUIET)
        assert_row_is_fresh(net, loss, accuracy)


def test_lbfgs_iterations_cost_only_their_line_search(monkeypatch):
    """25 iterations on iris: the loop evaluates twice (the first start and the final loss); every other start
    is the line search's accepted point, which was its last trial (torch's func_evals counts those again)."""
    passes = {"loop": 0, "trial": 0}
    evaluate = objective.evaluate

    def counting(net, X, T, share=1.0, grads=None, buf=None, rng=None, weights=None, sample_weight=None):
        passes["trial" if weights is not None else "loop"] += 1
        return evaluate(net, X, T, share, grads, buf, rng, weights, sample_weight)

    monkeypatch.setattr(objective, "evaluate", counting)
    monkeypatch.setattr(Network, "_evaluate", counting)
    net = iris().train(25, optimizer="lbfgs", **QUIET)
    torch_count = int(net.optimizer_state["func_evals"])     # one per iteration plus the line searches'
    assert passes["trial"] == torch_count - 25
    assert passes["loop"] <= 3


def test_a_trial_is_scratch_with_a_one_line_repr():
    net = iris().train(2, optimizer="lbfgs", **QUIET)
    assert repr(net._trial).startswith("Trial(rows=150, parameters=43, loss=")
