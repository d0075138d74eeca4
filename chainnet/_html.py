"""HTML for Jupyter: the network as a compact card, ``summary()`` and ``coef()`` as tables (``_repr_html_``).

Jupyter shows an object's ``_repr_html_()`` in place of its text; a terminal keeps the plain text. Everything
the user wrote (the formula, column names, class labels) is escaped, so a column named ``<script>`` prints as
text. The card reads only what the network already holds (its history, sizes and settings): it runs no
forward pass, so showing a network changes nothing in it.
"""

from __future__ import annotations

from html import escape

import pandas as pd

#: how many of the last training iterations the card shows
HISTORY_ROWS = 5

_STYLE = ("font-family: var(--jp-code-font-family, monospace); font-size: 0.9em; "
          "border: 1px solid #d0d0d0; border-radius: 4px; padding: 6px 10px; display: inline-block;")


def table(frame: pd.DataFrame, caption: str | None = None) -> str:
    """One DataFrame as an HTML table (cells and labels escaped), numbers to 6 significant digits."""
    body = frame.to_html(escape=True, border=0, float_format=lambda v: f"{v:.6g}", na_rep="")
    return (f"<div><b>{escape(caption)}</b></div>" if caption else "") + body


def facts(pairs: dict) -> str:
    """A two-column table of (name, value) settings, both escaped."""
    rows = "".join(f"<tr><th style='text-align:left'>{escape(str(k))}</th>"
                   f"<td style='text-align:left'>{escape(str(v))}</td></tr>" for k, v in pairs.items())
    return f"<table>{rows}</table>"


def _card(title: str, parts: list[str]) -> str:
    return f"<div style='{_STYLE}'><div><b>{escape(title)}</b></div>{''.join(parts)}</div>"


def network_card(net) -> str:
    """``NeuralNetwork._repr_html_``: formula, task, layers, weights, iterations, optimizer, the last loss and
    the last rows of the history; no forward pass."""
    history = net.history
    loss = f"{history['loss'].iloc[-1]:.6g} at iteration {net.iteration}" if len(history) else "untrained"
    pairs = {
        "formula": net.formula,
        "task": net.task + (f" ({len(net.classes)} classes)" if net.task == "classification" else ""),
        "layers": f"{'-'.join(map(str, net.layer_sizes))}, {net.activation} hidden",
        "weights": sum(W.size for W in net.weights),
        "iterations": net.iteration,
        "optimizer": repr(net.optimizer) if net.optimizer is not None else "none yet",
        "loss": loss,
    }
    parts = [facts(pairs)]
    if len(history):
        parts.append(table(history.tail(HISTORY_ROWS), f"last {min(HISTORY_ROWS, len(history))} iterations"))
    return _card("NeuralNetwork", parts)


def summary(s) -> str:
    """``Summary._repr_html_``: the settings, the layers, the metrics and the confusion matrices as tables."""
    parts = [facts({"formula": s.formula, **s.facts}),
             table(s.layers, f"Layers ({s.parameters} parameters)"),
             table(s.metrics.to_frame(), "Training metrics"),
             table(s.evaluation, "Evaluation")]
    if s.confusion is not None:
        parts.append(table(s.confusion, "Confusion matrix (training rows)"))
    if s.confusion_newdata is not None:
        parts.append(table(s.confusion_newdata, "Confusion matrix (newdata)"))
    return _card("Summary", parts)


def coefficients(c) -> str:
    """``Coefficients._repr_html_``: one table per weight matrix, titled by its name and shape."""
    return _card("Coefficients", [table(t, f"{name} {t.shape[0]} x {t.shape[1]}") for name, t in c.items()])
