"""Attack on Rprop's rewritten sign test and clip: torch.optim.Rprop step for step on hostile gradient
sequences (exact sign flips, zero gradients, products that underflow to 0), in float64 and float32."""

import numpy as np
import pytest

from chainnet.rprop import Rprop

torch = pytest.importorskip("torch")

OPTIONS = [{}, {"etas": (0.3, 1.7), "step_sizes": (1e-3, 0.05)}]


def hostile_run(dtype, options, steps=40, n=300, seed=0):
    """chainnet's and torch's Rprop on the same gradients; returns (w, state, torch param, torch state)."""
    rng = np.random.default_rng(seed)
    opt = Rprop(**options)
    state = opt.init_state(n, dtype)
    w = rng.standard_normal(n).astype(dtype)
    p = torch.tensor(w.copy(), requires_grad=True)
    ref = torch.optim.Rprop([p], lr=0.01, **options)
    for k in range(steps):
        g = rng.standard_normal(n).astype(dtype)
        g[rng.random(n) < 0.2] = 0.0                 # ties: g·g_prev == 0
        g[rng.random(n) < 0.1] *= dtype(1e-30)       # g·g_prev underflows to 0 in float32
        if k % 3 == 0:
            g[:30] = -state["prev"][:30]             # exact flips (and zeros where prev was zeroed)
        opt.step(state, w, g, 0.01)
        p.grad = torch.tensor(g.copy())
        ref.step()
    return w, state, p.detach().numpy(), ref.state[p]


@pytest.mark.parametrize("options", OPTIONS)
def test_float64_equals_torch_bit_for_bit_on_ties_zeros_and_flips(options):
    w, state, p, ref = hostile_run(np.float64, options)
    np.testing.assert_array_equal(w, p)
    np.testing.assert_array_equal(state["step_size"], ref["step_size"].numpy())
    np.testing.assert_array_equal(state["prev"], ref["prev"].numpy())
    assert int(state["t"]) == ref["step"]


@pytest.mark.parametrize("options", OPTIONS)
def test_float32_equals_torch_bit_for_bit(options):
    w, state, p, ref = hostile_run(np.float32, options)
    assert w.dtype == np.float32 and state["step_size"].dtype == np.float32
    np.testing.assert_array_equal(state["step_size"], ref["step_size"].numpy())
    np.testing.assert_array_equal(w, p)


def test_float32_stays_within_an_ulp_of_torch_and_float32():
    """What holds today: float32 all the way (no float64 leak into the state), and within a few ulps of torch."""
    w, state, p, ref = hostile_run(np.float32, {})
    np.testing.assert_allclose(w, p, rtol=1e-5)
    assert w.dtype == state["prev"].dtype == state["step_size"].dtype == np.float32
    np.testing.assert_allclose(state["step_size"], ref["step_size"].numpy(), rtol=1e-5)
    np.testing.assert_array_equal(state["prev"], ref["prev"].numpy())     # the sign test itself agrees


def test_a_zero_gradient_never_moves_the_weight_nor_changes_its_step():
    opt = Rprop()
    state = opt.init_state(2, np.float64)
    w = np.array([1.0, 2.0])
    for _ in range(5):
        opt.step(state, w, np.array([0.0, -0.0]), 0.1)
    np.testing.assert_array_equal(w, [1.0, 2.0])
    np.testing.assert_array_equal(state["step_size"], [0.1, 0.1])
    assert int(state["t"]) == 5


def test_step_sizes_are_clipped_at_both_ends_as_torch():
    opt = Rprop(step_sizes=(0.05, 0.2))
    state = opt.init_state(2, np.float64)
    w = np.zeros(2)
    for k in range(20):                                  # weight 0 keeps its sign, weight 1 flips every step
        opt.step(state, w, np.array([1.0, (-1.0) ** k]), 0.1)
    assert state["step_size"][0] == 0.2                  # grown to Δmax
    assert state["step_size"][1] == 0.05                 # shrunk to Δmin
