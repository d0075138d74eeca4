"""R's ``subset = Sepal.Length > 5 & Species != "setosa"`` as text (the CLI's ``--subset``): a row mask.

The text is R's: comparisons ``== != < <= > >=``, ``&``/``&&``, ``|``/``||``, ``!``, arithmetic ``+ - * / ^``,
``x %in% c("a", "b")``, ``is.na(x)``, ``TRUE``/``FALSE``, numbers and strings, and the data's column names
(dotted names bare, any name back-quoted). Nothing else: no other call, attribute, subscript or variable, and
``eval`` is never used. As with the formula guard, the text is parsed with :mod:`ast` (parsing runs no code)
after R's operators are mapped to Python's of the same precedence (``&`` -> ``and``, ``|`` -> ``or``,
``!`` -> ``not``, ``^`` -> ``**``, ``%in%`` -> ``in``); then the allowed nodes are evaluated over the columns,
row-wise, with pandas. A missing value compares false, so its row is left out (R's ``subset`` drops NA rows).
"""

from __future__ import annotations

import ast
import difflib
import operator
import re

import numpy as np
import pandas as pd

from ._formula_text import quote_names
from .errors import FormulaError

MAX_LENGTH = 2_000
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
               ast.Pow: operator.pow}
_CONSTANTS = {"TRUE": True, "FALSE": False, "T": True, "F": False}
# R -> Python, in this order: two-character operators before one-character ones
_R_TO_PYTHON = [(r"&&?", " and "), (r"\|\|?", " or "), (r"!(?!=)", " not "), (r"\^", "**"), (r"%in%", " in "),
                (r"\bis\.na\s*\(", "isna(")]


def subset_mask(text: str, data: pd.DataFrame, what: str = "--subset") -> np.ndarray:
    """The boolean row mask (n,) that R's ``subset(data, <text>)`` keeps."""
    try:
        tree, strings = _parse(text, data.columns, what)
        value = _Evaluator(data, text, what, strings).visit(tree.body)
    except RecursionError:
        raise FormulaError(f"{what} nests too deeply to be read: simplify it") from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, FormulaError):
            raise
        raise FormulaError(f"{what} {text!r} cannot be evaluated on these columns ({exc}); compare numbers "
                           "with numbers and text with text") from None
    if not isinstance(value, pd.Series) or not pd.api.types.is_bool_dtype(value):
        raise FormulaError(f"{what} {text!r} must give TRUE/FALSE for every row, e.g. 'Sepal.Length > 5'; "
                           "compare a column with a value")
    return value.to_numpy(dtype=bool)


def _parse(text, columns, what) -> tuple[ast.Expression, list]:
    """The tree of the text in Python's operators, and its string literals (placeholders ``_str<i>_``)."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LENGTH:
        raise FormulaError(f"{what} must be a comparison on the data's columns of at most {MAX_LENGTH} "
                           f"characters, e.g. 'Sepal.Length > 5', got {text!r}")
    strings = []
    text_ = re.sub(_STRING, lambda m: strings.append(ast.literal_eval(m.group())) or f" _str{len(strings) - 1}_ ",
                   text)
    parts = quote_names(text_, columns).split("`")
    if len(parts) % 2 == 0:
        raise FormulaError(f"{what} {text!r} has an unbalanced back-quote")
    known = [str(c) for c in columns]
    for i in range(0, len(parts), 2):
        for pattern, python in _R_TO_PYTHON:
            parts[i] = re.sub(pattern, python, parts[i])
    for i in range(1, len(parts), 2):
        if parts[i] not in known:
            raise FormulaError(f"{what} {text!r}: `{parts[i]}` is not a column; columns are {known}")
        parts[i] = f"_col{known.index(parts[i])}_"
    try:
        return ast.parse("".join(parts).strip(), mode="eval"), strings
    except SyntaxError as exc:
        raise FormulaError(f"{what} {text!r} cannot be read as an R comparison ({exc.msg}), e.g. "
                           "'x > 5 & g != \"a\"'") from None


class _Evaluator:
    """Evaluates the allowed nodes over ``data``'s columns; anything else is refused with the allowed list."""

    def __init__(self, data, text, what, strings):
        self.data, self.text, self.what, self.strings = data, text, what, strings
        self.columns = [str(c) for c in data.columns]

    def refuse(self, node):
        raise FormulaError(f"{self.what} {self.text!r} refused: {self._show(node)!r} is not allowed; a subset "
                           "may use the columns, numbers, strings, TRUE/FALSE, comparisons, & | !, arithmetic, "
                           "%in% c(...) and is.na()")

    def visit(self, node):
        method = getattr(self, f"visit_{type(node).__name__}", self.refuse)
        return method(node)

    def visit_Name(self, node):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if re.fullmatch(r"_str\d+_", node.id):
            return self.strings[int(node.id[4:-1])]
        index = int(node.id[4:-1]) if re.fullmatch(r"_col\d+_", node.id) else None
        name = self.columns[index] if index is not None else node.id
        return self.data[name] if name in self.columns else self._unknown(name)

    def _unknown(self, name):
        match = difflib.get_close_matches(name, self.columns, n=1)
        hint = f" (did you mean {match[0]!r}?)" if match else f"; columns are {self.columns}"
        raise FormulaError(f"{self.what} {self.text!r} uses {name!r}, which is not a column{hint}")

    def visit_Attribute(self, node):
        text = self._show(node)
        if re.fullmatch(r"[A-Za-z_][\w.]*", text) and "__" not in text:         # a dotted name that is no column: most likely misspelt
            return self._unknown(text)
        return self.refuse(node)

    def visit_Constant(self, node):
        return node.value if isinstance(node.value, (int, float, str, bool)) else self.refuse(node)

    def visit_BoolOp(self, node):
        values = [self._logical(v) for v in node.values]
        combine = operator.and_ if isinstance(node.op, ast.And) else operator.or_
        out = values[0]
        for v in values[1:]:
            out = combine(out, v)
        return out

    def visit_UnaryOp(self, node):
        if isinstance(node.op, ast.Not):
            return ~self._logical(node.operand)
        if isinstance(node.op, ast.USub):
            return -self.visit(node.operand)
        return self.refuse(node)

    def visit_BinOp(self, node):
        op = _ARITHMETIC.get(type(node.op))
        left, right = self.visit(node.left), self.visit(node.right)
        if op is None or isinstance(left, str) or isinstance(right, str):
            return self.refuse(node)
        if not isinstance(left, pd.Series) and not isinstance(right, pd.Series):
            left = np.float64(left)  # two literals: float arithmetic, so 10^10^10 is inf at once, not a huge int
        with np.errstate(all="ignore"):
            return op(left, right)

    def visit_Compare(self, node):
        out, left = None, self.visit(node.left)
        for op, right_node in zip(node.ops, node.comparators):
            right = self.visit(right_node)
            if isinstance(op, ast.In):
                value = left.isin(right if isinstance(right, list) else [right])
            elif type(op) in _COMPARE:
                value = _COMPARE[type(op)](left, right)
            else:
                return self.refuse(node)
            out, left = value if out is None else out & value, right
        return out.fillna(False).astype(bool) if isinstance(out, pd.Series) else out

    def visit_Call(self, node):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if node.keywords or name not in ("c", "isna"):
            return self.refuse(node)
        if name == "c":
            values = [self.visit(a) for a in node.args]
            return values if not any(isinstance(v, pd.Series) for v in values) else self.refuse(node)
        if len(node.args) != 1:
            return self.refuse(node)
        return self.visit(node.args[0]).isna()

    def _logical(self, node):
        value = self.visit(node)
        if isinstance(value, pd.Series) and pd.api.types.is_bool_dtype(value):
            return value
        if isinstance(value, bool):
            return pd.Series(value, index=self.data.index)
        raise FormulaError(f"{self.what} {self.text!r}: {self._show(node)!r} is not TRUE/FALSE per row; "
                           "& | ! combine comparisons such as 'x > 5'")

    def _show(self, node) -> str:
        """The node as the user wrote it: placeholders back to column names and strings."""
        text = re.sub(r"_col(\d+)_", lambda m: self.columns[int(m.group(1))], ast.unparse(node))
        return re.sub(r"_str(\d+)_", lambda m: repr(self.strings[int(m.group(1))]), text)
