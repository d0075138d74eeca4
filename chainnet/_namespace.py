"""What the names of a formula mean besides the data's columns, for formulaic's evaluation.

formulaic evaluates each term with ``eval(code, {}, layers)`` where the layers are the data, a context and its
transforms. Two things follow, and this module handles both:

- a name found in no layer falls through the empty globals to Python's builtins (``open``, ``eval``, ``exit``):
  :class:`Namespace` closes them, so a name means a column, a given variable or a transform, never a builtin;
- the context is whatever chainnet passes: :func:`caller_variables` keeps only the caller variables a formula
  names (R's environment, without holding on to the rest of the caller's namespace).

formulaic's transform table (``scale``, ``np`` ...) is given by :mod:`chainnet.design`, the module that runs
formulaic, so that those names are left to formulaic; this module does not import it.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping

from ._rformula import R_FUNCTIONS


class Namespace(Mapping):
    """What the names of a formula can mean besides the data's columns: the given ``variables``, then R's
    functions (:data:`chainnet._rformula.R_FUNCTIONS`: ``sqrt``, ``abs``, ``log(x, base)`` ...), then formulaic's
    transforms (``scale``, ``np`` ...). Every other Python builtin is *closed*.

    formulaic evaluates a term with ``eval(code, {}, layers)``: a name found in no layer falls through the empty
    globals to Python's builtins, so ``I(open('f', 'w'))`` or ``I(exit(3))`` would run. This mapping claims
    every builtin name (and ``__builtins__``) and raises ``NameError`` when one is looked up, so a name in a
    formula means a column, a variable given here, or a transform, never anything else. ``transforms`` are
    formulaic's transform names, which formulaic looks up in its next layer: they are never closed here.
    """

    def __init__(self, variables: Mapping | None = None, transforms: Mapping | None = None):
        self.variables, self.transforms = dict(variables or {}), transforms or {}

    def __contains__(self, name) -> bool:
        return name in self.variables or name in R_FUNCTIONS or self._closed(name)

    def __getitem__(self, name):
        if name in self.variables:
            return self.variables[name]
        if name in R_FUNCTIONS:
            return R_FUNCTIONS[name]
        if self._closed(name):
            raise NameError(f"name {name!r} is not defined")
        raise KeyError(name)

    def __iter__(self):
        return iter(self.variables)

    def __len__(self) -> int:
        return len(self.variables)

    def __bool__(self) -> bool:  # formulaic replaces a falsy context by {} (``context or {}``): never be falsy
        return True

    def __repr__(self) -> str:
        return f"Namespace({sorted(self.variables)}, builtins closed)"

    def _closed(self, name) -> bool:
        return (isinstance(name, str) and (name in _BUILTINS or name == "__builtins__")
                and name not in self.transforms)


_BUILTINS = vars(builtins)


_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def formula_names(formula: str) -> set[str]:
    """The identifiers a formula names outside back-quotes and string literals, attribute names excluded
    (``np.log(x) + I(x + shift)`` -> ``{np, x, I, shift}``)."""
    text = _STRINGS.sub(" ", " ".join(formula.split("`")[::2]))
    return set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", text))


def caller_variables(formula: str, scope: Mapping | None, columns, transforms: Mapping | None = None) -> dict:
    """The variables of ``scope`` (the caller's globals and locals) that ``formula`` names, as R evaluates a
    formula in its environment; only these are kept, so a network holds no reference to the rest of the
    caller's namespace. Data columns win over variables, dunder names are never taken, and a variable that is
    formulaic's own transform (``np`` bound to numpy; ``transforms`` is formulaic's table) is left to formulaic."""
    if not scope:
        return {}
    taken, transforms = set(map(str, columns)), transforms or {}
    return {n: scope[n] for n in sorted(formula_names(formula))
            if n in scope and n not in taken and not n.startswith("__") and scope[n] is not transforms.get(n)}
