"""Formula + data frame -> design matrix ``X`` and response ``Y``; new data -> ``X``.

The only module that imports formulaic. A :class:`Design` is an immutable value, like R's ``terms`` object: it
keeps the formula, the formulaic spec of the predictors (categorical encodings, ``scale()`` parameters), the
levels of every categorical predictor and the classes of the response, and rebuilds ``X`` for new rows.

What formulaic does not do and this module does (see ``shared/notes/formulaic.md``): back-quote R's dotted names,
name a missing column, drop incomplete rows *before* ``scale()`` learns its parameters, refuse infinite values,
refuse category levels never seen in training, and refuse a text column that arrives as numbers.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from formulaic import model_matrix
from formulaic.errors import FormulaicError

from .datacheck import warn_about_text
from .errors import ArgumentError, ArgumentTypeError, DataError, FormulaError, NewLevelError
from .modelframe import complete_rows, subset_rows
from .namespace import Namespace, caller_variables
from .rformula import r_formula

TASKS = ("classification", "regression")
_ANSI = re.compile(r"\x1b\[[0-9;]*m|[⧛⧚]")


# ---------------------------------------------------------------------------------------------- formula text
def quote_names(formula: str, columns) -> str:
    """Back-quote the column names that are not Python identifiers (``Sepal.Length`` -> ```Sepal.Length```).

    R users write dotted names bare anywhere; formulaic needs back-quotes inside calls like ``scale()``.
    Longest names first, and text already inside back-quotes is left alone.
    """
    odd = sorted((c for c in map(str, columns) if not c.isidentifier()), key=len, reverse=True)
    for name in odd:
        pattern = re.compile(r"(?<![\w.`])" + re.escape(name) + r"(?![\w.`])")
        parts = formula.split("`")  # even parts are outside back-quotes
        parts[::2] = [pattern.sub(f"`{name}`", p) for p in parts[::2]]
        formula = "`".join(parts)
    return formula


def split_formula(formula: str) -> tuple[str, str]:
    """``"y ~ x + z"`` -> ``("y", "x + z")``; a clear error when there is no response or no predictors."""
    if not isinstance(formula, str):
        raise ArgumentTypeError(
            f"formula must be a string such as 'Species ~ .', got {type(formula).__name__}")
    outside = formula.split("`")[::2]
    if sum(p.count("~") for p in outside) != 1:
        raise FormulaError(
            f"formula {formula!r} needs exactly one '~' with the response on its left, "
            "e.g. 'Species ~ .' or 'y ~ x1 + x2'")
    lhs, rhs = formula.split("~", 1) if "~" in outside[0] else _split_quoted(formula)
    if not lhs.strip():
        raise FormulaError(
            f"formula {formula!r} has no response: write it on the left of '~', e.g. 'Species ~ .'")
    if not rhs.strip():
        raise FormulaError(
            f"formula {formula!r} has no predictors: write them on the right of '~', e.g. 'y ~ x' or 'y ~ .'")
    return lhs.strip(), rhs.strip()


def _split_quoted(formula: str) -> tuple[str, str]:
    parts = formula.split("`")
    for i in range(0, len(parts), 2):
        if "~" in parts[i]:
            left, right = parts[i].split("~", 1)
            return "`".join(parts[:i] + [left]), "`".join([right] + parts[i + 1:])
    raise AssertionError("unreachable: split_formula counted one '~'")


def _mentions(text: str, name: str) -> bool:
    """Whether ``name`` appears in ``text`` as a whole token (bare or back-quoted)."""
    if f"`{name}`" in text:
        return True
    return re.search(r"(?<![\w.`])" + re.escape(name) + r"(?![\w.`])", _unquoted(text)) is not None


def _unquoted(text: str) -> str:
    return " ".join(text.split("`")[::2])


def referenced_columns(lhs: str, rhs: str, columns) -> tuple[list[str], list[str]]:
    """The data columns the response and the predictors use; ``.`` stands for every column not in the response.

    formulaic's ``required_variables`` splits dotted names and cannot see through ``.``, so the terms are
    read here as R's ``all.vars()`` would: a column counts when its name appears as a whole token.
    """
    columns = [str(c) for c in columns]
    response = [c for c in columns if _mentions(lhs, c)]
    dot = re.search(r"(?<![\w.`])\.(?![\w.`])", _unquoted(rhs)) is not None
    predictors = [c for c in columns if _mentions(rhs, c) or (dot and c not in response)]
    return response, predictors


def as_doubles(frame: pd.DataFrame, quoted: str) -> pd.DataFrame:
    """Integer columns as float64, as R holds numbers (``I(hp^-1)`` and ``I(hp^20)`` exact, no int64 overflow),
    except those a ``C()`` of ``quoted`` (the rewritten formula) makes categorical: their levels stay integers."""
    ints = [c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c].dtype) and not _in_call_C(quoted, c)]
    return frame.astype({c: np.float64 for c in ints}) if ints else frame


def _in_call_C(rhs: str, name: str) -> bool:
    return re.search(r"\bC\(\s*`?" + re.escape(name) + r"`?\s*[,)]", rhs) is not None


# ---------------------------------------------------------------------------------------------- column kinds
def is_categorical(series: pd.Series) -> bool:
    """Categorical, string, object or bool columns hold classes; numbers do not."""
    return (isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(series)
            or pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series))


def levels_of(series: pd.Series) -> list:
    """Levels in R's order: a categorical's own categories (those present), else the sorted unique values."""
    present = pd.unique(series.dropna())
    if isinstance(series.dtype, pd.CategoricalDtype):
        seen = set(present)
        return [c for c in series.cat.categories if c in seen]
    try:
        return sorted(present.tolist())
    except TypeError:  # mixed types: keep the order of appearance
        return list(present)


def _close(name: str, options) -> str:
    match = difflib.get_close_matches(name, [str(o) for o in options], n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _plain(message: str) -> str:
    return _ANSI.sub("", message).strip()


# ---------------------------------------------------------------------------------------------- the design
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

    # ------------------------------------------------------------------------------------------ training data
    @classmethod
    def build(cls, formula: str, data, task: str | None = None, context: Mapping | None = None, subset=None):
        """Parse ``formula`` against ``data``: returns ``(design, X, Y, rows)``.

        ``X`` is float64 (n, D) and C-contiguous; ``Y`` is a pandas Categorical (classification) or a float
        array (n,) or (n, k) (regression); ``rows`` are the labels of the data rows kept (complete cases).
        ``subset`` (R's ``subset=``) is a boolean mask or Series aligned by index, applied first; the rows then
        dropped for missing values are ``design.na_rows`` (``design.na_note`` says which columns).
        """
        _check_data(data, task)
        data = subset_rows(data, subset)
        lhs, _ = split_formula(formula)
        quoted = r_formula(quote_names(formula, data.columns))   # R's ^, factor(), %in% for formulaic
        qlhs, qrhs = split_formula(quoted)
        response, predictors = referenced_columns(qlhs, qrhs, data.columns)
        response_col = _plain_response(qlhs, data.columns)
        if response_col is None and not response:
            raise FormulaError(f"the response {lhs!r} of formula {formula!r} is not a column of the data"
                               f"{_close(lhs.strip('`'), data.columns)}; columns are {list(map(str, data.columns))}")
        used = [c for c in map(str, data.columns) if c in set(response) | set(predictors)]
        frame, na_rows, na_columns = complete_rows(data, used, formula)
        frame = _plain_columns(frame, used)
        for col in predictors:
            _check_finite_column(frame[col], col)
        context = caller_variables(quoted, context, data.columns)
        mm = _materialize(quoted, as_doubles(frame, quoted), formula, context)
        X = _as_float_matrix(mm.rhs, formula)
        kept = frame.index[np.asarray(mm.rhs.index)]
        task, Y, classes, targets = _response(mm.lhs, frame.iloc[np.asarray(mm.rhs.index)] if response_col else None,
                                              response_col, qlhs, task, formula)
        levels = {c: tuple(levels_of(frame[c])) for c in predictors
                  if is_categorical(frame[c]) or _in_call_C(qrhs, c)}
        design = cls(formula=formula, response=response_col, predictors=tuple(predictors),
                     columns=tuple(map(str, mm.rhs.columns)), levels=levels,
                     numeric=tuple(c for c in predictors if c not in levels), task=task, classes=classes,
                     targets=targets, spec=mm.rhs.model_spec, context=context,
                     dtypes={c: str(frame[c].dtype) for c in used}, na_rows=na_rows, na_columns=na_columns)
        warn_about_text(frame, design)
        return design, X, Y, kept

    @property
    def na_note(self) -> str | None:
        """``"11 rows dropped for missing values (bill_length_mm, sex)"``, or None when none were (R's
        "11 observations deleted due to missingness")."""
        n = len(self.na_rows)
        if n == 0:
            return None
        return f"{n} row{'s' if n != 1 else ''} dropped for missing values ({', '.join(self.na_columns)})"

    # ------------------------------------------------------------------------------------------ new data
    def matrix(self, newdata) -> tuple[np.ndarray, np.ndarray]:
        """Rebuild ``X`` for ``newdata``: returns ``(X, complete)``.

        ``complete`` is a boolean mask over the rows of ``newdata``; ``X`` has one row per complete row.
        Rows with a missing predictor are left out here so that the caller can predict NA for them.
        """
        _check_frame(newdata, "newdata")
        missing = [c for c in self.predictors if c not in newdata.columns]
        if missing:
            raise DataError(f"newdata lacks the predictor column(s) {missing} that formula {self.formula!r} "
                            f"uses{_close(missing[0], newdata.columns)}; add them to the data frame")
        frame = newdata[list(self.predictors)]
        complete = frame.notna().all(axis=1).to_numpy()
        frame = _plain_columns(frame[complete].reset_index(drop=True), self.predictors)
        if len(frame) == 0:  # every row misses a predictor: an all-NaN column has no type to check
            return np.empty((0, len(self.columns))), complete
        self._check_columns(frame)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mm = self.spec.get_model_matrix(as_doubles(frame, r_formula(quote_names(self.formula, frame.columns))),
                                                context=Namespace(self.context))
        except Exception as exc:
            raise DataError(f"formula {self.formula!r} could not be applied to newdata: "
                            f"{_plain(str(exc))}") from exc
        return _as_float_matrix(mm, self.formula), complete

    def response_values(self, newdata) -> pd.Series | pd.DataFrame:
        """The response of ``newdata`` (to score predictions): its column, or the target columns of a
        multi-column response (``y1 + y2 ~ x``); classes are checked against the training classes."""
        _check_frame(newdata, "newdata")
        if self.response is None:
            missing = [t for t in self.targets if t not in newdata.columns]
            if missing:
                raise DataError(f"newdata lacks the response column(s) {missing} of formula {self.formula!r}; "
                                "scoring needs the true values (an expression response such as np.log(y) must "
                                "be added to newdata as a column of that name)")
            return _numeric_response(newdata[list(self.targets)], self.formula)
        if self.response not in newdata.columns:
            raise DataError(f"newdata has no response column {self.response!r}; "
                            "scoring needs the true values next to the predictors")
        values = newdata[self.response]
        if self.task == "classification":
            new = set(pd.unique(values.dropna())) - set(self.classes)
            if new:
                raise NewLevelError(f"response {self.response!r} in newdata has level(s) {sorted(map(str, new))} "
                                    f"never seen in training; the classes are {list(self.classes)}")
            return values
        return _numeric_response(values, self.response)

    def _check_columns(self, frame: pd.DataFrame) -> None:
        for col in self.predictors:
            s = frame[col]
            if col in self.levels:
                if not is_categorical(s) and col in self.text_columns():
                    raise DataError(f"column {col!r} held text in training but numbers in newdata: "
                                    f"convert it back, e.g. newdata[{col!r}].astype(str)")
                known = set(self.levels[col])
                new = [v for v in pd.unique(s) if v not in known]
                if new:
                    raise NewLevelError(
                        f"column {col!r} in newdata has level(s) {new[:5]} never seen in training; known levels "
                        f"are {list(self.levels[col])}. Map them to a known level or drop those rows.")
            else:
                if is_categorical(s) and not pd.api.types.is_bool_dtype(s):
                    raise DataError(f"column {col!r} was numeric in training but holds text in newdata: "
                                    f"convert it, e.g. pd.to_numeric(newdata[{col!r}])")
                _check_finite_column(s, col)

    def text_columns(self) -> set:
        """Categorical predictors whose training column was text (not ``C()`` of a number)."""
        return {c for c, lv in self.levels.items() if lv and isinstance(lv[0], str)}


# ---------------------------------------------------------------------------------------------- helpers
def _check_frame(data, name: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ArgumentTypeError(f"{name} must be a pandas DataFrame, got {type(data).__name__}; "
                                f"wrap it, e.g. pd.DataFrame({name})")
    if len(data) == 0:
        raise DataError(f"{name} has no rows")
    counts = pd.Index(data.columns).value_counts()
    if (counts > 1).any():
        dup = counts.index[counts > 1][0]
        raise DataError(f"{name}'s column {dup!r} appears {counts[dup]} times: a formula names each column once; "
                        f"rename or drop the copies, e.g. {name}.loc[:, ~{name}.columns.duplicated()]")


def _plain_response(lhs: str, columns) -> str | None:
    """The response column when the left side is a bare column name or ``C(column)``."""
    name = lhs.strip()
    call = re.fullmatch(r"C\((.*)\)", name)
    if call:
        name = call.group(1).strip()
    name = name.strip("`")
    return name if name in set(map(str, columns)) else None


def _plain_columns(frame: pd.DataFrame, used) -> pd.DataFrame:
    """Column types formulaic reads right: pandas ``string`` columns become plain text (formulaic would try
    to read them as numbers); dates and times are refused with a fix, as formulaic cannot encode them."""
    for col in used:
        dtype = frame[col].dtype
        if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
            raise DataError(f"column {col!r} holds dates or times ({dtype}), which a formula cannot encode: "
                            f"convert it to numbers, e.g. (data[{col!r}] - data[{col!r}].min()).dt.days")
    text = [c for c in used if isinstance(frame[c].dtype, pd.StringDtype) and frame[c].dtype.na_value is pd.NA]
    return frame.astype({c: object for c in text}) if text else frame


def _check_data(data, task) -> None:
    _check_frame(data, "data")
    odd = [c for c in data.columns if not isinstance(c, str)]
    if odd:
        raise DataError(f"data column name {odd[0]!r} is not a string: a formula names columns by text; "
                        "rename them, e.g. data.columns = data.columns.astype(str)")
    if task is not None and task not in TASKS:
        raise ArgumentError(f"task must be one of {TASKS} or None (inferred), got {task!r}")
    if "Intercept" in map(str, data.columns):
        raise DataError("the data has a column named 'Intercept', which formulaic would silently use as the "
                        "intercept: rename it, e.g. data.rename(columns={'Intercept': 'intercept_'})")
    if "1" in data.columns:   # formulaic reads `1` as the intercept term, so the column would vanish from X
        raise DataError("the data has a column named '1', which formulaic reads as the intercept (the column would "
                        "be silently left out): rename it, e.g. data.rename(columns={'1': 'x1'})")


def _check_finite_column(series: pd.Series, col: str) -> None:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        bad = np.isinf(values)
        if bad.any():
            raise DataError(f"column {col!r} holds {int(bad.sum())} infinite value(s) (first at row "
                            f"{series.index[bad][0]!r}); replace or drop them")


def _materialize(quoted: str, frame: pd.DataFrame, formula: str, context: Mapping):
    positional = frame.reset_index(drop=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model_matrix(quoted, positional, context=Namespace(context))
    except FormulaicError as exc:
        message = _plain(str(exc))
        name = re.search(r"NameError: (?:`([^`]+?)` is not present|name '([^']+)' is not defined)", message)
        if name:
            missing = _dotted_token(formula, name.group(1) or name.group(2))
            raise FormulaError(
                f"formula {formula!r} uses {missing!r}, which is neither a column of the data"
                f"{_close(missing, frame.columns)} nor a variable in scope; columns are "
                f"{list(map(str, frame.columns))}") from exc
        raise FormulaError(f"formula {formula!r} could not be used: {message}") from exc
    except RecursionError:
        raise FormulaError(f"formula {formula!r} nests too deeply to be read: simplify it") from None
    except Exception as exc:
        raise FormulaError(f"formula {formula!r} could not be evaluated: {type(exc).__name__}: {exc}") from exc


def _dotted_token(formula: str, name: str) -> str:
    """The whole R-style name in the formula that starts with ``name`` (Python saw ``Sepal`` of ``Sepal.Lenght``)."""
    match = re.search(r"(?<![\w.])" + re.escape(name) + r"(?:\.\w+)*", formula)
    return match.group(0) if match else name


def _as_float_matrix(matrix, formula: str) -> np.ndarray:
    if not hasattr(matrix, "to_numpy"):   # formulaic's multi-part formula ('y ~ a | b') gives a tuple of matrices
        raise FormulaError(f"formula {formula!r} has '|' parts, which chainnet does not use: join the terms "
                           "with '+'")
    X = np.ascontiguousarray(matrix.to_numpy(dtype=np.float64))
    if X.shape[1] == 0:
        raise FormulaError(f"formula {formula!r} gives no predictor columns: add a predictor or an intercept")
    if X.shape[0] == 0:   # formulaic drops the rows where a term is NaN: here every row (sqrt(-x), log(x - 10))
        raise DataError(f"formula {formula!r} gives NaN on every row (e.g. sqrt or log of negative values): "
                        "transform or filter the data first")
    bad = ~np.isfinite(X).all(axis=0)
    if bad.any():
        col = str(matrix.columns[int(np.argmax(bad))])
        raise DataError(f"design column {col!r} of formula {formula!r} has infinite or NaN values "
                        "(e.g. np.log of zero): transform or filter the data first")
    return X


def _response(lhs_matrix, frame, column, qlhs, task, formula):
    """Returns ``(task, Y, classes, targets)``."""
    if column is not None:
        series = frame[column]
        categorical = is_categorical(series) or qlhs.strip().startswith("C(")
        task = task or ("classification" if categorical else "regression")
        if task == "classification":
            classes = tuple(levels_of(series))
            if len(classes) < 2:
                raise DataError(f"response {column!r} has one class only ({classes[0]!r}): classification "
                                "needs at least two; check the data or the rows dropped for missing values")
            return task, pd.Categorical(series.to_numpy(), categories=classes), classes, (column,)
        if categorical:
            raise DataError(f"response {column!r} holds classes, so task='regression' cannot use it; "
                            "drop task= to classify, or give a numeric response")
        Y = series.to_numpy(dtype=np.float64)
        _check_finite_response(Y, column)
        return task, Y, None, (column,)
    if task == "classification":
        raise DataError(f"the response {qlhs!r} is an expression; classification needs a column, e.g. 'C(y) ~ x'")
    Y = np.ascontiguousarray(lhs_matrix.to_numpy(dtype=np.float64))
    targets = tuple(map(str, lhs_matrix.columns))
    _check_finite_response(Y, qlhs)
    return "regression", (Y[:, 0] if Y.shape[1] == 1 else Y), None, targets


def _numeric_response(values, name: str):
    """A regression response in new data as floats (NaN kept); text or infinite values are refused."""
    try:
        numbers = values.apply(pd.to_numeric) if isinstance(values, pd.DataFrame) else pd.to_numeric(values)
        array = np.asarray(numbers, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise DataError(f"response {name!r} in newdata holds text ({exc}); a regression is scored on numbers: "
                        f"convert it, e.g. pd.to_numeric(newdata[{name!r}])") from None
    if np.isinf(array).any():
        raise DataError(f"response {name!r} in newdata has infinite values; replace or drop them")
    return numbers.astype(np.float64)


def _check_finite_response(Y: np.ndarray, name: str) -> None:
    if not np.isfinite(Y).all():
        raise DataError(f"response {name!r} has infinite values; replace or drop them")
