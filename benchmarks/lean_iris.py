"""The leanest numpy iris iteration we could write, against chainnet and the R6 loop, in one process.

    python benchmarks/lean_iris.py

The issue-10 question: can a numpy iteration of iris 4-5-3 (sigmoid, softmax, full-batch GD, loss and accuracy
recorded every iteration) be 2x the plain R6 loop? ``lean`` is that iteration on preallocated buffers, in the
units-major layout: every (n, k) array of the maths is stored as its transpose (k, n), C-contiguous, so the
reductions over a row's K classes run over axis 0 (K - 1 vector operations; the same arrays reduced over axis 1
in C order cost several times more). One flat parameter vector holds the layers as views (the update, the
checkpoint copy and the finiteness check are one call each), the hidden layer keeps its row of ones, the row
sums of e^S are a product with ones, the loss is Σ log s - <T, S>: 28 numpy calls in all. It checks that it takes
chainnet's steps (max |dw| after 200 iterations), then prints each contender's median µs per iteration over
5 interleaved rounds of 7 x 2,000 iterations (each round's median), and the ratios. Each network is built
once, outside the timings (its construction is not an iteration).
"""

import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import numpy_r6_iris

from chainnet import NeuralNetwork, datasets

iris = datasets.load_iris()
net = NeuralNetwork("Species ~ .", data=iris, hidden=5, seed=1)
X = np.ascontiguousarray(net.X); n, D = X.shape
codes = np.asarray(net.Y.codes).astype(np.intp); K = 3; H = 5
Y = np.eye(K)[codes]
W0 = [W.copy() for W in net.weights]
lr = 1e-4


def lean(iterations):
    """Units-major layout: every (n, k) array stored as its transpose (k, n), C-contiguous."""
    w = np.concatenate([W.ravel() for W in W0]); g = np.empty_like(w); ck = np.empty_like(w); step = np.empty_like(w)
    W1 = w[:D*H].reshape(D, H); W2 = w[D*H:].reshape(H+1, K)
    g1 = g[:D*H].reshape(D, H); g2 = g[D*H:].reshape(H+1, K)
    XT = np.ascontiguousarray(X.T)            # (D, n)
    Hb = np.ones((H+1, n)); A = Hb[1:]        # (H+1, n): [1; A]
    Z = np.empty((K, n)); m = np.empty(n); s = np.empty(n); dA = np.empty((H, n)); dH = np.empty((H, n))
    YT = np.ascontiguousarray(Y.T); ones = np.ones(K); right = np.empty(n, bool)
    hist = np.empty((iterations, 2))
    for i in range(iterations):
        np.dot(W1.T, XT, out=A)                       # A = (X W1)^T
        np.negative(A, out=A); np.exp(A, out=A); A += 1.0; np.reciprocal(A, out=A)
        np.dot(W2.T, Hb, out=Z)                       # Z^T
        np.maximum.reduce(Z, axis=0, out=m)
        np.equal(Z.argmax(axis=0), codes, out=right)
        Z -= m                                        # S = Z - max <= 0
        loss_y = np.vdot(YT, Z)                       # Σ S_iy <= 0
        np.exp(Z, out=Z)
        np.dot(ones, Z, out=s)                        # Σ_k e^S >= 1
        Z /= s                                        # softmax
        np.log(s, out=s)
        loss = float(np.add.reduce(s) - loss_y)
        Z -= YT                                       # delta^T
        np.dot(Hb, Z.T, out=g2)                       # dW2 = [1,H]^T delta
        np.dot(W2[1:], Z, out=dH)                     # (delta W2[1:]^T)^T
        np.subtract(1.0, A, out=dA); dA *= A; dH *= dA
        np.dot(XT, dH.T, out=g1)                      # dW1 = X^T dZ1
        np.copyto(ck, w)
        np.multiply(g, lr, out=step); w -= step
        if not (math.isfinite(loss) and math.isfinite(np.add.reduce(w))):
            raise RuntimeError
        hist[i, 0] = loss; hist[i, 1] = np.count_nonzero(right) / n
    return w, hist


def bench(f, reps=7, it=2000):
    """The median µs per iteration of ``f(it)`` over ``reps`` runs."""
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(it); ts.append((time.perf_counter() - t) / it * 1e6)
    return sorted(ts)[len(ts)//2]


r6 = numpy_r6_iris(X, Y, H, lr, weights=W0)
m = NeuralNetwork("Species ~ .", data=iris, hidden=5, seed=1)
def cn(it):
    m.train(it, learn_rate=lr, trace=0, tolerance=0)


w, hist = lean(200)
steps = NeuralNetwork("Species ~ .", data=iris, hidden=5, seed=1).train(200, learn_rate=lr, trace=0, tolerance=0)
print("max|dw| lean vs chainnet", np.abs(w - steps.params).max(), "loss", hist[-1, 0], steps.history['loss'].iloc[-1])
res = {}
for rnd in range(5):
    for name, f in [("r6", r6), ("lean", lean), ("chainnet", cn)]:
        res.setdefault(name, []).append(bench(f))
for name, v in res.items():
    print(f"{name:9s} median of medians {sorted(v)[2]:.1f} µs  ", [round(x, 1) for x in v])
mid = {name: sorted(v)[2] for name, v in res.items()}
print(f"r6/lean {mid['r6'] / mid['lean']:.2f}x  r6/chainnet {mid['r6'] / mid['chainnet']:.2f}x  "
      f"chainnet/lean {mid['chainnet'] / mid['lean']:.2f}x")
