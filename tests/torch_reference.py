"""A torch (float64) copy of a chainnet network, built layer by layer from its weights: the independent reference
for gradients and optimizer steps. Import it after ``pytest.importorskip("torch")``.

Layout: chainnet's ``W1`` (D, H1) multiplies ``X``, which already holds the intercept column, so the first torch
``Linear`` has no bias and its weight is ``W1.T``; every later chainnet matrix keeps its bias in row 0, so the
torch layer gets ``weight = W[1:].T`` and ``bias = W[0]``. Losses are torch's own, summed over rows.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda z: z,
               "softplus": F.softplus}

OPTIMIZERS = {
    "gd": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "momentum": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "nesterov": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
    "rmsprop": lambda params, lr: torch.optim.RMSprop(params, lr=lr),      # alpha 0.99, eps 1e-8
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr),            # betas (0.9, 0.999), eps 1e-8
}


class TorchNet:
    """The same network in torch: ``scores(X)``, ``loss(X, T, share)``, and the weights/gradients back in
    chainnet's layout."""

    def __init__(self, net):
        self.layers = []
        for l, W in enumerate(net.weights):
            if l == 0:
                layer = nn.Linear(W.shape[0], W.shape[1], bias=False, dtype=torch.float64)
                layer.weight.data = torch.tensor(W.T.copy())
            else:
                layer = nn.Linear(W.shape[0] - 1, W.shape[1], dtype=torch.float64)
                layer.weight.data = torch.tensor(W[1:].T.copy())
                layer.bias.data = torch.tensor(W[0].copy())
            self.layers.append(layer)
        self.act = ACTIVATIONS[net.activation]
        self.decay, self.intercept = net.decay, net.design.intercept
        self.kind = "regression" if net.task == "regression" else ("binary" if len(net.classes) == 2 else "multi")

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def scores(self, X):
        h = torch.tensor(np.array(X, dtype=np.float64))
        for layer in self.layers[:-1]:
            h = self.act(layer(h))
        return self.layers[-1](h)

    def data_loss(self, X, T):
        Z, T = self.scores(X), torch.tensor(np.array(T, dtype=np.float64))
        if self.kind == "binary":
            return F.binary_cross_entropy_with_logits(Z, T, reduction="sum")
        if self.kind == "multi":
            return F.cross_entropy(Z, T.argmax(dim=1), reduction="sum")
        return F.mse_loss(Z, T, reduction="sum")

    def penalty(self):
        """decay·Σw² over the weights, not the biases (W1's intercept column, every later layer's bias)."""
        first = self.layers[0].weight
        keep = torch.ones(first.shape[1], dtype=torch.bool)
        if self.intercept is not None:
            keep[self.intercept] = False
        total = (first[:, keep] ** 2).sum() + sum((layer.weight ** 2).sum() for layer in self.layers[1:])
        return self.decay * total

    def loss(self, X, T, share=1.0):
        return self.data_loss(X, T) + share * self.penalty()

    def _layout(self, get):
        out = []
        for l, layer in enumerate(self.layers):
            W = get(layer.weight).T
            out.append(W if l == 0 else np.vstack([get(layer.bias)[None, :], W]))
        return out

    def weights(self):
        return self._layout(lambda p: p.detach().numpy().copy())

    def gradients(self, X, T):
        for p in self.parameters():
            p.grad = None
        self.loss(X, T).backward()
        return self._layout(lambda p: p.grad.numpy().copy())

    def train_iteration(self, optimizer, X, T, batch_size=None):
        """One pass over the rows in order, one torch step per batch; returns the summed batch losses
        (each computed before its own step, the batch carrying its share of the penalty)."""
        n = len(X)
        size = batch_size or n
        total = 0.0
        for s in range(0, n, size):
            Xb, Tb = X[s:s + size], T[s:s + size]
            optimizer.zero_grad()
            loss = self.loss(Xb, Tb, share=len(Xb) / n)
            loss.backward()
            optimizer.step()
            total += loss.item()
        return total


def max_relative_error(a_list, b_list):
    """max |a - b| over every array, relative to the largest |b|."""
    num = max(np.max(np.abs(a - b)) for a, b in zip(a_list, b_list))
    return num / max(np.max(np.abs(b)) for b in b_list)
