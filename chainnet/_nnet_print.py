"""A network described as R's nnet prints one: ``a 4-5-3 network with 43 weights`` and the weight listing of
``summary(fit)``:

     b->h1  i1->h1  i2->h1  i3->h1  i4->h1
     -4.20   -4.29  -18.84   35.73   15.98
     ...
     b->o1  h1->o1  h2->o1
      9.21  -18.63    7.00

Units are named as nnet names them: inputs ``i1 .. iD`` (the design columns other than the intercept, in order),
hidden units ``h1 .. hH`` (with several hidden layers ``h1.1 .. h2.3``, layer then unit, as ``coef()``), outputs
``o1 .. oK`` (``o`` when there is one), and the bias ``b``. The weights are listed unit by unit, each unit's bias
first, as nnet's ``Wts`` vector; the count is every weight of the network (``sum(W.size)``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def hidden_names(net) -> list[list[str]]:
    """Names of the hidden units, one list per hidden layer: ``h1 ...`` (one layer) or ``h2.1 ...`` (several)."""
    if len(net.hidden) == 1:
        return [[f"h{j}" for j in range(1, net.hidden[0] + 1)]]
    return [[f"h{l}.{j}" for j in range(1, size + 1)] for l, size in enumerate(net.hidden, start=1)]


def unit_names(net) -> list[list[str]]:
    """Names of the units of every layer, input to output (the input layer without the intercept)."""
    inputs = [f"i{j}" for j in range(1, len(net.design.columns) - (net.design.intercept is not None) + 1)]
    k = net.weights[-1].shape[1]
    outputs = ["o"] if k == 1 else [f"o{j}" for j in range(1, k + 1)]
    return [inputs, *hidden_names(net)[:len(net.hidden)], outputs]


def row_names(net, layer: int) -> list[str]:
    """The row labels of weight matrix ``layer`` (0-based) in nnet's names: ``b`` for the bias row."""
    below = unit_names(net)[layer]
    if layer > 0:
        return ["b", *below]
    names, inputs = [], iter(below)
    for j in range(len(net.design.columns)):
        names.append("b" if j == net.design.intercept else next(inputs))
    return names


def weights(net) -> pd.Series:
    """Every weight labelled ``from->to``, in nnet's order: unit by unit, bias first (nnet's ``Wts``)."""
    labels, values = [], []
    for l, W in enumerate(net.weights):
        rows, cols = row_names(net, l), unit_names(net)[l + 1]
        order = sorted(range(len(rows)), key=lambda i: rows[i] != "b")   # the bias first, as nnet
        for j, to in enumerate(cols):
            labels += [f"{rows[i]}->{to}" for i in order]
            values += [float(W[i, j]) for i in order]
    return pd.Series(values, index=labels, name="weight")


def listing(net, digits: int = 2) -> str:
    """nnet's ``summary()`` block: per unit, a line of labels over a line of its weights, printed as R prints
    ``round(w, digits)``: the fewest decimals (up to ``digits``) that show every rounded value, one common
    column width, right-justified (R's trailing space left off)."""
    series, lines = weights(net), []
    for to in dict.fromkeys(label.split("->")[1] for label in series.index):
        unit = series[[label.endswith(f"->{to}") for label in series.index]]
        texts = r_numbers(unit.to_numpy(), digits)
        width = max(map(len, [*unit.index, *texts]))
        lines.append(" ".join(a.rjust(width) for a in unit.index))
        lines.append(" ".join(b.rjust(width) for b in texts))
    return "\n".join(lines)


def r_numbers(values, digits: int) -> list[str]:
    """``format(round(values, digits))`` as R prints a vector: the fewest decimals that show every value."""
    rounded = np.round(values, digits) + 0.0          # + 0.0: R prints -0.00 as 0.00
    decimals = next(d for d in range(digits + 1) if np.allclose(np.round(rounded, d), rounded, rtol=0, atol=1e-9))
    return [f"{v:.{decimals}f}" for v in rounded]


def shape(net) -> str:
    """``a 4-5-3 sigmoid network with 43 weights``: no activation when there is no hidden layer."""
    sizes = "-".join(map(str, net.layer_sizes))
    activation = f"{net.activation} " if net.hidden else ""
    return f"a {sizes} {activation}network with {sum(W.size for W in net.weights)} weights"


def network_repr(net) -> str:
    """``<NeuralNetwork 'Species ~ .': a 4-5-3 sigmoid network with 43 weights, classification, 9999 iterations,
    loss 20.39>``: the loss at the current weights (``compute_loss()``, which changes nothing), 4 digits; then
    the rows dropped for missing values, when there were any."""
    if not len(net.rows):
        loss = "no data"
    else:
        loss = f"{net.compute_loss():.4g}"
    note = getattr(net.design, "na_note", None)          # "11 rows dropped for missing values (x, g)"
    dropped = f", {note}" if note else ""
    return (f"<NeuralNetwork {net.formula!r}: {shape(net)}, {net.task}, {net.iteration} iterations, "
            f"loss {loss}{dropped}>")
