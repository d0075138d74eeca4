"""Attack on the line-search point kept across train() calls (``_objective.reuse`` consulted at a call's first
iteration and after a line search; the ``Trial`` kept while the row count and ``net.params`` stay).

The independent truth: a deep copy of the network has no trial (it pickles as None), so it evaluates every
point afresh. Driving the network and a copy made again before every call through the same operations must
give the same weights and history bit for bit, whatever happens between the calls."""

import copy
import gc
import weakref

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from chainnet import NeuralNetwork, datasets

IRIS = datasets.load_iris()
HOTDOGS = datasets.make_hotdogs(120, seed=3)
CASES = {"multiclass": ("Species ~ .", IRIS), "binary": ("class ~ x1 + x2", HOTDOGS),
         "regression": ("Petal.Width ~ .", IRIS)}


pytestmark = pytest.mark.usefixtures("quiet_solvers")   # runs cut short on purpose: their warnings are noise


def build(case, **kw):
    formula, data = CASES[case]
    return NeuralNetwork(formula, data, hidden=3, seed=2, init="glorot", **kw)


TRAIN = {"lbfgs": {"optimizer": "lbfgs"}, "bfgs": {"optimizer": "bfgs"}, "gd": {"optimizer": "gd", "learn_rate": 1e-4},
         "rprop": {"optimizer": "rprop"}, "adam": {"optimizer": "adam", "learn_rate": 0.01}}


def _apply(net, op, data):
    kind, arg = op
    if kind in TRAIN:
        validation = 0.25 if arg % 2 else None
        net.train(1 + arg % 3, trace=0, tolerance=0, validation=validation, **TRAIN[kind])
    elif kind == "decay":
        net.decay = [0.0, 0.01, 0.5][arg % 3]
    elif kind == "edit":
        net.W1[0, 0] += 0.1 * (arg - 1.5)
    elif kind == "step":
        net.feedforward().backpropagate(1e-5)
    elif kind == "set_data":   # the same row count, other rows
        net.set_data(data.sample(frac=1.0, random_state=arg).reset_index(drop=True))


OPS = st.lists(st.tuples(st.sampled_from([*TRAIN, "decay", "edit", "step", "set_data"]), st.integers(0, 3)),
               min_size=2, max_size=7)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(sorted(CASES)), ops=OPS, float32=st.booleans())
def test_a_kept_trial_answers_as_a_fresh_evaluation_whatever_happens_between_calls(case, ops, float32):
    dtype = "float32" if float32 else "float64"
    net, data = build(case, dtype=dtype), CASES[case][1]
    ref = copy.deepcopy(net)
    for op in ops:
        ref = copy.deepcopy(ref)                       # no trial: every evaluation made afresh
        assert ref._trial is None
        _apply(net, op, data)
        _apply(ref, op, data)
        np.testing.assert_array_equal(net.params, ref.params, err_msg=str(op))
        assert net.params.dtype == np.dtype(dtype)
    assert net.history.equals(ref.history)
    if net.optimizer_state is not None:
        np.testing.assert_array_equal(net.optimizer_state["t"], ref.optimizer_state["t"])


SEQUENCES = [[("lbfgs", 0), ("decay", 1), ("gd", 0)], [("lbfgs", 0), ("decay", 2), ("lbfgs", 0)],
             [("lbfgs", 0), ("set_data", 1), ("gd", 0)], [("bfgs", 0), ("edit", 0), ("edit", 3), ("rprop", 0)],
             [("lbfgs", 0), ("step", 0), ("lbfgs", 1)], [("lbfgs", 1), ("lbfgs", 0), ("adam", 1), ("lbfgs", 2)]]


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("ops", SEQUENCES, ids=lambda ops: "-".join(kind for kind, _ in ops))
def test_named_sequences_reuse_as_fresh(case, ops):
    test_a_kept_trial_answers_as_a_fresh_evaluation_whatever_happens_between_calls.hypothesis.inner_test(
        case=case, ops=ops, float32=False)


@pytest.mark.parametrize("case", sorted(CASES))
def test_first_recorded_loss_of_a_call_is_the_loss_at_its_starting_weights_after_an_optimizer_switch(case):
    net = build(case, decay=0.01)
    weights = net.case_weights
    assert weights is None
    for kind in ["lbfgs", "gd", "lbfgs", "rprop", "bfgs", "gd"]:
        before = net.compute_loss()
        net.train(2, trace=0, tolerance=0, **TRAIN[kind])
        assert net.history["loss"].iloc[-2] == pytest.approx(before, rel=1e-12, abs=1e-12), kind


def test_case_weights_and_validation_kept_split_reuse_as_fresh():
    data = HOTDOGS.assign(w=np.linspace(0.5, 2.0, len(HOTDOGS)))
    net = NeuralNetwork("class ~ x1 + x2", data, hidden=3, seed=2, weights="w")
    ref = copy.deepcopy(net)
    for _ in range(3):
        ref = copy.deepcopy(ref)
        for n in (net, ref):
            n.train(2, optimizer="lbfgs", validation=0.3, trace=0, tolerance=0)
        np.testing.assert_array_equal(net.params, ref.params)
    assert net.history.equals(ref.history)


@pytest.mark.parametrize("case", ["binary", "regression"])
def test_an_in_place_edit_of_X_is_never_answered_from_the_last_line_search(case):
    net = build(case).train(3, optimizer="lbfgs", trace=0, tolerance=0)
    ref = copy.deepcopy(net)
    for n in (net, ref):
        n.X[:, 1] += 1.0                               # the user edits the design matrix by hand
    truth = ref.compute_loss()
    for n in (net, ref):
        n.train(1, optimizer="gd", learn_rate=1e-5, trace=0, tolerance=0)
    assert net.history["loss"].iloc[-1] == truth
    np.testing.assert_array_equal(net.params, ref.params)


def test_an_in_place_edit_of_the_case_weights_is_never_answered_from_the_last_line_search():
    data = HOTDOGS.assign(w=1.0)
    net = NeuralNetwork("class ~ x1 + x2", data, hidden=3, seed=1, weights="w")
    net.train(3, optimizer="lbfgs", trace=0, tolerance=0)
    net.case_weights[:50] = 3.0
    truth = copy.deepcopy(net).compute_loss()
    net.train(1, optimizer="gd", learn_rate=1e-5, trace=0, tolerance=0)
    assert net.history["loss"].iloc[-1] == truth


@pytest.mark.parametrize("case", ["multiclass", "binary"])
@pytest.mark.parametrize("kind", ["lbfgs", "gd", "rprop", "adam"])
def test_a_validation_frame_of_as_many_rows_as_training_changes_nothing_of_the_training(case, kind):
    """The validation rows' pass buffers are the training batch's (same row count): training must not see them."""
    data = CASES[case][1]
    other = data.sample(frac=1.0, random_state=5).reset_index(drop=True)
    plain, validated = build(case), build(case)
    plain.train(6, trace=0, tolerance=0, **TRAIN[kind])
    validated.train(6, trace=0, tolerance=0, validation=other, **TRAIN[kind])
    kept = len(validated.history)                       # back to the best validation iteration
    np.testing.assert_array_equal(validated.history["loss"], plain.history["loss"].iloc[:kept])
    assert validated.history["val_loss"].iloc[-1] == validated.compute_loss(other)


def test_an_in_place_edit_of_X_with_three_classes_is_seen():
    """What makes the bug above one-output only: three classes' T gets a new Fortran copy per call."""
    net = build("multiclass").train(3, optimizer="lbfgs", trace=0, tolerance=0)
    net.X[:, 1] += 1.0
    truth = copy.deepcopy(net).compute_loss()
    net.train(1, optimizer="gd", learn_rate=1e-5, trace=0, tolerance=0)
    assert net.history["loss"].iloc[-1] == truth


def test_set_data_lets_the_old_rows_go():
    """set_data drops the last line search's point (it held the old rows' X, T and a pass workspace)."""
    net = build("multiclass").train(2, optimizer="lbfgs", trace=0, tolerance=0)
    old = weakref.ref(net._X)
    net.set_data(IRIS.iloc[::2].reset_index(drop=True))
    net.train(2, optimizer="adam", learn_rate=0.01, trace=0, tolerance=0)
    gc.collect()
    assert old() is None


def test_pickled_and_copied_networks_carry_no_trial_and_train_the_same():
    net = build("binary").train(3, optimizer="lbfgs", trace=0, tolerance=0)
    assert net._trial is not None
    twins = [copy.deepcopy(net), copy.copy(net)]
    for twin in twins:
        assert twin._trial is None
    for n in (net, *twins):
        n.train(4, optimizer="lbfgs", trace=0, tolerance=0)
    for twin in twins:
        np.testing.assert_array_equal(net.params, twin.params)


@pytest.mark.parametrize("kind", ["lbfgs", "gd", "rprop", "adam"])
@pytest.mark.parametrize("case", ["multiclass", "regression"])
def test_a_copy_taken_mid_call_trains_on_to_the_same_bits(kind, case):
    """A schedule callable pickles and deep-copies the network mid-call: each copy, trained on for the
    remaining iterations, ends where the call ended."""
    import pickle
    net, copies = build(case), []

    def schedule(iteration):
        if iteration == 4 and not copies:
            copies.extend([pickle.loads(pickle.dumps(net)), copy.deepcopy(net)])
        return 1.0

    net.train(9, trace=0, tolerance=0, schedule=schedule, **TRAIN[kind])
    for twin in copies:
        assert twin.iteration == 4
        twin.train(5, trace=0, tolerance=0, **TRAIN[kind])
        np.testing.assert_array_equal(twin.params, net.params)
