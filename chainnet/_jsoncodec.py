"""Plain data <-> strict JSON, without losing the types a model file needs and without ever running code.

JSON has strings, finite numbers, booleans, null, lists and string-keyed objects. A model also holds a few
values JSON cannot say directly; each gets a one-key tagged object:

    {"$tuple": [...]}                      a tuple (Adam's ``betas``)
    {"$dict": [[key, value], ...]}         a dict whose keys are not all strings (``poly()`` keys its state by 1, 2)
    {"$float": "nan" | "inf" | "-inf"}     a non-finite float
    {"$array": [...], "dtype": "uint32"}   a small numeric numpy array (MT19937's key)

numpy scalars become Python numbers (float64 values round-trip exactly: JSON writes ``repr(float)``).
Anything else (objects, callables, strings of code) is refused when encoding; decoding only ever builds
these plain types, so reading a file cannot execute anything.
"""

from __future__ import annotations

import math

import numpy as np

_TAGS = ("$tuple", "$dict", "$float", "$array")
_NUMERIC_KINDS = "biuf"


def encode(value):
    """A JSON-ready copy of ``value`` (None, bool, int, float, str, list, tuple, dict, numpy numbers/arrays)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        return x if math.isfinite(x) else {"$float": repr(x)}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, np.ndarray) and value.dtype.kind in _NUMERIC_KINDS:
        return {"$array": encode(value.tolist()), "dtype": value.dtype.str}
    raise TypeError(f"a value of type {type(value).__name__} ({value!r:.60}) cannot be stored as JSON")


def decode(value):
    """The inverse of :func:`encode`; raises ``ValueError``/``TypeError`` on a malformed tag."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = next((t for t in _TAGS if t in value), None)
    if tag is None:
        return {k: decode(v) for k, v in value.items()}
    if tag == "$tuple":
        return tuple(decode(v) for v in _list(value[tag], tag))
    if tag == "$dict":
        pairs = [_list(p, tag) for p in _list(value[tag], tag)]
        if any(len(p) != 2 for p in pairs):
            raise ValueError("a '$dict' entry must be a [key, value] pair")
        return {_hashable(decode(k)): decode(v) for k, v in pairs}
    if tag == "$float":
        if value[tag] not in ("nan", "inf", "-inf"):
            raise ValueError(f"'$float' must be 'nan', 'inf' or '-inf', got {value[tag]!r}")
        return float(value[tag])
    dtype = np.dtype(str(value.get("dtype")))
    if dtype.kind not in _NUMERIC_KINDS:
        raise ValueError(f"'$array' dtype must be numeric, got {dtype}")
    return np.array(decode(_list(value[tag], tag)), dtype=dtype)


def _list(value, tag):
    if not isinstance(value, list):
        raise TypeError(f"{tag!r} must hold a list, got {type(value).__name__}")
    return value


def _hashable(key):
    if isinstance(key, list):
        raise TypeError("a '$dict' key cannot be a list")
    return key
