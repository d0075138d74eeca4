"""Seed 004: one forward and one backward pass through an iris network, written out layer by layer.

The seed standardizes iris, draws every weight from N(0, 1), and builds a 4-3-3 network (sigmoid hidden units,
softmax output, cross-entropy loss) by hand, then differentiates it with the chain rule and trains it with
one-row updates (learn_rate 0.1, 50 passes). Here the same pass is written with matrices over all 150 rows,
compared with ``net.gradients()`` and with central finite differences, then the seed's loop is run with
``batch_size=1``.
Run: python examples/backprop_by_hand.py   (figures go to $CHAINNET_FIGURES, default docs/)
"""

import os
from pathlib import Path

import numpy as np

from chainnet import NeuralNetwork, datasets
from chainnet.gradcheck import finite_differences

FIGURES = Path(os.environ.get("CHAINNET_FIGURES", Path(__file__).resolve().parent.parent / "docs"))
FIGURES.mkdir(parents=True, exist_ok=True)
np.set_printoptions(precision=4, suppress=True)

iris = datasets.load_iris().sample(frac=1.0, random_state=0)      # the seed puts the rows in random order
net = NeuralNetwork("Species ~ .", data=iris, hidden=3, standardize=True, seed=0)
rng = np.random.default_rng(0)
net.W1, net.W2 = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))   # x1a1 = rnorm(1) ...


def show(name, A):
    print(f"  {name:<28} {A.shape!s:<9} first row {A[0]}")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---- forward: Z1 = X W1, A1 = σ(Z1), Z2 = [1, A1] W2, P = softmax(Z2), L = -Σ log P[true class]
X, W1, W2 = net.X, net.W1, net.W2
T = np.eye(3)[net.Y.codes]                                         # one-hot targets (y_mat in the seed)
Z1 = X @ W1
A1 = sigmoid(Z1)
H1 = np.hstack([np.ones((len(X), 1)), A1])                         # the bias node is a column of ones
Z2 = H1 @ W2
P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
P /= P.sum(axis=1, keepdims=True)
loss = -np.sum(T * np.log(P))
print("forward pass (all 150 rows at once; the seed's in1a..in1d, l1_1.., l2_1.. are the first row)")
show("X (standardized, intercept)", X)
show("Z1 = X W1", Z1)
show("A1 = sigmoid(Z1)", A1)
show("Z2 = [1, A1] W2", Z2)
show("P = softmax(Z2)", P)
print(f"  loss L = -sum T log P = {loss:.6f}   (net.compute_loss() = {net.compute_loss():.6f})")

# ---- backward: the chain rule, one layer at a time
delta2 = P - T                                   # dL/dZ2: the softmax Jacobian cancels the log's derivative
dW2 = H1.T @ delta2                              # dL/dW2
dA1 = delta2 @ W2[1:].T                          # dL/dA1: every output unit pulls on every hidden unit
delta1 = dA1 * A1 * (1.0 - A1)                   # dL/dZ1 = dL/dA1 * sigmoid'(Z1), sigmoid' = A1 (1 - A1)
dW1 = X.T @ delta1                               # dL/dW1
print("backward pass")
show("delta2 = P - T", delta2)
show("dW2 = [1, A1]^T delta2", dW2)
show("dA1 = delta2 W2[1:]^T", dA1)
show("delta1 = dA1 * A1 (1 - A1)", delta1)
show("dW1 = X^T delta1", dW1)

# ---- checks: chainnet's backward pass, and finite differences of the loss
by_hand = [dW1, dW2]
chainnet_diff = max(float(np.max(np.abs(g - h))) for g, h in zip(net.gradients(), by_hand))
h = 1e-5
numeric = finite_differences(net.compute_loss, net.weights, h)   # (L(w + h) - L(w - h)) / 2h for every weight
errors = [float(e) for N, G in zip(numeric, by_hand)
          for e in (np.abs(N - G) / np.maximum(np.maximum(np.abs(N), np.abs(G)), 1e-12)).ravel()]
print("checks")
print(f"  by hand against net.gradients(): max |difference| {chainnet_diff:.3g}")
print(f"  by hand against central finite differences (h = {h:g}, {len(errors)} weights): "
      f"max relative error {max(errors):.3g}")

# ---- one gradient-descent step, then the seed's training loop: one-row updates, learn_rate 0.1, 50 passes
before = net.compute_loss()
after = net.backpropagate(1e-2).compute_loss()
print(f"one step W <- W - 0.01 dL/dW: loss {before:.4f} -> {after:.4f}")
net.train(50, learn_rate=0.1, batch_size=1, shuffle=False, tolerance=0, trace=0)
print(f"the seed's loop (50 passes of one-row updates, learn_rate 0.1): training accuracy {net.accuracy():.4f}, "
      f"loss {net.compute_loss():.4f}")

ax = net.plot_network()
ax.figure.savefig(FIGURES / "backprop_network.png", dpi=80)
print(f"saved {FIGURES / 'backprop_network.png'}")
