"""A :class:`~chainnet._state.ModelState` as a model file's contents: the JSON document and the arrays
(the format is described in :mod:`chainnet.persistence`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _jsoncodec as jsoncodec
from ._schema import FORMAT, VERSION
from .activations import get_activation
from .errors import ArgumentError, DataError
from .optim import OPTIMIZERS


def contents(state) -> tuple[dict, dict]:
    """(the JSON document, the arrays by name) of ``state``; its data rows go in when it has any (n > 0)."""
    return _meta(state), _arrays(state)


def _meta(state) -> dict:
    opt, data = state.optimizer, len(state.X) > 0
    if opt is not None and type(opt) is not OPTIMIZERS.get(opt.name):
        raise ArgumentError(f"optimizer {opt!r} is not one of chainnet's {sorted(OPTIMIZERS)}, so it cannot be "
                            "saved; train with a built-in optimizer")
    meta = {
        "format": FORMAT, "version": VERSION, "chainnet": _version(),
        "model": {"hidden": list(state.hidden), "activation": get_activation(state.activation).name,
                  "init": state.init, "seed": state.seed, "decay": state.decay, "dropout": list(state.dropout),
                  "standardize": state.standardize, "dtype": np.dtype(state.dtype).name,
                  "iteration": int(state.iteration), "weights_column": state.weights_column,
                  "weighted": data and state.case_weights is not None, "convergence": state.convergence},
        "design": state.design.facts(),
        "optimizer": None if opt is None else {"name": opt.name, "hyperparameters": opt.hyperparameters(),
                                               "t": int(state.optimizer_state["t"]),
                                               "slots": [k for k in state.optimizer_state if k != "t"]},
        "rng": state.rng.bit_generator.state,
        "history": _history_columns(state.history),
        "data": _data_meta(state) if data else None,
    }
    try:
        return {k: v if k == "design" else jsoncodec.encode(v) for k, v in meta.items()}
    except TypeError as exc:
        raise ArgumentError(f"this model holds a value that cannot be saved: {exc}") from exc


def _data_meta(state) -> dict:
    rows = state.rows
    if isinstance(rows, pd.RangeIndex):
        index = {"kind": "range", "start": rows.start, "stop": rows.stop, "step": rows.step, "name": _index_name(rows)}
    else:
        index = {"kind": "array", "dtype": str(rows.dtype), "name": _index_name(rows)}
    return {"rows": index, "has_output": state.output is not None,
            "validation": None if state.validation is None else state.validation[0]}


def _arrays(state) -> dict:
    arrays = {f"W{l + 1}": W for l, W in enumerate(state.weights)}
    if state.center is not None:
        arrays["center"], arrays["scale"] = np.asarray(state.center), np.asarray(state.scale)
    arrays.update(_optimizer_arrays(state))
    if state.history:
        columns = _history_columns(state.history)
        arrays["history"] = np.array([[row.get(c, np.nan) for c in columns] for row in state.history], dtype=float)
        arrays["history_present"] = np.array([[c in row for c in columns] for row in state.history], dtype=bool)
    if len(state.X):
        arrays.update(_data_arrays(state))
    return arrays


def _optimizer_arrays(state) -> dict:
    """``opt.<slot>.<l>`` for a state aligned with the weights (one per layer), ``opt.<slot>`` for any other
    (a history of pairs, a scalar) as it is; the step count ``t`` is in the JSON document."""
    if state.optimizer is None:
        return {}
    shapes = [W.shape for W in state.weights]
    ends = np.cumsum([W.size for W in state.weights])[:-1]
    arrays = {}
    for slot, a in state.optimizer_state.items():
        if slot != "t" and a.shape == (sum(W.size for W in state.weights),):
            arrays.update({f"opt.{slot}.{l + 1}": part.reshape(shape)
                           for l, (part, shape) in enumerate(zip(np.split(a, ends), shapes))})
        elif slot != "t":
            arrays[f"opt.{slot}"] = a
    return arrays


def _data_arrays(state) -> dict:
    arrays = {"X": state.X,
              "Y": state.Y.codes if state.design.task == "classification" else np.asarray(state.Y)}
    if not isinstance(state.rows, pd.RangeIndex):
        arrays["rows"] = _index_array(state.rows)
    if state.output is not None:
        arrays["output"] = state.output
    if state.case_weights is not None:
        arrays["case_weights"] = state.case_weights
    if state.validation is not None:
        arrays["validation_rows"] = np.asarray(state.validation[1]).astype(np.int64)  # the held-out rows
    return arrays


def _history_columns(rows: list) -> list:
    return list(dict.fromkeys(key for row in rows for key in row))


def _index_array(rows: pd.Index) -> np.ndarray:
    values = np.asarray(rows)
    if values.dtype.kind in "biufM":
        return values
    text = str(rows.dtype) in ("object", "str", "string") and all(isinstance(v, str) for v in values)
    if isinstance(rows, pd.MultiIndex) or not text:
        raise DataError("the data's row index holds values that cannot be stored without pickle: reset it "
                        "(data.reset_index(drop=True)) before fitting, or save with include_data=False")
    return values.astype(str)


def _index_name(rows: pd.Index):
    return rows.name if rows.name is None or isinstance(rows.name, (str, int)) else str(rows.name)


def _version() -> str:
    from . import __version__
    return __version__
