"""Fuzzing the history-saving snapshot against the obvious one: the same call, from two copies of one network,
once as chainnet runs it and once with every ``Snapshot`` copying the whole history (what the snapshot did
before it kept only the rows from the call's start). Over history lengths, iteration counts below and above
them, optimizers, validation with patience, minibatches with dropout, restarts, divergences and a failure or
Ctrl-C injected at the k-th call of a step, both must end in the same way and leave bit-identical networks, and
a call that raises (other than by diverging) must leave the network as it was."""

import copy
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st
from state_snapshot import failing_at, whole_state

from chainnet import NeuralNetwork, datasets, restarts, training
from chainnet._rollback import Checkpoint, Snapshot
from chainnet._run import Run

IRIS = datasets.load_iris()
STEPS = {"record": (Run, "record"), "save": (Checkpoint, "save"), "epoch": (Run, "epoch"),
         "rate": (Run, "rate"), "end": (Run, "end"), "row": (restarts, "_row")}


class WholeHistory(Snapshot):
    """The snapshot that copies every row: history[0:] is put back whole."""

    def __init__(self, net, since=None):
        super().__init__(net, since)
        self.kept, self.rows = 0, list(net._history)


def comparable(net):
    """``whole_state`` with the optimizer and the split by value (two copies hold equal, not the same, ones)."""
    state = list(whole_state(net))
    opt, split = state[5], state[10]
    state[5] = None if opt is None else (type(opt).__name__, repr(opt))
    state[10] = None if split is None else [v.tobytes() if isinstance(v, np.ndarray) else repr(v) for v in split]
    return state


def ending(net, call, step, k, exc, snapshot_class, monkeypatch):
    """How ``net.train(**call)`` ends ('' or the exception) with the k-th call of ``step`` raising ``exc``."""
    with monkeypatch.context() as m:
        m.setattr(training, "Snapshot", snapshot_class)
        m.setattr(restarts, "Snapshot", snapshot_class)
        if step is not None:
            failing_at(m, *STEPS[step], k, exc)
        try:
            net.train(**call)
        except (Exception, KeyboardInterrupt) as e:  # noqa: BLE001 - any ending is compared, whatever it is
            return f"{type(e).__name__}: {e}"
    return ""


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(h=st.integers(0, 20), offset=st.integers(-20, 6), n=st.integers(1, 10),
       opt=st.sampled_from(["adam", "gd", "lbfgs"]), lr=st.sampled_from([None, 0.5, 5.0, 50.0]),
       validating=st.booleans(), patience=st.sampled_from([None, 1, 3]), minibatch=st.booleans(),
       dropout=st.sampled_from([0, 0.3]), starts=st.sampled_from([None, 2, 3]),
       step=st.sampled_from([None, *STEPS]), k=st.integers(1, 25),
       exc=st.sampled_from([RuntimeError, KeyboardInterrupt]))
def test_the_kept_rows_snapshot_ends_every_call_as_the_whole_history_snapshot(
        monkeypatch, h, offset, n, opt, lr, validating, patience, minibatch, dropout, starts, step, k, exc):
    if opt == "lbfgs" and (minibatch or dropout):
        minibatch, dropout = False, 0
    net = NeuralNetwork("Species ~ .", data=IRIS, hidden=3, seed=2, dropout=dropout)
    if h:
        net.train(h, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0)
    net.iteration = max(0, h + offset)
    call = {"iterations": n, "optimizer": opt, "learn_rate": lr, "tolerance": 0, "trace": 0,
            "validation": 0.2 if validating else None, "patience": patience if validating else None,
            "batch_size": 32 if minibatch else None, "restarts": starts}
    ours, reference, before = copy.deepcopy(net), copy.deepcopy(net), comparable(net)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ended = ending(ours, call, step, k, exc, Snapshot, monkeypatch)
        assert ended == ending(reference, call, step, k, exc, WholeHistory, monkeypatch)
    assert comparable(ours) == comparable(reference)
    if ended and not ended.startswith(("DivergedError", "KeyboardInterrupt")):
        assert comparable(ours) == before
