"""A model file's contents (the JSON document, checked by :mod:`chainnet._schema`, and the archive's members)
as a :class:`~chainnet._state.ModelState`.

Each array's shape and dtype are compared with what the document implies before it is read (the members'
headers give them, :mod:`chainnet._archive`); what the values must be (finite weights, a decay >= 0, a known
activation, weights of the network's shapes ...) the network's assembler checks, as it does for a fresh model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _checks as checks, _jsoncodec as jsoncodec
from ._schema import BIT_GENERATORS
from ._state import ModelState
from .design import Design
from .errors import ModelFileError
from .optim import OPTIMIZERS

#: the history columns chainnet records (summary, repr and ``history`` read these names)
HISTORY_COLUMNS = {"loss", "accuracy", "rmse", "val_loss", "val_accuracy", "val_rmse", "learn_rate"}


def state(meta: dict, arrays: dict) -> ModelState:
    """The model a file holds: ``meta`` its JSON document, ``arrays`` its (unread) members by name."""
    m, data = meta["model"], meta["data"]
    design = Design.from_facts(meta["design"])
    dtype = checks.dtype(m["dtype"])                 # the dtype of X, the weights and the output in the file
    X, Y, rows = _data(design, arrays, data, dtype)
    weights = [_array(arrays, f"W{l + 1}", (None, None), dtype) for l in range(len(m["hidden"]) + 1)]
    optimizer, optimizer_state = _optimizer(meta["optimizer"], arrays, weights)
    center, scale = ((_array(arrays, "center", (None,), np.float64), _array(arrays, "scale", (None,), np.float64))
                     if m["standardize"] else (None, None))
    weighted = data is not None and m.get("weighted")     # files from before case weights have neither
    return ModelState(
        design=design, hidden=m["hidden"], activation=m["activation"], init=m["init"], seed=m["seed"],
        decay=m["decay"], dropout=m["dropout"], standardize=m["standardize"], dtype=dtype, center=center,
        scale=scale, X=X, Y=Y, rows=rows, data=None,     # the raw frame is not stored (X and Y are)
        case_weights=_array(arrays, "case_weights", (len(X),), np.float64) if weighted else None,
        weights_column=m.get("weights_column"), weights=weights, rng=_generator(jsoncodec.decode(meta["rng"])),
        output=_output(arrays, data, len(X), dtype), optimizer=optimizer, optimizer_state=optimizer_state,
        iteration=m["iteration"], history=_history(meta["history"], arrays), validation=_validation(arrays, data),
        convergence=m.get("convergence"))             # converged follows from it (_state.checked)


def _data(design, arrays, data, dtype) -> tuple:
    """(X, Y, rows): the stored rows, or none ((0, D), an empty response, RangeIndex(0))."""
    width = len(design.columns)
    if data is None:
        return np.empty((0, width), dtype=dtype), _empty_response(design), pd.RangeIndex(0)
    spec = data["rows"]
    n = len(range(spec["start"], spec["stop"], spec["step"])) if spec["kind"] == "range" else None
    X = _array(arrays, "X", (n, width), dtype)     # shape checked before a byte is decompressed
    n = X.shape[0]
    if design.task == "classification":
        codes = _array(arrays, "Y", (n,), None)
        if codes.dtype.kind not in "iu" or codes.min(initial=0) < 0 or codes.max(initial=0) >= len(design.classes):
            raise ModelFileError("the model file's class codes Y are not codes of its classes")
        Y = pd.Categorical.from_codes(codes, categories=list(design.classes))
    else:
        k = len(design.targets)
        Y = _array(arrays, "Y", (n,) if k == 1 else (n, k), np.float64)
    return X, Y, _rows(spec, arrays, n)


def _empty_response(design):
    if design.task == "classification":
        return pd.Categorical([], categories=list(design.classes))
    k = len(design.targets)
    return np.empty((0,) if k == 1 else (0, k))


def _rows(spec: dict, arrays, n: int) -> pd.Index:
    if spec["kind"] == "range":
        rows = pd.RangeIndex(spec["start"], spec["stop"], spec["step"], name=spec["name"])
    elif spec["kind"] == "array":
        values = _array(arrays, "rows", (n,), None)
        rows = pd.Index(values.tolist() if values.dtype.kind == "U" else values, name=spec["name"])
        if values.dtype.kind == "U":
            rows = rows.astype(_text_dtype(spec["dtype"]))
    else:
        raise ModelFileError(f"unknown row-index kind {spec['kind']!r}")
    if len(rows) != n:
        raise ModelFileError(f"the model file's row labels ({len(rows)}) do not match its {n} data rows")
    return rows


def _text_dtype(name: str) -> str:
    if name not in ("object", "str", "string"):
        raise ModelFileError(f"unexpected row-index dtype {name!r}")
    return name


def _output(arrays, data, n: int, dtype):
    if data is None or not data.get("has_output"):
        return None
    return _array(arrays, "output", (n, None), dtype)


def _optimizer(spec, arrays, weights):
    """The optimizer (a built-in, by name, with its hyperparameters) and its state: a slot stored per layer
    (``opt.<slot>.<l>``, shaped like the layers) is one flat vector again, any other as it is."""
    if spec is None:
        return None, None
    opt = OPTIMIZERS[spec["name"]](**jsoncodec.decode(spec["hyperparameters"]))
    if spec["t"] >= 2**63:                              # negative ones the assembler refuses
        raise ModelFileError(f"the optimizer's step count t must be an integer below 2**63, got {spec['t']}")
    state = {"t": np.array(spec["t"], np.int64)}
    for s in spec["slots"]:
        state[s] = (np.concatenate([_array(arrays, f"opt.{s}.{l + 1}", W.shape, W.dtype).ravel()
                                    for l, W in enumerate(weights)])
                    if f"opt.{s}.1" in arrays else _array(arrays, f"opt.{s}", None, None))
    return opt, state


def _generator(state) -> np.random.Generator:
    if not isinstance(state, dict) or state.get("bit_generator") not in BIT_GENERATORS:
        got = state.get("bit_generator") if isinstance(state, dict) else type(state).__name__
        raise ModelFileError(f"the model file's generator state names no known bit generator: {got!r}")
    bit_generator = BIT_GENERATORS[state["bit_generator"]]()
    try:
        bit_generator.state = state
    except (ValueError, TypeError, OverflowError) as exc:      # e.g. a state word of 2**200
        raise ModelFileError(f"the model file's generator (rng) state is not one numpy's "
                             f"{state['bit_generator']} accepts: {exc}") from None
    return np.random.Generator(bit_generator)


def _history(columns, arrays) -> list:
    """The history rows (dicts of Python floats) from the ``history`` arrays and their column names."""
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ModelFileError("the model file's history must name its columns")
    if not columns:
        return []
    if not {"loss", "learn_rate"} <= set(columns) <= HISTORY_COLUMNS:
        raise ModelFileError(f"the model file's history columns {columns} are not the ones chainnet records "
                             f"(loss and learn_rate among {sorted(HISTORY_COLUMNS)}): it was edited")
    values = _array(arrays, "history", (None, len(columns)), np.float64)
    present = _array(arrays, "history_present", values.shape, np.bool_)
    return [{c: float(v) for c, v, p in zip(columns, vals, pres) if p} for vals, pres in zip(values, present)]


def _validation(arrays, data):
    """The kept validation split as stored: its fraction and the held-out row indices (checked when built)."""
    if data is None or data.get("validation") is None:
        return None
    return data["validation"], _array(arrays, "validation_rows", (None,), np.int64)


def _array(arrays: dict, name: str, shape: tuple | None, dtype) -> np.ndarray:
    """``arrays[name]`` checked against ``shape`` (``None``: any; an entry ``None``: any length) and
    ``dtype`` (``None``: any), from the member's header, then read."""
    if name not in arrays:
        raise ModelFileError(f"the model file lacks the array {name!r}: it is damaged or was edited")
    a = arrays[name]                               # an archive Member: shape and dtype from its header
    if shape is not None and (a.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape, a.shape))):
        raise ModelFileError(f"array {name!r} has shape {a.shape}, expected {tuple(s or 'n' for s in shape)}")
    if dtype is not None and a.dtype != np.dtype(dtype):
        raise ModelFileError(f"array {name!r} has dtype {a.dtype}, expected {np.dtype(dtype)}")
    return a.read()
