"""The numpy floor of L-BFGS time to fit, for ``time_to_fit.py --floor``: how fast chainnet's
``train(optimizer="lbfgs")`` could be at best in numpy and Python.

The same iterations as chainnet's (torch's L-BFGS: 10 pairs, chainnet's strong-Wolfe line search and two-loop
recursion, the line search's accepted point reused as the next start) on the same objective (summed
negative log-likelihood of a one-hidden-layer sigmoid network, softmax or logistic output) written as fifteen
numpy calls into preallocated buffers, with nothing else: no training loop, no checks, no checkpoint, no
history. The gap between this row and chainnet's is what the training loop and the general passes cost.
"""

from __future__ import annotations

import time

import numpy as np

from chainnet._linesearch import strong_wolfe
from chainnet.quasinewton import _two_loop


def objective(X: np.ndarray, T: np.ndarray, shapes: list):
    """``fg(w, g) -> loss``: the summed NLL at the flat weights w = [W1 (D, H), W2 (1 + H, K)] (X's intercept
    column meets W1's intercept row; W2's bias is row 0), its gradient written into g. The (rows, units) buffers
    are stored unit by unit, as chainnet's pass buffers (softmax's row reductions run 2-6x faster), and BLAS
    writes them as the transposed products."""
    (D, H), (_, K) = shapes
    a, n = D * H, len(X)
    new = lambda k: np.empty((k, n)).T                                      # (n, k), each unit contiguous
    Hb, Z, dA, one, T = new(1 + H), new(K), new(H), new(H), np.asfortranarray(T)
    Hb[:, 0] = 1.0
    A = Hb[:, 1:]                                                           # [1, A]: W2's bias row meets the ones

    def fg(w: np.ndarray, g: np.ndarray) -> float:
        W1, W2, g1, g2 = w[:a].reshape(D, H), w[a:].reshape(-1, K), g[:a].reshape(D, H), g[a:].reshape(-1, K)
        np.dot(W1.T, X.T, out=A.T)
        np.exp(np.negative(A, out=A), out=A)
        np.reciprocal(np.add(A, 1.0, out=A), out=A)                         # A = σ(X W1)
        np.dot(W2.T, Hb.T, out=Z.T)                                         # Z = [1, A] W2
        f, delta = (_softmax if K > 1 else _logistic)(Z, T)                 # delta = dLoss/dZ, in Z
        np.dot(Hb.T, delta, out=g2)                                         # dW2 = [1, A]^T delta
        np.dot(W2[1:], delta.T, out=dA.T)                                   # dLoss/dA = delta W2[1:]^T
        np.multiply(np.subtract(1.0, A, out=one), A, out=one)               # σ' = A (1 - A)
        np.dot(X.T, np.multiply(dA, one, out=dA), out=g1)
        return f
    return fg


def _softmax(Z, T):
    np.subtract(Z, Z.max(axis=1, keepdims=True), out=Z)                      # S = Z - rowmax
    E = np.exp(Z)
    s = E.sum(axis=1, keepdims=True)
    f = float(np.log(s).sum() - np.vdot(T.T, Z.T))                           # Σ log Σ e^S - Σ T·S
    return f, np.subtract(np.divide(E, s, out=E), T, out=Z)


def _logistic(Z, T):
    f = float((np.maximum(Z, 0.0) - Z * T + np.log1p(np.exp(-np.abs(Z)))).sum())
    return f, np.subtract(1.0 / (1.0 + np.exp(-Z)), T, out=Z)


def lbfgs(fg, w: np.ndarray, target: float, max_iter: int, m: int = 10) -> tuple[int, float]:
    """Iterations of torch's L-BFGS from w (in place) until one starts below ``target``; as in chainnet, that
    iteration still makes its update. Returns (iterations, the loss that iteration started from)."""
    n = w.size
    g, S, Y, ro = np.empty(n), np.empty((m, n)), np.empty((m, n)), np.empty(m)
    g_prev, w_trial, d = np.empty(n), np.empty(n), np.empty(n)
    f, k, t, H_diag = fg(w, g), 0, 0.0, 1.0

    def phi(step):                                                           # (f, g, g·d) at w + step·d
        np.add(w, np.multiply(d, step, out=w_trial), out=w_trial)
        g_new = np.empty(n)
        return fg(w_trial, g_new), g_new, float(g_new.dot(d))
    for it in range(1, max_iter + 1):
        start = f
        if it == 1:
            np.negative(g, out=d)
            t = min(1.0, 1.0 / float(np.abs(g).sum()))
        else:
            y, s = g - g_prev, d * t
            ys = float(y.dot(s))
            if ys > 1e-10:                                                   # keep the pair (s, y)
                if k == m:
                    S[:-1], Y[:-1], ro[:-1], k = S[1:], Y[1:], ro[1:], k - 1
                S[k], Y[k], ro[k], k, H_diag = s, y, 1.0 / ys, k + 1, ys / float(y.dot(y))
            _two_loop(S[:k], Y[:k], ro[:k], g, H_diag, d)                   # d = -H g
            t = 1.0
        np.copyto(g_prev, g)
        f, g, t, _ = strong_wolfe(phi, t, d, f, g, float(g.dot(d)), max_ls=24)
        w += t * d
        if start < target:
            return it, start
    return max_iter, start


def fit(p, iterations: int):
    """A ``time_to_fit`` contender: (iterations, final loss, seconds) from the problem's starting weights."""
    fg = objective(p.X, p.T, [W.shape for W in p.W0])
    w = np.concatenate([W.ravel() for W in p.W0])
    clock = time.perf_counter()
    k, loss = lbfgs(fg, w, p.target, iterations)
    return k, loss, time.perf_counter() - clock
