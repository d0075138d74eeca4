"""Rprop against torch.optim.Rprop step for step on chainnet's flat objective, the rule by hand, its options."""

import numpy as np
import pytest
from flat_objective import drive
from test_quasinewton import CASES, network

from chainnet import ArgumentError
from chainnet.rprop import Rprop

torch = pytest.importorskip("torch")
from torch_reference import TorchNet, max_relative_error


def torch_rprop(net, steps, lr, **kw):
    ref = TorchNet(net)
    opt = torch.optim.Rprop(ref.parameters(), lr=lr, **kw)
    for _ in range(steps):
        opt.zero_grad()
        ref.loss(net.X, net._T).backward()
        opt.step()
    return ref.weights()


@pytest.mark.parametrize("case", CASES)
def test_rprop_equals_torch_for_12_steps(case):
    net = network(case)
    ref = torch_rprop(net, 12, 0.01)
    drive(Rprop(), net, 12, lr=0.01)
    assert max_relative_error(net.weights, ref) < 1e-6


def test_rprop_with_its_options_and_decay_equals_torch():
    net = network("multiclass", decay=0.1)
    ref = torch_rprop(net, 40, 0.05, etas=(0.3, 1.5), step_sizes=(1e-4, 0.2))
    drive(Rprop(etas=(0.3, 1.5), step_sizes=(1e-4, 0.2)), net, 40, lr=0.05)
    assert max_relative_error(net.weights, ref) < 1e-6


def test_rule_by_hand():
    """Signs: kept (grow 1.2), flipped (shrink 0.5, no step), zero (unchanged)."""
    opt = Rprop()
    state = opt.init_state(3, np.float64)
    w = np.zeros(3)
    opt.step(state, w, np.array([1.0, -2.0, 0.0]), 0.1)
    np.testing.assert_allclose(w, [-0.1, 0.1, 0.0])              # first step: -sign(g)·lr
    opt.step(state, w, np.array([3.0, 5.0, 1.0]), 0.1)
    np.testing.assert_allclose(state["step_size"], [0.12, 0.05, 0.1])
    np.testing.assert_allclose(w, [-0.22, 0.1, -0.1])             # the flipped weight does not move
    np.testing.assert_allclose(state["prev"], [3.0, 0.0, 1.0])


@pytest.mark.parametrize("kwargs, name", [
    ({"etas": (1.5, 1.2)}, "etas"), ({"etas": (0.5, 0.9)}, "etas"), ({"etas": 0.5}, "etas"),
    ({"step_sizes": (1.0, 0.1)}, "step_sizes"), ({"step_sizes": (-1, 50)}, "step_sizes"),
    ({"step_sizes": (1e-6, float("inf"))}, "step_sizes"),
])
def test_bad_options_name_the_argument(kwargs, name):
    with pytest.raises(ArgumentError, match=name):
        Rprop(**kwargs)
