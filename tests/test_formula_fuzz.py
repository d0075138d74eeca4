"""Property: whatever formula text arrives, no Python builtin is ever called by it. The guard refuses it, or
it is evaluated (file, CLI, or the Python constructor that skips the guard) in a namespace where a builtin's
name resolves to nothing. A profile hook records every builtin called from formula code (formulaic compiles
terms with the file name ""), checked first on a positive control (issue 9, section 1)."""

import builtins
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from formulaic import model_matrix
from hypothesis import HealthCheck, given, settings, strategies as st

from chainnet import ChainnetError, FormulaError
from chainnet._formula_guard import check_formula
from chainnet.design import Design

N = 24
_rng = np.random.default_rng(3)
DATA = pd.DataFrame({"x": _rng.normal(size=N), "z": _rng.uniform(1, 2, size=N), "g": _rng.choice(["a", "b"], N),
                     "open": _rng.normal(size=N), "len": _rng.normal(size=N), "y": _rng.normal(size=N)})
TEXT = ["g"]
BUILTIN_NAMES = ["open", "len", "eval", "exec", "exit", "print", "getattr", "globals", "vars", "__import__", "input",
                 "breakpoint", "compile", "abs", "sum", "__builtins__"]
NAMES = ["x", "z", "g", "np", ".", *BUILTIN_NAMES]
CALLS = ["I", "C", "scale", "center", "poly", "log", "np.log", "np.sqrt", "factor", "as.factor", "sqrt", "log1p",
         *BUILTIN_NAMES]
OPERATORS = ["+", "-", "*", "/", ":", "**", "^", "%in%", "==", ">"]
LITERALS = ["0", "1", "2.5", "'a'", "'os'"]        # no integer above 1: the unguarded path must not hang
_BUILTIN_IDS = {id(v) for v in vars(builtins).values()}

terms = st.recursive(
    st.sampled_from(NAMES + LITERALS),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(CALLS), st.lists(inner, max_size=2)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(" ".join),
        inner.map(lambda e: f"({e})")),
    max_leaves=6)


def builtin_calls(run) -> list:
    """The builtins that code compiled from formula text ("") calls while ``run()`` runs."""
    calls = []

    def hook(frame, event, arg):
        if event == "c_call" and frame.f_code.co_filename == "" and id(arg) in _BUILTIN_IDS:
            calls.append(arg.__name__)
        elif event == "call" and frame.f_globals.get("__name__") == "_sitebuiltins" and frame.f_back is not None \
                and frame.f_back.f_code.co_filename == "":           # exit, quit, help: Python objects
            calls.append(frame.f_code.co_qualname)
    sys.setprofile(hook)
    try:
        run()
    finally:
        sys.setprofile(None)
    return calls


def test_the_detector_sees_a_builtin_called_from_formula_code():
    """Positive control: formulaic with a plain dict as context (the namespace chainnet used before) lets
    ``len`` through, and the hook sees it; chainnet's Design does not."""
    data = DATA.drop(columns="len")
    assert builtin_calls(lambda: model_matrix("y ~ I(len(x))", data, context={})) == ["len"]
    with pytest.raises(FormulaError, match="'len'"):
        assert builtin_calls(lambda: Design.fit("y ~ I(len(x))", data)) == []


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("fuzz"))
    yield Path.cwd()
    os.chdir(cwd)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rhs=terms)
def test_no_formula_ever_calls_a_builtin(sandbox, rhs):
    formula = f"y ~ {rhs}"
    try:
        check_formula(formula, DATA.columns, TEXT)
        accepted = True
    except FormulaError:
        accepted = False
    raised = []

    def build():             # the constructor's path: no guard, the caller's variables in scope
        try:
            Design.fit(formula, DATA, context={"np": np, "shift": 1.0, "__builtins__": builtins})
        except ChainnetError:
            pass
        except Exception as exc:  # noqa: BLE001 - a raw error reaching the user is a failure of its own
            raised.append(exc)
    assert builtin_calls(build) == [], formula
    assert raised == [] or not accepted, (formula, raised)
    assert list(sandbox.iterdir()) == [], formula
