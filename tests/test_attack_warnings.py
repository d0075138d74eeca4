"""Attack on ``activations.sigmoid``'s np.errstate decorator: no warning leaks from the public verbs on
saturating scores (float64 and float32, every activation and output), the caller's error state is never
changed (not by a call that raises either), and it holds from threads."""

import contextlib
import threading
import warnings

import numpy as np
import pytest

from chainnet import DivergedError, NeuralNetwork, datasets
from chainnet.activations import sigmoid

IRIS = datasets.load_iris()
HOTDOGS = datasets.make_hotdogs(60, seed=1)
CASES = [("Species ~ .", IRIS), ("class ~ x1 + x2", HOTDOGS), ("Petal.Width ~ .", IRIS)]


def verbs(net, data):
    yield lambda: net.predict(data)
    yield lambda: net.compute_loss()
    yield lambda: net.compute_loss(data)
    yield lambda: net.feedforward()
    yield lambda: net.gradients()
    yield lambda: net.feedforward().backpropagate(1e-12)
    yield lambda: net.train(2, learn_rate=1e-12, trace=0, tolerance=0)
    if net.task == "classification":
        yield lambda: net.predict_proba(data)
        yield lambda: net.accuracy(data)


@pytest.mark.parametrize("formula, data", CASES, ids=["multiclass", "binary", "regression"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("scale", [3e3, 1e5])
def test_saturating_scores_warn_nothing_and_leave_the_error_state(formula, data, dtype, scale):
    for activation in ("sigmoid", "tanh", "relu", "softplus"):
        net = NeuralNetwork(formula, data, hidden=3, activation=activation, seed=1, dtype=dtype)
        net.weights = [W * scale for W in net.weights]
        with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
            warnings.simplefilter("error")
            state = np.geterr()
            for verb in verbs(net, data):
                with contextlib.suppress(DivergedError):     # an unbounded relu regression's steps: refused
                    verb()
                assert np.geterr() == state
        assert np.all(np.isfinite(net.params))


def test_a_sigmoid_that_raises_restores_the_callers_state():
    with np.errstate(over="raise"):
        with pytest.raises(ValueError):
            sigmoid(np.ones(3), out=np.empty(2))
        assert np.geterr()["over"] == "raise"
        with pytest.raises(FloatingPointError):
            np.exp(np.array([1000.0]))
    assert sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]


def test_sigmoid_from_threads_keeps_each_threads_state():
    errors = []

    def work(mode):
        try:
            with np.errstate(over=mode):
                for _ in range(2000):
                    sigmoid(np.array([-1000.0], np.float32))
                    assert np.geterr()["over"] == mode
        except BaseException as exc:   # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(m,)) for m in ("raise", "warn", "ignore", "call")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
