"""Red-team attacks on the snapshot that keeps only the history rows a call may remove (``Snapshot.kept``/
``rows``): networks whose ``iteration`` is below or above their history's length (set by hand, or so loaded,
copied or unpickled), failures and Ctrl-C injected inside calls and restarts, divergences. Each check is against
an independent truth: the state before the call, an independent run from a copy, or the state each start had
when it was scored."""

import copy
import pickle
import re

import numpy as np
import pytest
from state_snapshot import failing_at, whole_state

from chainnet import ArgumentError, DivergedError, NeuralNetwork, datasets, restarts
from chainnet._rollback import Checkpoint, Snapshot
from chainnet._run import Run


def trained(iterations=60, **kw):
    net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=3, seed=2, **kw)
    return net.train(iterations, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0)


def copied(net, how, tmp_path):
    if how == "deepcopy":
        return copy.deepcopy(net)
    if how == "pickle":
        return pickle.loads(pickle.dumps(net))
    net.save(tmp_path / "net.chainnet")
    return NeuralNetwork.load(tmp_path / "net.chainnet")


# ------------------------------------------------------------------- iteration not the history's length
@pytest.mark.parametrize("how", ["deepcopy", "pickle", "file"])
@pytest.mark.parametrize("offset, fail_at", [(-40, 1), (-40, 4), (-1, 3), (25, 1), (25, 6), (3, 5)])
def test_a_failed_call_on_a_model_whose_iteration_is_off_its_history_leaves_it_as_it_was(
        monkeypatch, tmp_path, how, offset, fail_at):
    """iteration below the length: the rows from it on are the call's to cut and must all come back; above it:
    the rows the call appended (at the list's end, below ``iteration``) must all go again."""
    original = trained()
    original.iteration = 60 + offset
    net = copied(original, how, tmp_path)
    rows, before = [dict(r) for r in net._history], whole_state(net)
    failing_at(monkeypatch, Run, "record", fail_at)
    with pytest.raises(RuntimeError, match="injected"):
        net.train(8, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0, validation=0.2, patience=2)
    assert whole_state(net) == before and net._history == rows and net.iteration == 60 + offset


@pytest.mark.parametrize("offset", [-30, 0, 15])
@pytest.mark.parametrize("where, k", [("record", 9), ("save", 7), ("row", 2), ("row", 3)])
def test_a_failure_in_a_later_start_puts_back_every_row_the_first_start_s_cut_removed(
        monkeypatch, offset, where, k):
    """Start 2 begins by cutting the history back to the call's first iteration; a failure after that (in a
    start's iterations, a checkpoint, or the scoring of a start) must restore the rows that cut removed."""
    net = trained()
    net.iteration = 60 + offset
    rows, before = [dict(r) for r in net._history], whole_state(net)
    owner = {"record": Run, "save": Checkpoint, "row": restarts}[where]
    failing_at(monkeypatch, owner, {"row": "_row"}.get(where, where), k)
    with pytest.raises(RuntimeError, match="injected"):
        net.train(5, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0, restarts=3)
    assert whole_state(net) == before and net._history == rows


@pytest.mark.parametrize("offset", [-30, 0, 15])
def test_ctrl_c_in_a_later_start_keeps_the_first_start_as_a_call_without_restarts_gives_it(monkeypatch, offset):
    """Ctrl-C in start 2 ends the restarts and keeps the best scored start, here start 1, which is the call as it
    runs without restarts: weights, optimizer state, iteration and the whole history equal that call's."""
    net = trained()
    net.iteration = 60 + offset
    reference = copy.deepcopy(net).train(6, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0)
    failing_at(monkeypatch, Run, "record", 6 + 3, KeyboardInterrupt)     # the third iteration of start 2
    net.train(6, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0, restarts=3)
    assert len(net.restarts) == 1
    np.testing.assert_array_equal(net.params, reference.params)
    assert {k: v.tobytes() for k, v in net.optimizer_state.items()} == \
        {k: v.tobytes() for k, v in reference.optimizer_state.items()}
    assert net.iteration == reference.iteration and net._history == reference._history


@pytest.mark.parametrize("offset, k", [(0, 3), (0, 1), (20, 4), (20, 1)])
def test_ctrl_c_in_a_plain_call_keeps_the_iterations_a_shorter_call_gives(monkeypatch, offset, k):
    """Ctrl-C during iteration k keeps the model as after iteration k - 1: the same as a call of k - 1
    iterations from a copy (or, for k = 1, the model before the call), history included. (A count below the
    history's length is left out: there Ctrl-C cuts the history at the count while a finished call appends.)"""
    net = trained(dropout=0.2)
    net.iteration = 60 + offset
    before = copy.deepcopy(net)
    reference = before.train(k - 1, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0, batch_size=32) \
        if k > 1 else before
    failing_at(monkeypatch, Run, "record", k, KeyboardInterrupt)
    net.train(10, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0, batch_size=32)
    assert net.convergence == "interrupted"
    np.testing.assert_array_equal(net.params, reference.params)
    assert net.iteration == reference.iteration and net._history == reference._history
    assert net.rng.bit_generator.state == reference.rng.bit_generator.state


# ------------------------------------------------------------------------------------------ restarts
def scored_starts(monkeypatch):
    """Each start's rows (from the call's first iteration), weights and iteration as it is scored."""
    ends, row = [], restarts._row

    def recording(n, start, first, validating):
        ends.append(([dict(r) for r in n._history[first:]], n.params.copy(), n.iteration))
        return row(n, start, first, validating)
    monkeypatch.setattr(restarts, "_row", recording)
    return ends


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_restarts_with_validation_and_patience_keep_the_best_start_s_rows_and_weights(monkeypatch, seed):
    net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=3, seed=seed, init="glorot").train(
        40, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0)
    old, ends = [dict(r) for r in net._history], scored_starts(monkeypatch)
    net.train(30, optimizer="adam", learn_rate=0.05, tolerance=0, trace=0, validation=0.2, patience=3,
              restarts=4)
    best = int(net.restarts["val_loss"].idxmin())
    assert net._history[:40] == old
    assert net._history[40:] == ends[best][0] and net.iteration == ends[best][2]
    np.testing.assert_array_equal(net.params, ends[best][1])


def test_a_first_start_undone_whole_on_a_fresh_network_does_not_break_the_next_start(monkeypatch):
    """A fresh network (no optimizer yet) whose first start blows up at once is put back with no optimizer;
    the next start must still run (it used to raise AttributeError from ``None.init_state``)."""
    net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=5, seed=3)
    ends = scored_starts(monkeypatch)
    with pytest.raises(DivergedError):
        net.train(100, learn_rate=0.8, tolerance=0, trace=0, restarts=3)
    assert list(net.restarts["iterations"]) == [0, 1, 0]
    best = int(net.restarts["loss"].idxmin())
    assert best == 1 and net.iteration == 1 and net._history == ends[1][0]
    np.testing.assert_array_equal(net.params, ends[1][1])


def test_when_every_start_blows_up_the_error_names_the_start_the_network_keeps(monkeypatch):
    """Every start diverges; the network keeps the lowest-loss start (start 2, one iteration) and the error it
    raises must report that start's iterations and loss, not the last start's."""
    net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=5, seed=3)
    with pytest.raises(DivergedError) as caught:
        net.train(100, learn_rate=0.8, tolerance=0, trace=0, restarts=3)
    message = str(caught.value)
    assert net.iteration == 1 and "kept as after iteration 1," in message
    kept_loss = float(re.search(r"where the loss was ([0-9.e+-]+)", message).group(1))
    assert kept_loss == pytest.approx(net.restarts["loss"].min(), rel=1e-5)


def test_a_start_that_kept_no_iteration_does_not_outrank_a_validated_one(monkeypatch):
    """With validation, a start undone whole has no validation loss (NaN); it used to win every comparison
    (``x < nan`` is False) when it was the first. The network must keep the start with the lowest one."""
    net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=5, seed=3)
    ends = scored_starts(monkeypatch)
    with pytest.raises(DivergedError, match="kept as after iteration 1,"):
        net.train(100, learn_rate=0.8, tolerance=0, trace=0, restarts=3, validation=0.2)
    scores = net.restarts["val_loss"]
    assert scores.isna().tolist() == [True, False, True]
    assert net.iteration == 1 and net._history == ends[1][0]
    np.testing.assert_array_equal(net.params, ends[1][1])


# ----------------------------------------------------------------------- an iteration count that is no count
@pytest.mark.parametrize("count", [-3, -1, 30.0, 29.0, np.float64(30), True])
def test_an_iteration_count_that_is_not_a_whole_number_is_refused_before_anything_changes(count):
    """A negative count made the snapshot keep the history's last rows (a negative slice) and a failed call
    left rows duplicated; a float one trained and then raised TypeError. Both are refused up front now."""
    net = trained(30)
    net.iteration = count
    before = whole_state(net)
    with pytest.raises(ArgumentError, match="net.iteration must be a whole number >= 0"):
        net.train(5, tolerance=0, trace=0)
    assert whole_state(net) == before


def test_a_numpy_integer_count_trains_as_the_int_does():
    a, b = trained(30), trained(30)
    b.iteration = np.int64(30)
    a.train(5, tolerance=0, trace=0)
    b.train(5, tolerance=0, trace=0)
    assert b.iteration == a.iteration == 35 and b._history == a._history
    np.testing.assert_array_equal(a.params, b.params)


def test_the_snapshot_keeps_the_rows_from_the_lower_of_the_count_and_the_length():
    net = trained(30)
    for count, rows in [(0, 30), (12, 18), (30, 0), (45, 0)]:
        net.iteration = count
        assert Snapshot(net).rows == net._history[30 - rows:]
        assert Snapshot(net, since=min(count, 10)).rows == net._history[min(count, 10):]
