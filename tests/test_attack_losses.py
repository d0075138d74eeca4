"""Attack on the rewritten multinomial / bernoulli losses (float64 work arrays over the (K, n) transposes):
the loss, output and delta against an mpmath reference (50 digits) on hostile scores (huge margins either way,
ties, huge offsets, float32 scores), with case weights and output/delta buffers of either dtype and layout."""

import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from chainnet.losses import bernoulli, multinomial

mpmath.mp.dps = 50
EPS = np.finfo(np.float64).eps


def reference_multinomial(Z, T, w):
    """(Σ_i w_i [log Σ_k e^Z_ik - Z_iy], softmax rows) in 50 digits."""
    total, P = mpmath.mpf(0), []
    for i, row in enumerate(Z):
        e = [mpmath.exp(mpmath.mpf(float(z))) for z in row]
        s = mpmath.fsum(e)
        total += (mpmath.log(s) - mpmath.mpf(float(row[int(np.argmax(T[i]))]))) * mpmath.mpf(float(w[i]))
        P.append([float(x / s) for x in e])
    return total, np.array(P)


def reference_bernoulli(Z, T, w):
    total, P = mpmath.mpf(0), []
    for i, (z,) in enumerate(Z):
        z = mpmath.mpf(float(z))
        v = z if T[i, 0] == 0 else -z
        total += mpmath.log1p(mpmath.exp(v)) * mpmath.mpf(float(w[i]))
        P.append([float(1 / (1 + mpmath.exp(-z)))])
    return total, np.array(P)


SCALE = st.sampled_from([1.0, 40.0, 800.0, 1e6])
KIND = st.sampled_from(["random", "right", "wrong", "ties", "offset"])


def scores(rng, n, K, kind, scale, labels):
    if kind == "random":
        return rng.standard_normal((n, K)) * scale
    onehot = np.eye(K)[labels]
    if kind == "right":
        return onehot * scale + rng.integers(-2, 3, (n, 1))
    if kind == "wrong":
        return (1 - onehot) * scale
    if kind == "ties":
        return np.zeros((n, K)) + rng.integers(0, 2, (n, K)) * scale
    return 1e15 + rng.integers(-3, 4, (n, K)).astype(float)       # a huge common offset


def check(Z, T, w, loss, output, delta, ref_loss, ref_P):
    ref = float(ref_loss)
    assert loss >= 0.0
    assert abs(loss - ref) <= 1e-13 * ref + 4 * EPS * float(np.sum(w)), (loss, ref)   # the rounding of s_i ~ 1
    out = output.astype(np.float64)
    tol = 1e-12 if output.dtype == np.float64 else 2e-7
    assert np.all(np.abs(out - ref_P) <= tol * ref_P + 1e-300 + (0 if output.dtype == np.float64 else 1e-38))
    ref_delta = (ref_P - T) * w[:, None]
    dtol = 4 * EPS if delta.dtype == output.dtype == np.float64 else 2e-7   # δ = output - T: output's rounding
    assert np.all(np.abs(delta - ref_delta) <= dtol * np.maximum(np.abs(ref_delta), w[:, None]))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 10), K=st.integers(3, 5), kind=KIND, scale=SCALE,
       float32=st.booleans(), weighted=st.booleans(), out64=st.booleans(), fortran=st.booleans())
def test_multinomial_against_50_digits(seed, n, K, kind, scale, float32, weighted, out64, fortran):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, K, n)
    dtype = np.float32 if float32 else np.float64
    order = "F" if fortran else "C"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # float32: 1e15 offsets cast as they are
        Z = np.asarray(scores(rng, n, K, kind, scale, labels), dtype=dtype, order=order)
    T = np.asarray(np.eye(K)[labels], dtype=dtype, order=order)
    w = rng.uniform(0.1, 3.0, n) if weighted else np.ones(n)
    odtype = np.float64 if out64 else np.float32
    output, delta = np.empty((n, K), odtype, order=order), np.empty((n, K), dtype, order=order)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # no warning escapes on any score
        got = multinomial(Z, T, w if weighted else None, output, delta)
    assert got[0] is output and got[2] is delta
    check(Z, T, w, got[1], output, delta, *reference_multinomial(Z, T, w))
    alone = multinomial(Z, T, w if weighted else None)      # no buffers: the same numbers, Z's dtype
    assert alone[0].dtype == Z.dtype and alone[1] == got[1]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), kind=KIND, scale=SCALE, float32=st.booleans(),
       weighted=st.booleans())
def test_bernoulli_against_50_digits(seed, n, kind, scale, float32, weighted):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    dtype = np.float32 if float32 else np.float64
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        two = scores(rng, n, 2, kind, scale, labels)
        Z = np.asarray(two[:, 1:] - two[:, :1], dtype=dtype)  # the second level's log-odds
    T = labels[:, None].astype(dtype)
    w = rng.uniform(0.1, 3.0, n) if weighted else np.ones(n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        output, loss, delta = bernoulli(Z, T, w if weighted else None)
    ref, P = reference_bernoulli(Z, T, w)
    assert abs(loss - float(ref)) <= 1e-13 * float(ref) + 1e-300
    tol = 1e-15 if dtype == np.float64 else 2e-7
    assert np.all(np.abs(output - P) <= tol * P + 1e-300 + (0 if dtype == np.float64 else 1e-38))
    assert np.all(np.abs(delta - (P - T) * w[:, None]) <= 4 * tol * np.maximum(w, 1.0)[:, None])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_confident_multinomial_loses_its_relative_accuracy_only_below_n_eps(dtype):
    """Every row right by a margin of 40: each true term is ~4e-18, below the rounding of s_i = 1 + 4e-18, so
    the summed loss is 0 (as torch's logsumexp gives); the error is within n·eps, never more."""
    T = np.eye(3, dtype=dtype)[np.arange(30) % 3]
    loss = multinomial(T * dtype(40.0), T)[1]
    ref = float(reference_multinomial(T * 40.0, T, np.ones(30))[0])
    assert ref == pytest.approx(30 * 2 * np.exp(-40.0), rel=1e-12)
    assert 0.0 <= loss <= ref + 30 * EPS and abs(loss - ref) <= 30 * EPS
