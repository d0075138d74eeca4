"""propagation: forward against the maths written out in numpy, backward against torch autograd (dropout masks
included) and central finite differences, at every depth; reused buffers give the same bits and allocate
nothing the size of the rows."""

import tracemalloc

import numpy as np
import pytest

from chainnet.activations import ACTIVATIONS
from chainnet.losses import LOSSES
from chainnet.propagation import Buffers, backward, forward, units

torch = pytest.importorskip("torch")
TORCH = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda z: z,
         "softplus": torch.nn.functional.softplus}


def network(hidden, K=3, n=30, D=4, seed=0):
    rng = np.random.default_rng(seed)
    X = np.hstack([np.ones((n, 1)), rng.standard_normal((n, D - 1))])
    sizes = [D, *hidden, K]
    weights = [rng.standard_normal((sizes[l] + (l > 0), sizes[l + 1])) * 0.7 for l in range(len(sizes) - 1)]
    T = np.eye(K)[rng.integers(0, K, n)]
    return X, weights, T


@pytest.mark.parametrize("hidden", [[], [5], [5, 4], [6, 3, 2]])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_forward_is_the_maths(hidden, name):
    X, weights, _ = network(hidden)
    f = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
         "identity": lambda z: z, "softplus": lambda z: np.log1p(np.exp(z))}[name]
    H = X
    for l, W in enumerate(weights[:-1]):
        H = f(H @ W) if l == 0 else f(H @ W[1:] + W[0])       # Z1 = X W1; Z = H W[1:] + W[0]
    Z = H @ weights[-1] if len(weights) == 1 else H @ weights[-1][1:] + weights[-1][0]
    cache = forward(X, weights, ACTIVATIONS[name])
    np.testing.assert_allclose(cache.Z, Z, rtol=1e-13, atol=1e-14)


def torch_gradients(X, weights, T, name, masks):
    Ws = [torch.tensor(W, requires_grad=True) for W in weights]
    H = torch.tensor(X)
    for l, W in enumerate(Ws[:-1]):
        H = TORCH[name](H @ W if l == 0 else H @ W[1:] + W[0])
        if masks[l] is not None:
            H = H * torch.tensor(masks[l])
    Z = H @ Ws[-1] if len(Ws) == 1 else H @ Ws[-1][1:] + Ws[-1][0]
    torch.nn.functional.cross_entropy(Z, torch.tensor(T.argmax(1)), reduction="sum").backward()
    return [W.grad.numpy() for W in Ws]


@pytest.mark.parametrize("hidden", [[], [5], [5, 4], [6, 3, 2]])
@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dropout", [False, True])
def test_backward_matches_torch_autograd(hidden, name, dropout):
    X, weights, T = network(hidden)
    rates = (0.3,) * len(hidden) if dropout and hidden else None
    cache = forward(X, weights, ACTIVATIONS[name], rates, np.random.default_rng(1))
    masks = [None if m is None else m.copy() for m in cache.masks]
    assert (not rates) or all(m is not None for m in masks)
    _, _, delta = LOSSES["multinomial"].evaluate(cache.Z, T)
    grads = backward(cache, delta, weights, ACTIVATIONS[name])
    for g, ref in zip(grads, torch_gradients(X, weights, T, name, masks)):
        assert np.max(np.abs(g - ref)) <= 1e-9 * max(np.max(np.abs(ref)), 1e-300)


@pytest.mark.parametrize("hidden", [[], [3], [3, 2]])
def test_backward_against_finite_differences(hidden):
    X, weights, T = network(hidden, n=8)
    act, loss = ACTIVATIONS["tanh"], LOSSES["multinomial"]

    def objective():
        return loss.loss(forward(X, weights, act).Z, T)

    cache = forward(X, weights, act)
    grads = backward(cache, loss.delta(cache.Z, T), weights, act)
    h = 1e-6
    for W, g in zip(weights, grads):
        for idx in np.ndindex(W.shape):
            w = W[idx]
            W[idx] = w + h
            up = objective()
            W[idx] = w - h
            down = objective()
            W[idx] = w
            assert g[idx] == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_reused_buffers_give_the_same_bits_and_allocate_nothing_per_row(dtype):
    X, weights, T = network([64, 32], K=3, n=20_000)
    X, T, weights = X.astype(dtype), T.astype(dtype), [W.astype(dtype) for W in weights]
    act = ACTIVATIONS["relu"]
    fresh = backward(forward(X, weights, act), forward(X, weights, act).Z * 0 + 1, weights, act)
    buf = Buffers(units(weights), len(X), dtype, (0.0, 0.0))
    grads = [np.empty_like(W) for W in weights]
    for _ in range(2):                                     # the second pass writes over the first's arrays
        cache = forward(X, weights, act, buf=buf)
        delta = np.ones_like(cache.Z)
        tracemalloc.start()
        backward(cache, delta, weights, act, grads, buf)
        forward(X, weights, act, buf=buf)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert all(g.tobytes() == f.tobytes() for g, f in zip(grads, fresh))
    assert all(g.dtype == dtype for g in grads) and cache.A[0].dtype == dtype
    assert peak < X.shape[0] * 3 * np.dtype(dtype).itemsize    # < one output-sized array; a hidden layer is 64 wide


def test_dropout_draws_masks_only_with_a_generator():
    X, weights, _ = network([5])
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    plain = forward(X, weights, ACTIVATIONS["tanh"], (0.5,))
    assert plain.masks == [None] and plain.H[0] is plain.A[0]
    dropped = forward(X, weights, ACTIVATIONS["tanh"], (0.5,), rng)
    assert rng.bit_generator.state != state
    replay = np.random.default_rng(3).random((30, 5)) >= 0.5
    np.testing.assert_array_equal(dropped.masks[0], replay / 0.5)
    np.testing.assert_array_equal(dropped.H[0], dropped.A[0] * replay / 0.5)
