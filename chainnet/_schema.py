"""The JSON document of a model file, checked for its exact shape before anything is built from it.

Every key is known (an unknown key anywhere is refused: it could only be an edit), every field has its JSON
type, and every list is bounded by the design it describes: a list of levels is no longer than the stored rows
it was read from, a formulaic state holds no list longer than the design's columns or levels, the generator's
state has the very keys and lengths of a fresh generator of its kind. The document itself is at most
:data:`MAX_META` bytes, checked from the archive before it is decompressed.
"""

from __future__ import annotations

import numpy as np

from . import _jsoncodec as jsoncodec
from .errors import ModelFileError

FORMAT = "chainnet-model"
VERSION = 1
MAX_META = 16 * 2**20
MAX_LAYERS, MAX_HISTORY_COLUMNS, MAX_SLOTS, MAX_DEPTH = 64, 64, 16, 12
BIT_GENERATORS = {c.__name__: c for c in (np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937,
                                          np.random.Philox, np.random.SFC64)}
_NONE, _NUMBER = type(None), (int, float, dict)   # a float may be {"$float": "inf"}
SECTIONS = {"format": str, "version": int, "chainnet": str, "model": dict, "design": dict,
            "optimizer": (dict, _NONE), "rng": dict, "history": list, "data": (dict, _NONE)}
FIELDS = {  # section -> {field: allowed JSON types}
    "model": {"hidden": list, "activation": str, "init": str, "seed": (int, _NONE), "decay": _NUMBER,
              "dropout": list, "standardize": bool, "dtype": str, "iteration": int,
              "weights_column": (str, _NONE), "weighted": bool, "convergence": (str, _NONE)},
    "design": {"formula": str, "response": (str, _NONE), "task": str, "dtypes": dict, "predictors": list,
               "columns": list, "levels": dict, "numeric": list, "classes": (list, _NONE), "targets": list,
               "transform_state": dict, "encoder_state": dict},
    "optimizer": {"name": str, "hyperparameters": dict, "t": int, "slots": list},
    "data": {"rows": dict, "has_output": bool, "validation": (_NUMBER, _NONE)},
}
OPTIONAL = {"model.weights_column", "model.weighted",  # case weights: files written before them lack both
            "data.validation",                         # the kept validation split: likewise
            "model.convergence"}                       # how the last train() ended: likewise
ROWS = {"range": {"kind": str, "start": int, "stop": int, "step": int, "name": (str, int, _NONE)},
        "array": {"kind": str, "dtype": str, "name": (str, int, _NONE)}}


def check_meta(meta, path: str, rows: int | None) -> None:
    """Raise :class:`ModelFileError` unless ``meta`` has exactly the shape :func:`chainnet.persistence.write` writes;
    ``rows`` is the number of stored data rows (from the archive), ``None`` when none are stored."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ModelFileError(f"{path!r} is not a chainnet model file (format {got!r})")
    version = meta.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{path!r} has an invalid format version {version!r}")
    if version > VERSION:
        raise ModelFileError(f"{path!r} was written by a newer chainnet ({meta.get('chainnet')}, format version "
                             f"{version}); this chainnet reads format version {VERSION} and older: upgrade chainnet")
    _fields(meta, SECTIONS, "", path)
    for section, fields in FIELDS.items():
        if meta[section] is not None:
            _fields(meta[section], fields, f"{section}.", path)
    if meta["data"] is not None:
        kind = meta["data"]["rows"].get("kind")
        if kind not in ROWS:
            raise ModelFileError(f"{path!r}: unknown row-index kind {kind!r}")
        _fields(meta["data"]["rows"], ROWS[kind], "data.rows.", path)
    _check_lengths(meta, path, rows)
    _check_rng(meta["rng"], path)


def _fields(section: dict, fields: dict, prefix: str, path: str) -> None:
    for name in section:
        if name not in fields:
            raise ModelFileError(f"{path!r}: unknown field {prefix + str(name)!r}: the file was edited or written "
                                 "by another program; refused")
    for name, types in fields.items():
        if name not in section and prefix + name in OPTIONAL:
            continue
        if name not in section:
            kind = "field" if prefix else "the field"
            raise ModelFileError(f"{path!r} lacks {kind} {prefix + name!r}: the file is damaged or was edited")
        value = section[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in _tuple(types)):
            raise ModelFileError(f"{path!r}: field {prefix + name!r} is missing or has the wrong type")


def _tuple(types) -> tuple:
    return types if isinstance(types, tuple) else (types,)


def _check_lengths(meta: dict, path: str, rows: int | None) -> None:
    model, design = meta["model"], meta["design"]
    _strings(model["hidden"], "model.hidden", MAX_LAYERS, path, kind=int)
    _strings(model["dropout"], "model.dropout", len(model["hidden"]), path, kind=(int, float))
    columns = _strings(design["columns"], "design.columns", None, path)
    for name in ("predictors", "numeric", "targets"):
        _strings(design[name], f"design.{name}", None, path)
    for col, dtype in design["dtypes"].items():
        if not isinstance(dtype, str):
            raise ModelFileError(f"{path!r}: the dtype of column {col!r} must be a name such as 'float64'")
    longest = 0
    for col, levels in design["levels"].items():
        if not isinstance(levels, list) or (rows is not None and len(levels) > rows):
            raise ModelFileError(f"{path!r}: the levels of {col!r} must be a list no longer than the {rows} stored "
                                 f"rows they were read from (got {_length(levels)})")
        longest = max(longest, len(levels))
    bound = max(len(columns), longest, len(design["classes"] or ())) + 16
    for name in ("transform_state", "encoder_state"):
        _bounded(design[name], f"design.{name}", bound, 0, path)
    _strings(meta["history"], "history", MAX_HISTORY_COLUMNS, path)
    if meta["optimizer"] is not None:
        _strings(meta["optimizer"]["slots"], "optimizer.slots", MAX_SLOTS, path)
        _bounded(meta["optimizer"]["hyperparameters"], "optimizer.hyperparameters", 16, 0, path)


def _strings(values: list, name: str, limit: int | None, path: str, kind=str) -> list:
    """A list of ``kind`` with no repeated entry (for strings), at most ``limit`` long."""
    ok = all(isinstance(v, kind) and not isinstance(v, bool) for v in values)
    if not ok or (limit is not None and len(values) > limit) or (kind is str and len(set(values)) != len(values)):
        raise ModelFileError(f"{path!r}: field {name!r} must be a list of distinct {getattr(kind, '__name__', 'numbers')}"
                             f"{'' if limit is None else f' with at most {limit} entries'} (got {_length(values)})")
    return values


def _length(value) -> str:
    return f"{len(value):,} entries" if isinstance(value, list) else type(value).__name__


def _bounded(value, name: str, limit: int, depth: int, path: str) -> None:
    """Every list inside ``value`` has at most ``limit`` entries and nothing nests deeper than MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise ModelFileError(f"{path!r}: field {name!r} nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, list):
        if len(value) > limit:
            raise ModelFileError(f"{path!r}: field {name!r} holds a list of {len(value):,} entries, longer than the "
                                 f"design allows ({limit}); refused")
        for v in value:
            _bounded(v, name, limit, depth + 1, path)
    elif isinstance(value, dict):
        for v in value.values():
            _bounded(v, name, limit, depth + 1, path)


def _check_rng(state: dict, path: str) -> None:
    """The generator's state has exactly the keys, list lengths and scalar types of a fresh one of its kind."""
    kind = state.get("bit_generator")
    if kind not in BIT_GENERATORS:
        raise ModelFileError(f"the model file's generator state names no known bit generator: {kind!r}")
    if not _same_shape(state, jsoncodec.encode(BIT_GENERATORS[kind]().state)):
        raise ModelFileError(f"{path!r}: the {kind} generator state does not have the shape numpy gives it")


def _same_shape(value, reference) -> bool:
    if isinstance(reference, dict):
        return isinstance(value, dict) and value.keys() == reference.keys() and all(
            _same_shape(value[k], reference[k]) for k in reference)
    if isinstance(reference, list):
        return isinstance(value, list) and len(value) == len(reference) and all(
            _same_shape(v, r) for v, r in zip(value, reference))
    return type(value) is type(reference)
