"""The cheap full-batch iteration (issue 10): the pieces it relies on keep their meaning."""

import tracemalloc
import warnings

import numpy as np
import pytest

from chainnet import NeuralNetwork, _objective, datasets
from chainnet._optimizer import count
from chainnet.convergence import FACTOR, BlowUpGuard
from chainnet.losses import LOSSES


def test_count_adds_to_a_0d_integer_in_place_and_returns_the_new_value():
    state = {"t": np.zeros((), np.int64)}
    t = state["t"]
    assert count(state, "t") == 1 and count(state, "t", 4) == 5
    assert state["t"] is t and t.dtype == np.int64 and t.shape == () and int(t) == 5


def test_every_step_counts_once():
    net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=3, seed=0)
    net.train(7, learn_rate=1e-4, trace=0, tolerance=0)
    assert int(net.optimizer_state["t"]) == 7


def test_gradient_descent_never_looks_for_a_line_search_point(monkeypatch):
    """GD calls no closure, so the loop does not ask for the last line-search evaluation (``reuse``)."""
    net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=3, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                             # lbfgs stops at the iteration limit
        net.train(1, optimizer="lbfgs", trace=0)                    # leaves a trial point on the network
    net.train(2, optimizer="gd", learn_rate=1e-4, trace=0, tolerance=0)
    calls = []
    monkeypatch.setattr(_objective, "reuse", lambda *a, **k: calls.append(a) or None)
    net.train(5, learn_rate=1e-4, trace=0, tolerance=0)
    assert calls == []                      # not even at the call's first iteration (no reuse across calls)


def test_the_blow_up_limit_follows_the_lowest_loss():
    rule = BlowUpGuard(np.inf, constant=4.0)
    assert rule.limit == np.inf and not rule.blown(1e300) and rule.blown(float("nan"))
    assert rule.update(10.0) and rule.limit == rule.threshold() == 10.0 + FACTOR * 10.0
    assert not rule.update(11.0) and rule.best == 10.0
    assert rule.update(1.0) and rule.limit == 1.0 + FACTOR * 4.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_multinomial_into_float64_buffers_allocates_nothing_the_size_of_the_output(dtype):
    """float64 buffers: S, e^S and the softmax are formed in ``output`` itself; float32 scores add a float64
    work array (the terms are formed in float64) and T's float64 copy for the inner product <T, S>."""
    n, K = 100_000, 3
    rng = np.random.default_rng(0)
    Z = np.asfortranarray(rng.standard_normal((n, K)), dtype=dtype)
    T = np.asfortranarray(np.eye(K, dtype=dtype)[rng.integers(0, K, n)])
    output, delta = np.empty_like(Z, order="F"), np.empty_like(Z, order="F")
    expected = LOSSES["multinomial"].evaluate(np.ascontiguousarray(Z), np.ascontiguousarray(T))
    LOSSES["multinomial"].evaluate(Z, T, None, output, delta)
    tracemalloc.start()
    _, loss, _ = LOSSES["multinomial"].evaluate(Z, T, None, output, delta)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    work = 0 if dtype == np.float64 else 2 * n * K * 8
    assert peak < work + 2.5 * n * 8                       # the row maxima and the row sums (n,) each
    assert loss == pytest.approx(expected[1], rel=1e-13)     # C and F order: the same terms, summed in their order
    np.testing.assert_allclose(output, expected[0], rtol=1e-6 if dtype == np.float32 else 1e-14)
    np.testing.assert_allclose(delta, expected[2], rtol=1e-6 if dtype == np.float32 else 1e-14, atol=1e-7)
