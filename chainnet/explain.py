"""One training step explained: ``net.explain_step(row)`` is the forward and backward pass for one training row,
with its numbers, in the seed's notation (x, W1, h, W2, ŷ):

    z1 = x·W1,   h1 = f(z1);   zl = [1, h(l-1)]·Wl,  hl = f(zl);   z = [1, h]·W_last,  ŷ = link(z)
    δ  = dLoss/dz            = ŷ − y  (classification)  or  2(ŷ − y)  (regression, loss (ŷ − y)²)
    δl = (δ(l+1)·W(l+1)[1:]ᵀ) ⊙ f'(zl)              f' through the output: σ' = h(1 − h), tanh' = 1 − h², ...
    dWl = [1, h(l-1)]ᵀ·δl,     dW1 = xᵀ·δ1

``str()`` of the result is the worked example; ``result["gradients"]`` the row's dW arrays: summed over every
training row they are ``gradients()`` without the decay term (the loss is a sum over rows).
"""

from __future__ import annotations

import numbers

import numpy as np

from .activations import get_activation
from .errors import ArgumentError, ArgumentTypeError
from .layers import layer_values, targets_of
from .losses import loss_for
from .report import OUTPUT_LINKS

#: why the output's δ is what it is, by output link (one line each; see chainnet.losses)
WHY_OUTPUT_DELTA = {
    "bernoulli": "δ = ŷ − y: the sigmoid's slope ŷ(1 − ŷ) cancels the log-loss's 1/(ŷ(1 − ŷ))",
    "multinomial": "δ = ŷ − y: the softmax's Jacobian cancels the log-loss's 1/ŷ, leaving P − onehot(y)",
    "gaussian": "δ = 2(ŷ − y): the derivative of the squared error (ŷ − y)²; the identity output has slope 1",
}
#: f'(z) written through the unit's output h, as text
DERIVATIVE_TEXT = {"sigmoid": "{h} ⊙ (1 − {h})", "tanh": "1 − {h}²", "relu": "[{h} > 0]", "identity": "1",
                   "softplus": "1 − e^(−{h})"}


def check_row(net, row) -> int:
    """A training row position 0 .. n−1."""
    n = len(net.X)
    if not isinstance(row, numbers.Integral) or isinstance(row, bool):
        raise ArgumentTypeError(f"row must be an integer position among the {n} training rows, got {row!r}")
    if not 0 <= row < n:
        raise ArgumentError(f"row={row} is out of range: the network has {n} training rows, so row must be "
                            f"0 .. {n - 1} (a position, not an index label: net.rows[{min(max(row, 0), n - 1)}] "
                            f"is the label of row {min(max(row, 0), n - 1)})")
    return int(row)


def backward_row(net, x, Z, H, t) -> tuple[list, list]:
    """(δ per layer, dW per layer), input layer first, for one row (each array has a leading axis of 1)."""
    act, loss = get_activation(net.activation), loss_for(net.task, len(net.classes))
    deltas = [loss.delta(Z[-1], t)]                            # dLoss/dz at the output's scores
    for l in range(len(net.weights) - 1, 0, -1):
        dH = deltas[0] @ net.weights[l][1:].T                 # dLoss/dh = δ(l+1)·W(l+1)[1:]ᵀ
        deltas.insert(0, dH * act.df(H[l - 1]))               # ⊙ f'(z), through the output h
    inputs = [x] + [np.hstack([np.ones((1, 1)), h]) for h in H]
    return deltas, [a.T @ d for a, d in zip(inputs, deltas)]


class Step(dict):
    """One row's forward and backward pass: keys ``row``, ``x``, ``z``, ``h``, ``output``, ``y``, ``delta``,
    ``gradients`` (lists run from the input layer to the output); ``str()`` is the worked example."""

    def __repr__(self) -> str:
        shapes = " ".join("x".join(map(str, g.shape)) for g in self["gradients"])
        return f"<Step row {self['row']} ({self['label']!r}): loss {self['loss']:.6g}, dW shapes {shapes}>"

    def __str__(self) -> str:
        return self["text"]


def explain_step(net, row=0) -> Step:
    """The forward and backward pass of one training row, written out (see the module docstring)."""
    i = check_row(net, row)
    x = np.asarray(net.X[i:i + 1], dtype=np.float64)
    Z, H, output = layer_values(net, x)
    t = targets_of(net, [i])
    deltas, grads = backward_row(net, x, Z, H, t)
    loss = loss_for(net.task, len(net.classes)).loss(Z[-1], t)
    step = Step(row=i, label=net.rows[i:i + 1].tolist()[0], x=x[0], z=[z[0] for z in Z], h=[h[0] for h in H], output=output[0],
                y=t[0], delta=[d[0] for d in deltas], gradients=grads, loss=float(loss))
    step["text"] = _worked_example(net, step)
    return step


# ---------------------------------------------------------------------------------------------- the text
def _vec(v, limit: int = 8) -> str:
    v = np.ravel(v) + 0.0        # + 0.0 turns -0.0 into 0.0
    body = ", ".join(f"{a:.4g}" for a in v[:limit])
    return f"[{body}{', …' if len(v) > limit else ''}]"


def _matrix(M, indent: str) -> str:
    rows = [indent + _vec(r) for r in M[:8]]
    return "\n".join(rows + ([indent + f"… ({len(M) - 8} more rows)"] if len(M) > 8 else []))


def _target_text(net, s: Step) -> str:
    """``'versicolor' → [0, 1, 0]`` (the class and its coding), or the response values."""
    if net.task != "classification":
        return _vec(s["y"])
    coding = "P(second class)" if len(net.classes) == 2 else "one-hot"
    return f"{net.Y[s['row']]!r} → {_vec(s['y'])} ({coding})"


def _worked_example(net, s: Step) -> str:
    L, f = len(net.weights), net.activation
    columns = ", ".join(net.design.columns)
    lines = [f"One step of gradient descent, training row {s['row']} (label {s['label']!r}) of {net.formula!r}",
             "", "Forward pass", f"  x = [{columns}] = {_vec(s['x'], 12)}"]
    for l in range(L - 1):
        below = "x" if l == 0 else f"[1, h{l}]"
        lines += [f"  z{l + 1} = {below}·W{l + 1} = {_vec(s['z'][l])}", f"  h{l + 1} = {f}(z{l + 1}) = {_vec(s['h'][l])}"]
    below = "x" if L == 1 else f"[1, h{L - 1}]"
    link = loss_for(net.task, len(net.classes))
    lines += [f"  z = {below}·W{L} = {_vec(s['z'][-1])}", f"  ŷ = {OUTPUT_LINKS[link.name]}(z) = {_vec(s['output'])}",
              f"  y = {_target_text(net, s)}   loss for this row {s['loss']:.6g}", "", "Backward pass (the chain rule)",
              f"  δ{L} = dLoss/dz = {_vec(s['delta'][-1])}", f"     why: {WHY_OUTPUT_DELTA[link.name]}"]
    for l in range(L - 2, -1, -1):
        h, fprime = f"h{l + 1}", get_activation(f).df(s["h"][l])
        lines += [f"  dLoss/d{h} = δ{l + 2}·W{l + 2}[1:]ᵀ = {_vec(s['delta'][l + 1] @ net.weights[l + 1][1:].T)}",
                  f"  f'(z{l + 1}) = {DERIVATIVE_TEXT.get(f, 'f′({h})').format(h=h)} = {_vec(fprime)}",
                  f"  δ{l + 1} = dLoss/d{h} ⊙ f'(z{l + 1}) = {_vec(s['delta'][l])}"]
    lines += ["", "Gradients (this row's share of gradients())"]
    for l in range(L):
        below = "x" if l == 0 else f"[1, h{l}]"
        lines += [f"  dW{l + 1} = {below}ᵀ·δ{l + 1}   shape {s['gradients'][l].shape}", _matrix(s["gradients"][l], "    ")]
    lines += ["", (f"A gradient-descent step with learn rate η moves every W to W − η·dW summed over rows "
              f"(net.backpropagate(η) does it for all {len(net.X)} rows).")]
    return "\n".join(lines)

