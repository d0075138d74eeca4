"""losses: every loss against torch's summed loss, every delta against finite differences and torch autograd;
the stable forms on saturated logits and 200,000 float32 rows (issue 9 §4); case weights as repeated rows."""

import numpy as np
import pytest

from chainnet.losses import LOSSES, loss_for

torch = pytest.importorskip("torch")
F = torch.nn.functional


def data(name, n=50, scale=3.0, seed=0):
    rng = np.random.default_rng(seed)
    K = {"bernoulli": 1, "multinomial": 4, "gaussian": 2}[name]
    Z = scale * rng.standard_normal((n, K))
    if name == "bernoulli":
        T = (rng.random((n, 1)) < 0.5).astype(float)
    elif name == "multinomial":
        T = np.eye(K)[rng.integers(0, K, n)]
    else:
        T = rng.standard_normal((n, K))
    return Z, T


def torch_loss(name, Z, T, w=None):
    """torch's summed loss (per row, weighted by w) of the scores Z."""
    if name == "bernoulli":
        rows = F.binary_cross_entropy_with_logits(Z, T, reduction="none").sum(1)
    elif name == "multinomial":
        rows = F.cross_entropy(Z, T.argmax(1), reduction="none")
    else:
        rows = ((Z - T) ** 2).sum(1)
    return rows.sum() if w is None else (rows * w).sum()


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_loss_and_delta_match_torch(name, scale):
    Z, T = data(name, scale=scale)
    z = torch.tensor(Z, requires_grad=True)
    reference = torch_loss(name, z, torch.tensor(T))
    reference.backward()
    output, loss, delta = LOSSES[name].evaluate(Z, T)
    assert loss == pytest.approx(reference.item(), rel=1e-13)
    np.testing.assert_allclose(delta, z.grad.numpy(), rtol=1e-12, atol=1e-15)
    link = {"bernoulli": torch.sigmoid, "multinomial": lambda s: torch.softmax(s, 1), "gaussian": lambda s: s}
    np.testing.assert_allclose(output, link[name](torch.tensor(Z)).numpy(), rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("name", LOSSES)
def test_delta_is_the_derivative_of_the_loss(name):
    Z, T = data(name, n=6)
    loss, h = LOSSES[name].loss, 1e-6
    numeric = np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        up, down = Z.copy(), Z.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (loss(up, T) - loss(down, T)) / (2 * h)
    np.testing.assert_allclose(LOSSES[name].delta(Z, T), numeric, rtol=1e-7, atol=1e-8)


def test_saturated_logits_are_finite_and_exact():
    """|z| = 1000: log(1 + e^z) must not overflow, and a wrong confident class costs 1000 + log 2-ish."""
    Z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0], [0.0]])
    T = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]])
    loss = LOSSES["bernoulli"].loss(Z, T)
    assert loss == pytest.approx(2000.0 + np.log(2.0), rel=1e-15)
    Zm = np.array([[1000.0, -1000.0, 0.0], [-50.0, 60.0, 60.0], [0.0, 0.0, 0.0]])
    Tm = np.eye(3)[[1, 1, 2]]
    reference = F.cross_entropy(torch.tensor(Zm), torch.tensor([1, 1, 2]), reduction="sum").item()
    assert LOSSES["multinomial"].loss(Zm, Tm) == pytest.approx(reference, rel=1e-15)
    assert LOSSES["multinomial"].loss(Zm, Tm) == pytest.approx(2000.0 + np.log(2.0) + np.log(3.0), rel=1e-15)


@pytest.mark.parametrize("name", ["bernoulli", "multinomial"])
def test_float32_on_200000_rows_agrees_with_float64_and_torch(name):
    """Confident, right predictions: each row costs ~2.5e-6, the total ~0.5. The old Σ logsumexp - Σ T·Z gave
    0.0 in float32 (multinomial) and -128 on saturated logits; the per-row terms summed in float64 do not."""
    n, rng = 200_000, np.random.default_rng(1)
    if name == "multinomial":
        T = np.eye(3)[rng.integers(0, 3, n)]
        Z = np.where(T == 1, 13.6, 0.0) + 0.01 * rng.standard_normal((n, 3))
    else:
        T = (rng.random((n, 1)) < 0.5).astype(float)
        Z = np.where(T == 1, 12.9, -12.9) + 0.01 * rng.standard_normal((n, 1))
    Z32, T32 = Z.astype(np.float32), T.astype(np.float32)
    loss32 = LOSSES[name].loss(Z32, T32)
    loss64 = LOSSES[name].loss(Z32.astype(np.float64), T)
    reference = torch_loss(name, torch.tensor(Z32, dtype=torch.float64), torch.tensor(T)).item()
    assert 0.4 < reference < 0.6
    assert loss32 == pytest.approx(loss64, rel=1e-12) and loss64 == pytest.approx(reference, rel=1e-10)
    output, _, delta = LOSSES[name].evaluate(Z32, T32)
    assert output.dtype == delta.dtype == np.float32


def test_float32_saturated_logits_are_not_negative():
    Z = np.full((200_000, 1), 40.0, np.float32)
    T = np.ones((200_000, 1), np.float32)
    Z[::2], T[::2] = -40.0, 0.0
    loss = LOSSES["bernoulli"].loss(Z, T)
    assert loss == pytest.approx(200_000 * np.log1p(np.exp(-40.0)), rel=1e-6) and loss > 0


@pytest.mark.parametrize("name", LOSSES)
def test_integer_case_weights_are_repeated_rows(name):
    Z, T = data(name, n=12)
    w = np.array([0, 1, 2, 3, 1, 1, 4, 0, 2, 1, 1, 5])
    Zr, Tr = np.repeat(Z, w, axis=0), np.repeat(T, w, axis=0)
    _, loss, delta = LOSSES[name].evaluate(Z, T, w)
    _, repeated, delta_r = LOSSES[name].evaluate(Zr, Tr)
    assert loss == pytest.approx(repeated, rel=1e-13)
    summed = np.zeros_like(Z)                     # dL/dZ_i of a row repeated w_i times: w_i copies' deltas
    np.add.at(summed, np.repeat(np.arange(len(Z)), w), delta_r)
    np.testing.assert_allclose(delta, summed, rtol=1e-13, atol=1e-15)
    _, unweighted, _ = LOSSES[name].evaluate(Z, T, np.ones(len(Z)))
    assert unweighted == pytest.approx(LOSSES[name].loss(Z, T), rel=1e-14)
    w_t = torch.tensor(w, dtype=torch.float64)
    assert loss == pytest.approx(torch_loss(name, torch.tensor(Z), torch.tensor(T), w_t).item(), rel=1e-13)


def test_out_arrays_are_written_and_the_task_picks_the_loss():
    Z, T = data("multinomial")
    output, delta = np.empty_like(Z), np.empty_like(Z)
    out, _, d = LOSSES["multinomial"].evaluate(Z, T, None, output, delta)
    assert out is output and d is delta and np.allclose(output.sum(1), 1.0)
    assert [loss_for("classification", 2).name, loss_for("classification", 3).name, loss_for("regression", None).name] \
        == ["bernoulli", "multinomial", "gaussian"]


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("orders", ["CC", "FF", "CF", "FC"])
def test_any_memory_order_of_scores_and_targets_gives_torchs_loss(name, dtype, orders):
    """Training keeps Z, output and delta unit by unit (Fortran order) and the targets too; the public verbs
    pass C arrays: every mix gives torch's loss and delta, written into out arrays of either order."""
    Z, T = data(name, n=40)
    z = torch.tensor(Z, requires_grad=True)
    reference = torch_loss(name, z, torch.tensor(T))
    reference.backward()
    Zo, To = (np.array(A, order=o, dtype=dtype) for A, o in zip((Z, T), orders))
    output, delta = np.empty_like(Zo, order="F"), np.empty_like(Zo, order="F")
    _, loss, d = LOSSES[name].evaluate(Zo, To, None, output, delta)
    rtol = 1e-13 if dtype == np.float64 else 1e-6
    assert loss == pytest.approx(reference.item(), rel=rtol)
    np.testing.assert_allclose(d, z.grad.numpy(), rtol=1e-12 if dtype == np.float64 else 1e-5, atol=1e-6)
