"""Attack on the blow-up guard's limit that now follows the lowest loss (kept up to date by ``update``), and on
GD's step counter: the rule against its formula on any loss sequence, the iris learn_rate=1.0 blow-up caught at
the iteration a hand-written GD loop says, runs that must pass untouched."""

import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from chainnet import DivergedError, LossIncreaseWarning, NeuralNetwork, datasets
from chainnet.convergence import FACTOR, BlowUpGuard, constant_loss

IRIS = datasets.load_iris()
LOSS = st.one_of(st.floats(0, 1e6), st.floats(0, 10), st.just(0.0), st.floats(1e300, 1e308))


@settings(max_examples=200, deadline=None)
@given(constant=st.floats(0, 1e6), losses=st.lists(LOSS, min_size=1, max_size=30))
def test_the_limit_is_always_the_lowest_loss_so_far_plus_factor_times_the_larger(constant, losses):
    rule, lowest = BlowUpGuard(np.inf, constant), None          # as Watch makes it: no loss yet
    for loss in losses:
        expected = lowest is not None and loss > lowest + FACTOR * max(lowest, constant)
        assert rule.blown(loss) == expected
        assert rule.update(loss) == (lowest is None or loss < lowest)
        lowest = loss if lowest is None else min(lowest, loss)
        assert rule.best == lowest and rule.threshold() == lowest + FACTOR * max(lowest, constant)
    assert rule.blown(float("nan"))


def test_iris_at_learn_rate_one_is_caught_where_a_hand_written_gd_loop_says():
    net = NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=1).train(300, optimizer="adam", learn_rate=0.05, trace=0)
    start, w0 = net.iteration, net.params.copy()
    L0 = constant_loss(net._T, net.task)
    hand, losses = NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=1), []
    hand.params = w0
    while True:                                          # plain GD through the public verbs: loss, gradient, step
        losses.append(hand.compute_loss())
        lowest = min(losses[:-1], default=np.inf)
        if losses[-1] > lowest + FACTOR * max(lowest, L0):
            break
        hand.weights = [W - 1.0 * G for W, G in zip(hand.weights, hand.gradients())]
    with pytest.raises(DivergedError) as err:
        net.train(100, optimizer="gd", learn_rate=1.0, trace=0)
    assert re.search(rf"at iteration {start + len(losses)}\b", str(err.value)), (str(err.value), len(losses))
    best = int(np.argmin(losses))                        # back to the weights of the lowest loss
    assert net.compute_loss() == pytest.approx(losses[best], rel=1e-9)
    assert net.iteration == start + best


@pytest.mark.parametrize("kwargs", [
    {"optimizer": "adam", "learn_rate": 0.1, "batch_size": 16},           # Adam's early bumps, minibatches
    {"optimizer": "adam", "learn_rate": 0.1},
    {"optimizer": "rmsprop", "learn_rate": 0.01, "batch_size": 32},
    {"optimizer": "gd", "learn_rate": 0.01, "batch_size": 10},
])
def test_runs_at_recommended_rates_pass_untouched(kwargs):
    data = datasets.make_hotdogs(200, seed=1)
    for dropout in (0, 0.3):
        net = NeuralNetwork("class ~ x1 + x2", data, hidden=8, seed=1, dropout=dropout)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LossIncreaseWarning)
            net.train(60, trace=0, tolerance=0, **kwargs)
        assert net.iteration == 60 and net.convergence == "iterations"


def test_gd_counts_steps_through_calls_saves_and_a_divergence(tmp_path):
    net = NeuralNetwork("Species ~ .", IRIS, hidden=3, seed=1).train(3, learn_rate=1e-4, trace=0)
    net.train(4, trace=0)
    t = net.optimizer_state["t"]
    assert t.shape == () and t.dtype == np.int64 and int(t) == 7
    net.save(tmp_path / "m.npz")
    back = NeuralNetwork.load(tmp_path / "m.npz").train(2, trace=0)
    assert int(back.optimizer_state["t"]) == 9 and back.optimizer_state["t"].shape == ()
    before = int(net.optimizer_state["t"])
    with pytest.raises(DivergedError):
        net.train(5, learn_rate=1e308, trace=0)
    assert int(net.optimizer_state["t"]) == before     # undone with the call
