"""A model's state (:class:`~chainnet._state.ModelState`) in one ``.npz`` file, without pickle, read with
``allow_pickle=False``: :func:`write` and :func:`read`, which ``NeuralNetwork.save`` and ``load`` call (this module
knows nothing of the network; :mod:`chainnet._writer` and :mod:`chainnet._reader` map a state to the file).

The file is a numpy ``.npz`` (a zip of ``.npy`` arrays) holding

- ``meta``: a JSON document, UTF-8, stored as a uint8 array *inside* the archive, so that the model is one
  file that cannot lose half of itself, and the zip's CRC-32 checks cover the JSON too. It holds the format
  name and version, the network's settings, the design facts (``Design.facts()``), the optimizer's
  name, hyperparameters and step count, the generator's ``bit_generator.state``, the history's column names,
  the iteration count and how the last ``train()`` ended (``convergence``; the ``restarts`` table is not kept);
- ``W1`` ... ``WL``: the weights; ``center``/``scale``: the standardisation; ``opt.<slot>.<l>``: the
  optimizer state aligned with the weights, ``opt.<slot>`` a state of another shape as it is (L-BFGS's pairs,
  0-d scalars; checked against the optimizer's own ``init_state`` when the network is assembled); ``history``
  (iterations, columns) float64 with ``history_present`` marking the values each row has (validation columns
  only for some ``train()`` calls);
- with ``include_data=True`` (the default, as the R6 object holds its data): ``X``, ``Y`` (class codes or
  values), ``rows`` (the data's row labels), ``output`` (the last forward pass), ``case_weights`` and
  ``validation_rows`` (the held-out rows of the kept validation split).

Loading never runs code from the file: numpy refuses object arrays (which would need pickle), the JSON is
plain data checked field by field, and the formula passes an allow-list before formulaic parses it. The state
read is then checked value by value by the network's assembler, as a fresh model's is (a decay < 0, a dropout
of 1.5, an unknown activation, weights of the wrong shape are refused as the constructor refuses them). Any file
that is not exactly this (a pickle, a truncated or edited archive, a newer format version) raises
:class:`~chainnet.errors.ModelFileError`.

A model saved without its data predicts; ``net.set_data(df)`` re-encodes a data frame through the stored
design (same formula, levels and ``scale()`` parameters) so that it can train again.
"""

from __future__ import annotations

import contextlib
import json
import os

import numpy as np

from . import _reader, _writer
from ._archive import members, open_archive, write_atomic
from ._schema import MAX_META, VERSION, check_meta
from ._state import ModelState
from .errors import ArgumentTypeError, ChainnetError, ModelFileError

__all__ = ["VERSION", "read", "refusing", "write"]

_ZIP_MAGIC = b"PK\x03\x04"


def write(path, state: ModelState) -> None:
    """Write ``state`` to ``path`` (any name; ``.npz`` is conventional), atomically: a crash leaves the old file.
    Its data rows are written when it has any."""
    meta, arrays = _writer.contents(state)
    arrays["meta"] = np.frombuffer(json.dumps(meta, allow_nan=False).encode("utf-8"), dtype=np.uint8)
    write_atomic(path, arrays)


def read(path) -> ModelState:
    """The state in a file written by :func:`write`; :class:`ModelFileError` for anything else. The archive's
    sizes and the JSON document are checked before an array is decompressed (:mod:`chainnet._archive`,
    :mod:`chainnet._schema`), and each array's shape and dtype before it is read. The values are checked when
    a network is assembled from the state (run that inside :func:`refusing`)."""
    path = _path(path)
    _check_magic(path)
    with open_archive(path) as archive:
        meta, arrays = _read(archive, path)
        with refusing(path):
            return _reader.state(meta, arrays)


@contextlib.contextmanager
def refusing(path):
    """Errors raised while a model is built from the file ``path`` become a :class:`ModelFileError` saying the
    file is damaged or was edited (a value the constructor refuses can only come from an edit)."""
    try:
        yield
    except ModelFileError:
        raise
    except (ChainnetError, KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError,
            OverflowError) as exc:
        raise ModelFileError(f"{_path(path)!r} is damaged or was edited: {type(exc).__name__}: "
                             f"{_shortened(str(exc))}") from exc


def _shortened(message: str, limit: int = 500) -> str:
    """An error message of at most about ``limit`` characters: an edited file can put megabytes into a value
    that the message quotes."""
    return message if len(message) <= limit else f"{message[:limit]}... ({len(message):,} characters in all)"


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
    unexpected = sorted(set(arrays) - _expected_members(meta))
    if unexpected:
        raise ModelFileError(f"the model file holds unexpected entries {unexpected}: it was edited")
    return meta, arrays


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _expected_members(meta: dict) -> set:
    """The arrays the JSON document implies (as :mod:`chainnet._writer` writes them), known before any is read."""
    layers = len(meta["model"]["hidden"]) + 1
    names = {f"W{l + 1}" for l in range(layers)}
    if meta["model"]["standardize"]:
        names |= {"center", "scale"}
    if meta["optimizer"] is not None:
        for s in meta["optimizer"]["slots"]:  # one per layer, or whole (pairs, scalars): the reader sees which
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
