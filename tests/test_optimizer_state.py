"""An optimizer's state as the assembler checks it (``Optimizer.state_shapes``, ``check_state``) and the
constructor's memory bound (``checks.weights_fit_in_memory``). Truths: shapes and sizes written out by hand."""

import copy

import numpy as np
import pytest

from chainnet import ArgumentError, DataError, NeuralNetwork, _checks as checks, optim

pytestmark = pytest.mark.filterwarnings("ignore::chainnet.ConvergenceWarning")
F8, F4, I8, I1 = (np.dtype(t) for t in (np.float64, np.float32, np.int64, np.int8))
QN = {"t": ((), I8), "d": ((5,), F4), "step_length": ((), F8), "prev_flat_grad": ((5,), F4), "prev_loss": ((), F8),
      "n_iter": ((), I8), "func_evals": ((), I8), "stop": ((), I1)}
SHAPES = {   # optimizer -> its state for 5 float32 weights, by hand
    "gd": {"t": ((), I8)},
    "momentum": {"t": ((), I8), "b": ((5,), F4)},
    "rmsprop": {"t": ((), I8), "v": ((5,), F4)},
    "adam": {"t": ((), I8), "m": ((5,), F4), "v": ((5,), F4)},
    "rprop": {"prev": ((5,), F4), "step_size": ((5,), F4), "t": ((), I8)},
    "lbfgs": {**QN, "old_dirs": ((3, 5), F4), "old_stps": ((3, 5), F4), "ro": ((3,), F8), "count": ((), I8),
              "H_diag": ((), F8), "al": ((3,), F8)},
    "bfgs": {**QN, "H": ((5, 5), F4), "count": ((), I8)},
}


def _spec(name):
    return optim.LBFGS(history_size=3) if name == "lbfgs" else optim.OPTIMIZERS[name]()


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_state_shapes_are_the_state_init_state_makes(name):
    spec = _spec(name)
    assert spec.state_shapes(5, np.float32) == SHAPES[name]
    state = spec.init_state(5, np.float32)
    assert {k: (a.shape, a.dtype) for k, a in state.items()} == SHAPES[name]
    fresh = {"H_diag": np.ones(()), "H": np.eye(5, dtype=np.float32)}        # the rest starts at zero
    for k, a in state.items():
        np.testing.assert_array_equal(a, fresh.get(k, np.zeros_like(a)), err_msg=k)
    spec.check_state(state)                                                  # a fresh state is valid


def test_a_huge_history_size_gives_its_shapes_without_allocating():
    shapes = optim.LBFGS(history_size=10**12).state_shapes(27, np.float64)
    assert shapes["old_dirs"] == ((10**12, 27), F8) and shapes["ro"] == ((10**12,), F8)


@pytest.mark.parametrize("name, slot, value, message", [
    ("adam", "v", -1.0, "'v' holds negative values"),
    ("adam", "m", np.nan, "'m' holds NaN"),
    ("rmsprop", "v", -1e-30, "'v' holds negative values"),
    ("rprop", "step_size", -0.5, "'step_size' holds negative values"),
    ("bfgs", "H", np.nan, "'H' holds NaN"),
    ("bfgs", "count", -1, "'count' holds negative values"),
    ("lbfgs", "count", 4, r"'count' \(pairs kept\) is 4, outside 0..3"),
    ("lbfgs", "ro", -2.0, "'ro' holds negative values"),
    ("lbfgs", "stop", 3, "'stop' is 3"),
    ("gd", "t", -1, "step count t must be >= 0, got -1"),
])
def test_check_state_names_a_value_no_step_makes(name, slot, value, message):
    spec = _spec(name)
    state = spec.init_state(5, np.float32)
    state[slot][...] = value
    with pytest.raises(ValueError, match=message):
        spec.check_state(state)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_a_trained_state_passes_and_a_copy_of_a_broken_one_is_refused(iris, name):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=[3], seed=1)
    net.train(5, optimizer=_spec(name), learn_rate=None if name in ("lbfgs", "bfgs", "rprop") else 0.01,
              trace=0, tolerance=0)
    net.optimizer.check_state(net.optimizer_state)
    copy.deepcopy(net)                                                       # assembles the state again
    net.optimizer_state["t"][()] = -3
    with pytest.raises(DataError, match="step count t must be >= 0, got -3"):
        copy.deepcopy(net)


def test_the_memory_bound_counts_the_weights_and_their_gradient(monkeypatch, iris):
    # iris: D = 5 design columns, K = 3 classes; hidden [100]: W1 5 x 100, W2 101 x 3 -> 803 weights
    count = 5 * 100 + 101 * 3
    monkeypatch.setattr(checks, "_memory", lambda: 2 * 8 * count)            # exactly the values and gradient
    NeuralNetwork("Species ~ .", data=iris, hidden=[100], seed=1)
    monkeypatch.setattr(checks, "_memory", lambda: 2 * 8 * count - 1)
    with pytest.raises(ArgumentError, match=rf"out of memory: hidden=\[100\] makes {count} weights, whose values "
                                            r"alone take 6\.3 KiB"):
        NeuralNetwork("Species ~ .", data=iris, hidden=[100], seed=1)
    NeuralNetwork("Species ~ .", data=iris, hidden=[100], seed=1, dtype="float32")     # 4 bytes each: fits
