"""Warnings about data that a formula can use but probably not as meant (issue 12, item 8).

A text predictor becomes one design column per level. Three cases make that silently wrong, each a
:class:`~chainnet.errors.DataWarning` naming the column and the fix:

- more than half as many levels as rows (checked from 20 rows on): an identifier (``- id`` drops it from the
  design, ``data.drop(columns='id')`` from the data);
- every value a number stored as text (``'12.5'``): ``pd.to_numeric``;
- every value a date or time stored as text (``'2023-01-05'``, ``'1/5/2023'``): ``pd.to_datetime``, then a
  number such as days since the first date.

Only predictors that give design columns are checked (``. - id`` removes the warning with the column), and not
those wrapped in ``C()``/``factor()``, which ask for categories explicitly.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd

from .errors import DataWarning

MIN_ROWS = 20
_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")
_DATE = re.compile(r"\s*(\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?|\d{1,2}/\d{1,2}/\d{2,4}"
                   r"|\d{4}/\d{1,2}/\d{1,2})\s*")


def warn_about_text(frame: pd.DataFrame, design) -> None:
    """Warn (:class:`DataWarning`) about the text predictors of ``design`` that ``frame`` (the rows kept)
    shows to be identifiers, numbers or dates."""
    n = len(frame)
    for col, levels in design.levels.items():
        texts = [v for v in levels if isinstance(v, str)]
        if not texts or len(texts) != len(levels) or not _encoded_bare(col, design.columns):
            continue
        message = _diagnosis(col, texts, n, design.formula)
        if message:
            warnings.warn(message, DataWarning, stacklevel=4)


def _diagnosis(col: str, levels: list, n: int, formula: str) -> str | None:
    example = levels[0]
    if all(_DATE.fullmatch(v) for v in levels):
        return (f"column {col!r} holds dates stored as text (e.g. {example!r}), so each of its {len(levels)} dates "
                f"becomes a design column: convert it, e.g. d = pd.to_datetime(data[{col!r}]); "
                f"data[{col!r}] = (d - d.min()).dt.days")
    others = [v for v in levels if not _NUMBER.fullmatch(v)]
    if not others:
        return (f"column {col!r} holds numbers stored as text (e.g. {example!r}), so each of its {len(levels)} "
                f"values becomes a design column: convert it, e.g. data[{col!r}] = pd.to_numeric(data[{col!r}])")
    if len(others) <= max(1, len(levels) // 20) and len(levels) - len(others) >= 5:   # a typo or a missing-value code
        return (f"column {col!r} holds numbers stored as text except {others[:3]!r}, so each of its {len(levels)} "
                f"values becomes a design column: fix or drop those entries, or convert with "
                f"pd.to_numeric(data[{col!r}], errors='coerce') (they become missing values)")
    if n >= MIN_ROWS and len(levels) > n / 2:
        return (f"column {col!r} is text with {len(levels)} levels for {n} rows, one design column per level: it "
                f"looks like an identifier; drop it from the formula ('{formula.split('~')[0].strip()} ~ . - {col}', "
                f"which as in R still reads it from newdata) or from the data (data.drop(columns={col!r}))")
    return None


def _encoded_bare(col: str, columns) -> bool:
    """Whether formulaic encoded ``col`` itself (``g[T.b]``, ``x:g[b]``), not through ``C()`` and not removed."""
    pattern = re.compile(r"(?<![\w.(`])`?" + re.escape(col) + r"`?\[")
    return any(pattern.search(name) for name in columns)
