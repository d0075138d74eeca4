"""What the ``chainnet fit``, ``predict`` and ``info`` sub-commands do (``cli`` parses, this module works).

Every user mistake (a missing file, a CSV pandas cannot read, a bad formula, a model file that is not one)
ends as a :class:`~chainnet.errors.ChainnetError` or ``OSError`` with a one-line message; ``cli.main`` prints
it on stderr and exits with status 2.
"""

from __future__ import annotations

import csv
import sys
import warnings

import numpy as np
import pandas as pd

from . import _rverbs as rverbs
from ._archive import check_target
from ._formula_guard import check_formula
from ._subset_expr import subset_mask
from .convergence import ConvergenceWarning, LossIncreaseWarning
from .design import is_categorical
from .errors import DataError, DataWarning, TaskError
from .network import NeuralNetwork


# ---------------------------------------------------------------------------------------------- reading CSV
def read_csv(path: str, design=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(raw, data)``: the file as pandas reads it, and the frame the formula sees, where text columns are
    categorical (so a formula treats them as classes). With a stored ``design``, each column the formula uses
    is brought back to its training kind: a column that held text in training is read as text again even if
    this file's values look like numbers."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # a row longer than the header: refuse
            raw = pd.read_csv(sys.stdin if path == "-" else path, index_col=False)
    except (FileNotFoundError, IsADirectoryError):
        raise FileNotFoundError(f"no such data file: {path}") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty: a CSV file with a header row is needed") from None
    except pd.errors.ParserWarning:
        raise DataError(f"{path} cannot be read as CSV: a row has more fields than the header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise DataError(f"{path} cannot be read as CSV: {str(exc).strip().splitlines()[-1]}") from None
    if len(raw) == 0:
        raise DataError(f"{path} has a header but no rows")
    data = raw.copy()
    for col in data.columns:
        if _was_text(col, design) and not is_categorical(data[col]):
            data[col] = data[col].where(data[col].isna(), data[col].astype(str))
        if is_categorical(data[col]) and not pd.api.types.is_bool_dtype(data[col]):
            data[col] = data[col].astype("category")
    return raw, data


def _was_text(col, design) -> bool:
    if design is None or col not in design.dtypes:
        return False
    values = design.levels.get(col) or (design.classes if col == design.response else None) or ()
    return design.dtypes[col] in ("object", "str", "string") or (
        design.dtypes[col] == "category" and bool(values) and isinstance(values[0], str))


# ---------------------------------------------------------------------------------------------- fit
def fit(args) -> None:
    if args.save is not None:
        check_target(args.save)   # a folder or a missing folder is said before training, not after
    _, data = read_csv(args.data)
    text = [c for c in data.columns if is_categorical(data[c]) and not pd.api.types.is_bool_dtype(data[c])]
    check_formula(args.formula, data.columns, text)  # columns, allowed transforms, bounded sizes: as a saved model
    subset = None if args.subset is None else _subset(data, args.subset)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        net = NeuralNetwork(args.formula, data, hidden=args.hidden, activation=args.activation, seed=args.seed,
                            standardize=args.standardize, task=args.task, decay=args.decay, dropout=args.dropout,
                            weights=args.weights, subset=subset)
    _show(caught)
    trace = 0 if args.quiet else args.trace if args.trace is not None else max(1, args.iterations // 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("always", LossIncreaseWarning)
        net.train(args.iterations, learn_rate=args.learn_rate, tolerance=args.tolerance, trace=trace,
                  optimizer=args.optimizer, batch_size=args.batch_size, validation=_validation(args, net),
                  patience=args.patience)
    _show(caught)
    if args.save:
        net.save(args.save)
    for line in describe(net):
        print(line)
    if args.save:
        print(f"saved       {args.save}")


#: the shell's fix for each training warning (the warning's own hint names the Python call)
_CLI_FIX = {ConvergenceWarning: "run again with a larger --iterations",
            LossIncreaseWarning: "try a smaller --learn-rate, or --optimizer lbfgs, which needs none"}


def _show(caught) -> None:
    """chainnet's warnings as one line on stderr each, as errors are (a training warning with the shell's fix
    instead of the Python one); others as Python shows them."""
    for w in caught:
        fix = next((f for cls, f in _CLI_FIX.items() if issubclass(w.category, cls)), None)
        if fix is not None:
            print(f"chainnet: warning: {str(w.message).split(': ', 1)[0]}: {fix}", file=sys.stderr)
        elif issubclass(w.category, DataWarning):
            print(f"chainnet: warning: {w.message}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def _subset(data: pd.DataFrame, condition: str) -> pd.Series:
    """R's ``subset = condition`` as the constructor's boolean mask over ``data``'s rows (see
    ``chainnet._subset_expr``); levels left in no row are then dropped by the constructor, as R's."""
    keep = subset_mask(condition, data)
    if not keep.any():
        raise DataError(f"--subset {condition!r} keeps no row of the {len(data)}; loosen the condition")
    return pd.Series(keep, index=data.index)


def _validation(args, net):
    """``--validation``: a fraction of the rows (``0.2``) or a CSV file read as the training file was."""
    if args.validation is None:
        return None
    try:
        return float(args.validation)
    except ValueError:
        return read_csv(args.validation, net.design)[1]


# ---------------------------------------------------------------------------------------------- predict
def predict(args) -> None:
    net = NeuralNetwork.load(args.model)
    raw, data = read_csv(args.data, net.design)
    if args.proba and net.task != "classification":
        raise TaskError(f"--proba is for classification models; {args.model} does {net.task}")
    data = _unseen_levels_as_missing(net.design, data)
    out = raw.copy()
    if args.type in ("prob", "raw", "link"):
        prefix = "prob" if args.type == "prob" else args.type
        for name, column in rverbs.predict(net, data, args.type).items():
            out[_free(f"{prefix}_{name}", out.columns)] = column
    else:
        for name, column in _prediction_columns(net, rverbs.predict(net, data, args.type)).items():
            out[_free(name, out.columns)] = column
    if args.proba:
        for cls, column in net.predict_proba(data).items():
            out[_free(f"prob_{cls}", out.columns)] = column
    if args.output:
        out.to_csv(args.output, index=False)
    else:
        out.to_csv(sys.stdout, index=False)


def _unseen_levels_as_missing(design, data: pd.DataFrame) -> pd.DataFrame:
    """Rows whose text predictor holds a level never seen in training get that predictor set missing, so they
    predict NA while the other rows predict; how many is said on stderr (R's predict would stop)."""
    bad, found = np.zeros(len(data), dtype=bool), {}
    for col, levels in design.levels.items():
        if col in data.columns:
            new = data[col].notna().to_numpy() & ~data[col].isin(levels).to_numpy()
            if new.any():
                found[col], bad = sorted(map(str, pd.unique(data[col][new])))[:5], bad | new
    if not bad.any():
        return data
    data = data.copy()
    for col in found:
        data[col] = data[col].astype(object).where(data[col].isin(design.levels[col]))
    detail = "; ".join(f"{col}: {', '.join(map(repr, values))}" for col, values in found.items())
    print(f"chainnet: note: {int(bad.sum())} row(s) have a level never seen in training ({detail}); "
          "their predictions are NA", file=sys.stderr)
    return data


def _prediction_columns(net, pred) -> dict:
    if isinstance(pred, pd.DataFrame):
        return {f"predicted_{c}": pred[c] for c in pred.columns}
    return {f"predicted_{net.design.response or net.design.targets[0]}": pred}


def _free(name: str, taken) -> str:
    while name in set(map(str, taken)):
        name += "_"
    return name


# ---------------------------------------------------------------------------------------------- info
def info(args) -> None:
    net = NeuralNetwork.load(args.model)
    print(f"model       {args.model}")
    for line in describe(net):
        print(line)


def describe(net) -> list[str]:
    """A compact summary from the model's own facts: formula, task, layers, parameters, training, loss and
    metric (on the stored training data, or at the last iteration when the data was not saved)."""
    d = net.design
    task = (f"classification, {len(d.classes)} classes: {', '.join(map(str, d.classes))}"
            if d.task == "classification" else f"regression of {', '.join(d.targets)}")
    link = {"bernoulli": "sigmoid", "multinomial": "softmax", "gaussian": "identity"}[net.family]
    hidden = f"{net.activation} hidden, " if net.hidden else ""
    lines = [f"formula     {d.formula}", f"task        {task}",
             (f"layers      {'-'.join(map(str, net.layer_sizes))} ({hidden}{link} output; "
              f"{len(d.columns)} design columns)"),
             f"parameters  {sum(W.size for W in net.weights)}",
             f"training    {net.iteration} iterations" + (f", optimizer {net.optimizer!r}" if net.optimizer else "")
             + (f", dropout {list(net.dropout)}" if any(net.dropout) else "")
             + (f", decay {net.decay:g}" if net.decay else "") + (", standardized" if net.standardize else "")]
    if d.na_note:
        lines.append(f"missing     {d.na_note}")
    metric = "accuracy" if d.task == "classification" else "rmse"
    if len(net.rows):
        value = net.accuracy() if metric == "accuracy" else net.rmse()
        lines += [f"data        {len(net.rows)} rows", f"loss        {net.compute_loss():.6g}",
                  f"{metric:<12}{value:.4f}"]
    elif net._history:
        last = net._history[-1]
        lines += ["data        not stored (saved with include_data=False)",
                  f"loss        {last['loss']:.6g} (during the last iteration)", f"{metric:<12}{last[metric]:.4f}"]
    else:
        lines += ["data        not stored", "loss        untrained"]
    return lines
