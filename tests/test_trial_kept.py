"""The line search's ``Trial`` (pass buffers for the trial points) is made once per network and kept across
``train()`` calls, made again only when the rows' number or the parameter vector (layers, dtype) change."""

import warnings

import numpy as np
import pytest

from chainnet import ConvergenceWarning, NeuralNetwork, datasets

IRIS = datasets.load_iris()
QUIET = {"trace": 0, "tolerance": 0, "optimizer": "lbfgs"}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def test_the_trial_is_kept_across_calls_and_still_answers_correctly():
    net = NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=0, init="glorot").train(3, **QUIET)
    trial = net._trial
    net.train(3, **QUIET)
    assert net._trial is trial
    loss = net.compute_loss()
    net.train(1, **QUIET)
    assert net.history["loss"].iloc[-1] == pytest.approx(loss, rel=1e-12)


def test_calls_on_kept_trials_equal_one_call():
    nets = [NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=0, init="glorot") for _ in range(2)]
    nets[0].train(5, **QUIET).train(7, **QUIET)
    nets[1].train(12, **QUIET)
    np.testing.assert_array_equal(nets[0].params, nets[1].params)


def test_other_rows_get_a_new_trial():
    net = NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=0, init="glorot").train(2, **QUIET)
    trial = net._trial
    net.set_data(IRIS.iloc[:100])
    loss = net.compute_loss()
    net.train(1, **QUIET)
    assert net._trial is not trial and len(net._trial.data[0]) == 100
    assert net.history["loss"].iloc[-1] == pytest.approx(loss, rel=1e-12)
