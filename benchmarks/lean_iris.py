"""The leanest numpy iris iteration we could write, against chainnet and the R6 loop, in one process.

    python benchmarks/lean_iris.py

The issue-10 question: can a numpy iteration of iris 4-5-3 (sigmoid, softmax, full-batch GD, loss and accuracy
recorded every iteration) be 2x the plain R6 loop? ``lean`` is that iteration on preallocated buffers: one flat
parameter vector with the layers as views (so the update, the checkpoint copy and the finiteness check are one
call each), the hidden layer stored unit by unit with its column of ones written once, the fused stable
softmax-loss-delta, 22 numpy calls in all. It checks that it takes chainnet's steps (max |dw| printed), then prints
the best and median µs per iteration of each contender over 3 rounds of 7 x 2,000 iterations.
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
codes = np.asarray(net.Y.codes); K = 3; H = 5
Y = np.eye(K)[codes]
W0 = [W.copy() for W in net.weights]
lr = 1e-4

def lean(iterations, record=True):
    w = np.concatenate([W.ravel() for W in W0]); g = np.empty_like(w); ck = np.empty_like(w)
    W1 = w[:D*H].reshape(D, H); W2 = w[D*H:].reshape(H+1, K)
    g1 = g[:D*H].reshape(D, H); g2 = g[D*H:].reshape(H+1, K)
    Hb = np.ones((H+1, n)).T; A = Hb[:, 1:]; Z = np.empty((n, K)); S = np.empty((n, K))
    m = np.empty((n, 1)); s = np.empty((n, 1)); dA = np.empty((n, H)); dH = np.empty((n, H))
    idx = (np.arange(n), codes)
    hist = np.empty((iterations, 2))
    for i in range(iterations):
        np.dot(W1.T, X.T, out=A.T); np.negative(A, out=A); np.exp(A, out=A); A += 1.0; np.reciprocal(A, out=A)
        np.dot(Hb, W2, out=Z)
        np.max(Z, axis=1, keepdims=True, out=m); np.subtract(Z, m, out=Z)
        np.exp(Z, out=S); np.sum(S, axis=1, keepdims=True, out=s)
        np.log(s, out=m)
        loss = float(m.sum() - Z[idx].sum())          # -Σ log softmax at the true class
        right = np.count_nonzero(Z.argmax(axis=1) == codes)
        S /= s; S -= Y                                  # delta = softmax - Y
        np.dot(Hb.T, S, out=g2)
        np.dot(S, W2[1:].T, out=dH)
        np.subtract(1.0, A, out=dA); dA *= A; dH *= dA
        np.dot(X.T, dH, out=g1)
        np.copyto(ck, w)
        w -= lr * g
        if not (math.isfinite(loss) and math.isfinite(w.sum())):
            raise RuntimeError
        hist[i, 0] = loss; hist[i, 1] = right / n
    return w, hist

def bench(f, reps=7, it=2000):
    """(best, median) µs per iteration of ``f(it)`` over ``reps`` runs."""
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(it); ts.append((time.perf_counter() - t) / it * 1e6)
    return min(ts), sorted(ts)[len(ts)//2]

def r6run(it):
    r = numpy_r6_iris(X, Y, H, lr, weights=W0); r(it)
def cn(it):
    m = NeuralNetwork("Species ~ .", data=iris, hidden=5, seed=1)
    m.train(it, learn_rate=lr, trace=0, tolerance=0)
w, hist = lean(200)
m = NeuralNetwork("Species ~ .", data=iris, hidden=5, seed=1).train(200, learn_rate=lr, trace=0, tolerance=0)
print("max|dw| lean vs chainnet", np.abs(w - m.params).max(), "loss", hist[-1, 0], m.history['loss'].iloc[-1])
for rnd in range(3):
    for name, f in [("r6", r6run), ("lean", lean), ("chainnet", cn)]:
        best, median = bench(f)
        print(f"round {rnd}  {name:9s} best {best:.1f} µs  median {median:.1f} µs")
