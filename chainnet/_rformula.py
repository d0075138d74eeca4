"""R's meaning of a formula, for formulaic: what an R user writes builds what R's ``model.matrix`` builds.

=====================================  ==========================================================================
R term                                 what chainnet builds
=====================================  ==========================================================================
``I(hp^2)``, ``log(x^2)``              ``^`` inside a call is a power: ``I(hp ** 2)``; integer columns are
                                       numbers as in R (doubles), so ``hp^-1`` and ``hp^20`` are exact
``factor(cyl)``, ``as.factor(cyl)``    ``C(cyl)``: a categorical term (treatment contrasts, as R's default)
``sqrt(x)``, ``abs(x)``, ``exp(x)``    numpy's ``sqrt``, ``abs``, ``exp`` (:data:`R_FUNCTIONS`)
``log(x)``, ``log(x, base)``           the natural log; ``log(x, base)`` is ``log(x) / log(base)``, with R's
                                       exact ``log10``/``log2`` for bases 10 and 2; ``log2``, ``log10``,
                                       ``log1p`` too
``a %in% b``                           ``a:b``: R nests a within b as the interaction column alone (formulaic
                                       would add b's main effect)
``poly(x, 2)``, ``scale(x)``           unchanged: formulaic's orthogonal polynomials and ``scale`` (sd with
                                       n - 1) already give R's numbers
=====================================  ==========================================================================

:func:`r_formula` rewrites the text (a scanner that skips strings and back-quoted names and knows when it is
inside a call's parentheses, where Python arithmetic applies); the functions are given to formulaic through
:class:`chainnet._namespace.Namespace`. The formula guard checks the rewritten text, so what is checked is what
runs.
"""

from __future__ import annotations

import numpy as np

_WORD = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")
_FACTORS = ("as.factor(", "factor(")


def r_log(x, base=None):
    """R's ``log(x, base)``: ``log(x) / log(base)``, computed by ``log10``/``log2`` for bases 10 and 2 as R does."""
    exact = {10: np.log10, 2: np.log2}
    if base is None or base == np.e:
        return np.log(x)
    return exact[base](x) if base in exact else np.log(x) / np.log(base)


R_FUNCTIONS = {"sqrt": np.sqrt, "abs": np.abs, "exp": np.exp, "log": r_log, "log2": np.log2, "log10": np.log10,
               "log1p": np.log1p}


def r_formula(formula: str) -> str:
    """``formula`` with R's ``^`` (inside calls), ``factor()``/``as.factor()`` and ``%in%`` rewritten for
    formulaic (see the module's table); anything else is copied as it is."""
    out, calls, i, last = [], [], 0, ""
    while i < len(formula):
        c = formula[i]
        if c in "'\"`":                                    # a string or a back-quoted name: copied whole
            j = _closing(formula, i)
            out.append(formula[i:j])
            i, last = j, formula[j - 1]
            continue
        factor = next((f for f in _FACTORS if formula.startswith(f, i)), None) if last not in _WORD else None
        if factor:
            out.append("C(")
            calls.append(True)
            i, last = i + len(factor), "("
            continue
        if c == "(":
            calls.append(last in _WORD or last in ")`")     # f( or f)( or `f`( : a call; else grouping
        elif c == ")" and calls:
            calls.pop()
        text, width = _operator(formula, i, any(calls))
        out.append(text)
        i, last = i + width, c if not c.isspace() else last
    return "".join(out)


def _operator(formula: str, i: int, inside: bool) -> tuple[str, int]:
    """The character at ``formula[i]`` in formulaic's spelling, and how many characters of R's it took."""
    if formula[i] == "^" and inside:
        return "**", 1                     # inside a call's parentheses ^ is a power
    if not inside and formula.startswith("%in%", i):
        return ":", 4                      # a %in% b: the interaction column alone
    return formula[i], 1


def _closing(text: str, start: int) -> int:
    """The index after the quote closing the one at ``start`` (backslash escapes in strings), or the end."""
    quote, i = text[start], start + 1
    while i < len(text):
        if text[i] == "\\" and quote != "`":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    return len(text)
