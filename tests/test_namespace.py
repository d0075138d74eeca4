"""What a formula's names can mean: data columns, the caller variables it names, transforms; never Python's
builtins, never the rest of the caller's namespace (issue 9, sections 1, 5 and 6)."""

import builtins
import copy
import gc
import pickle
import weakref

import numpy as np
import pandas as pd
import pytest

import chainnet.design as design_module
from chainnet import FormulaError, NeuralNetwork
from chainnet._namespace import Namespace
from chainnet.design import Design

BUILTINS = ["open", "eval", "exec", "exit", "quit", "__import__", "getattr", "globals", "vars", "print", "len",
            "compile", "input", "breakpoint", "__builtins__"]


@pytest.mark.parametrize("name", BUILTINS)
def test_a_builtin_never_resolves_in_a_formula(toy, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for formula in [f"y ~ x + I({name})", f"y ~ x + I({name}('pwned', 'w'))"]:
        with pytest.raises(FormulaError, match=f"'{name}'.*neither a column"):
            NeuralNetwork(formula, data=toy, hidden=0)
    assert list(tmp_path.iterdir()) == []


def test_columns_named_like_builtins_are_data(toy):
    data = toy.assign(open=toy["x"] * 2, len=toy["z"] + 1)
    net = NeuralNetwork("y ~ open + I(len * 3)", data=data, hidden=0)
    np.testing.assert_array_equal(net.X[:, 1], data["open"])
    np.testing.assert_allclose(net.X[:, 2], (toy["z"] + 1) * 3, rtol=1e-15)
    np.testing.assert_array_equal(net.design.matrix(data)[0], net.X)


def test_the_namespace_closes_every_builtin_and_is_never_empty():
    ns = Namespace({"shift": 1.0})
    assert ns["shift"] == 1.0 and list(ns) == ["shift"] and bool(Namespace())   # formulaic does `context or {}`
    assert ns["abs"] is np.abs                      # R's abs(x): numpy's, not Python's (chainnet._rformula)
    for name in [n for n in [*vars(builtins), "__builtins__"] if n != "abs"]:
        assert name in ns
        with pytest.raises(NameError):
            ns[name]
    with pytest.raises(KeyError):
        ns["scale"]                      # formulaic's own transforms are looked up in the next layer


class Big:
    """A stand-in for a large object in the caller's scope."""


def _network_from_a_function(toy):
    big = Big()
    shift = 10.0  # noqa: F841 - read by the formula
    return NeuralNetwork("y ~ I(x + shift) + np.log(np.abs(z))", data=toy, hidden=0, seed=0), weakref.ref(big)


def test_only_the_caller_variables_the_formula_names_are_kept(toy):
    net, alive = _network_from_a_function(toy)
    gc.collect()
    assert net.design.context == {"shift": 10.0}          # not big, not np (formulaic's own numpy), not toy
    assert alive() is None                                 # the network keeps nothing else of the caller alive
    np.testing.assert_allclose(net.X[:, 1], toy["x"] + 10.0)
    session = {"NeuralNetwork": NeuralNetwork, "toy": toy, "Big": Big, "weakref": weakref}   # a REPL's globals
    exec("big = Big(); alive = weakref.ref(big); net = NeuralNetwork('y ~ x', data=toy, hidden=0); del big", session)  # noqa: S102
    gc.collect()
    assert session["alive"]() is None and session["net"].design.context == {}  # deleting a big object frees it


def test_a_network_deep_copies_and_its_design_pickles(toy):
    offset = 0.5  # noqa: F841
    net = NeuralNetwork("k ~ I(x - offset) + scale(z) + g", data=toy, hidden=2, seed=0).train(3, trace=0)
    twin = copy.deepcopy(net)
    pd.testing.assert_frame_equal(twin.predict_proba(toy), net.predict_proba(toy))
    design = pickle.loads(pickle.dumps(net.design))
    assert design == net.design and design.context == {"offset": 0.5}
    np.testing.assert_array_equal(design.matrix(toy)[0], net.X)


class CountingSet(set):
    built = 0

    def __init__(self, *args):
        CountingSet.built += 1
        super().__init__(*args)


@pytest.mark.filterwarnings("ignore::chainnet.DataWarning")     # one level per row, on purpose
def test_level_checks_are_linear_in_the_levels(monkeypatch):
    """Building and predicting construct a handful of sets, not one per level (issue 9: the check rebuilt a
    set per element, 10,000 levels took 6.8 s to build and 8.5 s to predict)."""
    n = 1000
    data = pd.DataFrame({"g": pd.Categorical([f"l{i}" for i in range(n)], categories=[f"l{i}" for i in range(3 * n)]),
                         "y": np.arange(n) % 7 * 1.0})
    design, (X, *_) = Design.fit("y ~ g", data)
    assert len(design.levels["g"]) == n and X.shape[0] == n        # the 1,000 levels present of 3,000 categories
    monkeypatch.setattr(design_module, "set", CountingSet, raising=False)
    CountingSet.built = 0
    Design.fit("y ~ g", data)
    np.testing.assert_array_equal(design.matrix(data)[0], X)
    assert CountingSet.built < 20
