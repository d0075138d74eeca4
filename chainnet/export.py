"""Hand a network to PyTorch (``pip install 'chainnet[torch]'``); the only module that imports torch.

``to_torch(net)`` builds a ``torch.nn.Sequential`` holding the same weights, in float64 by default:

    Linear(D, H1, bias=False)   X already holds the intercept column, so W1 carries the first bias (as in R6)
    activation [, Dropout(p)]   one per hidden layer; Dropout only when the network trains with dropout
    Linear(H1, H2)              bias = W2[0], weight = W2[1:]^T
    ...
    link                        Sigmoid (two classes), Softmax(dim=1) (three or more), Identity (regression)

so ``model(X)`` equals ``net.feedforward().output``, and ``model[:-1](X)`` gives the scores ``Z`` (logits)
that torch's numerically stable losses take. :func:`objective` is ``compute_loss()`` written in torch
(summed NLL or squared error on the logits, plus ``decay·Σw²`` over every weight but the biases), so its
autograd gradients are ``net.gradients()``. :func:`tensors` encodes a data frame with the network's formula
(levels, ``scale()`` parameters and standardisation of the training data): the design matrix still comes
from chainnet when the training moves to torch. :func:`from_torch` copies trained weights back, so that
``net.predict(newdata)`` works on them with the formula.

Dropout modules drop with torch's own generator: same rule, different random numbers. As always in torch,
call ``model.eval()`` before predicting.
"""

from __future__ import annotations

import numpy as np

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without torch
    raise ImportError("chainnet.export needs PyTorch: pip install 'chainnet[torch]'") from exc

from .errors import ArgumentError

DTYPES = {"float64": torch.float64, "float32": torch.float32}


class Softplus(nn.Module):
    """log(1 + e^z) as chainnet computes it, ``logaddexp(0, z)``: torch's ``nn.Softplus`` switches to the
    identity above z = 20, an error of e^-20 ≈ 2e-9."""

    def forward(self, z):
        return torch.logaddexp(torch.zeros_like(z), z)


ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "identity": nn.Identity,
               "softplus": Softplus}
LINKS = {"bernoulli": nn.Sigmoid, "multinomial": lambda: nn.Softmax(dim=1), "gaussian": nn.Identity}
LOSSES = {  # chainnet's summed losses, on the logits Z (see chainnet.losses)
    "bernoulli": lambda: nn.BCEWithLogitsLoss(reduction="sum"),   # Σ log(1 + e^Z) - T·Z
    "multinomial": lambda: nn.CrossEntropyLoss(reduction="sum"),  # Σ logsumexp(Z) - Σ T·Z, T one-hot
    "gaussian": lambda: nn.MSELoss(reduction="sum"),              # Σ (Z - T)²
}


def to_torch(net, dtype: str = "float64") -> nn.Sequential:
    """A ``torch.nn.Sequential`` with ``net``'s weights (copied), taking the design matrix ``X`` (n, D)."""
    if dtype not in DTYPES:
        raise ArgumentError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
    layers, last = [], len(net.weights) - 1
    for l, W in enumerate(net.weights):
        linear = nn.Linear(W.shape[0] - (l > 0), W.shape[1], bias=l > 0, dtype=DTYPES[dtype])
        _copy_in(linear, W, first=l == 0)
        layers.append(linear)
        if l < last:
            layers.append(ACTIVATIONS[net.activation]())
            if net.dropout[l] > 0:
                layers.append(nn.Dropout(net.dropout[l]))
    layers.append(LINKS[net.family]())
    return nn.Sequential(*layers)


def objective(net, model: nn.Sequential):
    """``(X, T) -> loss``: ``compute_loss()`` in torch for ``model = to_torch(net)``, ``T`` as from :func:`tensors`."""
    loss = LOSSES[net.family]()
    linears = _linears(model)

    def f(X, T):
        total = loss(model[:-1](X), T)
        if net.decay:
            first = linears[0].weight
            bias = net.design.intercept
            keep = [j for j in range(first.shape[1]) if j != bias]
            total = total + net.decay * ((first[:, keep] ** 2).sum() + sum((m.weight ** 2).sum()
                                                                          for m in linears[1:]))
        return total
    return f


def tensors(net, data=None, dtype: str = "float64") -> tuple:
    """``(X, T)`` as torch tensors: the training rows, or ``data`` encoded through the network's formula.

    ``X`` (n, D) is the design matrix (standardised as the network does); ``T`` (n, K) the targets chainnet
    trains on: P(second class) in {0, 1}, one-hot rows, or the response values. Rows with a missing value in
    a predictor or the response are left out.
    """
    if dtype not in DTYPES:
        raise ArgumentError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
    X, T = (net.X, net._T) if data is None else net._scored(data)
    return torch.tensor(X, dtype=DTYPES[dtype]), torch.tensor(T, dtype=DTYPES[dtype])   # copies


def layout(model: nn.Sequential, grads: bool = False) -> list:
    """The model's weights (or their ``.grad``) as chainnet's matrices: W1 = weight^T, Wl = [bias; weight^T]."""
    out = []
    for l, m in enumerate(_linears(model)):
        weight, bias = (m.weight.grad, None if m.bias is None else m.bias.grad) if grads else (m.weight, m.bias)
        W = weight.detach().T
        if l > 0:
            W = torch.vstack([bias.detach()[None, :], W])
        out.append(W.cpu().numpy().copy())
    return out


def from_torch(net, model: nn.Sequential):
    """Copy a (trained) model's weights back into ``net``, cast to its dtype; returns ``net``."""
    weights = layout(model)
    if [W.shape for W in weights] != [W.shape for W in net.weights]:
        raise ArgumentError(f"the model's layers {[W.shape for W in weights]} do not match this network's "
                            f"{[W.shape for W in net.weights]}")
    for W, new in zip(net.weights, weights):
        np.copyto(W, new.astype(W.dtype))
    return net


def _copy_in(linear: nn.Linear, W: np.ndarray, first: bool) -> None:
    with torch.no_grad():
        dtype = linear.weight.dtype
        if first:
            linear.weight.copy_(torch.as_tensor(W.T, dtype=dtype))
        else:
            linear.weight.copy_(torch.as_tensor(W[1:].T, dtype=dtype))
            linear.bias.copy_(torch.as_tensor(W[0], dtype=dtype))


def _linears(model: nn.Sequential) -> list:
    return [m for m in model if isinstance(m, nn.Linear)]
