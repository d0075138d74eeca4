"""``plot_network``: the network drawn as R's ``neuralnet::plot.nn`` draws it, one edge per weight.

Part of chainnet's pictures (see ``chainnet.plotting``): takes ``ax=``, returns the Axes.
"""

from __future__ import annotations

import numpy as np

from .plotting import NEGATIVE, POSITIVE, _axes
from .report import OUTPUT_LINKS, weight_labels


# ---------------------------------------------------------------------------------------------- plot_network
def plot_network(net, *, show_weights=None, ax=None):
    """The network as layers of nodes, as R's ``neuralnet::plot.nn`` draws it: one edge per weight, blue for
    positive and red for negative, width proportional to |weight|; each layer's bias node (``1``, a square) sits
    above it. Input nodes carry the design-matrix column names, output nodes the classes or responses.

    ``show_weights``: write each weight on its edge (default: when there are at most 40 weights). Each weight
    matrix is one ``LineCollection`` whose ``gid`` is its name (``"W1"`` ...), segments in row-major order; the
    texts have the gid ``"node"``, ``"bias"`` or ``"weight"``.
    """
    from matplotlib.lines import Line2D

    layout = _layout(net)
    total = sum(W.size for W in net.weights)
    show = total <= 40 if show_weights is None else bool(show_weights)
    biggest = max(float(np.abs(W).max()) for W in net.weights) or 1.0
    tallest = max(len(nodes) for nodes, _ in layout)
    ax = _axes(ax, (2.4 * len(layout) + 1.5, max(3.0, 0.55 * tallest + 1.5)))
    for l, W in enumerate(net.weights):
        _draw_edges(ax, W, _sources(net, layout, l), layout[l + 1][0], f"W{l + 1}", biggest, show)
    _draw_nodes(net, ax, layout)
    ax.legend(handles=[Line2D([], [], color=POSITIVE, label="positive weight"),
                       Line2D([], [], color=NEGATIVE, label="negative weight")],
              loc="lower center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize="small", frameon=False)
    ax.set_xlim(-0.9, len(layout) - 0.1)
    ax.set_ylim(-tallest / 2 - 0.3, tallest / 2 + 1.0)
    ax.set_axis_off()
    ax.set_title(f"{'-'.join(map(str, net.layer_sizes))} network, {total} weights: {net.activation} hidden, "
                 f"{OUTPUT_LINKS[net.family]} output", fontsize="medium")
    return ax


def _draw_edges(ax, W, sources: list, targets: list, name: str, biggest: float, show: bool) -> None:
    """One ``LineCollection`` for weight matrix ``W`` (gid ``name``), an edge per weight from ``sources[r]`` to
    ``targets[c]`` in row-major order: blue for w >= 0, red below, width 0.3 + 4·|w|/max|w|."""
    from matplotlib.collections import LineCollection

    segments = [[sources[r], targets[c]] for r in range(W.shape[0]) for c in range(W.shape[1])]
    flat = W.ravel()
    ax.add_collection(LineCollection(segments, colors=np.where(flat >= 0, POSITIVE, NEGATIVE),
                                     linewidths=0.3 + 4.0 * np.abs(flat) / biggest, alpha=0.8, zorder=1, gid=name))
    if show:   # each source row's labels at its own distance along the edges, so that they do not pile up
        along = np.repeat(0.3 + 0.45 * np.arange(W.shape[0]) / max(W.shape[0] - 1, 1), W.shape[1])
        for (start, end), w, t in zip(segments, flat, along):
            ax.text(start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1]), f"{w:.2g}",
                    fontsize=6, ha="center", va="center", zorder=4, gid="weight",
                    bbox={"fc": "white", "ec": "none", "pad": 0.1})


def _layout(net) -> list[tuple[list, tuple | None]]:
    """Per layer: the (x, y) of its nodes, top to bottom, and of its bias node (``None`` for none)."""
    labels = weight_labels(net)
    sizes = [len(_input_columns(net))] + [len(cols) for _, cols in labels]
    top = (max(sizes) - 1) / 2
    layers = []
    for l, size in enumerate(sizes):
        nodes = [(float(l), (size - 1) / 2 - i) for i in range(size)]
        has_bias = l < len(sizes) - 1 and (l > 0 or net.design.intercept is not None)
        layers.append((nodes, (l + 0.35, top + 0.8) if has_bias else None))
    return layers


def _input_columns(net) -> list[str]:
    return [c for c in net.design.columns if c != "Intercept"]


def _sources(net, layout, l: int) -> list:
    """The node behind each row of weight matrix ``l``: the bias node for the bias row, else a unit below."""
    nodes, bias = layout[l]
    if l > 0:
        return [bias, *nodes]
    units = iter(nodes)
    return [bias if r == net.design.intercept else next(units) for r in range(len(net.design.columns))]


def _draw_nodes(net, ax, layout) -> None:
    names = [_input_columns(net), *([c for c in cols] for _, cols in weight_labels(net))]
    last = len(layout) - 1
    for l, (nodes, bias) in enumerate(layout):
        xs, ys = zip(*nodes)
        ax.scatter(xs, ys, s=380, facecolor="white", edgecolors="black", zorder=2)
        for (px, py), name in zip(nodes, names[l]):
            if l == 0:
                ax.text(px - 0.12, py, name, ha="right", va="center", fontsize=8, gid="node")
            elif l == last:
                ax.text(px + 0.12, py, name, ha="left", va="center", fontsize=8, gid="node")
            else:
                ax.text(px, py, name, ha="center", va="center", fontsize=6, zorder=3, gid="node")
        if bias is not None:
            ax.scatter([bias[0]], [bias[1]], s=300, marker="s", facecolor="0.85", edgecolors="black", zorder=2)
            ax.text(*bias, "1", ha="center", va="center", fontsize=8, zorder=3, gid="bias")
