"""Issue 9 §2, §3, §5: every verb is a transaction, divergence never ruins a model, setters check and copy.
Each test attacks one promise: callables that raise mid-training, interrupts, absurd steps, bad assignments."""

import signal

import numpy as np
import pandas as pd
import pytest
from state_snapshot import whole_state

from chainnet import ArgumentError, ArgumentTypeError, DataError, DivergedError, NeuralNetwork, datasets, optim


@pytest.fixture
def iris():
    return datasets.load_iris()


def trained(iris, **kw):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=[4, 3], activation="tanh", seed=0, **kw)
    return net.train(3, optimizer="adam", learn_rate=0.01, batch_size=50, tolerance=0, trace=0).feedforward()


class RaisingAdam(optim.Adam):
    """Adam that raises an ordinary error in its ``at``-th step (counted per train() call's network state)."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def step(self, state, w, g, lr, loss=None, closure=None):
        super().step(state, w, g, lr, loss, closure)       # w is half-way changed when it raises
        if int(state["t"]) == self.at:
            raise RuntimeError("boom")


def test_schedule_returning_nan_at_iteration_5_changes_nothing(iris):
    net = trained(iris)
    before = whole_state(net)
    with pytest.raises(ArgumentError, match="returned nan at iteration 7"):
        net.train(10, schedule=lambda t: float("nan") if t == 7 else 1.0, validation=0.2, trace=0)
    assert whole_state(net) == before


def test_optimizer_raising_in_batch_3_changes_nothing_and_is_not_installed(iris):
    net = trained(iris)
    before = whole_state(net)
    with pytest.raises(RuntimeError, match="boom"):
        net.train(5, optimizer=RaisingAdam(3), batch_size=50, learn_rate=0.01, trace=0)
    assert whole_state(net) == before and type(net.optimizer) is optim.Adam


def test_divergence_at_the_first_iteration_swaps_nothing_and_draws_nothing(iris):
    """The first update already explodes: the optimizer is not swapped, the generator not advanced (the
    validation split and shuffles drew from it), the iteration and history as before."""
    net = trained(iris)
    before = whole_state(net)
    with pytest.raises(DivergedError, match=r"diverged at iteration 4.*kept as before this call \(iteration 3\)"):
        net.train(5, optimizer="gd", learn_rate=1e308, validation=0.2, batch_size=40, trace=0)
    assert whole_state(net) == before and type(net.optimizer) is optim.Adam


def test_full_batch_first_update_to_infinite_weights_changes_nothing(iris):
    net = trained(iris)
    before = whole_state(net)
    with pytest.raises(DivergedError, match=r"diverged at iteration 4: the loss became [0-9.]+ .*kept as before"):
        net.train(5, optimizer="gd", learn_rate=1e308, trace=0)
    assert whole_state(net) == before


def test_the_issue_example_leaves_a_finite_loss_no_worse_than_the_start():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    net = NeuralNetwork("y ~ x", data=pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=200)}), hidden=0)
    start = net.compute_loss()
    with pytest.raises(DivergedError):
        net.train(5000, learn_rate=0.02, trace=0)
    assert np.isfinite(net.compute_loss()) and net.compute_loss() <= start
    assert np.isfinite(net.predict().to_numpy()).all()


def test_an_infinite_starting_loss_blames_the_data(toy):
    net = NeuralNetwork("y ~ x", data=toy.assign(y=toy.y * 1e200), hidden=0, seed=0)
    before = whole_state(net)
    with pytest.raises(DivergedError, match=r"already inf at the weights this call starts from.*data are too "
                                            r"large.*rescale"):
        net.train(5, learn_rate=1e-6, trace=0)
    assert whole_state(net) == before


def test_backpropagate_with_an_absurd_rate_raises_and_changes_nothing(iris):
    net = trained(iris)
    before = whole_state(net)
    with pytest.raises(DivergedError, match=r"backpropagate\(1e\+308\).*left as they were"):
        net.backpropagate(1e308)
    assert whole_state(net) == before and np.isfinite(net.params).all()


def test_queries_change_nothing(iris):
    net = trained(iris, dropout=0.3)
    before = whole_state(net)
    output = net.output
    repr(net), net.compute_loss(), net.compute_loss(iris), net.accuracy(), net.accuracy(iris), net.predict()
    net.predict_proba(iris), net.gradients(), net.check_gradients(), net.history, net.summary()
    assert whole_state(net) == before and net.output is output


def test_repr_runs_no_forward_pass_into_output(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0).train(2, trace=0)
    assert net.output is None
    repr(net)
    assert net.output is None


def test_one_optimizer_object_for_two_networks_shares_no_state(iris):
    adam = optim.Adam(betas=(0.8, 0.99))
    a = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0).train(4, optimizer=adam, learn_rate=0.01,
                                                                       trace=0)
    b = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0)
    b.train(2, optimizer=adam, learn_rate=0.01, trace=0).train(2, learn_rate=0.01, trace=0)
    c = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0).train(4, optimizer=optim.Adam(betas=(0.8, 0.99)),
                                                                       learn_rate=0.01, trace=0)
    assert a.optimizer_state["m"] is not b.optimizer_state["m"] and int(a.optimizer_state["t"]) == 4
    for net in (a, b):                        # each as if it had had the optimizer to itself
        assert net.params.tobytes() == c.params.tobytes()
        assert all(net.optimizer_state[k].tobytes() == c.optimizer_state[k].tobytes() for k in ("m", "v", "t"))


def test_the_validation_split_is_drawn_once_and_kept(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0)
    net.train(2, learn_rate=1e-3, validation=0.2, trace=0)
    split = net._split
    state = net.rng.bit_generator.state
    net.train(2, learn_rate=1e-3, validation=0.2, trace=0)      # full batch, no dropout: draws nothing
    assert net._split is split and net.rng.bit_generator.state == state
    val = set(map(tuple, split.train.X_val))
    assert not val & set(map(tuple, split.train.X))               # never trained on
    net.train(1, learn_rate=1e-3, validation=0.3, trace=0)
    assert net._split is not split and len(net._split.val) == 45


class InterruptingTimer:
    """A SIGALRM timer raising KeyboardInterrupt after ``delay`` seconds, wherever the interpreter is."""

    def __init__(self, delay):
        self.delay = delay

    def __enter__(self):
        def handler(signum, frame):
            raise KeyboardInterrupt
        self.old = signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, self.delay)

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.old)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX timers")
def test_ctrl_c_anywhere_restores_exactly_one_finished_iteration(toy):
    """Interrupts at random moments of a net whose iterations are dominated by copying 1.2M parameters: every
    restored model equals an uninterrupted run of the iterations it reports, bit for bit."""
    def make():
        return NeuralNetwork("y ~ x + z", data=toy, hidden=[700, 700], activation="tanh", init="glorot", seed=0)

    kw = {"optimizer": "adam", "learn_rate": 1e-4, "tolerance": 0, "trace": 0}
    reference, net = [make().params.tobytes()], make()
    ref = make()
    for _ in range(6):
        ref.train(1, **kw)
        reference.append(ref.params.tobytes())
    rng, seen = np.random.default_rng(0), set()
    for trial in range(10):
        net = make()
        with InterruptingTimer(float(rng.uniform(0.01, 0.5))):
            try:
                net.train(6, **kw)
            except KeyboardInterrupt:      # landed outside train()'s loop (set-up or after): the call is undone
                pass
        assert net.params.tobytes() == reference[net.iteration], f"trial {trial}: iteration {net.iteration}"
        assert len(net.history) == net.iteration == int(net.optimizer_state["t"] if net.optimizer_state else 0)
        seen.add(net.iteration)
    assert len(seen) >= 2


# ---------------------------------------------------------------------------------------------- setters (§5)
def test_y_of_the_wrong_length_is_refused(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0)
    before = whole_state(net)
    with pytest.raises(DataError, match=r"Y must hold 150 response values.*set_data"):
        net.Y = iris.Species[:50]
    assert whole_state(net) == before


@pytest.mark.parametrize("rows", [149, 151])
def test_x_with_other_rows_is_refused(iris, rows):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0)
    X = np.resize(net.X, (rows, 5))
    with pytest.raises(ArgumentError, match=rf"X must have 150 rows.*5 columns.*got \({rows}, 5\)"):
        net.X = X


@pytest.mark.parametrize("field", ["X", "W1"])
def test_text_is_refused(iris, field):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0)
    with pytest.raises(ArgumentTypeError, match=f"{field} must"):
        setattr(net, field, np.full(getattr(net, field).shape, "a"))
    with pytest.raises(ArgumentTypeError, match=f"{field} must be an array of numbers, got the text"):
        setattr(net, field, "1.0")


def test_non_finite_weights_are_refused(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0)
    W = net.W2.copy()
    W[0, 0] = np.nan
    with pytest.raises(DataError, match="W2 holds NaN"):
        net.W2 = W


def test_a_read_only_array_is_copied_and_the_callers_array_never_trained(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0)
    live, mine = net.W2, np.ones(net.W2.shape)
    frozen = pd.DataFrame(mine).to_numpy()
    frozen.flags.writeable = False
    net.W2 = frozen
    net.train(3, learn_rate=1e-3, trace=0)
    assert np.all(mine == 1.0) and np.all(frozen == 1.0)          # the caller's arrays untouched
    assert net.W2 is live and not np.all(live == 1.0)             # the view the user held is live and trained
    X = net.X.copy()
    net.X = X
    assert net.X is not X


def test_missing_layers_raise_attribute_error(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0)
    with pytest.raises(AttributeError, match="W7"):
        net.W7  # noqa: B018 - the attribute access is the test
    with pytest.raises(ArgumentError, match="no W7"):
        net.W7 = np.zeros((2, 2))
    assert not hasattr(net, "W3")


def test_weights_list_assignment_is_checked_and_copied(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0)
    views = net.weights
    new = [np.zeros(W.shape) for W in views]
    net.weights = new
    assert all(a is b for a, b in zip(views, net.weights)) and all(not (W is N) for W, N in zip(net.weights, new))
    with pytest.raises(ArgumentError, match="2 arrays"):
        net.weights = new[:1]
    with pytest.raises(ArgumentError, match=r"W2 must have shape \(4, 3\)"):
        net.weights = [new[0], np.zeros((3, 3))]


# ---------------------------------------------------------------------------------------------- checkers (§6)
@pytest.mark.parametrize("name", ["iterations", "trace", "batch_size", "patience"])
def test_one_checker_per_kind_of_argument(iris, name):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0)
    kw = {"validation": 0.2} if name == "patience" else {}
    with pytest.raises(ArgumentTypeError, match=f"{name} must be"):
        net.train(**{"iterations": 2, name: "5", **kw})
    with pytest.raises(ArgumentError, match=f"{name} must be"):
        net.train(**{"iterations": 2, name: -1, **kw})
