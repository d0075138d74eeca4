"""The optimizer state as views of one buffer (``_rollback.packed``): checkpoints copy that buffer, and the state
still behaves as a dict of independent named arrays for copies, pickles, files, edits and failed calls."""

import copy
import pickle

import numpy as np
import pytest

from chainnet import NeuralNetwork, datasets, optim
from chainnet._rollback import Snapshot, packed

pytestmark = pytest.mark.filterwarnings("ignore::chainnet.ConvergenceWarning")


def make(optimizer="lbfgs", k=5):
    return NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=4, seed=3, init="glorot").train(
        k, optimizer=optimizer, tolerance=0, trace=0)


def values(net):
    return net.params.tobytes(), {k: (v.dtype, v.shape, v.tobytes()) for k, v in net.optimizer_state.items()}


def one_buffer(state):
    bases = {id(v.base) for v in state.values()}
    return len(bases) == 1 and next(iter(state.values())).base is not None


@pytest.mark.parametrize("name", ["lbfgs", "bfgs", "rprop", "adam", "gd"])
def test_a_built_in_fresh_state_is_packed_and_training_keeps_it_so(name):
    state = optim.get_optimizer(name).init_state(7, np.float32)
    assert one_buffer(state) and all(not v.any() for k, v in state.items() if k not in ("H_diag", "H"))
    net = make(name, 3)
    st = net.optimizer_state
    assert one_buffer(st)
    net.train(2, tolerance=0, trace=0)
    assert net.optimizer_state is st and one_buffer(st)        # continued in place, not repacked


def test_packing_an_unpacked_state_copies_it_once_and_keeps_the_values():
    state = {"t": np.array(3), "m": np.arange(5.0), "x": np.ones((2, 3), np.float32)}
    views, buffer = packed(state)
    assert views is not state and all(views[k].base is buffer for k in state)
    for k, v in state.items():
        assert views[k].dtype == v.dtype and np.array_equal(views[k], v)
        assert views[k].ctypes.data % v.dtype.alignment == 0
    assert packed(views)[0] is views and packed(views)[1] is buffer


@pytest.mark.parametrize("how", ["deepcopy", "pickle", "copy"])
def test_a_copy_holds_its_own_state_and_continues_as_the_original(how):
    """train(5), copy, train(7) on the copy equals train(12); the original is untouched by the copy's training."""
    net = make()
    before = values(net)
    twin = {"copy": copy.copy, "deepcopy": copy.deepcopy, "pickle": lambda n: pickle.loads(pickle.dumps(n))}[how](net)
    assert all(not np.shares_memory(twin.optimizer_state[k], v) for k, v in net.optimizer_state.items())
    twin.train(7, tolerance=0, trace=0)
    assert values(net) == before
    assert values(twin) == values(make(k=12))


def test_a_saved_file_holds_named_arrays_and_loads_to_the_same_continuation(tmp_path):
    net = make()
    net.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        assert any("old_dirs" in name for name in f.files)
    loaded = NeuralNetwork.load(tmp_path / "m.npz")
    assert values(loaded) == values(net)
    assert values(loaded.train(7, tolerance=0, trace=0)) == values(make(k=12))


def test_a_user_edit_of_the_state_is_what_the_next_call_continues_from():
    """An array replaced by the user (no view of the buffer) and one edited in place both count."""
    a, b = make(), make()
    a.optimizer_state["d"] = a.optimizer_state["d"] * 0.5      # replaced
    b.optimizer_state["d"][...] *= 0.5                           # in place
    a.train(3, tolerance=0, trace=0)
    b.train(3, tolerance=0, trace=0)
    assert values(a) == values(b)
    assert one_buffer(a.optimizer_state)


@pytest.mark.parametrize("packed_before", [True, False])
def test_a_failed_call_restores_the_state_bit_for_bit(packed_before):
    """A step that raises mid-call: weights and every state array as before the call (packed or not)."""
    net = make()
    if not packed_before:
        net.optimizer_state = {k: v.copy() for k, v in net.optimizer_state.items()}
    before, steps = values(net), [0]
    real = net.optimizer.step

    def failing(state, *args):
        steps[0] += 1
        real(state, *args)
        if steps[0] == 3:
            raise RuntimeError("boom")
    net.optimizer.step = failing
    try:
        with pytest.raises(RuntimeError, match="boom"):
            net.train(5, tolerance=0, trace=0)
    finally:
        del net.optimizer.step
    assert values(net) == before and net.iteration == 5


def test_a_snapshot_restores_its_values_after_later_training_and_twice():
    net = make()
    snapshot, before = Snapshot(net), values(net)
    net.train(4, tolerance=0, trace=0)
    snapshot.restore()
    assert values(net) == before
    net.train(2, tolerance=0, trace=0)
    snapshot.restore()
    assert values(net) == before
    assert values(net.train(7, tolerance=0, trace=0)) == values(make(k=12))
