"""Checks for assignments to a network's fields (``net.X = ...``, ``net.Y``, ``net.W1``, ``net.weights``).

Each returns a clean array (or raises with the fix) and never keeps the caller's array: the network copies
the value into its own storage, so a read-only array is fine and the caller's array is never trained in place.
"""

from __future__ import annotations

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, DataError


def checked_array(name: str, value, shape: tuple, dtype, expected: str) -> np.ndarray:
    """``value`` as a new C array of ``dtype`` and ``shape``, numbers only and finite."""
    if isinstance(value, (str, bytes)):
        raise ArgumentTypeError(f"{name} must be an array of numbers, got the text {value!r}")
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ArgumentTypeError(f"{name} must be an array of numbers: {exc}") from exc
    if a.dtype.kind not in "biuf":
        raise ArgumentTypeError(f"{name} must hold numbers, got an array of {a.dtype} (e.g. {a.flat[0]!r} )"
                                if a.size else f"{name} must hold numbers, got an array of {a.dtype}")
    if a.shape != tuple(shape):
        raise ArgumentError(f"{name} must have {expected}: shape {tuple(shape)}, got {a.shape}")
    a = np.array(a, dtype=dtype, order="C", copy=True)
    if not np.isfinite(a).all():
        raise DataError(f"{name} holds NaN or infinite values; assign finite numbers")
    return a


def checked_weights(value, shapes: list, dtype) -> list:
    """A list of weight matrices of the network's shapes."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ArgumentTypeError(f"weights must be a list of {len(shapes)} arrays, got {type(value).__name__}")
    if len(value) != len(shapes):
        raise ArgumentError(f"weights must be a list of {len(shapes)} arrays (W1..W{len(shapes)}), got {len(value)}")
    return [checked_array(f"W{l + 1}", W, shape, dtype, f"shape {shape}") for l, (W, shape) in
            enumerate(zip(value, shapes))]


def checked_response(value, design, dtype, rows: int):
    """(T, Y) for a new response of ``rows`` values (one per row of ``X``)."""
    if isinstance(value, (str, bytes)):
        raise ArgumentTypeError(f"Y must hold one response value per row, got the text {value!r}")
    try:
        T, Y = design.encode_response(value, dtype)
    except (ValueError, TypeError, NotImplementedError) as exc:
        if isinstance(exc, (ArgumentError, ArgumentTypeError)):
            raise
        raise DataError(f"Y must hold the response's values ({design.task}): {exc}") from exc
    if T.ndim != 2 or len(T) != rows or T.shape[1] != _width(design):
        raise DataError(f"Y must hold {rows} response values (one per row of X), each of {_width(design)} "
                        f"number(s), got shape {np.shape(Y)}; use set_data(df) to train on other rows")
    if not np.isfinite(T).all():
        raise DataError("Y holds NaN or infinite values; drop those rows (set_data) or fill them")
    return T, Y


def _width(design) -> int:
    if design.task == "classification":
        return 1 if len(design.classes) == 2 else len(design.classes)
    return len(design.targets)
