"""A formula's text read as R reads it: the response, the predictors, the columns it names (no formulaic here).

``"Species ~ ."`` against the iris columns gives the response column ``Species``, the predictors (``.`` is every
other column) and the rewritten text formulaic is given: R's dotted names back-quoted (formulaic needs
```Sepal.Length``` inside calls), R's ``^``, ``factor()`` and ``%in%`` rewritten (:mod:`chainnet._rformula`).
:func:`terms` does this once per formula and column list (it is a pure function of the two, so it is cached).
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import NamedTuple

from ._rformula import r_formula
from .errors import ArgumentTypeError, FormulaError


class Terms(NamedTuple):
    """What a formula says about a data frame's columns (R's ``terms`` without the factors table).

    ``quoted`` is the text for formulaic and ``qlhs``/``qrhs`` its two sides; ``response`` the response column
    when the left side is a column or ``C(column)`` (else None: an expression such as ``np.log(y)``);
    ``lhs_columns``/``predictors`` the columns each side names, in the data's order; ``used`` both.
    """

    formula: str
    quoted: str
    qlhs: str
    qrhs: str
    response: str | None
    lhs_columns: tuple[str, ...]
    predictors: tuple[str, ...]
    used: tuple[str, ...]


def terms(formula: str, columns) -> Terms:
    """The :class:`Terms` of ``formula`` over the data's ``columns`` (text names); raises
    :class:`FormulaError` when the formula has no response, no predictors, or a response that is not a column."""
    if not isinstance(formula, str):
        raise ArgumentTypeError(f"formula must be a string such as 'Species ~ .', got {type(formula).__name__}")
    return _terms(formula, tuple(columns))


@functools.lru_cache(maxsize=256)
def _terms(formula: str, columns: tuple[str, ...]) -> Terms:
    lhs, _ = split_formula(formula)
    text = quoted(formula, columns)   # R's ^, factor(), %in% for formulaic
    qlhs, qrhs = split_formula(text)
    lhs_columns, predictors = referenced_columns(qlhs, qrhs, columns)
    response = plain_response(qlhs, columns)
    if response is None and not lhs_columns:
        raise FormulaError(f"the response {lhs!r} of formula {formula!r} is not a column of the data"
                           f"{close(lhs.strip('`'), columns)}; columns are {list(columns)}")
    named = set(lhs_columns) | set(predictors)
    used = tuple(c for c in columns if c in named)
    return Terms(formula, text, qlhs, qrhs, response, tuple(lhs_columns), tuple(predictors), used)


@functools.lru_cache(maxsize=256)
def quoted(formula: str, columns: tuple[str, ...]) -> str:
    """The text formulaic is given: dotted names back-quoted, R's terms rewritten (:func:`r_formula`)."""
    return r_formula(quote_names(formula, columns))


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


def plain_response(lhs: str, columns) -> str | None:
    """The response column when the left side is a bare column name or ``C(column)``."""
    name = lhs.strip()
    call = re.fullmatch(r"C\((.*)\)", name)
    if call:
        name = call.group(1).strip()
    name = name.strip("`")
    return name if name in set(map(str, columns)) else None


def in_call_C(rhs: str, name: str) -> bool:
    """Whether ``name`` is the argument of a ``C()`` call in ``rhs`` (a number asked to be categorical)."""
    return re.search(r"\bC\(\s*`?" + re.escape(name) + r"`?\s*[,)]", rhs) is not None


def dotted_token(formula: str, name: str) -> str:
    """The whole R-style name in the formula that starts with ``name`` (Python saw ``Sepal`` of ``Sepal.Lenght``)."""
    match = re.search(r"(?<![\w.])" + re.escape(name) + r"(?:\.\w+)*", formula)
    return match.group(0) if match else name


def close(name: str, options) -> str:
    """``" (did you mean 'Species'?)"`` for the option closest to a misspelt ``name``, else ``""``."""
    match = difflib.get_close_matches(name, [str(o) for o in options], n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""
