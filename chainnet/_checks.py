"""Argument checks at the boundary: each returns the clean value or raises with a message that says the fix."""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, TaskError

DTYPES = {"float64": np.float64, "float32": np.float32}


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value) -> bool:
    """A real number (a numpy one too), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_count(value) -> bool:
    """An integer, or a real number with an integral value, as R writes counts (``1e4``, ``5.0``); not a bool."""
    return _is_int(value) or (is_real(value) and not isinstance(value, np.bool_) and math.isfinite(value)
                              and float(value).is_integer())


def hidden_units(hidden) -> tuple[int, ...]:
    """``5`` -> (5,); ``[10, 5]`` -> (10, 5); ``0`` or ``[]`` -> () (no hidden layer); ``5.0`` counts as 5."""
    if _is_count(hidden):
        if hidden < 0:
            raise ArgumentError(f"hidden must be >= 0 units (0: no hidden layer), got {hidden}")
        return (int(hidden),) if hidden else ()
    if isinstance(hidden, (list, tuple)):
        for h in hidden:
            if not _is_count(h):
                raise ArgumentTypeError(f"hidden layer sizes must be integers, got {h!r} in {list(hidden)}")
            if h < 1:
                raise ArgumentError(f"each hidden layer needs at least 1 unit, got {h} in {list(hidden)}; "
                                    "use hidden=[] for no hidden layer")
        return tuple(int(h) for h in hidden)
    raise ArgumentTypeError(f"hidden must be an integer or a list of integers, got {hidden!r}")


def dtype(value) -> type:
    """``"float64"``/``"float32"``, or what numpy reads as one of them (``np.float32``, ``float``) -> the type."""
    try:
        name = np.dtype(value).name if not isinstance(value, str) else value
    except (TypeError, ValueError):          # not a dtype at all: object(), [[1]], nan
        raise ArgumentTypeError(f"dtype must be one of {sorted(DTYPES)}, got {type(value).__name__} "
                                f"{value!r:.60}") from None
    if name not in DTYPES:
        raise ArgumentError(f"dtype must be one of {sorted(DTYPES)}, got {value!r}")
    return DTYPES[name]


def weights_fit_in_memory(shapes: list, dtype, hidden: tuple) -> None:
    """Refuse, before a byte of them is allocated, layers ``shapes`` [(rows, columns), ...] whose weights and
    gradient (2 · Σ rows·columns · itemsize bytes) exceed this machine's physical memory (1 TiB when unknown):
    numpy's errors for them (a MemoryError, 'Maximum allowed dimension exceeded') name no argument."""
    count = sum(r * c for r, c in shapes)            # Python integers: no overflow
    size = count * np.dtype(dtype).itemsize
    if 2 * size > _memory():
        raise ArgumentError(f"out of memory: hidden={list(hidden)} makes {count:,} weights, whose values alone take "
                            f"{_bytes(size)} (and their gradient as much), more than this machine's memory "
                            f"({_bytes(_memory())}); use fewer hidden units")


def _bytes(size: int) -> str:
    """``size`` bytes in binary units, as numpy's MemoryError says them: 74.5 GiB, 727.6 TiB."""
    units = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    power = min(max((size.bit_length() - 1) // 10, 0), len(units) - 1)
    return f"{size / 2 ** (10 * power):,.1f} {units[power]}"


def _memory() -> int:
    """Physical memory in bytes (POSIX sysconf), or 1 TiB where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return 2**40


def non_negative(name: str, value) -> float:
    if not (is_real(value) and math.isfinite(value) and value >= 0):
        raise ArgumentError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def positive(name: str, value, example: str = "") -> float:
    """The one positive-finite check (learning rates, eps, schedule factors, steps ...)."""
    if not (is_real(value) and math.isfinite(value) and value > 0):
        raise ArgumentError(f"{name} must be a positive finite number{example}, got {value!r}")
    return float(value)


def learn_rate(value) -> float:
    return positive("learn_rate", value, " such as 0.01")


def unit_interval(name: str, value) -> float:
    """A number in [0, 1): momentum, decay rates of running means."""
    if not (is_real(value) and 0.0 <= value < 1.0):
        raise ArgumentError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _integer(name: str, value, kind: str) -> int:
    """Every integer argument (``1e4`` and ``5.0`` count, as R writes them): a non-integer is an
    ArgumentTypeError, whatever its range."""
    if not _is_count(value):
        raise ArgumentTypeError(f"{name} must be {kind}, got {value!r}")
    return int(value)


def positive_int(name: str, value) -> int:
    value = _integer(name, value, "a positive integer")
    if value < 1:
        raise ArgumentError(f"{name} must be a positive integer, got {value}")
    return value


def non_negative_int(name: str, value) -> int:
    value = _integer(name, value, "an integer >= 0 (0: off)")
    if value < 0:
        raise ArgumentError(f"{name} must be an integer >= 0 (0: off), got {value!r}")
    return value


def boolean(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def dropout(rate, layers: int) -> tuple[float, ...]:
    """One rate for every hidden layer, or one per layer; each in [0, 1)."""
    rates = list(rate) if isinstance(rate, (list, tuple)) else [rate] * max(layers, 1)
    if not layers and any(p != 0 for p in rates):
        raise ArgumentError(f"dropout={rate!r} needs a hidden layer to act on, and this network has no hidden layer "
                            "(hidden=0): use dropout=0, or give hidden= some units")
    if not layers:
        return ()
    if len(rates) != layers:
        raise ArgumentError(f"dropout needs one rate per hidden layer ({layers}), got {list(rate)}")
    for p in rates:
        if not (is_real(p) and 0 <= p < 1):
            raise ArgumentError(f"dropout rates must be in [0, 1), got {p!r}")
    return tuple(float(p) for p in rates)


def is_fraction(value) -> bool:
    """A real number strictly between 0 and 1 (a numpy float too); ``1`` and ``True`` are not fractions."""
    return is_real(value) and not _is_int(value) and 0 < value < 1


def seed(value) -> None:
    if value is not None and not _is_int(value):
        raise ArgumentTypeError(f"seed must be an integer or None, got {value!r}")
    if value is not None and value < 0:   # numpy's SeedSequence takes non-negative integers only
        raise ArgumentError(f"seed must be an integer >= 0 or None, got {value!r}")


def require_task(net, task: str, what: str, instead: str) -> None:
    """Raise TaskError unless ``net`` does ``task``: ``what`` is for that task; use ``instead``."""
    if net.task != task:
        raise TaskError(f"{what} is for {task} networks; this one does {net.task}: use {instead}")
