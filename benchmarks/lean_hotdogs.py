"""The leanest numpy hot-dog iteration we could write, against chainnet and the post's loop, in one process.

    python benchmarks/lean_hotdogs.py

The issue-10 question for the hot-dog spirals (2-30-1 sigmoid, logistic output, 200 rows, full-batch GD): can a
numpy iteration be 2x the R post's loop (``peers.numpy_r6_spirals``, which computes no loss)? ``lean`` records the
loss (the stable softplus of (1 - 2t) z) and the accuracy every iteration, as chainnet does, on units-major
(units, rows) buffers with one flat parameter vector (update, checkpoint and finiteness check one call each). It
checks that it takes chainnet's steps (max |dw| printed), then prints the medians of 5 interleaved rounds of
2,000 iterations and the ratios.
"""

import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import numpy_r6_spirals

from chainnet import NeuralNetwork, datasets

hd = datasets.make_hotdogs(200, seed=1)
net = NeuralNetwork("class ~ x1 + x2", data=hd, hidden=30, seed=1)
X = np.ascontiguousarray(net.X); n, D = X.shape; H = 30
y = net._T[:, 0].astype(float); W0 = [W.copy() for W in net.weights]; lr = 1e-2

def lean(iterations):
    """``iterations`` GD steps from chainnet's starting weights: (final flat weights, (loss, accuracy) rows)."""
    w = np.concatenate([W.ravel() for W in W0]); g = np.empty_like(w); ck = np.empty_like(w); step = np.empty_like(w)
    W1 = w[:D*H].reshape(D, H); W2 = w[D*H:].reshape(H+1, 1)
    g1 = g[:D*H].reshape(D, H); g2 = g[D*H:].reshape(H+1, 1)
    XT = np.ascontiguousarray(X.T); Hb = np.ones((H+1, n)); A = Hb[1:]
    z = np.empty((1, n)); v = np.empty((1, n)); o = np.empty((1, n)); dA = np.empty((H, n)); dH = np.empty((H, n))
    sgn = (1.0 - 2.0 * y)[None, :]; yT = y[None, :]; hist = np.empty((iterations, 2)); right = np.empty((1, n), bool)
    for i in range(iterations):
        np.dot(W1.T, XT, out=A); np.negative(A, out=A); np.exp(A, out=A); A += 1.0; np.reciprocal(A, out=A)
        np.dot(W2.T, Hb, out=z)
        np.multiply(z, sgn, out=v)                       # (1 - 2t) z
        loss = float(np.logaddexp(0.0, v).sum())        # softplus, stable
        np.greater(v, 0.0, out=right)                   # wrong when (1-2t) z > 0
        np.negative(z, out=o); np.exp(o, out=o); o += 1.0; np.reciprocal(o, out=o)   # sigma(z)
        o -= yT                                         # delta
        np.dot(Hb, o.T, out=g2)
        np.dot(W2[1:], o, out=dH)
        np.subtract(1.0, A, out=dA); dA *= A; dH *= dA
        np.dot(XT, dH.T, out=g1)
        np.copyto(ck, w); np.multiply(g, lr, out=step); w -= step
        if not (math.isfinite(loss) and math.isfinite(np.add.reduce(w))):
            raise RuntimeError
        hist[i, 0] = loss; hist[i, 1] = 1 - np.count_nonzero(right) / n
    return w, hist

def bench(f, reps=5, it=2000):
    """Median µs per iteration of ``f(it)`` over ``reps`` runs."""
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(it); ts.append((time.perf_counter() - t) / it * 1e6)
    return sorted(ts)[len(ts)//2]
post = numpy_r6_spirals(X[:, 1:], y, H, lr, weights=W0)
chainnet = NeuralNetwork("class ~ x1 + x2", data=hd, hidden=30, seed=1)


def cn(it):
    chainnet.train(it, learn_rate=lr, trace=0, tolerance=0)
w, hist = lean(200)
m = NeuralNetwork("class ~ x1 + x2", data=hd, hidden=30, seed=1).train(200, learn_rate=lr, trace=0, tolerance=0)
print("max|dw| lean vs chainnet", np.abs(w - m.params).max(), hist[-1], m.history.iloc[-1].tolist()[:2])
res = {}
for rnd in range(5):
    for name, f in [("post loop", post), ("lean", lean), ("chainnet", cn)]:
        res.setdefault(name, []).append(bench(f))
med = {k: sorted(v)[2] for k, v in res.items()}
ratio = {k: med["post loop"] / med[k] for k in ("lean", "chainnet")}
print({k: round(v, 1) for k, v in med.items()}, f"post/lean {ratio['lean']:.2f}x post/chainnet {ratio['chainnet']:.2f}x")
