"""A :class:`~chainnet.design.Design` as stored facts, and back: no pickled formulaic object.

A design is rebuilt from what it *is*, not from how formulaic happens to hold it in memory:

- the formula, and every data column it uses with its training dtype (``Design.dtypes``);
- each categorical predictor's levels, the response's classes, the design-matrix column names;
- formulaic's ``ModelSpec.transform_state`` (the fitted parameters of stateful transforms: ``scale()``'s
  centre and sd, ``poly()``'s recurrence coefficients keyed by integers) and ``encoder_state`` (each
  factor's kind and, for categorical factors, its categories; the ``contrasts`` entry there is formulaic's
  introspection copy, rebuilt from the formula itself).

Rebuilding (formulaic 1.2.2 API): the formula is parsed exactly as ``model_matrix`` parses it
(``ModelSpec.from_spec`` with the data's columns available for ``.``), its right-hand spec gets the stored
states (``ModelSpec.update(transform_state=..., encoder_state=...)``), and is materialised once on a one-row
prototype frame built from the stored dtypes and levels. That fills in formulaic's column ``structure`` and
proves the rebuilt spec gives exactly the stored design columns; a file whose encoding does not rebuild
(tampered, or written under an incompatible formulaic) is refused. The formula passes the allow-list of
:mod:`chainnet._formula_guard` first, so nothing in the file runs as code.

A rebuilt design has an empty ``context``: a formula that used variables of the saving session instead of
data columns is refused when saving (see ``formula_guard``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from formulaic import ModelSpec
from formulaic.errors import FormulaicError
from formulaic.parser.types import Factor
from formulaic.transforms import TRANSFORMS
from formulaic.utils.code import format_expr, sanitize_variable_names

from . import _jsoncodec as jsoncodec
from ._columns import TASKS, as_doubles
from ._formula_guard import check_formula
from ._formula_text import quote_names, quoted, referenced_columns, split_formula
from ._namespace import Namespace
from ._rformula import r_formula
from .errors import DataError, FormulaError, ModelFileError


# ---------------------------------------------------------------------------------------------- save
def design_facts(design) -> dict:
    """The design as JSON-ready facts; raises :class:`FormulaError` when it could not be rebuilt from them."""
    kinds = {col: _column_kind(col, dtype, FormulaError) for col, dtype in design.dtypes.items()}
    try:
        check_formula(design.formula, list(design.dtypes),
                      text=[c for c, kind in kinds.items() if kind in ("text", "category")])
    except FormulaError as exc:
        raise FormulaError(f"this model cannot be saved: {exc}. A saved formula may use only the data's columns and "
                           "allowed transforms (a loaded model has no session variables): add such values to the "
                           "data as columns") from None
    spec = design.spec
    encoder = {expr: {"kind": Factor.Kind(kind).value, "state": {k: v for k, v in state.items() if k != "contrasts"}}
               for expr, (kind, state) in spec.encoder_state.items()}
    facts = {
        "formula": design.formula, "response": design.response, "task": design.task,
        "dtypes": dict(design.dtypes), "predictors": list(design.predictors), "columns": list(design.columns),
        "levels": {c: list(lv) for c, lv in design.levels.items()}, "numeric": list(design.numeric),
        "classes": None if design.classes is None else list(design.classes), "targets": list(design.targets),
        "transform_state": spec.transform_state, "encoder_state": encoder,
    }
    try:
        return jsoncodec.encode(facts)
    except TypeError as exc:
        raise FormulaError(f"formula {design.formula!r}: its encoding cannot be stored: {exc}") from exc


# ---------------------------------------------------------------------------------------------- load
def design_fields(stored: dict) -> dict:
    """The fields of a :class:`~chainnet.design.Design` from :func:`design_facts`; raises
    :class:`ModelFileError` when the facts are malformed or do not rebuild the stored columns."""
    facts = jsoncodec.decode(stored)
    formula, dtypes = facts["formula"], dict(facts["dtypes"])
    kinds = {col: _column_kind(col, dtype, ModelFileError) for col, dtype in dtypes.items()}
    try:
        check_formula(formula, list(dtypes), text=[c for c, kind in kinds.items() if kind in ("text", "category")])
    except FormulaError as exc:
        raise ModelFileError(f"the model file's formula is refused, nothing was run: {exc}") from None
    _check_variables(formula, dtypes, facts["predictors"])
    _check_labels(formula, dtypes, facts)
    if facts["task"] not in TASKS or (facts["task"] == "classification") != (facts["classes"] is not None) \
            or not facts["targets"] or (facts["classes"] is not None and len(facts["classes"]) < 2):
        raise ModelFileError("the model file's task, classes and targets disagree")
    levels = {str(c): tuple(lv) for c, lv in facts["levels"].items()}
    predictors = tuple(facts["predictors"])
    if not set(predictors) <= set(dtypes) or not set(levels) <= set(predictors):
        raise ModelFileError("the model file's predictors, levels and dtypes disagree")
    columns = tuple(facts["columns"])
    spec = _rebuilt_spec(formula, dtypes, predictors, levels, columns, facts)
    classes = facts["classes"]
    return {"formula": formula, "response": facts["response"], "predictors": predictors, "columns": columns,
            "levels": levels, "numeric": tuple(facts["numeric"]), "task": facts["task"],
            "classes": None if classes is None else tuple(classes), "targets": tuple(facts["targets"]),
            "spec": spec, "context": {}, "dtypes": dtypes}


def _check_variables(formula: str, dtypes: dict, predictors) -> None:
    """The names of the formula are exactly the design's variables: every column the right side names is a
    predictor (so that it is data, from the frame, when the formula is evaluated), and every stored column is
    one the formula uses. A file that declares ``open`` as a column without making it a predictor is refused."""
    qlhs, qrhs = split_formula(r_formula(quote_names(formula, list(dtypes))))
    response, used = referenced_columns(qlhs, qrhs, list(dtypes))
    if list(used) != list(predictors) or set(response) | set(used) != set(dtypes):
        raise ModelFileError(f"the model file's formula {formula!r} names the columns {response + used}, but the "
                             f"file declares {list(dtypes)} with the predictors {list(predictors)}: it was edited")


def _check_labels(formula: str, dtypes: dict, facts: dict) -> None:
    """Levels are lists of distinct scalars (pandas hashes them), a single-column response is the formula's own
    left side and its one target, and the fitted transform parameters are finite numbers (a NaN ``scale`` would
    make every prediction NaN without a word)."""
    for col, levels in facts["levels"].items():
        if not all(isinstance(v, (str, int)) or (isinstance(v, float) and np.isfinite(v)) for v in levels) \
                or len(set(levels)) != len(levels):
            raise ModelFileError(f"the model file's levels of {col!r} must be distinct texts or numbers: it was edited")
    response = facts["response"]
    lhs = referenced_columns(*split_formula(r_formula(quote_names(formula, list(dtypes)))), list(dtypes))[0]
    if response is not None and (list(lhs) != [response] or list(facts["targets"]) != [response]):
        raise ModelFileError(f"the model file's response {response!r} is not the left side of its formula "
                             f"{formula!r}: it was edited")
    if not all(np.isfinite(_numbers(facts["transform_state"]))):
        raise ModelFileError("the model file's transform parameters (scale(), center(), poly()) hold NaN or "
                             "infinite values: it was edited")


def _numbers(value) -> list:
    """Every number inside nested dicts and lists (booleans are not numbers here)."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _numbers(v)]
    return [float(value)] if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) else []


ENCODER_KEYS, STATE_KEYS = {"kind", "state"}, {"categories"}
TRANSFORM_KEYS = {"ddof", "center", "scale", "alpha", "norms2"}   # scale(), center(), poly()


def _check_states(parsed, encoder: dict, transform: dict) -> None:
    """formulaic's stored states hold only what it writes: encodings keyed by the formula's own factors (each
    a kind and its categories), transform states keyed by calls inside those factors with their parameters."""
    factors = {f.expr for spec in (parsed.lhs, parsed.rhs) for term in spec.formula for f in term.factors}
    for expr, e in encoder.items():
        if expr not in factors or not isinstance(e, dict) or set(e) != ENCODER_KEYS \
                or not isinstance(e["state"], dict) or not set(e["state"]) <= STATE_KEYS:
            raise ModelFileError(f"the model file's encoder_state entry {expr!r} is not one formulaic writes for "
                                 "this formula: the file was edited")
    # formulaic keys a transform's state by the call with back-quoted names sanitised (`Petal.Width` -> Petal_Width)
    factors |= {_sanitised(f) for f in factors}
    for expr, state in transform.items():
        if not any(expr in f for f in factors) or not isinstance(state, dict) or not set(state) <= TRANSFORM_KEYS:
            raise ModelFileError(f"the model file's transform_state entry {expr!r} is not one formulaic writes for "
                                 "this formula: the file was edited")


def _sanitised(expr: str) -> str:
    try:
        return format_expr(sanitize_variable_names(expr, {}, {}))
    except SyntaxError:   # a bare keyword column (`class`) is not an expression formulaic would key a state by
        return expr


def _rebuilt_spec(formula, dtypes, predictors, levels, columns, facts):
    parsed, transform = parse_stored(formula, dtypes), facts["transform_state"]
    _check_states(parsed, facts["encoder_state"], transform)
    encoder = {expr: (Factor.Kind(e["kind"]), dict(e["state"])) for expr, e in facts["encoder_state"].items()}
    rhs = parsed.rhs.update(materializer="pandas", output="pandas", transform_state=transform, encoder_state=encoder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prototype = as_doubles(_prototype(predictors, dtypes, levels), r_formula(quote_names(formula, list(dtypes))))
            matrix = rhs.get_model_matrix(prototype, context=Namespace(transforms=TRANSFORMS))
    except Exception as exc:
        raise ModelFileError(f"the model file's formula encoding does not rebuild: {exc}") from exc
    if tuple(map(str, matrix.columns)) != columns:
        raise ModelFileError(f"the model file's formula encoding rebuilds the columns {list(matrix.columns)}, "
                             f"but the file says {list(columns)}: the file is damaged, or was written with an "
                             "incompatible formulaic version")
    return matrix.model_spec.update(output="numpy")   # the design rebuilds X as numpy (chainnet.design)


def parse_stored(formula: str, dtypes: dict):
    """The formula parsed as ``model_matrix`` parsed it in training (``.`` = the columns the formula uses)."""
    quoted = r_formula(quote_names(formula, list(dtypes)))
    try:
        return ModelSpec.from_spec(quoted, context={"__formulaic_variables_available__": list(dtypes)})
    except FormulaicError as exc:
        raise ModelFileError(f"the model file's formula {formula!r} does not parse: {exc}") from exc


def _prototype(predictors, dtypes: dict, levels: dict) -> pd.DataFrame:
    """One row holding a valid value of each predictor, with its training dtype: the spec's kinds and column
    structure depend on the dtypes, never on the values (the stored states fix the parameters)."""
    row = {}
    for col in predictors:
        dtype, lv = dtypes[col], levels.get(col)
        if dtype == "category":
            row[col] = pd.Categorical([lv[0]], categories=list(lv))
        elif lv:
            row[col] = pd.Series([lv[0]]).astype(dtype)
        else:
            row[col] = pd.Series([1]).astype(dtype)
    return pd.DataFrame(row)


def _column_kind(col: str, dtype: str, error) -> str:
    """'numeric', 'bool', 'category' or 'text'; other dtypes (dates, intervals, complex) are refused.

    ``pandas_dtype`` only parses the name (numpy and pandas dtypes, nullable ``Int64``/``boolean`` included)."""
    try:
        dt = pd.api.types.pandas_dtype(dtype) if isinstance(dtype, str) else None
    except TypeError:
        dt = None
    if isinstance(dt, pd.CategoricalDtype):
        return "category"
    if dt is not None and pd.api.types.is_bool_dtype(dt):
        return "bool"
    if dt is not None and pd.api.types.is_numeric_dtype(dt) and dt.kind in "iuf":
        return "numeric"
    if dt is not None and (dt == object or pd.api.types.is_string_dtype(dt)):
        return "text"
    raise error(f"column {col!r} has dtype {dtype!r}; a saved model supports numeric, bool, category and text "
                "columns only: convert it (e.g. a date to a number of days) before fitting")


# ---------------------------------------------------------------------------------------------- the left side
def lhs_values(design, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(values, kept)``: an expression response (``np.log(y)``, ``y1 + y2``) of ``frame`` through the left side
    of the stored formula with the stored transform state (``scale(y) ~ x`` keeps its training centre and sd);
    ``kept`` masks the rows where it is not NaN (formulaic drops the others)."""
    lhs, dropped = split_formula(design.formula)[0], set()
    try:
        spec = parse_stored(design.formula, design.dtypes).lhs.update(
            materializer="pandas", output="numpy", transform_state=design.spec.transform_state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = as_doubles(frame.reset_index(drop=True), quoted(design.formula, tuple(design.dtypes)))
            matrix = spec.get_model_matrix(data, context=Namespace(transforms=TRANSFORMS), drop_rows=dropped)
    except FormulaicError as exc:
        raise DataError(f"the response {lhs!r} could not be computed from the data: {exc}") from exc
    if tuple(matrix.model_spec.column_names) != tuple(design.targets):
        raise DataError(f"the response {lhs!r} gives columns {list(matrix.model_spec.column_names)}, "
                        f"expected {list(design.targets)}")
    Y, kept = np.asarray(matrix, dtype=np.float64), np.ones(len(frame), dtype=bool)
    kept[list(dropped)] = False
    return (Y[:, 0] if Y.shape[1] == 1 else Y), kept
