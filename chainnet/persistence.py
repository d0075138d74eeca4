"""Save and load a :class:`~chainnet.network.NeuralNetwork` without pickle: one ``.npz`` file, read with
``allow_pickle=False``.

The file is a numpy ``.npz`` (a zip of ``.npy`` arrays) holding

- ``meta``: a JSON document, UTF-8, stored as a uint8 array *inside* the archive, so that the model is one
  file that cannot lose half of itself, and the zip's CRC-32 checks cover the JSON too. It holds the format
  name and version, the network's settings, the design facts (:meth:`Design.facts`), the optimizer's
  name, hyperparameters and step count, the generator's ``bit_generator.state``, the history's column names
  and the iteration count;
- ``W1`` ... ``WL``: the weights; ``center``/``scale``: the standardisation; ``opt.<slot>.<l>``: the
  optimizer state aligned with the weights, ``opt.<slot>`` a state of another shape as it is (L-BFGS's pairs,
  0-d scalars; checked against the optimizer's own ``init_state`` when read); ``history`` (iterations, columns) float64 with
  ``history_present`` marking the values each row has (validation columns only for some ``train()`` calls);
- with ``include_data=True`` (the default, as the R6 object holds its data): ``X``, ``Y`` (class codes or
  values), ``rows`` (the data's row labels) and ``output`` (the last forward pass).

Loading never runs code from the file: numpy refuses object arrays (which would need pickle), the JSON is
plain data checked field by field, and the formula passes an allow-list before formulaic parses it. Any file
that is not exactly this (a pickle, a truncated or edited archive, a newer format version) raises
:class:`~chainnet.errors.ModelFileError`.

A model saved without its data predicts; ``net.set_data(df)`` re-encodes a data frame through the stored
design (same formula, levels and ``scale()`` parameters) so that it can train again.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from . import case_weights, checks, jsoncodec, splits
from .activations import get_activation
from .archive import members, open_archive, write_atomic
from .design import Design
from .errors import ArgumentError, ArgumentTypeError, ChainnetError, DataError, ModelFileError
from .initializers import resolve_init
from .losses import loss_for
from .optimizers import OPTIMIZERS
from .schema import BIT_GENERATORS, FORMAT, MAX_META, VERSION, check_meta

_ZIP_MAGIC = b"PK\x03\x04"


# ---------------------------------------------------------------------------------------------- save
def save(net, path, include_data: bool = True) -> None:
    """Write ``net`` to ``path`` (any name; ``.npz`` is conventional), atomically: a crash leaves the old file."""
    if not isinstance(include_data, bool):
        raise ArgumentTypeError(f"include_data must be True or False, got {include_data!r}")
    include_data = include_data and len(net._X) > 0          # a model loaded without data has none to save
    meta, arrays = _meta(net, include_data), _arrays(net, include_data)
    arrays["meta"] = np.frombuffer(json.dumps(meta, allow_nan=False).encode("utf-8"), dtype=np.uint8)
    write_atomic(path, arrays)


def _meta(net, include_data: bool) -> dict:
    opt = net.optimizer
    if opt is not None and type(opt) is not OPTIMIZERS.get(opt.name):
        raise ArgumentError(f"optimizer {opt!r} is not one of chainnet's {sorted(OPTIMIZERS)}, so it cannot be "
                            "saved; train with a built-in optimizer")
    meta = {
        "format": FORMAT, "version": VERSION, "chainnet": _version(),
        "model": {"hidden": list(net.hidden), "activation": net.activation, "init": net.init, "seed": net.seed,
                  "decay": net.decay, "dropout": list(net.dropout), "standardize": net.standardize,
                  "dtype": np.dtype(net.dtype).name, "iteration": int(net.iteration),
                  "weights_column": net.weights_column,
                  "weighted": include_data and net.case_weights is not None},
        "design": net.design.facts(),
        "optimizer": None if opt is None else {"name": opt.name, "hyperparameters": opt.hyperparameters(),
                                               "t": int(net.optimizer_state["t"]),
                                               "slots": [k for k in net.optimizer_state if k != "t"]},
        "rng": net.rng.bit_generator.state,
        "history": _history_columns(net._history),
        "data": _data_meta(net) if include_data else None,
    }
    try:
        return {k: v if k == "design" else jsoncodec.encode(v) for k, v in meta.items()}
    except TypeError as exc:
        raise ArgumentError(f"this model holds a value that cannot be saved: {exc}") from exc


def _data_meta(net) -> dict:
    rows = net.rows
    if isinstance(rows, pd.RangeIndex):
        index = {"kind": "range", "start": rows.start, "stop": rows.stop, "step": rows.step, "name": _index_name(rows)}
    else:
        index = {"kind": "array", "dtype": str(rows.dtype), "name": _index_name(rows)}
    split = _kept_split(net)
    return {"rows": index, "has_output": net.output is not None,
            "validation": None if split is None else split.fraction}


def _kept_split(net):
    """The validation split ``train(validation=fraction)`` keeps on the network, if it is of the current rows."""
    split = net._split
    return split if split is not None and split.X is net._X and split.w is net.case_weights else None


def _arrays(net, include_data: bool) -> dict:
    arrays = {f"W{l + 1}": W for l, W in enumerate(net.weights)}
    if net.center is not None:
        arrays["center"], arrays["scale"] = np.asarray(net.center), np.asarray(net.scale)
    if net.optimizer is not None:
        for slot, state in net.optimizer_state.items():
            if slot != "t" and state.shape == net.params.shape:      # aligned with the weights: one per layer
                arrays.update({f"opt.{slot}.{l + 1}": a for l, a in enumerate(net._views(state))})
            elif slot != "t":                                        # a history of pairs, a scalar: as it is
                arrays[f"opt.{slot}"] = state
    if include_data and _kept_split(net) is not None:
        arrays["validation_rows"] = net._split.val.astype(np.int64)    # the held-out rows, kept across calls
    if net._history:
        columns = _history_columns(net._history)
        arrays["history"] = np.array([[row.get(c, np.nan) for c in columns] for row in net._history], dtype=float)
        arrays["history_present"] = np.array([[c in row for c in columns] for row in net._history], dtype=bool)
    if include_data:
        arrays["X"] = net._X
        arrays["Y"] = net.Y.codes if net.task == "classification" else np.asarray(net.Y)
        if not isinstance(net.rows, pd.RangeIndex):
            arrays["rows"] = _index_array(net.rows)
        if net.output is not None:
            arrays["output"] = net.output
        if net.case_weights is not None:
            arrays["case_weights"] = net.case_weights
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


# ---------------------------------------------------------------------------------------------- load
def load(path, cls=None):
    """A :class:`NeuralNetwork` (or ``cls``) from a file written by :func:`save`; :class:`ModelFileError` for
    anything else. The archive's sizes and the JSON document are checked before an array is decompressed
    (:mod:`chainnet.archive`, :mod:`chainnet.schema`), and each array's shape and dtype before it is read."""
    path = _path(path)
    _check_magic(path)
    with open_archive(path) as archive:
        meta, arrays = _read(archive, path)
        try:
            return _rebuild(meta, arrays, cls)
        except ModelFileError:
            raise
        except (ChainnetError, KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError) as exc:
            raise ModelFileError(f"{path!r} is damaged or was edited: {type(exc).__name__}: {exc}") from exc


def _path(path) -> str:
    """A file name as text: ``str`` or ``pathlib.Path``."""
    name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    if not isinstance(name, str):
        raise ArgumentTypeError(f"path must be a file name (str or pathlib.Path), got {type(path).__name__}: "
                                f"{path!r}")
    return name


def _check_magic(path: str) -> None:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no model file {path!r}")
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head != _ZIP_MAGIC:
        what = "a Python pickle" if head[:1] == b"\x80" else "not an .npz archive"
        raise ModelFileError(f"{path!r} is not a chainnet model file ({what}); chainnet never unpickles, "
                             "so only files written by net.save() can be loaded")


def _read(archive, path: str) -> tuple[dict, dict]:
    """The JSON document and the (unread) array members of an open model archive, every size checked."""
    arrays = members(archive, path)
    raw = arrays.pop("meta", None)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(f"{path!r} is an .npz archive but not a chainnet model (no 'meta' document)")
    if raw.shape[0] > MAX_META:
        raise ModelFileError(f"{path!r} has a 'meta' document of {raw.shape[0]:,} bytes (at most {MAX_META:,}): "
                             "refused before decompressing it")
    try:
        meta = json.loads(raw.read().tobytes().decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:   # JSONDecodeError is a ValueError
        raise ModelFileError(f"{path!r} has an unreadable 'meta' document: {exc}") from None
    X = arrays.get("X")
    check_meta(meta, path, rows=X.shape[0] if X is not None and X.ndim == 2 else None)
    expected = _expected_members(meta)
    unexpected = sorted(set(arrays) - expected)
    if unexpected:
        raise ModelFileError(f"the model file holds unexpected entries {unexpected}: it was edited")
    return meta, arrays


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _expected_members(meta: dict) -> set:
    """The arrays the JSON document implies (as :func:`_arrays` writes them), known before any is read."""
    layers = len(meta["model"]["hidden"]) + 1
    names = {f"W{l + 1}" for l in range(layers)}
    if meta["model"]["standardize"]:
        names |= {"center", "scale"}
    if meta["optimizer"] is not None:
        for s in meta["optimizer"]["slots"]:  # one per layer, or whole (pairs, scalars): the loader checks which
            names |= {f"opt.{s}.{l + 1}" for l in range(layers)} | {f"opt.{s}"}
    if meta["history"]:
        names |= {"history", "history_present"}
    data = meta["data"]
    if data is not None:
        names |= {"X", "Y"} | ({"rows"} if data["rows"]["kind"] == "array" else set())
        names |= {"output"} if data["has_output"] else set()
        names |= {"case_weights"} if meta["model"].get("weighted") else set()
        names |= {"validation_rows"} if data.get("validation") is not None else set()
    return names


def _get(meta, key):
    return meta.get(key) if isinstance(meta, dict) else type(meta).__name__


# ---------------------------------------------------------------------------------------------- rebuild
def _rebuild(meta: dict, arrays: dict, cls=None):
    from .network import NeuralNetwork

    m = meta["model"]
    design = Design.from_facts(meta["design"])
    net = object.__new__(cls or NeuralNetwork)
    hidden = checks.hidden_units(list(m["hidden"]))
    act = get_activation(m["activation"])
    net.design, net.hidden, net.activation, net.seed = design, hidden, act.name, m["seed"]
    net.init = resolve_init(m["init"], act.name)
    net.dtype = checks.dtype(m["dtype"])
    net.decay = checks.non_negative("decay", m["decay"])
    net.dropout = checks.dropout(list(m["dropout"]), len(hidden))
    checks.seed(m["seed"])
    net._act, net._loss = act, loss_for(design.task, len(design.classes or ()))
    net.standardize = m["standardize"]
    net.center, net.scale = _standardization(arrays, net.standardize, len(design.columns))
    data = meta["data"]
    _set_data_arrays(net, arrays, data)
    net.data, net._cache, net._cache_weights = None, None, None  # the raw frame is not stored (X and Y are)
    net.rng = _generator(jsoncodec.decode(meta["rng"]))
    net.weights = _weights(arrays, net)
    net.output = _output(arrays, data, net)
    net.optimizer, net.optimizer_state = _optimizer(meta["optimizer"], arrays, net.weights)
    net.iteration = checks.non_negative_int("iteration", m["iteration"])
    net.weights_column, net.case_weights = _case_weights(m, arrays, data, len(net._X))
    net._split = _validation_split(net, arrays, data)
    net._history = _history(meta["history"], arrays)
    net.converged = net.convergence = net.restarts = net._step_run = None  # known again after train()
    return net


def _case_weights(m: dict, arrays, data, n: int):
    """(weights_column, case_weights) of a loaded model: the weights are stored with the data (files from before
    case weights have neither)."""
    stored = m.get("weighted") and data is not None
    w = _array(arrays, "case_weights", (n,), np.float64) if stored else None
    return m.get("weights_column"), None if w is None else case_weights.check(w, "the model file's case weights")


def _standardization(arrays, standardize: bool, width: int):
    if not standardize:
        return None, None
    center, scale = _array(arrays, "center", (width,), np.float64), _array(arrays, "scale", (width,), np.float64)
    if not (np.isfinite(center).all() and np.isfinite(scale).all() and (scale > 0).all()):
        raise ModelFileError("the model file's standardisation holds non-finite or non-positive values")
    return center, scale


def _set_data_arrays(net, arrays, data) -> None:
    width, dtype = len(net.design.columns), np.dtype(net.dtype)
    if data is None:
        net._X = np.empty((0, width), dtype=dtype)
        net.Y = _empty_response(net.design)
        net.rows = pd.RangeIndex(0)
        return
    rows = data["rows"]
    n = len(range(rows["start"], rows["stop"], rows["step"])) if rows["kind"] == "range" else None
    X = _array(arrays, "X", (n, width), dtype)     # shape checked before a byte is decompressed
    n = X.shape[0]
    if not np.isfinite(X).all():
        raise ModelFileError("the model file's design matrix X holds NaN or infinite values")
    if net.design.task == "classification":
        codes = _array(arrays, "Y", (n,), None)
        if codes.dtype.kind not in "iu" or codes.min(initial=0) < 0 or codes.max(initial=0) >= len(net.design.classes):
            raise ModelFileError("the model file's class codes Y are not codes of its classes")
        Y = pd.Categorical.from_codes(codes, categories=list(net.design.classes))
    else:
        k = len(net.design.targets)
        Y = _array(arrays, "Y", (n,) if k == 1 else (n, k), np.float64)
    net._X = np.ascontiguousarray(X)
    net.Y = Y
    net.rows = _rows(data["rows"], arrays, n)


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


def _weights(arrays, net) -> list:
    sizes = [len(net.design.columns), *net.hidden, net._T.shape[1]]
    weights = [np.ascontiguousarray(_array(arrays, f"W{l + 1}", (sizes[l] + (l > 0), sizes[l + 1]), net.dtype))
               for l in range(len(sizes) - 1)]
    if not all(np.isfinite(W).all() for W in weights):
        raise ModelFileError("the model file's weights hold NaN or infinite values")
    return weights


def _output(arrays, data, net):
    if data is None or not data.get("has_output"):
        return None
    return _array(arrays, "output", (net._X.shape[0], net._T.shape[1]), np.dtype(net.dtype))


def _optimizer(spec, arrays, weights):
    if spec is None:
        return None, None
    opt = OPTIMIZERS[spec["name"]](**jsoncodec.decode(spec["hyperparameters"]))
    t = spec["t"]
    if not isinstance(t, int) or isinstance(t, bool) or t < 0:
        raise ModelFileError(f"the optimizer's step count t must be an integer >= 0, got {t!r}")
    slots, n = spec["slots"], sum(W.size for W in weights)
    template = opt.init_state(n, weights[0].dtype)
    if list(slots) != [k for k in template if k != "t"]:
        raise ModelFileError(f"optimizer {opt.name!r} keeps state {[k for k in template if k != 't']}, the file "
                             f"has {slots}")
    state = {s: np.concatenate([_array(arrays, f"opt.{s}.{l + 1}", W.shape, W.dtype).ravel()
                                for l, W in enumerate(weights)]) if template[s].shape == (n,)
             else _array(arrays, f"opt.{s}", template[s].shape, template[s].dtype) for s in slots}
    return opt, {"t": np.array(t, np.int64), **state}


def _generator(state) -> np.random.Generator:
    if not isinstance(state, dict) or state.get("bit_generator") not in BIT_GENERATORS:
        raise ModelFileError("the model file's generator state names no known bit generator: "
                             f"{_get(state, 'bit_generator')!r}")
    bit_generator = BIT_GENERATORS[state["bit_generator"]]()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


HISTORY_COLUMNS = {"loss", "accuracy", "rmse", "val_loss", "val_accuracy", "val_rmse", "learn_rate"}


def _history(columns, arrays) -> list:
    """The history rows (dicts of Python floats) from the ``history`` arrays and their column names."""
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ModelFileError("the model file's history must name its columns")
    if not columns:
        return []
    if not {"loss", "learn_rate"} <= set(columns) <= HISTORY_COLUMNS:   # summary/repr/history read these names
        raise ModelFileError(f"the model file's history columns {columns} are not the ones chainnet records "
                             f"(loss and learn_rate among {sorted(HISTORY_COLUMNS)}): it was edited")
    values = _array(arrays, "history", (None, len(columns)), np.float64)
    present = _array(arrays, "history_present", values.shape, np.bool_)
    return [{c: float(v) for c, v, p in zip(columns, vals, pres) if p} for vals, pres in zip(values, present)]


def _array(arrays: dict, name: str, shape: tuple, dtype) -> np.ndarray:
    """``arrays[name]`` checked against ``shape`` (``None``: any length) and ``dtype`` (``None``: any)."""
    if name not in arrays:
        raise ModelFileError(f"the model file lacks the array {name!r}: it is damaged or was edited")
    a = arrays[name]                               # an archive Member: shape and dtype from its header
    if a.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape, a.shape)):
        raise ModelFileError(f"array {name!r} has shape {a.shape}, expected {tuple(s or 'n' for s in shape)}")
    if dtype is not None and a.dtype != np.dtype(dtype):
        raise ModelFileError(f"array {name!r} has dtype {a.dtype}, expected {np.dtype(dtype)}")
    return a.read()


def _validation_split(net, arrays, data):
    """The kept validation split: its fraction and held-out row indices (sorted, unique, within the rows)."""
    if data is None or data.get("validation") is None:
        return None
    fraction = data["validation"]
    val = _array(arrays, "validation_rows", (None,), np.int64)
    if not (checks.is_fraction(fraction) and len(val) and (np.diff(val) > 0).all()
            and 0 <= val[0] and val[-1] < len(net._X)):
        raise ModelFileError("the model file's validation split is not a fraction with sorted, unique row indices "
                             "within the stored rows: it was edited")
    try:
        return splits.split_at(net, float(fraction), val)
    except ArgumentError as exc:
        raise ModelFileError(f"the model file's validation split is unusable: {exc}") from None
