"""The allow-list a formula from a file or the command line must pass before formulaic, which runs Python, sees it.

formulaic evaluates a formula's terms as Python: ``y ~ {__import__('os').system('...')}`` runs a shell
command. A formula read from a model file (or given to ``chainnet fit``) is therefore checked first, and only
these may appear:

- the data's columns (bare, or back-quoted: ```Sepal.Length```), and ``.`` (every other column);
- formula operators ``+ - * / : ** ^ %in% ~`` and parentheses; the numbers ``0``/``1`` (intercept);
- calls of ``scale``, ``center``, ``C``, ``poly``, ``I``, and R's ``log``/``log2``/``log10``/``log1p``/``exp``/
  ``sqrt``/``abs`` and ``factor``/``as.factor`` (:mod:`chainnet._rformula`), ``np.<f>`` for f in :data:`NUMPY`, and
  ``contr.<c>`` for c in :data:`CONTRASTS`, with keyword arguments (``poly(x, degree=3)``,
  ``C(g, levels=['b', 'a'])``);
- inside calls, Python arithmetic and comparisons on numbers and columns (``I(x**2)``, ``I(g == 'a')``).

Everything else is refused: ``{...}`` blocks, other names and calls (``open``, ``__import__``, ``eval``), other
attributes than ``np.<f>``/``contr.<c>``, subscripts, lambdas, dunder names, ``|`` parts.

Sizes are bounded before anything runs, so no formula can hang or exhaust memory (a denial of service):

- a literal folded from constants has at most :data:`MAX_BITS` bits (``I(10**10**10)`` is refused: 3e10 bits);
- text never meets arithmetic (``I('a' * 10**9)``, ``I(g * 10**9)`` on a text column ``g``: repetition);
- an integer argument of a transform is at most :data:`MAX_ARGUMENT` (``poly(x, 100000)`` runs for ever);
- a formula power ``(a + b)^k`` has ``k <= MAX_POWER`` and the formula expands to at most :data:`MAX_TERMS`
  terms; expressions nest at most :data:`MAX_DEPTH` deep (``I(------...x)`` would exhaust the stack).

How: R's terms are rewritten as for formulaic, the formula's operators mapped to Python's (``:`` -> ``&``,
``%in%`` -> ``%``, ``.`` -> a placeholder), column names to placeholders, and the text parsed with :mod:`ast`
(parsing runs nothing); every node must be of an allowed kind, so every piece formulaic can run is checked. At
evaluation names resolve to data only (:class:`chainnet._namespace.Namespace` closes Python's builtins too).
"""

from __future__ import annotations

import ast
import difflib
import keyword
import re

from ._rformula import r_formula
from .errors import FormulaError

CALLS = frozenset({"scale", "center", "C", "poly", "I", "log", "log2", "log10", "log1p", "exp", "sqrt", "abs"})
NUMPY = frozenset({"log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "abs", "square"})
CONTRASTS = frozenset({"treatment", "sum", "helmert", "diff", "poly"})
MODULES = {"np": NUMPY, "contr": CONTRASTS}
MAX_LENGTH = 10_000     # characters
MAX_BITS = 1100         # |literal| < 2**1100, beyond the largest float (2**1024)
MAX_ARGUMENT = 10_000   # poly(x, 10000) builds 10,000 columns in about a second
MAX_POWER = 16          # formulaic's (a + b)^100 never returns
MAX_TERMS = 20_000      # terms after expanding * / ^ (R's y ~ .^2 on 200 columns is 20,100)
MAX_DEPTH = 100         # nesting of the parsed expression

_FORMULA_OPS = {ast.Add: "+", ast.Sub: "-", ast.BitAnd: ":", ast.Mult: "*", ast.Div: "/", ast.Mod: "%in%",
                ast.Pow: "**", ast.BitXor: "^"}
_PYTHON_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.BitXor, ast.BitAnd, ast.Mod, ast.FloorDiv,
               ast.USub, ast.UAdd, ast.Not, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_NUMBERS = (int, float)
_DOT = "_chainnet_dot_"
_FORBIDDEN = re.compile(r"[{}\\;@$#|\x00-\x08\x0b-\x1f\x7f]|__")
_DATA, _TEXT, _SEQUENCE = object(), object(), object()   # what a Python-level node evaluates to


def check_formula(formula: str, columns, text=()) -> None:
    """Raise :class:`FormulaError` unless ``formula`` uses only ``columns`` and the allow-list above.

    ``text`` names the columns that hold text (or categories): they may not be operands of arithmetic.
    """
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaError(f"a formula must be a non-empty string, got {formula!r}")
    if len(formula) > MAX_LENGTH:
        raise FormulaError(f"formula of {len(formula)} characters refused (at most {MAX_LENGTH})")
    columns = [str(c) for c in columns]
    for c in columns:
        if c.startswith("__") and c.endswith("__"):
            raise FormulaError(f"column name {c!r} refused: dunder names are not allowed in a saved formula")
    python, names = _placeholders(formula, columns)
    bad = _FORBIDDEN.search(python)
    if bad:
        raise FormulaError(f"formula {formula!r} refused: {bad.group()!r} is not allowed in a saved formula "
                           "(no {...} blocks, dunder names, '|' parts or escapes; use I(...) for arithmetic)")
    if python.count("~") != 1:
        raise FormulaError(f"formula {formula!r} refused: it needs exactly one '~'")
    lhs, rhs = python.split("~")
    for side, part, example in (("response", lhs, "'Species ~ .'"), ("predictors", rhs, "'y ~ x' or 'y ~ .'")):
        if not part.strip():
            raise FormulaError(f"formula {formula!r} has no {side}: write it as {example}")
    text_names = {n for n, c in names.items() if c in set(map(str, text))}
    for side, part in (("left", lhs), ("right", rhs)):
        allowed = dict(names, **({_DOT: "."} if side == "right" else {}))
        _Checker(formula, allowed, columns, text_names).check(_parse(part, formula, side))


def _placeholders(formula: str, columns: list[str]) -> tuple[str, dict[str, str]]:
    """Back-quote the columns that are not plain identifiers (dotted, spaced, Python keywords), rewrite R's
    terms (:func:`chainnet._rformula.r_formula`), then replace every back-quoted name by a placeholder identifier;
    returns the text and {identifier: column}."""
    odd = sorted((c for c in columns if not c.isidentifier() or keyword.iskeyword(c) or "__" in c),
                 key=len, reverse=True)
    for name in odd:
        pattern = re.compile(r"(?<![\w.`])" + re.escape(name) + r"(?![\w.`])")
        parts = formula.split("`")
        parts[::2] = [pattern.sub(f"`{name}`", p) for p in parts[::2]]
        formula = "`".join(parts)
    parts = r_formula(formula).split("`")       # R's terms rewritten as for formulaic: what runs is checked
    if len(parts) % 2 == 0:
        raise FormulaError(f"formula {formula!r} refused: unbalanced back-quote")
    index = {c: i for i, c in enumerate(columns)}
    for i in range(1, len(parts), 2):
        if parts[i] not in index:
            raise FormulaError(f"formula {formula!r} refused: `{parts[i]}` is not a column of the data")
        parts[i] = f"_chainnet_col{index[parts[i]]}_"
    names = {f"_chainnet_col{i}_": c for c, i in index.items()}
    names.update({c: c for c in columns if c not in odd})
    return "".join(parts), names


def _parse(part: str, formula: str, side: str) -> ast.AST:
    python = part.replace("%in%", "%").replace(":", "&")
    python = re.sub(r"(?<![\w.)\]'\"])\.(?![\w])", _DOT, python)  # formulaic's '.': all other columns
    try:
        return ast.parse(python.strip(), mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"formula {formula!r} refused: its {side} side cannot be read as a formula "
                           f"({exc.msg})") from None
    except (RecursionError, MemoryError, ValueError):   # ValueError: an integer literal of > 4300 digits
        raise FormulaError(f"formula {formula!r} refused: its {side} side nests too deeply or holds a literal "
                           f"too large to read (at most {MAX_DEPTH} levels)") from None


class _Checker:
    """Walks one side of a parsed formula: :meth:`term` at the formula level (operators combine terms, the
    result is an upper bound on the number of terms), :meth:`value` inside calls (Python arithmetic, the result
    is a folded constant, or ``_DATA``/``_TEXT``/``_SEQUENCE``)."""

    def __init__(self, formula: str, names: dict, columns: list, text: set):
        self.formula, self.names, self.columns, self.text = formula, names, columns, text

    def check(self, tree: ast.AST) -> None:
        terms = self.term(tree, 0)
        if terms > MAX_TERMS:
            self.refuse(f"a formula of {terms:,} terms (at most {MAX_TERMS:,}; lower the power or name fewer columns)")

    # -------------------------------------------------------------------------------------- messages
    def refuse(self, what: str):
        allowed = (f"{', '.join(c + '()' for c in sorted(CALLS))}, np.{{{','.join(sorted(NUMPY))}}}(), "
                   f"contr.{{{','.join(sorted(CONTRASTS))}}}")
        raise FormulaError(f"formula {self.formula!r} refused: {what} is not allowed; a formula may use the "
                           f"data's columns, {allowed} and formula operators")

    def unknown(self, name: str):
        match = difflib.get_close_matches(name, self.columns, n=1)
        raise FormulaError(f"formula {self.formula!r}: {name!r} is not a column of the data"
                           + (f" (did you mean {match[0]!r}?)" if match else f"; columns are {self.columns}"))

    def deep(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.refuse(f"nesting deeper than {MAX_DEPTH} levels")

    # -------------------------------------------------------------------------------------- formula level
    def term(self, node, depth: int) -> int:
        """An upper bound on the number of terms ``node`` expands to (R's rules for + - : * / %in% ^)."""
        self.deep(depth)
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _FORMULA_OPS:
                self.refuse(f"the operator {type(node.op).__name__} between terms (use I(...) for arithmetic)")
            a = self.term(node.left, depth + 1)
            if isinstance(node.op, (ast.Pow, ast.BitXor)):
                return _power_terms(a, self.power(node.right))
            b = self.term(node.right, depth + 1)
            return {ast.Add: a + b, ast.Sub: a, ast.BitAnd: a * b, ast.Mod: a * b, ast.Mult: a + b + a * b,
                    ast.Div: a + a * b}[type(node.op)]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.term(node.operand, depth + 1)
        if isinstance(node, ast.Constant) and type(node.value) is int and node.value in (0, 1):
            return 1
        if isinstance(node, ast.Name):
            return (len(self.columns) if node.id == _DOT else 1) if node.id in self.names else self.unknown_name(node)
        if isinstance(node, ast.Call):
            self.call(node, depth + 1)
            return 1
        if isinstance(node, ast.Attribute):
            return self.attribute(node, called=False)
        what = f"the constant {node.value!r} as a term (only 0 and 1 are terms; use I(...))" \
            if isinstance(node, ast.Constant) else f"{type(node).__name__} {ast.unparse(node)!r}"
        return self.refuse(what)

    def power(self, node) -> int:
        k = node.value if isinstance(node, ast.Constant) else None
        if type(k) is not int or not 1 <= k <= MAX_POWER:
            self.refuse(f"the formula power {ast.unparse(node)!r} (an integer from 1 to {MAX_POWER})")
        return k

    def unknown_name(self, node):
        return self.unknown("." if node.id == _DOT else node.id)

    # -------------------------------------------------------------------------------------- calls
    def call(self, node: ast.Call, depth: int) -> None:
        if isinstance(node.func, ast.Name):
            if node.func.id not in CALLS:
                self.refuse(f"the call of {node.func.id!r}")
        elif isinstance(node.func, ast.Attribute):
            self.attribute(node.func, called=True)
        else:
            self.refuse(f"the call {ast.unparse(node)!r}")
        transform = not (isinstance(node.func, ast.Name) and node.func.id == "I")
        for kw in node.keywords:
            if kw.arg is None or kw.arg.startswith("_"):
                self.refuse(f"the keyword argument {kw.arg or '**'!r}")
        for arg in [*node.args, *(kw.value for kw in node.keywords)]:
            value = self.value(arg, depth + 1)
            if transform and isinstance(value, _NUMBERS) and abs(value) > MAX_ARGUMENT:
                self.refuse(f"the argument {ast.unparse(arg)!r} of {ast.unparse(node.func)}() "
                            f"(numbers given to a transform are at most {MAX_ARGUMENT:,})")

    def attribute(self, node: ast.Attribute, called: bool):
        module = node.value.id if isinstance(node.value, ast.Name) else None
        if module in MODULES and node.attr in MODULES[module] and module not in self.names \
                and (called or module == "contr"):
            return 1
        text = ast.unparse(node)
        if not called and re.fullmatch(r"[\w.]+", text):
            return self.unknown(text)                      # most likely a misspelt dotted column name
        return self.refuse(f"the attribute {text!r}")

    # -------------------------------------------------------------------------------------- Python level
    def value(self, node, depth: int):
        """What ``node`` evaluates to inside a call: a folded number, or _DATA, _TEXT, _SEQUENCE."""
        self.deep(depth)
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            if node.id in self.names and node.id != _DOT:
                return _TEXT if node.id in self.text else _DATA
            return self.unknown_name(node)
        if isinstance(node, ast.BinOp):
            return self.arithmetic(node.op, [self.value(node.left, depth + 1), self.value(node.right, depth + 1)])
        if isinstance(node, ast.UnaryOp):
            return self.arithmetic(node.op, [self.value(node.operand, depth + 1)])
        if isinstance(node, ast.Compare):
            for op in node.ops:
                self.operator(op)
            for n in [node.left, *node.comparators]:
                self.value(n, depth + 1)
            return _DATA
        if isinstance(node, (ast.List, ast.Tuple)):
            for n in node.elts:
                self.value(n, depth + 1)
            return _SEQUENCE
        if isinstance(node, ast.Call):
            self.call(node, depth + 1)
            return _DATA
        if isinstance(node, ast.Attribute):
            self.attribute(node, called=False)
            return _DATA
        return self.refuse(f"{type(node).__name__} {ast.unparse(node)!r}")

    def constant(self, value):
        if value is None or type(value) is str:
            return _SEQUENCE if type(value) is str else _DATA
        if type(value) not in (int, float, bool):
            self.refuse(f"the constant {value!r}")
        if type(value) is int and value.bit_length() > MAX_BITS:
            self.refuse(f"a literal of {value.bit_length()} bits (at most {MAX_BITS})")
        return value

    def operator(self, op) -> None:
        if not isinstance(op, _PYTHON_OPS):
            self.refuse(f"the operator {type(op).__name__}")

    def arithmetic(self, op, operands):
        self.operator(op)
        if any(v is _TEXT or v is _SEQUENCE for v in operands):
            self.refuse("arithmetic on text or lists (repetition such as 'a' * 10**9; compare text with == "
                        "instead, or combine text columns with a:b)")
        if not all(isinstance(v, _NUMBERS) for v in operands):
            return _DATA
        return self.constant(_fold(op, operands, self.refuse))


def _fold(op, operands, refuse):
    """The value of a constant expression, computed only when it is small: an integer power whose result
    would exceed MAX_BITS bits is refused before it is computed (10**10**10 would run for hours)."""
    if isinstance(op, ast.Pow) and all(type(v) is int for v in operands):
        base, exponent = operands
        if abs(base) > 1 and exponent > 0 and exponent * (abs(base).bit_length() - 1) > MAX_BITS:
            refuse(f"the power {base}**{exponent} (a literal of more than {MAX_BITS} bits)")
    unary = {ast.USub: lambda a: -a, ast.UAdd: lambda a: +a, ast.Not: lambda a: not a}
    binary = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
              ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
              ast.Pow: lambda a, b: a ** b, ast.BitXor: lambda a, b: a ^ b, ast.BitAnd: lambda a, b: a & b}
    try:
        result = (unary if len(operands) == 1 else binary)[type(op)](*operands)
    except (ArithmeticError, TypeError, ValueError) as exc:   # 1/0, 2.0**5000, 1.5 & 2
        return refuse(f"the constant expression ({type(exc).__name__}: {exc})")
    return result if isinstance(result, _NUMBERS) else refuse(f"the constant {result!r}")


def _power_terms(a: int, k: int) -> int:
    """Terms of (t1 + ... + ta)^k: every product of at most k distinct terms, sum_{i<=k} C(a, i) <= a**k."""
    return min(2 ** min(a, 64) - 1, a ** k) if a > 1 else a
