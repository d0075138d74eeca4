"""A train() call's snapshot keeps only the history rows the call may remove (those from its starting iteration
on), so a call after a long history costs what it costs after a short one; every way a call ends still leaves
the history exactly as the promise says: a failure as before the call, a divergence and restarts as the
iterations they report (checked against independent runs)."""

import numpy as np
import pytest
from state_snapshot import failing_at, whole_state

from chainnet import DivergedError, NeuralNetwork, datasets, restarts
from chainnet._rollback import Snapshot
from chainnet._run import Run


def trained(iterations=400, **kw):
    return NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=3, seed=2, **kw).train(
        iterations, learn_rate=1e-3, tolerance=0, trace=0)


def test_a_snapshot_after_a_long_history_copies_none_of_its_rows():
    net = trained(3000)
    assert Snapshot(net).rows == []                      # rows 0..2999 stay where they are


@pytest.mark.parametrize("fail_at", [1, 2, 7])
def test_a_call_that_fails_midway_after_a_long_history_leaves_it_exactly_as_before(monkeypatch, fail_at):
    net = trained(2000)
    rows = [dict(r) for r in net._history]
    before = whole_state(net)
    failing_at(monkeypatch, Run, "record", fail_at)
    with pytest.raises(RuntimeError, match="injected"):
        net.train(20, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0)
    assert whole_state(net) == before and net._history == rows


def test_an_iteration_count_below_the_history_length_is_rolled_back_whole(monkeypatch):
    """A network whose ``iteration`` was set below its history's length: the call's rollbacks cut the history at
    that iteration, so the snapshot keeps the rows from there, and a failure puts every one of them back."""
    net = trained(300)
    net.iteration = 120                                  # rows 120..299 are now at or after the call's start
    rows = [dict(r) for r in net._history]
    before = whole_state(net)
    assert len(Snapshot(net).rows) == 180
    monkeypatch.setattr(Run, "stop", lambda self, loss: (_ for _ in ()).throw(RuntimeError("injected")))
    with pytest.raises(RuntimeError, match="injected"):
        net.train(5, tolerance=0, trace=0)
    assert whole_state(net) == before and net._history == rows


def test_a_blow_up_after_a_long_history_keeps_the_old_rows_and_the_iterations_it_reports():
    net, start = trained(2500), 2500
    old = [dict(r) for r in net._history]
    with pytest.raises(DivergedError):
        net.train(300, learn_rate=5.0, tolerance=0, trace=0)
    kept = net.iteration - start
    reference = trained(2500).train(kept, learn_rate=5.0, tolerance=0, trace=0) if kept else trained(2500)
    assert net._history[:start] == old
    assert net._history == reference._history
    np.testing.assert_array_equal(net.params, reference.params)


def test_restarts_after_a_long_history_keep_the_old_rows_and_the_best_start_s_rows(monkeypatch):
    """Each start's rows are recorded as it ends; the network keeps the old rows, then the rows of the start with
    the lowest loss (here not the last), and that start's weights."""
    net = trained(1500, init="glorot")
    old, ends, row = [dict(r) for r in net._history], [], restarts._row

    def recording(n, start, first, validating):
        ends.append(([dict(r) for r in n._history[first:]], n.params.copy()))
        return row(n, start, first, validating)
    monkeypatch.setattr(restarts, "_row", recording)
    net.train(8, optimizer="lbfgs", restarts=4, tolerance=0, trace=0)
    best = int(net.restarts["loss"].idxmin())
    assert best != len(ends) - 1, "the check needs a best start that is not the last"
    assert net._history[:1500] == old
    assert net._history[1500:] == ends[best][0]
    np.testing.assert_array_equal(net.params, ends[best][1])
