"""What a fitted network says about itself: ``summary()`` (a printable report and the tables behind it) and
``coef()`` (the weights as labelled tables), as R's ``summary(fit)`` and ``coef(fit)``.

Labels follow the weight layout of ``propagation``: ``W1`` has one row per design column (``Intercept``
included) and one column per unit of the first hidden layer; every later ``W`` has the ``bias`` in row 0 and
then one row per unit of the layer below. Hidden units are ``h1, h2, ...`` (with several hidden layers,
``h2.3`` is unit 3 of hidden layer 2); output units are the classes (3+ classes), the second class (binary: one
sigmoid unit giving its probability) or the response columns (regression).
"""

from __future__ import annotations

import pandas as pd

from . import _checks as checks, _html as html, metrics as scores
from ._nnet_print import hidden_names, listing  # hidden_names: the unit names every table uses

#: the output unit's link, by loss (see ``losses``)
OUTPUT_LINKS = {"bernoulli": "sigmoid", "multinomial": "softmax", "gaussian": "identity"}
#: what ``compute_loss()`` and ``history['loss']`` measure, by loss
LOSS_NAMES = {"bernoulli": "negative log-likelihood (summed)", "multinomial": "negative log-likelihood (summed)",
              "gaussian": "squared error (summed)"}


# ---------------------------------------------------------------------------------------------- unit labels
def output_names(net) -> list[str]:
    """One name per output unit: the classes, the second class (binary), or the response columns."""
    if net.task == "regression":
        return list(net.design.targets)
    return [str(c) for c in net.classes[1:]] if len(net.classes) == 2 else [str(c) for c in net.classes]


def weight_labels(net) -> list[tuple[list[str], list[str]]]:
    """(row labels, column labels) of every weight matrix, input to output."""
    units = [*hidden_names(net), output_names(net)]
    inputs = ["bias" if c == "Intercept" else c for c in net.design.columns]  # the bias is "bias" in every layer
    rows = [inputs] + [["bias", *names] for names in units[:-1]]
    return list(zip(rows, units))


# ---------------------------------------------------------------------------------------------- coef()
class Coefficients(dict):
    """The weights by name (``"W1"``, ``"W2"`` ...), each a DataFrame labelled as the module docstring says.

    ``print()`` shows every table; ``tidy()`` gives one long table (layer, from, to, weight).
    """

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name} {table.shape}" for name, table in self.items())
        return f"<Coefficients {shapes}: {sum(t.size for t in self.values())} weights>"

    def __str__(self) -> str:
        return "\n\n".join(f"{name}:\n{table.to_string()}" for name, table in self.items())

    def _repr_pretty_(self, printer, cycle) -> None:   # IPython shows the tables
        printer.text(str(self))

    def _repr_html_(self) -> str:                       # Jupyter: one HTML table per layer
        return html.coefficients(self)

    def tidy(self) -> pd.DataFrame:
        """One row per weight: ``layer``, ``from`` (row label), ``to`` (column label), ``weight``."""
        parts = [table.rename_axis(index="from", columns="to").stack().rename("weight").reset_index()
                 .assign(layer=name) for name, table in self.items()]
        return pd.concat(parts, ignore_index=True)[["layer", "from", "to", "weight"]]


def coef(net) -> Coefficients:
    """The weights as labelled tables: a copy, so editing a table leaves the network unchanged.

    ``coef()["W1"].loc["Petal.Width", "h3"]`` is the weight from design column ``Petal.Width`` into hidden unit 3.
    """
    return Coefficients({f"W{l}": pd.DataFrame(W.copy(), index=rows, columns=cols)
                         for l, (W, (rows, cols)) in enumerate(zip(net.weights, weight_labels(net)), start=1)})


# ---------------------------------------------------------------------------------------------- tables
def layer_table(net) -> pd.DataFrame:
    """One row per weight matrix: from, to, rows (bias row included), columns, parameters, activation."""
    names = ["input", *(f"hidden {l}" for l in range(1, len(net.hidden) + 1)), "output"]
    acts = [net.activation] * len(net.hidden) + [OUTPUT_LINKS[net.family]]
    return pd.DataFrame({"from": names[:-1], "to": names[1:],
                         "rows": [W.shape[0] for W in net.weights], "columns": [W.shape[1] for W in net.weights],
                         "parameters": [W.size for W in net.weights], "activation": acts},
                        index=[f"W{l}" for l in range(1, len(net.weights) + 1)])


def confusion_matrix(net, newdata=None) -> pd.DataFrame:
    """Counts of (actual, predicted) class pairs: rows are the actual classes, columns the predicted ones.

    On the training rows, or on the complete rows of ``newdata`` (predictors and response); see
    ``chainnet.metrics.confusion``, which ``net.confusion()`` is.
    """
    checks.require_task(net, "classification", "confusion_matrix", "plot_predicted() or rmse()")
    return scores.confusion(net, newdata)


def metrics(net) -> pd.Series:
    """Training metrics at the current weights: loss and accuracy, or loss, RMSE and R²; the last validation
    numbers from the history when there are any."""
    values = {"rows": len(net.X), "loss": net.compute_loss()}
    if net.task == "classification":
        values["accuracy"] = net.accuracy()
    else:
        values.update(rmse=net.rmse(), r2=net.r2())
    history = net.history
    for column in history.columns:
        if column.startswith("val_"):
            values[column] = float(history[column].iloc[-1])
    return pd.Series(values, name="training", dtype=object)


# ---------------------------------------------------------------------------------------------- summary()
class Summary:
    """A fitted network described: ``print(summary)`` for the report; the tables are ``layers``, ``metrics``,
    ``evaluation`` (``net.evaluate()`` on the training rows and, given ``newdata``, on it), ``coefficients`` and
    (classification) ``confusion`` and ``confusion_newdata``; ``facts`` holds the settings as a dict."""

    def __init__(self, net, newdata=None):
        self.formula, self.task = net.formula, net.task
        self.columns = list(net.design.columns)
        self.layers = layer_table(net)
        self.parameters = int(self.layers["parameters"].sum())
        self.metrics = metrics(net)
        self.coefficients = coef(net)
        self.nnet = listing(net)            # summary(fit)'s b->h1 i1->h1 ... block
        self.confusion = confusion_matrix(net) if net.task == "classification" else None
        parts = [scores.evaluate(net)] + ([] if newdata is None else [scores.evaluate(net, newdata)])
        self.evaluation = pd.concat(parts, axis=1)
        self.confusion_newdata = (confusion_matrix(net, newdata) if net.task == "classification"
                                  and newdata is not None else None)
        self.sizes, self.iterations = "-".join(map(str, net.layer_sizes)), net.iteration
        self.facts = _facts(net)

    def __repr__(self) -> str:
        score = (f"accuracy {self.metrics['accuracy']:.4g}" if self.task == "classification"
                 else f"RMSE {self.metrics['rmse']:.4g}")
        return (f"<Summary {self.formula!r}: {self.task} {self.sizes}, {self.parameters} parameters, "
                f"{self.iterations} iterations, loss {self.metrics['loss']:.6g}, {score}>")

    def _repr_pretty_(self, printer, cycle) -> None:   # IPython shows the whole report, as R does
        printer.text(str(self))

    def _repr_html_(self) -> str:                       # Jupyter: the same report as HTML tables
        return html.summary(self)

    def __str__(self) -> str:
        facts = "\n".join(f"  {key:<15} {value}" for key, value in self.facts.items())
        metric_lines = "\n".join(f"  {key:<15} {_number(value)}" for key, value in self.metrics.items())
        parts = [f"NeuralNetwork {self.formula!r}\n{facts}",
                 f"Layers ({self.parameters} parameters)\n{self.layers.to_string()}",
                 f"Training metrics\n{metric_lines}"]
        parts.append(f"Evaluation\n{self.evaluation.to_string(float_format=_number)}")
        if self.confusion is not None:
            parts.append(f"Confusion matrix (training rows)\n{self.confusion.to_string()}")
        if self.confusion_newdata is not None:
            parts.append(f"Confusion matrix (newdata)\n{self.confusion_newdata.to_string()}")
        parts.append(f"Weights (as R's nnet lists them: i = input, h = hidden, o = output, b = bias)\n{self.nnet}")
        return "\n\n".join(parts)


def summary(net, newdata=None) -> Summary:
    """A report on the network: ``print(net.summary())``; ``newdata`` (with the response) adds its scores and
    confusion matrix next to the training ones. Its tables are attributes (see :class:`Summary`)."""
    return Summary(net, newdata)


def _facts(net) -> dict:
    design, history = net.design, net.history
    if net.task == "classification":
        response = f"{design.response} ({len(net.classes)} classes: {', '.join(map(str, net.classes))})"
    else:
        response = ", ".join(design.targets)
    dropout = ", ".join(f"{p:g}" for p in net.dropout) if any(net.dropout) else "none"
    last_rate = f", last learn_rate {history['learn_rate'].iloc[-1]:g}" if len(history) else ""
    return {
        "task": f"{net.task}, {OUTPUT_LINKS[net.family]} output",
        "response": response,
        "design columns": f"{', '.join(design.columns)}" + ("  (standardized)" if net.standardize else ""),
        "layers": f"{'-'.join(map(str, net.layer_sizes))} units, {net.activation} hidden activation",
        "init": f"{net.init}, seed {net.seed}",
        "regularisation": f"decay {net.decay:g}, dropout {dropout}",
        "optimizer": f"{net.optimizer!r}" if net.optimizer is not None else "none yet (train() starts with gd)",
        "iterations": f"{net.iteration}{last_rate}",
        "loss": LOSS_NAMES[net.family],
        "rows": _rows_fact(net),
        **_criteria(net),
    }


def _rows_fact(net) -> str:
    """The training rows, the case weights and the rows dropped for missing values (issue 12)."""
    weights = (f", weighted by column {net.weights_column!r}" if net.weights_column
               else ", case weights given" if net.case_weights is not None else "")
    note = getattr(net.design, "na_note", None)
    return f"{len(net.rows)}{weights}" + (f"; {note}" if note else "")


def _criteria(net) -> dict:
    """AIC, BIC and the comparison with the GLM at hidden=0 (chainnet.criteria; imported here: it uses plotting)."""
    from .criteria import summary_facts
    return summary_facts(net)


def _number(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)
