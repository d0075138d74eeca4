"""The allow-list a formula from a file must pass before formulaic, which runs Python, ever sees it.

formulaic evaluates a formula's terms as Python: ``y ~ {__import__('os').system('...')}`` runs a shell
command. A formula read from a model file is therefore checked first, and only these may appear:

- the data's columns (bare, or back-quoted: ```Sepal.Length```), and ``.`` (every other column);
- formula operators ``+ - * / : ** ^ %in% ~`` and parentheses; numbers, strings, ``True``/``False``/``None``;
- calls of ``scale``, ``center``, ``C``, ``poly``, ``I``, ``log``/``log2``/``log10``/``exp`` (formulaic's
  bare transforms, as R users write them), ``np.<f>`` for f in :data:`NUMPY`, and
  ``contr.<c>`` for c in :data:`CONTRASTS`, with keyword arguments (``poly(x, degree=3)``,
  ``C(g, levels=['b', 'a'])``);
- inside calls, Python arithmetic and comparisons (``I(x**2)``, ``I(x > 0)``).

Everything else is refused: ``{...}`` blocks, any other name or call (``open``, ``__import__``, ``eval``),
attribute access other than ``np.<f>``/``contr.<c>``, subscripts, lambdas, dunder names, ``|`` parts.

How: the formula's own operators are mapped to Python ones (``:`` -> ``&``, ``%in%`` -> ``%``, ``.`` -> a
placeholder name), column names to placeholder names, and the text is parsed with :mod:`ast` (parsing never
runs code); every node of the tree must be of an allowed kind. formulaic only evaluates pieces of this text,
so every piece it can run has been checked.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import re

from .errors import FormulaError

CALLS = frozenset({"scale", "center", "C", "poly", "I", "log", "log2", "log10", "exp"})  # R's log(x) too
NUMPY = frozenset({"log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "abs", "square"})
CONTRASTS = frozenset({"treatment", "sum", "helmert", "diff", "poly"})
MODULES = {"np": NUMPY, "contr": CONTRASTS}
MAX_LENGTH = 10_000

_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.BitXor, ast.BitAnd, ast.Mod, ast.FloorDiv,
        ast.USub, ast.UAdd, ast.Not, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_CONSTANTS = (int, float, str, bool, type(None))
_DOT = "_chainnet_dot_"
_FORBIDDEN = re.compile(r"[{}\\;@$#|\x00-\x08\x0b-\x1f\x7f]|__")


def check_formula(formula: str, columns) -> None:
    """Raise :class:`FormulaError` unless ``formula`` uses only ``columns`` and the allow-list above."""
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaError(f"a formula must be a non-empty string, got {formula!r}")
    if len(formula) > MAX_LENGTH:
        raise FormulaError(f"formula of {len(formula)} characters refused (at most {MAX_LENGTH})")
    columns = [str(c) for c in columns]
    for c in columns:
        if c.startswith("__") and c.endswith("__"):
            raise FormulaError(f"column name {c!r} refused: dunder names are not allowed in a saved formula")
    text, names = _placeholders(formula, columns)
    bad = _FORBIDDEN.search(text)
    if bad:
        raise FormulaError(f"formula {formula!r} refused: {bad.group()!r} is not allowed in a saved formula "
                           "(no {...} blocks, dunder names, '|' parts or escapes; use I(...) for arithmetic)")
    if text.count("~") != 1:
        raise FormulaError(f"formula {formula!r} refused: it needs exactly one '~'")
    lhs, rhs = text.split("~")
    for side, part, example in (("response", lhs, "'Species ~ .'"), ("predictors", rhs, "'y ~ x' or 'y ~ .'")):
        if not part.strip():
            raise FormulaError(f"formula {formula!r} has no {side}: write it as {example}")
    for side, part in (("left", lhs), ("right", rhs)):
        _check_tree(_parse(part, formula, side), formula, names | ({_DOT} if side == "right" else set()), columns)


def _placeholders(formula: str, columns: list[str]) -> tuple[str, set[str]]:
    """Back-quote the columns that are not plain identifiers (dotted, spaced, Python keywords), then replace
    every back-quoted name by a placeholder identifier; returns the text and the names allowed as data."""
    odd = sorted((c for c in columns if not c.isidentifier() or keyword.iskeyword(c) or "__" in c),
                 key=len, reverse=True)
    for name in odd:
        pattern = re.compile(r"(?<![\w.`])" + re.escape(name) + r"(?![\w.`])")
        parts = formula.split("`")
        parts[::2] = [pattern.sub(f"`{name}`", p) for p in parts[::2]]
        formula = "`".join(parts)
    parts = formula.split("`")
    if len(parts) % 2 == 0:
        raise FormulaError(f"formula {formula!r} refused: unbalanced back-quote")
    known = set(columns)
    for i in range(1, len(parts), 2):
        if parts[i] not in known:
            raise FormulaError(f"formula {formula!r} refused: `{parts[i]}` is not a column of the data")
        parts[i] = f"_chainnet_col{columns.index(parts[i])}_"
    names = {f"_chainnet_col{i}_" for i in range(len(columns))} | {c for c in columns if c not in odd}
    return "".join(parts), names


def _parse(part: str, formula: str, side: str) -> ast.AST:
    python = part.replace("%in%", "%").replace(":", "&")
    python = re.sub(r"(?<![\w.)\]'\"])\.(?![\w])", _DOT, python)  # formulaic's '.': all other columns
    try:
        return ast.parse(python.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"formula {formula!r} refused: its {side} side cannot be read as a formula "
                           f"({exc.msg})") from None


def _check_tree(tree: ast.AST, formula: str, names: set[str], columns: list[str]) -> None:
    allowed = (f"{', '.join(c + '()' for c in sorted(CALLS))}, np.{{{','.join(sorted(NUMPY))}}}(), "
               f"contr.{{{','.join(sorted(CONTRASTS))}}}")

    def refuse(what: str):
        raise FormulaError(f"formula {formula!r} refused: {what} is not allowed; a formula may use the data's "
                           f"columns, {allowed} and formula operators")

    def unknown(name: str):
        match = difflib.get_close_matches(name, columns, n=1)
        raise FormulaError(f"formula {formula!r}: {name!r} is not a column of the data"
                           + (f" (did you mean {match[0]!r}?)" if match else f"; columns are {columns}"))

    def visit(node, called=False):
        if isinstance(node, ast.Expression):
            return visit(node.body)
        if isinstance(node, ast.BinOp):
            return _op(node.op, refuse) or visit(node.left) or visit(node.right)
        if isinstance(node, ast.UnaryOp):
            return _op(node.op, refuse) or visit(node.operand)
        if isinstance(node, ast.Compare):
            return [_op(op, refuse) for op in node.ops] and [visit(n) for n in [node.left, *node.comparators]]
        if isinstance(node, ast.Constant):
            return None if isinstance(node.value, _CONSTANTS) else refuse(f"the constant {node.value!r}")
        if isinstance(node, (ast.List, ast.Tuple)):
            return [visit(n) for n in node.elts]
        if isinstance(node, ast.Name):
            if node.id in names or (called and node.id in CALLS):
                return None
            return refuse(f"the call of {node.id!r}") if called else unknown(_show(node.id))
        if isinstance(node, ast.Attribute):
            module = node.value.id if isinstance(node.value, ast.Name) else None
            if module in MODULES and node.attr in MODULES[module] and module not in names \
                    and (called or module == "contr"):
                return None
            text = ast.unparse(node)
            if not called and re.fullmatch(r"[\w.]+", text):
                return unknown(text)                      # most likely a misspelt dotted column name
            return refuse(f"the attribute {text!r}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, (ast.Name, ast.Attribute)):
                return refuse(f"the call {ast.unparse(node)!r}")
            visit(node.func, called=True)
            for kw in node.keywords:
                if kw.arg is None or kw.arg.startswith("_"):
                    refuse(f"the keyword argument {kw.arg or '**'!r}")
                visit(kw.value)
            return [visit(a) for a in node.args]
        return refuse(f"{type(node).__name__} {ast.unparse(node)!r}")

    visit(tree)


def _op(op, refuse):
    return None if isinstance(op, _OPS) else refuse(f"the operator {type(op).__name__}")


def _show(name: str) -> str:
    return "." if name == _DOT else name
