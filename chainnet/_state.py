"""What a model is: :class:`ModelState`, the one record every ``NeuralNetwork`` is built from, and the checks
a record passes before it becomes a network.

Three roads lead to a network and all three end in the network's one assembler (``NeuralNetwork._assemble``):

- ``NeuralNetwork(formula, data, ...)`` makes a fresh state (:func:`settings` at the boundary, :func:`fresh`);
- ``NeuralNetwork.load(path)`` reads one from a file (:func:`chainnet.persistence.read`);
- ``pickle`` / ``copy.deepcopy`` carry one (``__getstate__`` is the network's state, ``__setstate__`` assembles it).

The assembler checks the record here (:func:`checked`, :func:`check_optimizer`): the same checks for a fresh, a
loaded and an unpickled model, so a file cannot build a network the constructor would refuse. It then makes
the derived things: the activation and loss objects, the flat parameter vector with the layers as its views,
the pass buffers and the validation split.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from . import _checks as checks, case_weights
from ._fields import checked_response
from .activations import get_activation
from .convergence import CONVERGED
from .design import Design
from .errors import ArgumentError, ArgumentTypeError, ChainnetError, DataError
from .initializers import resolve_init
from .losses import loss_for
from .optim import OPTIMIZERS


@dataclass
class ModelState:
    """Everything a model is. ``X`` (n, D) is the design matrix as the network holds it (standardised when
    ``standardize``; n = 0: a model without data), ``Y`` its response (a Categorical or floats), ``rows`` the
    data's row labels, ``data`` the training frame (``None``: not kept). ``weights``: ``[W1, W2, ...]``, or
    ``None`` for a fresh model, whose weights the initializer draws from ``rng``. ``validation``: the kept
    validation split, ``(fraction, held-out row indices)``. ``convergence`` (a ``chainnet.convergence.REASONS``
    name), ``converged`` (follows from it) and ``restarts``: how the last ``train()`` ended (a model file keeps
    ``convergence``, not the restarts table). Arrays are the network's own, not copies."""

    design: Any
    hidden: tuple
    activation: Any                      # a name in chainnet.activations.ACTIVATIONS, or an Activation
    init: str
    seed: int | None
    decay: float
    dropout: tuple
    standardize: bool
    dtype: Any
    center: np.ndarray | None
    scale: np.ndarray | None
    X: np.ndarray
    Y: Any
    rows: pd.Index
    data: pd.DataFrame | None = None
    case_weights: np.ndarray | None = None
    weights_column: str | None = None
    weights: list | None = None
    rng: np.random.Generator | None = None
    output: np.ndarray | None = None
    optimizer: Any = None
    optimizer_state: dict | None = None
    iteration: int = 0
    history: list = field(default_factory=list)
    validation: tuple | None = None
    converged: Any = None
    convergence: Any = None
    restarts: Any = None

    def __repr__(self) -> str:
        layers = [len(self.design.columns), *self.hidden]
        return (f"ModelState({self.design.formula!r}, layers={layers}, rows={len(self.X)}, "
                f"iteration={self.iteration}, optimizer={getattr(self.optimizer, 'name', None)!r})")


class Derived(NamedTuple):
    """What the assembler makes from a checked state: the targets ``T`` (n, K), the activation, the loss."""

    T: np.ndarray
    act: Any
    loss: Any


def settings(hidden, activation, init, seed, decay, dropout, standardize, dtype) -> dict:
    """The constructor's settings, checked and normalised (hidden and dropout as tuples, ``init="auto"``
    resolved, dtype a numpy type); raises with the fix for a value the constructor refuses."""
    hidden = checks.hidden_units(hidden)
    act = get_activation(activation)
    checks.seed(seed)
    return {"hidden": hidden, "activation": activation if isinstance(activation, str) else act,
            "init": resolve_init(init, act.name), "seed": seed, "decay": checks.non_negative("decay", decay),
            "dropout": checks.dropout(dropout, len(hidden)),
            "standardize": checks.boolean("standardize", standardize), "dtype": checks.dtype(dtype)}


def fresh(options: dict, design, X: np.ndarray, Y, rows: pd.Index, data: pd.DataFrame, weights) -> ModelState:
    """The state of a network just built from a formula: ``X``, ``Y``, ``rows`` from ``Design.fit``'s
    encoding of ``data``; ``options`` from :func:`settings`; ``weights`` the constructor's case weights argument. The
    standardisation is fitted here (on the case-weighted rows); the weights are left to the initializer."""
    w, column = case_weights.of_design(weights, data, rows, design)
    center, scale = standardization(X, design.columns, w) if options["standardize"] else (None, None)
    X = X if center is None else (X - center) / scale
    return ModelState(**options, design=design, center=center, scale=scale, X=X, Y=Y, rows=rows, data=data,
                      case_weights=w, weights_column=column, rng=np.random.default_rng(options["seed"]))


def standardization(X: np.ndarray, columns, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd (R's ``scale``, n - 1) of each numeric design column; intercept and dummy columns
    (formulaic names them ``name[level]``) get centre 0 and scale 1, and so does a constant column: centring
    would turn it to zeros, and without an intercept (``- 1``) it is the model's only constant term.

    With case weights ``w`` (n,) they are frequency weights, as in the loss: m = Σ wᵢxᵢ / Σ w and
    sd² = Σ wᵢ(xᵢ - m)² / (Σ w - 1), which is the mean and sd of the data with row i repeated wᵢ times."""
    w = np.ones(len(X)) if w is None else np.asarray(w, dtype=np.float64)
    total = float(w.sum())
    mean = w @ X / total if total > 0 else np.zeros(X.shape[1])
    sd = np.sqrt(w @ (X - mean) ** 2 / (total - 1.0)) if total > 1 else np.zeros(X.shape[1])
    numeric = np.array([c != "Intercept" and "[" not in c for c in columns]) & (sd > 0)
    center = np.where(numeric, mean, 0.0)
    scale = np.where(numeric, sd, 1.0)
    return center, scale


# ---------------------------------------------------------------------------------------------- the checks
def checked(state: ModelState) -> tuple[ModelState, Derived]:
    """``state`` with every value checked as the constructor checks it (settings normalised, ``X`` cast to
    the dtype), and the derived ``T``, activation and loss. Raises a chainnet error naming the value."""
    if not isinstance(state, ModelState) or not isinstance(state.design, Design):
        raise ArgumentTypeError(f"a network is assembled from a ModelState with a Design, got {state!r}")
    s = dataclasses.replace(state, **settings(state.hidden, state.activation, state.init, state.seed, state.decay,
                                              state.dropout, state.standardize, state.dtype))
    D = len(s.design.columns)
    X = _design_matrix(s.X, D, s.dtype)
    T, Y = checked_response(s.Y, s.design, s.dtype, len(X))
    if s.weights is None:        # fresh weights are drawn next (stored ones are compared with the shapes first)
        checks.weights_fit_in_memory(_layer_shapes(D, s.hidden, T.shape[1]), s.dtype, s.hidden)
    center, scale = _standardization(s, D)
    s = dataclasses.replace(s, X=X, Y=Y, center=center, scale=scale, rows=_rows(s.rows, len(X)),
                            case_weights=_case_weights(s.case_weights, len(X)),
                            output=_output(s.output, (len(X), T.shape[1])), rng=_generator(s.rng),
                            iteration=checks.non_negative_int("iteration", s.iteration),
                            history=_history(s.history), validation=_validation(s.validation, len(X)),
                            **_convergence(s.convergence))
    return s, Derived(T, get_activation(s.activation), loss_for(s.design.task, len(s.design.classes or ())))


def _convergence(reason) -> dict:
    """``convergence`` (None before any train()) and ``converged``, which follows from it."""
    if reason is None:
        return {"convergence": None, "converged": None}
    if not isinstance(reason, str) or reason not in CONVERGED:
        text = repr(reason)                      # a crafted file's megabyte string is not echoed whole
        shown = text if len(text) <= 60 else f"{text[:50]}... ({len(text):,} characters)"
        raise ArgumentError(f"convergence must be one of {sorted(CONVERGED)} or None, got {shown}")
    return {"convergence": reason, "converged": CONVERGED[reason]}


def _layer_shapes(D: int, hidden: tuple, K: int) -> list:
    """(rows, columns) of W1 (D, H1), W2 (H1 + 1, H2), ..., the last (H + 1, K), as ``objective.layer_shapes``."""
    sizes = [D, *hidden, K]
    return [(sizes[l] + (l > 0), sizes[l + 1]) for l in range(len(sizes) - 1)]


def _design_matrix(X, width: int, dtype) -> np.ndarray:
    if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[1] != width or X.dtype.kind not in "biuf":
        raise DataError(f"the design matrix X must be numbers of shape (n, {width}) (one column per design "
                        f"column), got {getattr(X, 'shape', type(X).__name__)}")
    if not np.isfinite(X).all():
        raise DataError("the design matrix X holds NaN or infinite values")
    return np.ascontiguousarray(X, dtype=dtype)


def _standardization(s: ModelState, width: int):
    """(center, scale): both None without standardisation, else finite (width,) vectors with scale > 0."""
    if not s.standardize:
        if s.center is not None or s.scale is not None:
            raise ArgumentError("center and scale are set but standardize is False")
        return None, None
    center, scale = (np.asarray(v, dtype=np.float64) if v is not None else None for v in (s.center, s.scale))
    if center is None or scale is None or center.shape != (width,) or scale.shape != (width,):
        raise ArgumentError(f"standardize=True needs a center and a scale of {width} values (one per design column)")
    if not (np.isfinite(center).all() and np.isfinite(scale).all() and (scale > 0).all()):
        raise DataError("the standardisation (center, scale) holds non-finite or non-positive values")
    return center, scale


def _rows(rows, n: int) -> pd.Index:
    if not isinstance(rows, pd.Index) or len(rows) != n:
        raise DataError(f"the row labels must be a pandas Index of the {n} data rows, got "
                        f"{len(rows) if isinstance(rows, pd.Index) else type(rows).__name__}")
    return rows


def _case_weights(w, n: int):
    if w is None:
        return None
    w = case_weights.check(np.asarray(w), "the case weights")
    if w.shape != (n,):
        raise DataError(f"the case weights must be one number per data row ({n}), got shape {w.shape}")
    return w


def _output(output, shape: tuple):
    """None, or the last forward pass (n, K): no NaN (finite weights and X make none; an overflow to inf can)."""
    if output is not None and (not isinstance(output, np.ndarray) or output.shape != shape):
        raise DataError(f"output (the last forward pass) must have shape {shape}, got "
                        f"{getattr(output, 'shape', type(output).__name__)}")
    if output is not None and (output.dtype.kind != "f" or np.isnan(output).any()):
        raise DataError("output (the last forward pass) must be floats without NaN; feedforward() makes it")
    return output


def _generator(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ArgumentTypeError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    return rng


def _history(rows) -> list:
    """One dict per iteration, each with a finite ``loss`` and ``learn_rate`` and no NaN: what summary(),
    plot_loss() and the repr read."""
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError("the history must be a list of rows, one dict per iteration")
    for i, row in enumerate(rows):
        numbers = all(checks.is_real(v) and not math.isnan(v) for v in row.values())
        if not (numbers and math.isfinite(row.get("loss", math.nan)) and math.isfinite(row.get("learn_rate", math.nan))):
            raise DataError(f"history row {i + 1} must hold numbers (no NaN) with a finite loss and learn_rate, "
                            f"as train() records them; got {row}")
    return rows


def _validation(validation, n: int):
    """(fraction, held-out rows): a fraction and sorted, unique row indices within the n rows."""
    if validation is None:
        return None
    fraction, val = validation
    val = np.asarray(val)
    if not (checks.is_fraction(fraction) and val.ndim == 1 and val.dtype.kind in "iu" and len(val)
            and (np.diff(val) > 0).all() and 0 <= val[0] and val[-1] < n):
        raise ArgumentError(f"the validation split must be a fraction in (0, 1) with sorted, unique row indices "
                            f"within the {n} rows, got fraction {fraction!r} and {len(val)} indices")
    return float(fraction), val.astype(np.int64, copy=False)


def check_optimizer(optimizer, state, n: int, dtype) -> dict | None:
    """Both None (never trained), or an optimizer and its state: exactly the arrays (names, shapes, dtypes) of
    ``optimizer.init_state(n, dtype)``, holding values its steps can make (``optimizer.check_state``: a step
    count ``t`` >= 0, no NaN ...). Returns the state in the template's order."""
    if optimizer is None and state is None:
        return None
    if optimizer is None or not isinstance(state, dict):
        raise ArgumentError("an optimizer needs its state and a state its optimizer (both or neither)")
    shapes = _state_shapes(optimizer, n, dtype)
    if set(state) != set(shapes):
        raise ArgumentError(f"optimizer {optimizer.name!r} keeps the state {list(shapes)}, got {list(state)}")
    for name, (shape, kind) in shapes.items():
        a = state[name]
        if not isinstance(a, np.ndarray) or a.shape != shape or a.dtype != kind:
            raise ArgumentError(f"optimizer state {name!r} must be an array of shape {shape} and dtype "
                                f"{kind} (for {optimizer!r}), got {getattr(a, 'shape', type(a).__name__)} "
                                f"{getattr(a, 'dtype', '')}")
    if callable(getattr(optimizer, "check_state", None)):
        try:
            optimizer.check_state(state)
        except ChainnetError:
            raise
        except ValueError as exc:        # the optimizer's own rule: ValueError with the reason
            raise DataError(f"{exc} (optimizer {optimizer.name!r})") from exc
    return {name: state[name] for name in shapes}


def _state_shapes(optimizer, n: int, dtype) -> dict:
    """name -> (shape, dtype) of the optimizer's state: from ``state_shapes`` for a built-in (nothing of the
    state's size is allocated, so a file's L-BFGS history_size of 10**12 is refused, not a MemoryError), from
    a fresh ``init_state`` for any other object (a subclass may keep another state)."""
    if type(optimizer) is OPTIMIZERS.get(getattr(optimizer, "name", None)):
        return optimizer.state_shapes(n, dtype)
    try:
        return {name: (a.shape, a.dtype) for name, a in optimizer.init_state(n, dtype).items()}
    except MemoryError:                                  # hyperparameters no state of this size could have
        raise ArgumentError(f"{optimizer!r} keeps more state than memory holds for {n} weights: its "
                            "hyperparameters do not fit this network") from None
