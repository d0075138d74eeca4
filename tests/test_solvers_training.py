"""train(optimizer="lbfgs" | "bfgs" | "rprop"): equal to torch through the real training loop, full batch only,
continued and saved exactly; restarts; convergence reported; the blow-up guard; the regression bias at the mean."""

import contextlib
import io
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import chainnet
from chainnet import ArgumentError, ConvergenceWarning, DivergedError, NeuralNetwork, datasets, optim

torch = pytest.importorskip("torch")
from test_quasinewton import CASES, network, torch_lbfgs
from test_rprop import torch_rprop
from torch_reference import max_relative_error

IRIS = datasets.load_iris()
PENGUINS = datasets.load_penguins().dropna()
QUIET = {"trace": 0, "tolerance": 0}


def fingerprint(net):
    """Everything a refused call must leave as it was."""
    state = None if net.optimizer_state is None else {k: v.copy() for k, v in net.optimizer_state.items()}
    return (net.params.copy(), state, net.rng.bit_generator.state, net.iteration, len(net.history),
            net.optimizer)


def assert_unchanged(net, before):
    after = fingerprint(net)
    np.testing.assert_array_equal(after[0], before[0])
    assert (after[1] is None) == (before[1] is None)
    if before[1] is not None:
        for k in before[1]:
            np.testing.assert_array_equal(after[1][k], before[1][k])
    assert after[2:] == before[2:]


# ---------------------------------------------------------------------------------------------- torch, step for step
@pytest.mark.parametrize("case", CASES)
def test_train_lbfgs_equals_torch_for_12_iterations(case):
    net = network(case)
    ref_weights, ref_state = torch_lbfgs(net, 12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net.train(12, optimizer="lbfgs", **QUIET)                # no learn_rate: torch's lr=1
    assert net.iteration == 12
    assert max_relative_error(net.weights, ref_weights) < 1e-6
    assert int(net.optimizer_state["func_evals"]) == ref_state["func_evals"]


def test_learn_rate_scales_the_step_when_given():
    net = network("binary")
    ref_weights, _ = torch_lbfgs(net, 12, lr=0.5)
    with pytest.warns(ConvergenceWarning):
        net.train(12, optimizer="lbfgs", learn_rate=0.5, **QUIET)
    assert max_relative_error(net.weights, ref_weights) < 1e-6


def test_options_from_chainnet_optim():
    net = network("multiclass", decay=0.05)
    ref_weights, _ = torch_lbfgs(net, 12, history_size=3)
    with pytest.warns(ConvergenceWarning):
        net.train(12, optimizer=optim.LBFGS(history_size=3), **QUIET)
    assert max_relative_error(net.weights, ref_weights) < 1e-6
    assert repr(net.optimizer) == "LBFGS(history_size=3, tolerance_grad=1e-07, tolerance_change=1e-09)"


@pytest.mark.parametrize("case", CASES)
def test_train_rprop_equals_torch(case):
    net = network(case)
    ref = torch_rprop(net, 12, 0.01)
    with pytest.warns(ConvergenceWarning):
        net.train(12, optimizer="rprop", **QUIET)                 # no learn_rate: torch's default 0.01
    assert max_relative_error(net.weights, ref) < 1e-6


@pytest.mark.parametrize("name", ["lbfgs", "bfgs", "rprop"])
def test_chained_calls_and_a_saved_model_continue_exactly(name, tmp_path):
    whole, half = network("multiclass"), network("multiclass")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole.train(12, optimizer=name, **QUIET)
        half.train(5, optimizer=name, **QUIET).save(tmp_path / "m.npz")
        loaded = NeuralNetwork.load(tmp_path / "m.npz")
        half.train(7, **QUIET)
        loaded.train(7, **QUIET)
    np.testing.assert_array_equal(half.params, whole.params)
    np.testing.assert_array_equal(loaded.params, whole.params)


def test_bfgs_through_train_reaches_the_logistic_mle():
    from sklearn.linear_model import LogisticRegression
    net = NeuralNetwork("Species ~ Sepal.Width", IRIS, hidden=0, seed=2)
    net.train(500, optimizer=optim.BFGS(tolerance_grad=1e-9, tolerance_change=0.0), **QUIET)
    assert net.converged
    fit = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(net.X[:, 1:], net.Y.codes)
    np.testing.assert_allclose(net.predict_proba().to_numpy(), fit.predict_proba(net.X[:, 1:]), atol=1e-6)


# ---------------------------------------------------------------------------------------------- full batch only
@pytest.mark.parametrize("name", ["lbfgs", "bfgs", "rprop"])
@pytest.mark.parametrize("kwargs, words", [({"batch_size": 32}, "batch_size=None"), ({}, "dropout=0")])
def test_full_batch_solvers_refuse_batches_and_dropout(name, kwargs, words):
    dropout = 0.0 if kwargs else 0.3
    net = NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=1, dropout=dropout)
    before = fingerprint(net)
    with pytest.raises(ArgumentError, match="deterministic") as err:
        net.train(5, optimizer=name, **kwargs)
    assert words in str(err.value) and "adam" in str(err.value)
    assert_unchanged(net, before)


def test_bfgs_refuses_a_large_network_naming_lbfgs():
    net = NeuralNetwork("Species ~ .", IRIS, hidden=800, seed=1)   # 7,203 weights
    before = fingerprint(net)
    with pytest.raises(ArgumentError, match="lbfgs"):
        net.train(2, optimizer="bfgs")
    assert_unchanged(net, before)


# ---------------------------------------------------------------------------------------------- restarts
@pytest.mark.parametrize("bad", [0, -1, 2.5, "3", True])
def test_bad_restarts_are_refused_and_change_nothing(bad):
    net = NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=1)
    before = fingerprint(net)
    with pytest.raises(ArgumentError, match="restarts"):
        net.train(5, optimizer="lbfgs", restarts=bad)
    assert_unchanged(net, before)


def fit_restarts(seed, k=10, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=seed).train(300, optimizer="lbfgs", restarts=k,
                                                                            trace=0, **kw)


def test_ten_restarts_of_lbfgs_fit_iris_below_nnet():
    """The goal: summed NLL < 5.0 and accuracy >= 0.98 with no learning rate (R's nnet typically ends near 5)."""
    net = fit_restarts(1)
    assert net.compute_loss() < 5.0 and net.accuracy() >= 0.98
    table = net.restarts
    assert list(table.columns) == ["start", "loss", "accuracy", "iterations", "converged"]
    assert list(table["start"]) == list(range(1, 11))
    assert net.compute_loss() == pytest.approx(table["loss"].min(), rel=1e-12)
    assert net.iteration == table.loc[table["loss"].idxmin(), "iterations"]
    assert len(net.history) == net.iteration


def test_restarts_are_reproducible_and_differ_between_starts():
    a, b = fit_restarts(4, 3), fit_restarts(4, 3)
    np.testing.assert_array_equal(a.params, b.params)
    pd.testing.assert_frame_equal(a.restarts, b.restarts)
    assert a.restarts["loss"].nunique() == 3


def test_first_start_is_the_call_without_restarts():
    one = fit_restarts(6, 1)
    plain = NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain.train(300, optimizer="lbfgs", trace=0)
    np.testing.assert_array_equal(one.params, plain.params)
    assert one.restarts["loss"].iloc[0] == pytest.approx(plain.compute_loss(), rel=1e-12)


def test_restarts_keep_the_best_validation_loss_when_validating():
    _, test = datasets.split(IRIS, test=0.3, seed=2)
    net = fit_restarts(3, 4, validation=test)
    table = net.restarts
    assert "val_loss" in table.columns
    assert net.compute_loss(test) == pytest.approx(table["val_loss"].min(), rel=1e-9)


def test_restarts_table_for_regression_has_rmse():
    net = NeuralNetwork("Petal.Width ~ .", IRIS, hidden=3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net.train(50, optimizer="lbfgs", restarts=2, trace=0)
    assert list(net.restarts.columns) == ["start", "loss", "rmse", "iterations", "converged"]
    assert net.rmse() == pytest.approx(net.restarts.loc[net.restarts["loss"].idxmin(), "rmse"], rel=1e-9)


# ---------------------------------------------------------------------------------------------- convergence
def test_lbfgs_converges_and_says_why():
    net = NeuralNetwork("Petal.Width ~ Sepal.Length + Petal.Length", IRIS, hidden=0, seed=1)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        net.train(1000, optimizer="lbfgs", tolerance=0, trace=5)
    assert net.converged and net.convergence in ("gradient", "loss change")
    assert net.iteration < 1000
    last = err.getvalue().strip().splitlines()[-1]
    assert last.startswith(f"Ended at iteration {net.iteration}") and "converged" in last
    _, rss, *_ = np.linalg.lstsq(net.X, net._T, rcond=None)                 # and it is least squares
    assert net.compute_loss() == pytest.approx(rss[0], rel=1e-9)


@pytest.mark.parametrize("name", ["lbfgs", "rprop", "bfgs"])
def test_iteration_limit_warns_for_the_solvers(name):
    net = NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=1)
    with pytest.warns(ConvergenceWarning, match="iteration limit"):
        net.train(3, optimizer=name, **QUIET)
    assert not net.converged and net.convergence == "iterations"


def test_other_reasons():
    net = NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                         # gd does not warn
        net.train(3, learn_rate=1e-4, **QUIET)
    assert (net.converged, net.convergence) == (False, "iterations")
    net.train(100, optimizer="adam", learn_rate=0.05, tolerance=150.0, trace=0)
    assert (net.converged, net.convergence) == (True, "tolerance") and net.history["loss"].iloc[-1] < 150
    _, test = datasets.split(IRIS, test=0.3, seed=1)
    net.train(2000, optimizer="adam", learn_rate=0.05, validation=test, patience=3, **QUIET)
    assert (net.converged, net.convergence) == (True, "patience")


def test_convergence_warning_is_a_user_warning_exported():
    assert issubclass(ConvergenceWarning, UserWarning) and "ConvergenceWarning" in chainnet.__all__


# ---------------------------------------------------------------------------------------------- blow-ups
def trained_iris():
    """The R6 session: 9,999 iterations at 1e-4 (loss 18.4)."""
    return NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=1).train(9999, learn_rate=1e-4, trace=0)


def test_iris_at_learn_rate_one_is_stopped_and_restored_to_the_best():
    net = trained_iris()
    start = net.compute_loss()
    with pytest.raises(DivergedError, match=r"iteration \d+.*learn_rate=1\b") as err:
        net.train(100, learn_rate=1.0, trace=0)
    assert re.search(r"blew up to [0-9.e+]+", str(err.value))
    losses = net.history["loss"].to_numpy()
    assert net.compute_loss() <= start                       # the lowest loss of the call, not the blown one
    kept = re.search(r"kept as after iteration (\d+), where the loss was (\d+(?:\.\d+)?(?:e[+-]?\d+)?)", str(err.value))
    assert int(kept.group(1)) == net.iteration == len(losses)
    assert net.compute_loss() == pytest.approx(float(kept.group(2)), rel=1e-5)


def test_penguins_regression_at_the_hints_rate_is_stopped():
    """At the default rate the loss overflows; the error suggests a rate; at that rate the loss blows up while
    staying finite, and is stopped there too."""
    net = NeuralNetwork("bill_length_mm ~ .", PENGUINS, seed=1)
    with pytest.raises(DivergedError) as err:
        net.train(2000, trace=0)
    rate = float(re.search(r"e\.g\. ([0-9.e-]+[0-9])", str(err.value)).group(1))
    assert rate == pytest.approx(0.001)
    fresh = NeuralNetwork("bill_length_mm ~ .", PENGUINS, seed=1)
    start = fresh.compute_loss()
    with pytest.raises(DivergedError, match="blew up to"):
        fresh.train(2000, learn_rate=rate, trace=0)
    assert fresh.compute_loss() <= start


def test_backpropagate_steps_that_blow_up_are_refused():
    """The R6 loop feedforward().backpropagate(1.0) from the trained network: a step that would blow the loss
    up raises and leaves the weights as they were."""
    net = trained_iris()
    with pytest.raises(DivergedError, match=r"backpropagate\(1\) would raise the loss"):
        for _ in range(100):
            before = net.params.copy()
            net.feedforward().backpropagate(1.0)
    np.testing.assert_array_equal(net.params, before)
    net.backpropagate(1e-4)                                   # a sound step still works


@pytest.mark.parametrize("run", [
    lambda: trained_iris().train(1000, trace=0),                                 # the R6 session's chained call
    lambda: NeuralNetwork("class ~ x1 + x2", datasets.make_hotdogs(200, seed=1), hidden=30, seed=1)
    .train(3000, learn_rate=0.01, trace=0),                                      # hot dogs at the post's 0.01
    lambda: NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=1)
    .train(300, optimizer="adam", learn_rate=0.1, batch_size=16, trace=0),       # Adam's bumps in minibatches
    lambda: NeuralNetwork("class ~ x1 + x2", datasets.make_hotdogs(200, seed=1), hidden=30, seed=1)
    .train(500, optimizer="adam", learn_rate=0.1, trace=0),                      # Adam's first steps
    lambda: NeuralNetwork("body_mass_g ~ . - year", PENGUINS, hidden=50, activation="relu", dropout=0.4, seed=1)
    .train(100, optimizer="rmsprop", learn_rate=0.01, batch_size=32, trace=0),   # the README's penguins recipe
    lambda: NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=1, standardize=True)
    .train(50, learn_rate=0.4 / 8, batch_size=8, trace=0),                       # gd at η/b, η = 0.4
    lambda: NeuralNetwork("species ~ .", datasets.load_penguins(), seed=1).train(2000, trace=0),
])
def test_the_guard_lets_sound_runs_pass(run):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run()


def test_a_call_ending_higher_than_it_started_warns():
    net = trained_iris()
    with pytest.warns(chainnet.LossIncreaseWarning, match="higher loss"):
        net.train(1000, trace=0)                                                 # 18 -> 83, as the R6 post


# ---------------------------------------------------------------------------------------------- item 6
@pytest.mark.parametrize("init", ["r6", "glorot", "he", "auto"])
def test_regression_output_bias_starts_at_the_mean(init):
    net = NeuralNetwork("Petal.Width + Sepal.Width ~ Species", IRIS, hidden=4, init=init, seed=1)
    np.testing.assert_allclose(net.weights[-1][0], IRIS[["Petal.Width", "Sepal.Width"]].mean().to_numpy())
    flat = NeuralNetwork("Petal.Width ~ Species", IRIS, hidden=0, init=init, seed=1)
    assert flat.W1[flat.design.intercept, 0] == pytest.approx(IRIS["Petal.Width"].mean())


def test_classification_r6_weights_are_the_seeds():
    """The mirror: every weight 0.01·N(0, 1) from the seeded generator, biases included."""
    net = NeuralNetwork("Species ~ .", IRIS, hidden=5, seed=1)
    rng = np.random.default_rng(1)
    np.testing.assert_array_equal(net.W1, 0.01 * rng.standard_normal((5, 5)))
    np.testing.assert_array_equal(net.W2, 0.01 * rng.standard_normal((6, 3)))


def test_cli_fits_with_lbfgs_and_no_learning_rate(tmp_path):
    """``chainnet fit ... --optimizer lbfgs``: no --learn-rate needed (it is the optimizer's own, torch's lr=1)."""
    from test_cli import call
    IRIS.to_csv(tmp_path / "iris.csv", index=False)
    out = call("fit", "Species ~ .", tmp_path / "iris.csv", "--optimizer", "lbfgs", "--iterations", "300",
               "--seed", "1", "--trace", "0", "--save", tmp_path / "m.npz")
    assert out.returncode == 0, out.stderr
    net = NeuralNetwork.load(tmp_path / "m.npz")
    assert net.optimizer == optim.LBFGS() and net.history["learn_rate"].eq(1.0).all()
    assert net.compute_loss() < 10 and net.accuracy() >= 0.97
