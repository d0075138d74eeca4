"""The network's parameters and objective: one flat vector ``params`` whose views are the live W1, W2, ...,
one flat gradient, the pass buffers, and the objective (loss + decay·Σw², biases unpenalised) with its
gradient, which ``train()``, ``compute_loss()``, ``gradients()`` and the optimizers' closures all evaluate.

The functions take the network first (``NeuralNetwork`` binds them as its private methods):

    evaluate(net, X, T, share=1.0, grads=None, buf=None, rng=None, weights=None) -> (objective, loss, output)
"""

from __future__ import annotations

import numpy as np

from . import _scoring as scoring
from ._progress import metric_name
from .initializers import INITIALIZERS
from .propagation import Buffers, backward, forward, units


def layer_shapes(net) -> list:
    """(rows, columns) of W1, W2, ...: W1 has a row per design column, later layers a bias row 0."""
    sizes = [len(net.design.columns), *net.hidden, net._T.shape[1]]
    return [(sizes[l] + (l > 0), sizes[l + 1]) for l in range(len(sizes) - 1)]


def allocate(net) -> None:
    """The flat parameter vector ``params`` and gradient ``_grad``, with the layers as views of them; the
    pass buffers (by row count) and the validation split start empty."""
    shapes = layer_shapes(net)
    vars(net)["params"] = np.zeros(sum(r * c for r, c in shapes), net.dtype)   # net.params copies into it
    net._grad = np.zeros_like(net.params)
    net._weights, net._grad_views = views(net, net.params), views(net, net._grad)
    net.optimizer_state, net._buffers, net._split = None, {}, None


def views(net, flat: np.ndarray) -> list:
    """The layers of a flat vector shaped like the weights (views, no copy)."""
    layers, start = [], 0
    for r, c in layer_shapes(net):
        layers.append(flat[start:start + r * c].reshape(r, c))
        start += r * c
    return layers


def buffers_for(net, rows: int) -> Buffers:
    """The pass buffers for batches of ``rows`` rows, made once (a call uses at most three sizes: the
    batch, the remainder and the validation rows)."""
    buf = net._buffers.get(rows)
    if buf is None:
        if len(net._buffers) >= 4:
            net._buffers.clear()
        buf = net._buffers[rows] = Buffers(units(net._weights), rows, net.dtype, net.dropout)
    return buf


def initial_weights(net) -> list:
    """W1, W2, ... drawn by the network's initializer from its generator (regression: output bias = the mean
    response, weighted by the case weights: Σ wᵢyᵢ / Σ w, the mean of the rows repeated wᵢ times)."""
    init, shapes = INITIALIZERS[net.init], layer_shapes(net)
    weights = [init(net.rng, shape, bias_row(net, l)) for l, shape in enumerate(shapes)]
    last = bias_row(net, len(shapes) - 1)
    if net.task == "regression" and last is not None:
        weights[-1][last] = np.average(net._T, axis=0, weights=net.case_weights)  # under every init (r6 too)
    return weights


def bias_row(net, layer: int):
    return net.design.intercept if layer == 0 else 0


def penalty(net, weights=None) -> float:
    """decay·Σw² over every weight except the bias rows."""
    if not net.decay:
        return 0.0
    total = 0.0
    for l, W in enumerate(net._weights if weights is None else weights):
        total += float(np.vdot(W, W))
        if (r := bias_row(net, l)) is not None:
            total -= float(np.vdot(W[r], W[r]))
    return net.decay * total


def evaluate(net, X, T, share: float = 1.0, grads=None, buf=None, rng=None, weights=None, sample_weight=None):
    """The objective at ``weights`` (default: the network's) on rows (X, T): (loss + ``share`` of the
    decay penalty, the loss alone, the output); with ``grads`` (arrays shaped like the weights) its
    gradient is written into them. ``buf``: the pass buffers to reuse; ``rng``: draw dropout masks;
    ``sample_weight`` (n,): the rows' case weights, loss Σ w_i ℓ_i (None: all 1)."""
    weights = net._weights if weights is None else weights
    cache = forward(X, weights, net._act, net.dropout, rng, buf)
    out = (None, None) if buf is None else (buf.output, buf.delta)
    output, fit, delta = net._loss.evaluate(cache.Z, T, sample_weight, *out)
    loss = fit + share * penalty(net, weights) if net.decay else fit
    if grads is not None:
        backward(cache, delta, weights, net._act, grads, buf)
        if net.decay:
            penalty_gradient(net, grads, weights, 2.0 * net.decay * share)
    return loss, fit, output


def penalty_gradient(net, grads, weights, c: float) -> None:
    """g += c·W (d decay·Σw² / dW with c = 2·decay·share), bias rows excluded."""
    for l, (g, W) in enumerate(zip(grads, weights)):
        g += c * W
        if (r := bias_row(net, l)) is not None:
            g[r] -= c * W[r]


def flat_gradient(net) -> np.ndarray:
    """d compute_loss() / d params, a fresh flat vector (the last ``feedforward()`` reused when current)."""
    return gradient_and_fit(net)[0]


def gradient_and_fit(net):
    """(d compute_loss() / d params, compute_loss(), output) at the current weights on the training rows: the
    forward pass of the last ``feedforward()`` when it is current, else a fresh one."""
    g, w = np.empty_like(net.params), net.case_weights
    if net._cache is not None and net._cache.X is net._X and np.array_equal(net._cache_weights,
                                                                                net.params):
        cache = net._cache
        output, loss, delta = net._loss.evaluate(cache.Z, net._T, w)
        backward(cache, delta, net._weights, net._act, views(net, g))
        if net.decay:
            loss += penalty(net)
            penalty_gradient(net, views(net, g), net._weights, 2.0 * net.decay)
        return g, loss, output
    loss, _, output = evaluate(net, net.X, net._T, grads=views(net, g), sample_weight=w)
    return g, loss, output


def objective_at(net, w: np.ndarray, X, T, sample_weight=None):
    """(objective, flat gradient) at another parameter vector ``w`` (n,): the optimizers' line-search closure.

    Evaluated into the network's ``Trial`` for X's rows (its own pass buffers, gradient and copy of ``w``), so
    a call allocates nothing; the gradient returned is the trial's buffer, overwritten by the next call (copy
    what you keep). The trial is kept: when the line search accepts the last point it tried, the training loop
    takes this evaluation as the next iteration's start (``reuse``) instead of evaluating it again."""
    trial = trial_for(net, X, T, sample_weight)
    np.copyto(trial.w, w, casting="same_kind")
    trial.loss, trial.fit, _ = evaluate(net, X, T, grads=trial.grad_views, buf=trial.buf,
                                        weights=trial.w_views, sample_weight=sample_weight)
    return trial.loss, trial.grad


def validation_scores(net, X_val, T_val, w_val=None) -> dict:
    """Validation loss (no penalty) and metric at the current weights (weighted by ``w_val`` when given)."""
    _, fit, output = evaluate(net, X_val, T_val, buf=buffers_for(net, len(X_val)), sample_weight=w_val)
    n, k = T_val.shape
    total = fit if net.task == "regression" else scoring.score(output, T_val, net.task, w_val)
    return {"val_loss": fit, "val_" + metric_name(net.task): scoring.metric(total, scoring.total_weight(n, w_val),
                                                                             k, net.task)}


def history_row(net, loss: float, output, lr: float) -> dict:
    """The history row of one step made by hand (``backpropagate``): the loss of the forward pass it used, its
    accuracy (RMSE) and the rate, as ``train()`` records an iteration."""
    total = scoring.score(output, net._T, net.task, net.case_weights)
    n, k = net._T.shape
    return {"loss": loss, metric_name(net.task): scoring.metric(total, scoring.total_weight(n, net.case_weights), k,
                                                                net.task), "learn_rate": lr}


# ---------------------------------------------------------------------------------------------- trial points
class Trial:
    """The last point ``objective_at`` evaluated: the weights ``w`` (n,) with their layer views, the gradient
    there (n,), the objective ``loss`` and the loss alone ``fit``, and the pass buffers (``buf.output`` is the
    output there), for the rows ``X``, ``T`` and case weights ``sample_weight`` (kept by identity), made for the
    network's parameter vector ``owner`` (``allocate`` makes a new one when the layers or the dtype change)."""

    def __init__(self, net, X, T, sample_weight):
        self.w, self.grad = np.zeros_like(net.params), np.zeros_like(net.params)
        self.w_views, self.grad_views = views(net, self.w), views(net, self.grad)
        self.buf, self.owner = Buffers(units(net._weights), len(X), net.dtype), net.params
        self.data, self.decay, self.loss, self.fit = (X, T, sample_weight), None, None, None

    def holds(self, w: np.ndarray, X, T, sample_weight, decay) -> bool:
        """Whether the last evaluation was at exactly ``w`` (bit for bit) on these rows, with this decay."""
        data = self.data
        return (self.loss is not None and data[0] is X and data[1] is T and data[2] is sample_weight
                and self.decay == decay and self.w.tobytes() == w.tobytes())

    def __reduce__(self):
        return _nothing, ()          # scratch: pickles and deep-copies as None (views would not survive)

    def __repr__(self) -> str:
        return f"Trial(rows={len(self.data[0])}, parameters={self.w.size}, loss={self.loss})"


def _nothing() -> None:
    return None


def trial_for(net, X, T, sample_weight) -> Trial:
    """The network's trial, now for these rows: made again only when the number of rows or the parameter vector
    (the layers, the dtype) change, so a ``train()`` call, which hands the objective a new Fortran copy of T,
    keeps the buffers of the last one."""
    trial = vars(net).get("_trial")
    if trial is None or trial.owner is not net.params or len(trial.data[0]) != len(X):
        trial = net._trial = Trial(net, X, T, sample_weight)
    trial.data, trial.loss, trial.decay = (X, T, sample_weight), None, net.decay  # invalid until evaluated
    return trial


def reuse(net, X, T, sample_weight=None):
    """``evaluate(net, X, T, grads=net's gradient)`` at the current weights without a pass, when the last
    ``objective_at`` was there (the line search's accepted point): its gradient and output are copied into
    the network's gradient and pass buffers (the next line search overwrites the trial's) and (objective, loss,
    output) returned. None when it was elsewhere; the caller then evaluates."""
    trial = vars(net).get("_trial")
    if trial is None or not trial.holds(net.params, X, T, sample_weight, net.decay):
        return None
    np.copyto(net._grad, trial.grad)
    output = buffers_for(net, len(X)).output
    np.copyto(output, trial.buf.output)
    return trial.loss, trial.fit, output
