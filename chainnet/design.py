"""Formula + data frame -> the design ``X`` and the response (``T`` for the loss, ``Y`` for the user); new data -> ``X``.

The one module that runs formulaic (with :mod:`chainnet._design_io`, its own serialisation). A :class:`Design` is
an immutable value, like R's ``terms`` object: the formula, the fitted formulaic spec of the predictors
(categorical encodings, ``scale()`` parameters), the levels of every categorical predictor and the classes of
the response. :meth:`Design.fit` learns it from training data; :meth:`Design.encode` encodes any frame with it:

    X (n, D) float64   the design matrix (Intercept column first when the formula has one)
    T (n, K) float     the targets the loss compares with (:mod:`chainnet._response`)
    Y                  the response as the user sees it (Categorical or floats); rows: the labels kept

What formulaic does not do, the design does (``shared/notes/formulaic.md``): back-quote dotted names, name a missing
column, drop incomplete rows *before* ``scale()`` learns, refuse infinities, new levels and text turned numbers.
"""

from __future__ import annotations

import contextlib
import functools
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from formulaic import ModelSpec, model_matrix
from formulaic.errors import FormulaicError
from formulaic.transforms import TRANSFORMS

from . import _columns, _design_io as design_io, _response
from ._columns import TASKS, as_doubles, check_frame, is_categorical, levels_of, plain_columns
from ._datacheck import warn_about_text
from ._formula_text import close, dotted_token, in_call_C, quote_names, quoted, referenced_columns, split_formula, terms
from ._modelframe import complete_rows, subset_rows
from ._namespace import Namespace, caller_variables
from .errors import DataError, FormulaError

__all__ = ["TASKS", "Design", "Encoding", "is_categorical", "quote_names", "referenced_columns", "split_formula"]
_close = close   # the "did you mean" hint, used by the plots and importance
_ANSI = re.compile(r"\x1b\[[0-9;]*m|[⧛⧚]")


class Encoding(NamedTuple):
    """A frame encoded by a design: ``X`` (n, D) float64 before standardisation, ``T`` (n, K) float64 targets,
    ``Y`` the response (Categorical or float array), ``rows`` the labels of the frame's rows kept."""

    X: np.ndarray
    T: np.ndarray
    Y: Any
    rows: pd.Index


@dataclass(frozen=True)
class Design:
    """The formula's recipe: enough to rebuild ``X`` for new rows exactly as for the training rows.

    ``columns`` are the design-matrix columns (``Intercept`` first when the formula has one); ``levels`` maps
    each categorical predictor to its training levels; ``classes`` are the response's levels (classification)
    and ``targets`` the response's column names (regression); ``dtypes`` maps every data column the formula
    uses (response and predictors, in the data's order) to its training dtype (``"float64"``, ``"category"`` ...).
    """

    formula: str
    response: str | None
    predictors: tuple[str, ...]
    columns: tuple[str, ...]
    levels: Mapping[str, tuple]
    numeric: tuple[str, ...]
    task: str
    classes: tuple | None
    targets: tuple[str, ...]
    spec: Any = field(repr=False, compare=False)
    context: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    dtypes: Mapping[str, str] = field(default_factory=dict, repr=False)
    na_rows: pd.Index = field(default_factory=lambda: pd.Index([]), repr=False, compare=False)
    na_columns: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def __repr__(self) -> str:
        return f"Design({self.formula!r}, task={self.task!r}, columns={len(self.columns)})"

    @property
    def intercept(self) -> int | None:
        """Index of the ``Intercept`` column in ``X``, or ``None`` when the formula removed it."""
        return self.columns.index("Intercept") if "Intercept" in self.columns else None

    @property
    def na_note(self) -> str | None:
        """``"11 rows dropped for missing values (bill_length_mm, sex)"``, or None when none were (R's
        "11 observations deleted due to missingness")."""
        n = len(self.na_rows)
        if n == 0:
            return None
        return f"{n} row{'s' if n != 1 else ''} dropped for missing values ({', '.join(self.na_columns)})"

    # ------------------------------------------------------------------------------------------ training data
    @classmethod
    def fit(cls, formula: str, data, task: str | None = None, context: Mapping | None = None,
            subset=None) -> tuple[Design, Encoding]:
        """Learn the design of ``formula`` on ``data`` and encode the rows kept: ``(design, Encoding)``.

        ``subset`` (R's ``subset=``) is a boolean mask or Series aligned by index, applied first; the rows then
        dropped for missing values are ``design.na_rows`` (``design.na_note`` says which columns). formulaic
        materialises the training frame once: that fits the spec and gives ``X``.
        """
        _columns.check_data(data, task)
        data = subset_rows(data, subset)
        t = terms(formula, data.columns)
        frame, na_rows, na_columns = complete_rows(data, list(t.used), formula)
        frame = plain_columns(frame, t.used)
        for col in t.predictors:
            _columns.check_finite(frame[col], col)
        context = caller_variables(t.quoted, context, data.columns, TRANSFORMS)
        X, kept, spec, lhs = _fit_matrix(t, frame, context)
        response, names = lhs if t.response is None else (frame[t.response].iloc[kept], ())
        task, classes, targets = _response.fit_response(response, t.response, t.qlhs, task, names)
        dtypes = dict(frame.dtypes.items())
        levels = {c: tuple(levels_of(frame[c])) for c in t.predictors
                  if is_categorical(dtypes[c]) or in_call_C(t.qrhs, c)}
        design = cls(formula=formula, response=t.response, predictors=t.predictors,
                     columns=tuple(map(str, spec.column_names)),
                     levels=levels, numeric=tuple(c for c in t.predictors if c not in levels), task=task,
                     classes=classes, targets=targets, spec=spec, context=context,
                     dtypes={c: str(dtypes[c]) for c in t.used}, na_rows=na_rows, na_columns=na_columns)
        encoding = _encoding(design, X, response, frame.index[kept])
        warn_about_text(frame, design)
        return design, encoding

    def encode(self, data) -> Encoding:
        """Encode ``data`` (it must hold every column the formula uses) with the training levels and ``scale()``
        parameters, nothing refitted: the rows with a missing value in those columns are left out."""
        check_frame(data, "data")
        used = list(self.dtypes)
        missing = [c for c in used if c not in data.columns]
        if missing:
            raise DataError(f"data lacks the column(s) {missing} that formula {self.formula!r} uses")
        frame = data.loc[data[used].notna().all(axis=1).to_numpy()]
        if len(frame) == 0:
            raise DataError(f"data has no complete rows in the columns {used} that formula {self.formula!r} uses")
        X, complete = self.matrix(frame)
        frame = frame.loc[complete]
        if self.response is not None:
            return _encoding(self, X, self.response_values(frame), frame.index)
        response, kept = design_io.lhs_values(self, frame)   # the rows where both sides are defined, as in fit
        return _encoding(self, X[kept], response, frame.index[kept])

    def encode_response(self, values, dtype=np.float64) -> tuple[np.ndarray, Any]:
        """Response values -> ``(T, Y)``: T (n, K) ``dtype`` (binary: 1 for the second class; 3+ classes:
        one-hot; regression: the values), Y the public response (Categorical or float array)."""
        return _response.targets(values, self.classes, dtype)

    # ------------------------------------------------------------------------------------------ new data
    def matrix(self, newdata) -> tuple[np.ndarray, np.ndarray]:
        """Rebuild ``X`` for ``newdata``: returns ``(X, complete)``.

        ``complete`` is a boolean mask over the rows of ``newdata``; ``X`` has one row per complete row.
        Rows with a missing predictor, or a term that is NaN there (``sqrt`` of a negative number), are left
        out so that the caller can predict NA for them.
        """
        check_frame(newdata, "newdata")
        missing = [c for c in self.predictors if c not in newdata.columns]
        if missing:
            raise DataError(f"newdata lacks the predictor column(s) {missing} that formula {self.formula!r} "
                            f"uses{close(missing[0], newdata.columns)}; add them to the data frame")
        frame = newdata[list(self.predictors)]
        complete = frame.notna().all(axis=1).to_numpy().copy()   # pandas' arrays are read-only views
        frame = plain_columns(frame[complete].reset_index(drop=True), self.predictors, self.dtypes)
        if len(frame) == 0:  # every row misses a predictor: an all-NaN column has no type to check
            return np.empty((0, len(self.columns))), complete
        text = self.text_columns()
        for col in self.predictors:
            _columns.check_new_column(frame[col], col, self.levels.get(col), col in text)
        X, kept = _new_matrix(self.spec, as_doubles(frame, quoted(self.formula, tuple(self.dtypes))), self.context,
                              self.formula)
        complete[np.flatnonzero(complete)[~kept]] = False
        return X, complete

    def response_values(self, newdata) -> pd.Series | pd.DataFrame:
        """The response of ``newdata`` (to score predictions): its column, or the target columns of a
        multi-column response (``y1 + y2 ~ x``); classes are checked against the training classes."""
        check_frame(newdata, "newdata")
        return _response.response_of(self, newdata)

    def text_columns(self) -> set:
        """Categorical predictors whose training column was text (not ``C()`` of a number)."""
        return {c for c, lv in self.levels.items() if lv and isinstance(lv[0], str)}

    # ------------------------------------------------------------------------------------------ stored facts
    def facts(self) -> dict:
        """The design as JSON-ready facts (:mod:`chainnet._design_io`); :class:`FormulaError` when it could not
        be rebuilt from them (a formula that uses session variables)."""
        return design_io.design_facts(self)

    @classmethod
    def from_facts(cls, stored: dict) -> Design:
        """A design from :meth:`facts`; :class:`ModelFileError` when they are malformed or do not rebuild."""
        return cls(**design_io.design_fields(stored))


# ---------------------------------------------------------------------------------------------- formulaic
def _rhs_spec(t, available: tuple[str, ...]) -> ModelSpec:
    """A fresh, unfitted spec of the right side (formulaic fills a spec's state dicts in place when it fits,
    so only the parsed formula is shared); ``output="numpy"`` spares formulaic building a DataFrame."""
    formula = _parsed_rhs(t.qrhs, available)
    if formula is None:
        raise FormulaError(_columns.MULTIPART.format(formula=t.formula))
    return ModelSpec(formula, output="numpy")


@functools.lru_cache(maxsize=256)
def _parsed_rhs(qrhs: str, available: tuple[str, ...]):
    """The right side parsed once per text and column list (``.`` = the ``available`` columns)."""
    spec = ModelSpec.from_spec(qrhs, context={"__formulaic_variables_available__": list(available)})
    return spec.formula if isinstance(spec, ModelSpec) else None   # 'a | b' parses to several specs


def _fit_matrix(t, frame: pd.DataFrame, context: Mapping):
    """formulaic on the training rows: ``(X, kept, fitted spec, lhs)``. ``kept`` are the positions of the
    rows formulaic kept (it drops those where a term is NaN); ``lhs`` is ``(values, column names)`` of the left
    side when it is an expression (values (n,) or (n, k)), else None and only the right side is materialised."""
    data = as_doubles(frame, t.quoted).reset_index(drop=True)
    with _formulaic_errors(t.formula, frame.columns):
        if t.response is not None:
            dot = tuple(c for c in frame.columns if c not in t.lhs_columns)
            spec, dropped = _rhs_spec(t, dot), set()
            matrix = spec.get_model_matrix(data, context=Namespace(context, TRANSFORMS), drop_rows=dropped)
            kept, lhs = _kept(len(data), dropped), None
        else:   # an expression response: both sides at once, so that they drop the same rows
            both = model_matrix(t.quoted, data, context=Namespace(context, TRANSFORMS))
            values = both.lhs.to_numpy(dtype=np.float64)
            lhs = (values[:, 0] if values.shape[1] == 1 else values), tuple(map(str, both.lhs.columns))
            matrix, kept = both.rhs, np.asarray(both.rhs.index)
    return _columns.float_matrix(matrix, t.formula), kept, matrix.model_spec.update(output="numpy"), lhs


def _new_matrix(spec, frame: pd.DataFrame, context: Mapping, formula: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, kept)`` of new rows through the fitted spec (numpy output: formulaic ignores ``drop_rows`` when
    ``get_model_matrix`` is given overrides); ``kept`` a boolean mask over the rows."""
    dropped = set()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matrix = spec.get_model_matrix(frame, context=Namespace(context, TRANSFORMS), drop_rows=dropped)
    except Exception as exc:
        raise DataError(f"formula {formula!r} could not be applied to newdata: {_plain(str(exc))}") from exc
    kept = np.ones(len(frame), dtype=bool)
    kept[list(dropped)] = False
    return _columns.float_matrix(matrix, formula, allow_empty=True), kept


def _encoding(design: Design, X: np.ndarray, response, rows: pd.Index) -> Encoding:
    """The :class:`Encoding` of rows whose design matrix is ``X`` and response values ``response``."""
    T, Y = design.encode_response(response)
    if design.task == "regression":
        _response.check_finite_response(T, design.response or split_formula(design.formula)[0])
    return Encoding(X, T, Y, rows)


def _kept(n: int, dropped: set) -> np.ndarray | slice:
    """The positions of the rows not ``dropped`` (every row: a slice, so that nothing is copied)."""
    return np.delete(np.arange(n), sorted(dropped)) if dropped else slice(None)


@contextlib.contextmanager
def _formulaic_errors(formula: str, columns):
    """formulaic's errors (not ValueErrors, with colour codes) raised as :class:`FormulaError` in the user's
    words; its warnings (new levels, which chainnet checks itself) silenced."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except RecursionError:
        raise FormulaError(f"formula {formula!r} nests too deeply to be read: simplify it") from None
    except FormulaError:
        raise
    except Exception as exc:
        raise _formula_error(formula, columns, exc) from exc


def _formula_error(formula: str, columns, exc: Exception) -> FormulaError:
    if not isinstance(exc, FormulaicError):
        return FormulaError(f"formula {formula!r} could not be evaluated: {type(exc).__name__}: {exc}")
    message = _plain(str(exc))
    name = re.search(r"NameError: (?:`([^`]+?)` is not present|name '([^']+)' is not defined)", message)
    if not name:
        return FormulaError(f"formula {formula!r} could not be used: {message}")
    missing = dotted_token(formula, name.group(1) or name.group(2))
    return FormulaError(f"formula {formula!r} uses {missing!r}, which is neither a column of the data"
                        f"{close(missing, columns)} nor a variable in scope; columns are {list(map(str, columns))}")


def _plain(message: str) -> str:
    return _ANSI.sub("", message).strip()
