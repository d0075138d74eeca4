"""train(): chained calls, minibatches, history, decay, dropout, standardize, validation and early stopping,
interrupts, progress, and bad input that leaves the model as it was."""

import numpy as np
import pandas as pd
import pytest

from chainnet import ArgumentError, ArgumentTypeError, DataError, DivergedError, NeuralNetwork, NewLevelError, optim
from chainnet._splits import training_data
from chainnet.propagation import forward

OPTIMIZERS = ["gd", "momentum", "nesterov", "rmsprop", "adam"]
RATES = {"gd": 0.01, "momentum": 0.003, "nesterov": 0.003, "rmsprop": 0.01, "adam": 0.01}


def softmax_loss(X, W1, W2, codes):
    """By hand: one tanh layer, softmax output, summed negative log-likelihood, and the predicted classes."""
    _, P = softmax_forward(X, W1, W2)
    return -np.sum(np.log(P[np.arange(len(X)), codes])), P.argmax(axis=1)


def softmax_forward(X, W1, W2):
    H = np.tanh(X @ W1)
    S = np.hstack([np.ones((len(X), 1)), H]) @ W2
    P = np.exp(S - S.max(axis=1, keepdims=True))
    return H, P / P.sum(axis=1, keepdims=True)


def softmax_gradients(X, W1, W2, T):
    """By hand: dL/dS = P - T; dW2 = [1, H]^T (P - T); dW1 = X^T ((P - T) W2[1:]^T * (1 - H²))."""
    H, P = softmax_forward(X, W1, W2)
    D = P - T
    dW2 = np.hstack([np.ones((len(X), 1)), H]).T @ D
    dW1 = X.T @ ((D @ W2[1:].T) * (1 - H ** 2))
    return dW1, dW2


def state(net):
    """Everything train() may change: weights, iteration, history, optimizer (object, state, steps), generator."""
    opt, st = net.optimizer, net.optimizer_state
    return ([W.tobytes() for W in net.weights], net.iteration, net.history.copy(), opt,
            None if st is None else {k: v.tobytes() for k, v in st.items()},
            None if st is None else int(st["t"]), net.rng.bit_generator.state)


def assert_same_state(a, b):
    assert a[0] == b[0] and a[1] == b[1] and a[3] is b[3] and a[4] == b[4] and a[5] == b[5] and a[6] == b[6]
    pd.testing.assert_frame_equal(a[2], b[2])


# ---------------------------------------------------------------------------------------------- chained calls
@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("settings", [{"batch_size": None}, {"batch_size": 8, "shuffle": True},
                                      {"batch_size": 8, "shuffle": True, "dropout": 0.3}], ids=["full", "mini", "dropout"])
def test_train_10_then_15_is_train_25_bit_for_bit(toy, name, settings):
    settings = dict(settings)
    dropout = settings.pop("dropout", 0.0)

    def make():
        return NeuralNetwork("k ~ x + z + g", data=toy, hidden=[5, 3], activation="relu", dropout=dropout, seed=11)

    kw = dict(optimizer=name, learn_rate=RATES[name], tolerance=0, trace=0, **settings)
    a = make().train(10, **kw).train(15, **kw)
    b = make().train(25, **kw)
    for Wa, Wb in zip(a.weights, b.weights):
        assert Wa.tobytes() == Wb.tobytes()
    for key in a.optimizer_state:
        assert a.optimizer_state[key].tobytes() == b.optimizer_state[key].tobytes()
    assert a.optimizer_state["t"] == b.optimizer_state["t"] and a.iteration == b.iteration == 25
    pd.testing.assert_frame_equal(a.history, b.history, check_exact=True)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state


def test_shuffle_changes_the_batches_and_is_seeded(toy):
    kw = {"optimizer": "gd", "learn_rate": 0.01, "batch_size": 8, "tolerance": 0, "trace": 0}
    ordered = NeuralNetwork("k ~ x + z", data=toy, hidden=3, seed=1).train(3, shuffle=False, **kw)
    shuffled = NeuralNetwork("k ~ x + z", data=toy, hidden=3, seed=1).train(3, shuffle=True, **kw)
    again = NeuralNetwork("k ~ x + z", data=toy, hidden=3, seed=1).train(3, shuffle=True, **kw)
    assert not np.array_equal(ordered.W1, shuffled.W1)
    np.testing.assert_array_equal(shuffled.W1, again.W1)


def test_shuffled_minibatches_replayed_by_hand(toy):
    """The batches are slices of one permutation per iteration drawn from net.rng (the last batch shorter)."""
    net = NeuralNetwork("k ~ x + z", data=toy, hidden=3, activation="tanh", seed=4)
    rng = np.random.default_rng()
    rng.bit_generator.state = net.rng.bit_generator.state
    W1, W2 = net.W1.copy(), net.W2.copy()
    for _ in range(2):
        order = rng.permutation(40)
        for s in range(0, 40, 16):
            rows = order[s:s + 16]
            g1, g2 = softmax_gradients(net.X[rows], W1, W2, net._T[rows])
            W1, W2 = W1 - 0.02 * g1, W2 - 0.02 * g2
    net.train(2, learn_rate=0.02, batch_size=16, shuffle=True, tolerance=0, trace=0)
    np.testing.assert_allclose(net.W1, W1, rtol=1e-12)
    np.testing.assert_allclose(net.W2, W2, rtol=1e-12)
    assert net.optimizer_state["t"] == 6


def test_batch_size_one_is_online_learning(toy):
    """batch_size=1, in order: one gradient step per row (seed 004's online updates)."""
    net = NeuralNetwork("y ~ x", data=toy, hidden=0, seed=0)
    w = net.W1[:, 0].copy()
    for x, y in zip(net.X, toy["y"].to_numpy()):
        w -= 0.01 * 2.0 * (x @ w - y) * x
    net.train(1, learn_rate=0.01, batch_size=1, shuffle=False, tolerance=0, trace=0)
    np.testing.assert_allclose(net.W1[:, 0], w, rtol=1e-13)
    assert net.optimizer_state["t"] == 40


# ---------------------------------------------------------------------------------------------- history
def test_full_batch_history_is_the_loss_before_each_update(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=4, activation="tanh", seed=2)
    expected = []
    for _ in range(5):
        loss, pred = softmax_loss(net.X, net.W1, net.W2, net.Y.codes)
        expected.append((loss, np.mean(pred == net.Y.codes), net.compute_loss()))
        net.train(1, learn_rate=1e-3, tolerance=0, trace=0)
    h = net.history
    assert list(h.columns) == ["loss", "accuracy", "learn_rate"] and list(h.index) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(h["loss"], [e[0] for e in expected], rtol=1e-12)
    np.testing.assert_allclose(h["loss"], [e[2] for e in expected], rtol=1e-12)
    np.testing.assert_array_equal(h["accuracy"], [e[1] for e in expected])
    assert (h["learn_rate"] == 1e-3).all()


def test_minibatch_history_sums_the_batches_as_trained(iris):
    """Loss = Σ batch losses (each before its own update), accuracy = correct predictions over all batches / n."""
    net = NeuralNetwork("Species ~ .", data=iris, hidden=4, activation="tanh", seed=2)
    W1, W2 = net.W1.copy(), net.W2.copy()
    total = correct = 0.0
    for s in range(0, 150, 40):
        rows = slice(s, s + 40)
        loss, pred = softmax_loss(net.X[rows], W1, W2, net.Y.codes[rows])
        total, correct = total + loss, correct + np.sum(pred == net.Y.codes[rows])
        g1, g2 = softmax_gradients(net.X[rows], W1, W2, net._T[rows])
        W1, W2 = W1 - 1e-3 * g1, W2 - 1e-3 * g2
    net.train(1, learn_rate=1e-3, batch_size=40, shuffle=False, tolerance=0, trace=0)
    assert net.history["loss"].iloc[0] == pytest.approx(total, rel=1e-12)
    assert net.history["accuracy"].iloc[0] == correct / 150
    np.testing.assert_allclose(net.W1, W1, rtol=1e-12)


def test_minibatch_tolerance_and_trace_use_the_summed_batch_losses(iris, capsys):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=4, activation="tanh", seed=2)
    net.train(500, optimizer="adam", learn_rate=0.01, batch_size=32, tolerance=20.0, trace=3)
    h = net.history
    assert net.iteration < 500 and h["loss"].iloc[-1] < 20.0 <= h["loss"].iloc[:-1].min()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == net.iteration // 3
    for line in lines:
        i, loss, acc = (float(part.split()[1]) for part in line.split("\t"))
        assert loss == float(f"{h['loss'][int(i)]:.10g}") and acc == pytest.approx(h["accuracy"][int(i)], abs=1e-6)


def test_regression_history_reports_rmse(toy):
    net = NeuralNetwork("y ~ x + z", data=toy, hidden=3, activation="tanh", seed=0)
    rmse = net.rmse()
    net.train(1, learn_rate=1e-3, tolerance=0, trace=0)
    assert list(net.history.columns) == ["loss", "rmse", "learn_rate"]
    assert net.history["rmse"].iloc[0] == pytest.approx(rmse, rel=1e-12)


# ---------------------------------------------------------------------------------------------- decay
def test_check_gradients_passes_with_decay_before_and_after_training(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=[5, 3], activation="tanh", seed=0, decay=0.4)
    assert net.check_gradients() < 1e-6
    net.train(30, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0)
    assert net.check_gradients() < 1e-6


def test_decay_shrinks_the_weights(iris):
    def weight_norm(decay):
        net = NeuralNetwork("Species ~ .", data=iris, hidden=5, activation="tanh", seed=0, decay=decay)
        net.train(300, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0)
        return np.sqrt(sum(np.sum(W[1:] ** 2) for W in net.weights))   # rows 1: are the penalised ones here

    norms = [weight_norm(decay) for decay in (0.0, 0.3, 3.0)]
    assert norms[0] > norms[1] > norms[2]


def test_decay_is_carried_once_per_pass_with_minibatches(toy):
    """Summed over the batches, the penalty counts once: at a zero learning-rate-like tiny step the minibatch
    loss equals the full-batch loss, penalty included."""
    kw = {"learn_rate": 1e-12, "tolerance": 0, "trace": 0}
    full = NeuralNetwork("k ~ x + z", data=toy, hidden=3, seed=0, decay=2.0).train(1, **kw)
    mini = NeuralNetwork("k ~ x + z", data=toy, hidden=3, seed=0, decay=2.0).train(1, batch_size=7,
                                                                                      shuffle=False, **kw)
    assert mini.history["loss"].iloc[0] == pytest.approx(full.history["loss"].iloc[0], rel=1e-9)


# ---------------------------------------------------------------------------------------------- dropout
def test_dropout_only_while_training(iris):
    a = NeuralNetwork("Species ~ .", data=iris, hidden=[6, 4], activation="relu", dropout=[0.5, 0.2], seed=3)
    b = NeuralNetwork("Species ~ .", data=iris, hidden=[6, 4], activation="relu", seed=3)
    a.train(5, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0)
    b.weights = [W.copy() for W in a.weights]
    assert a.dropout == (0.5, 0.2)
    pd.testing.assert_series_equal(a.predict(iris), b.predict(iris))
    pd.testing.assert_frame_equal(a.predict_proba(iris), a.predict_proba(iris))
    pd.testing.assert_frame_equal(a.predict_proba(iris), b.predict_proba(iris))
    assert a.accuracy() == a.accuracy() == b.accuracy() and a.accuracy(iris) == b.accuracy(iris)
    assert a.compute_loss() == a.compute_loss() == b.compute_loss()
    assert a.compute_loss(iris) == b.compute_loss(iris)
    for ga, gb in zip(a.gradients(), b.gradients()):
        np.testing.assert_array_equal(ga, gb)
    state_before = a.rng.bit_generator.state
    a.predict(iris), a.compute_loss(), a.check_gradients()
    assert a.rng.bit_generator.state == state_before      # nothing outside train() draws masks


def test_dropout_masks_come_from_the_network_generator(iris):
    """Replay one full-batch GD iteration with masks drawn from a copy of net.rng."""
    net = NeuralNetwork("Species ~ .", data=iris, hidden=[6, 4], activation="tanh", dropout=[0.4, 0.3], seed=8)
    rng = np.random.default_rng()
    rng.bit_generator.state = net.rng.bit_generator.state
    weights = [W.copy() for W in net.weights]
    A1 = np.tanh(net.X @ weights[0])
    M1 = (rng.random(A1.shape) >= 0.4) / 0.6
    H1 = A1 * M1
    A2 = np.tanh(H1 @ weights[1][1:] + weights[1][0])
    M2 = (rng.random(A2.shape) >= 0.3) / 0.7
    H2 = A2 * M2
    S = H2 @ weights[2][1:] + weights[2][0]
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    loss = -np.sum(np.log(P[np.arange(150), net.Y.codes]))
    # backward through the masks, by hand
    d3 = P - net._T
    g3 = np.vstack([d3.sum(0), H2.T @ d3])
    d2 = (d3 @ weights[2][1:].T) * M2 * (1 - A2 ** 2)
    g2 = np.vstack([d2.sum(0), H1.T @ d2])
    d1 = (d2 @ weights[1][1:].T) * M1 * (1 - A1 ** 2)
    g1 = net.X.T @ d1
    net.train(1, learn_rate=1e-3, tolerance=0, trace=0)
    assert net.history["loss"].iloc[0] == pytest.approx(loss, rel=1e-12)
    for W, W0, g in zip(net.weights, weights, (g1, g2, g3)):
        np.testing.assert_allclose(W, W0 - 1e-3 * g, rtol=1e-12)
    assert net.rng.bit_generator.state == rng.bit_generator.state


def test_inverted_dropout_keeps_the_expected_activation():
    """Each unit is kept with probability 1 - p and scaled by 1/(1 - p): E[H] = A, and H is 0 or A/(1 - p)."""
    from chainnet.activations import get_activation

    X = np.ones((200_000, 1))
    W1, W2 = np.array([[0.5, -1.0, 2.0]]), np.zeros((4, 1))
    cache = forward(X, [W1, W2], get_activation("sigmoid"), (0.4,), np.random.default_rng(0))
    A, H = cache.A[0], cache.H[0]
    np.testing.assert_allclose(A[0], 1 / (1 + np.exp(-W1[0])))
    assert set(np.unique(np.round(H / A, 12))) == {0.0, round(1 / 0.6, 12)}
    kept = np.mean(H > 0, axis=0)
    sd = np.sqrt(0.6 * 0.4 / len(X))
    assert np.all(np.abs(kept - 0.6) < 5 * sd)
    np.testing.assert_allclose(H.mean(axis=0), A[0], rtol=5 * sd / 0.6)


def test_dropout_rates_per_layer(toy):
    assert NeuralNetwork("k ~ x", data=toy, hidden=[3, 2], dropout=0.2).dropout == (0.2, 0.2)
    assert NeuralNetwork("k ~ x", data=toy, hidden=[3, 2], dropout=[0.1, 0.0]).dropout == (0.1, 0.0)


# ---------------------------------------------------------------------------------------------- standardize
def test_standardize_by_hand(toy):
    net = NeuralNetwork("y ~ x + z + g", data=toy, hidden=2, standardize=True, seed=0)
    raw = NeuralNetwork("y ~ x + z + g", data=toy, hidden=2, seed=0)
    columns = list(net.design.columns)
    assert columns == ["Intercept", "x", "z", "g[T.b]", "g[T.c]"]
    for c in ("x", "z"):
        j = columns.index(c)
        expected = (toy[c] - toy[c].mean()) / toy[c].std(ddof=1)
        np.testing.assert_allclose(net.X[:, j], expected, rtol=1e-13)
        assert net.center[j] == pytest.approx(toy[c].mean()) and net.scale[j] == pytest.approx(toy[c].std(ddof=1))
    for c in ("Intercept", "g[T.b]", "g[T.c]"):
        j = columns.index(c)
        np.testing.assert_array_equal(net.X[:, j], raw.X[:, j])
        assert net.center[j] == 0 and net.scale[j] == 1
    # new data: the training mean and sd, not the new rows' own
    new = pd.DataFrame({"x": [0.0, 10.0], "z": [1.0, -1.0], "g": ["c", "a"]})
    Xn = np.array([[1.0, (0.0 - toy.x.mean()) / toy.x.std(), (1.0 - toy.z.mean()) / toy.z.std(), 0.0, 1.0],
                   [1.0, (10.0 - toy.x.mean()) / toy.x.std(), (-1.0 - toy.z.mean()) / toy.z.std(), 0.0, 0.0]])
    by_hand = np.hstack([np.ones((2, 1)), 1 / (1 + np.exp(-(Xn @ net.W1)))]) @ net.W2
    np.testing.assert_allclose(net.predict(new), by_hand[:, 0], rtol=1e-12)


def test_standardized_linear_fit_reaches_least_squares(toy):
    """On standardized columns (x on a scale of hundreds) Adam reaches the least-squares fit of the same X.
    (At a constant rate Adam circles the optimum: from the intercept at the mean response its error is 7e-8
    after 2000 iterations, 2e-5 after 3000, 3e-8 after 5000.)"""
    kw = {"optimizer": "adam", "learn_rate": 0.05, "tolerance": 0, "trace": 0}
    a = NeuralNetwork("y ~ x + z + g", data=toy.assign(x=toy.x * 100 + 7), hidden=0, standardize=True, seed=0)
    a.train(5000, **kw)
    beta, *_ = np.linalg.lstsq(a.X, toy["y"].to_numpy(), rcond=None)
    np.testing.assert_allclose(a.predict(), a.X @ beta, rtol=1e-6)


# ---------------------------------------------------------------------------------------------- validation
def test_validation_fraction_is_a_stratified_split(iris):
    net = NeuralNetwork("Species ~ .", data=iris.iloc[:130], hidden=3, seed=0)   # 50, 50, 30 rows
    p = training_data(net, 0.2, None)           # the split train(validation=0.2) draws and keeps
    counts_val = np.bincount(p.T_val.argmax(axis=1))
    counts_train = np.bincount(p.T.argmax(axis=1))
    assert list(counts_val) == [10, 10, 6] and list(counts_train) == [40, 40, 24]
    rows = {tuple(r) for r in np.vstack([p.X, p.X_val])}
    assert len(rows) == len({tuple(r) for r in net.X}) and len(p.X) + len(p.X_val) == 130


def test_validation_history_at_the_weights_after_each_iteration(iris):
    train, val = iris.iloc[::2], iris.iloc[1::2]
    net = NeuralNetwork("Species ~ .", data=train, hidden=3, activation="tanh", seed=0)
    for _ in range(4):
        net.train(1, optimizer="adam", learn_rate=0.01, validation=val, tolerance=0, trace=0)
        assert net.history["val_loss"].iloc[-1] == pytest.approx(net.compute_loss(val), rel=1e-12)
        assert net.history["val_accuracy"].iloc[-1] == net.accuracy(val)
    assert list(net.history.columns) == ["loss", "accuracy", "val_loss", "val_accuracy", "learn_rate"]


def test_val_loss_has_no_decay_term(iris):
    train, val = iris.iloc[::2], iris.iloc[1::2]
    net = NeuralNetwork("Species ~ .", data=train, hidden=3, seed=0, decay=5.0)
    net.train(1, learn_rate=1e-3, validation=val, tolerance=0, trace=0)
    assert net.history["val_loss"].iloc[0] == pytest.approx(net.compute_loss(val), rel=1e-12)
    assert net._penalty() > 0


def overfitting(toy):
    return NeuralNetwork("y ~ x + z + g", data=toy.iloc[:20], hidden=12, activation="tanh", seed=0)


def test_best_weights_are_restored_after_all_iterations(toy, capsys):
    """The model goes back to the best iteration as a whole: weights, iteration, history, optimizer state
    (issue 9 §2), and the trace says so."""
    val = toy.iloc[20:]
    net = overfitting(toy).train(300, optimizer="adam", learn_rate=0.05, validation=val, tolerance=0, trace=100)
    h = net.history
    assert net.iteration == len(h) < 250                  # it overfits: the minimum is well before the end
    assert h["val_loss"].iloc[-1] == h["val_loss"].min()
    assert net.compute_loss(val) == pytest.approx(h["val_loss"].min(), rel=1e-12)
    assert f"Restored the best weights, from iteration {net.iteration}" in capsys.readouterr().err
    ref = overfitting(toy).train(net.iteration, optimizer="adam", learn_rate=0.05, tolerance=0, trace=0)
    assert state(ref)[0] == state(net)[0] and state(ref)[4:] == state(net)[4:]


def test_patience_stops_and_restores_the_best(toy):
    val = toy.iloc[20:]
    net = overfitting(toy).train(1000, optimizer="adam", learn_rate=0.05, validation=val, patience=10,
                                 tolerance=0, trace=0)
    h = net.history
    best = int(h["val_loss"].idxmin())
    assert net.iteration == len(h) == best < 990           # stopped 10 after the best, then went back to it
    assert net.optimizer_state["t"] == best
    assert net.compute_loss(val) == pytest.approx(h["val_loss"].min(), rel=1e-12)
    full = overfitting(toy).train(best, optimizer="adam", learn_rate=0.05, tolerance=0, trace=0)
    for W, F in zip(net.weights, full.weights):   # the restored weights are those after iteration `best`
        np.testing.assert_array_equal(W, F)


def test_validation_fraction_trains_on_the_rest(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0)
    net.train(3, learn_rate=1e-3, validation=0.2, tolerance=0, trace=0)
    assert {"val_loss", "val_accuracy"} <= set(net.history.columns)
    # the training loss is over 120 rows: less than the loss over all 150 before training
    assert net.history["loss"].iloc[0] < 0.85 * NeuralNetwork("Species ~ .", data=iris, hidden=3,
                                                              seed=0).compute_loss()


# ---------------------------------------------------------------------------------------------- interrupts
class InterruptAt(optim.Adam):
    """Adam that raises KeyboardInterrupt right after its ``at``-th step, halfway through an iteration."""

    def __init__(self, at):
        super().__init__()
        self.at, self.calls = at, 0

    def step(self, state, w, g, lr, loss=None, closure=None):
        super().step(state, w, g, lr, loss, closure)
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt


def test_keyboard_interrupt_keeps_the_last_finished_iteration(toy, capsys):
    def make():
        return NeuralNetwork("k ~ x + z + g", data=toy, hidden=[5], activation="relu", dropout=0.2, seed=6)

    kw = {"learn_rate": 0.01, "batch_size": 8, "tolerance": 0, "trace": 0}     # 5 batches per iteration
    net = make()
    opt = InterruptAt(4 * 5 + 3)                                       # in the 3rd batch of iteration 5
    assert net.train(10, optimizer=opt, **kw) is net
    assert "Interrupted: kept the model as after iteration 4" in capsys.readouterr().err
    ref = make().train(4, optimizer="adam", **kw)
    assert net.iteration == 4 and len(net.history) == 4 and net.optimizer_state["t"] == ref.optimizer_state["t"] == 20
    pd.testing.assert_frame_equal(net.history, ref.history, check_exact=True)
    for W, R in zip(net.weights, ref.weights):
        assert W.tobytes() == R.tobytes()
    for key in ("m", "v"):
        assert net.optimizer_state[key].tobytes() == ref.optimizer_state[key].tobytes()
    assert net.rng.bit_generator.state == ref.rng.bit_generator.state
    # and training goes on as if nothing had happened
    net.train(6, **kw)
    ref.train(6, **kw)
    for W, R in zip(net.weights, ref.weights):
        assert W.tobytes() == R.tobytes()


def test_keyboard_interrupt_with_validation_keeps_the_last_iteration_not_the_best(toy):
    """Interrupting is not finishing: the best weights are restored only when training ends by itself."""
    val = toy.iloc[20:]
    kw = {"learn_rate": 0.05, "validation": val, "tolerance": 0, "trace": 0}
    net = overfitting(toy).train(300, optimizer=InterruptAt(250), **kw)
    ref = overfitting(toy).train(249, optimizer="adam", **{**kw, "validation": None})
    assert net.iteration == 249 and net.history["val_loss"].idxmin() < 249
    for W, R in zip(net.weights, ref.weights):
        assert W.tobytes() == R.tobytes()


def test_keyboard_interrupt_from_a_schedule(toy):
    def schedule(t):
        if t == 7:
            raise KeyboardInterrupt
        return 1.0

    net = NeuralNetwork("y ~ x", data=toy, hidden=2, seed=0).train(20, learn_rate=1e-3, schedule=schedule,
                                                                  tolerance=0, trace=0)
    ref = NeuralNetwork("y ~ x", data=toy, hidden=2, seed=0).train(7, learn_rate=1e-3, tolerance=0, trace=0)
    assert net.iteration == 7
    for W, R in zip(net.weights, ref.weights):
        assert W.tobytes() == R.tobytes()


def test_divergence_keeps_no_model_worse_than_the_start(toy):
    """lr=1 blows the loss up from the first step: the call is undone (the loss of every later iteration is
    worse than the start), and the message names the iteration and the rate (issue 9 §3)."""
    def make():
        return NeuralNetwork("y ~ x + z", data=toy.assign(x=toy.x * 1e3), hidden=0, seed=0).train(
            2, learn_rate=1e-9, tolerance=0, trace=0)

    net = make()
    before = state(net)
    start_loss = net.compute_loss()
    with pytest.raises(DivergedError, match=r"diverged at iteration (\d+).*learn_rate=1;.*kept as before this call"):
        net.train(1000, learn_rate=1.0, tolerance=0, trace=0)
    assert_same_state(before, state(net))
    assert np.isfinite(net.compute_loss()) and net.compute_loss() == start_loss


def test_divergence_keeps_the_last_iteration_with_a_finite_loss_no_worse_than_the_start(toy):
    """A rate that first descends and then blows up: the kept model is an earlier iteration of the same call,
    its loss finite and at most the starting loss; it equals an uninterrupted run of that many iterations."""
    def make():
        return NeuralNetwork("y ~ x", data=toy, hidden=0, seed=0)

    def schedule(t):
        return 1.0 if t < 20 else 1e157       # iteration 21's step takes the weights to ~1e155: z² overflows

    net = make()
    start_loss = net.compute_loss()
    with pytest.raises(DivergedError, match=r"diverged at iteration 22: the loss became inf.*kept as after "
                                            r"iteration 20"):
        net.train(500, learn_rate=0.005, schedule=schedule, tolerance=0, trace=0)
    # iteration 21's update left finite weights whose loss is inf (found one iteration later): it is undone too
    assert net.iteration == 20 and len(net.history) == net.iteration
    assert np.isfinite(net.compute_loss()) and net.compute_loss() <= start_loss
    assert np.isfinite(net.predict()).all()
    ref = make().train(net.iteration, learn_rate=0.005, schedule=schedule, tolerance=0, trace=0)
    assert_same_state((*state(ref)[:3], net.optimizer, *state(ref)[4:]), state(net))


# ---------------------------------------------------------------------------------------------- progress
def test_progress_never_writes_to_stdout(iris, capsys):
    NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=0).train(20, learn_rate=1e-3, trace=0, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "loss=" in err and "accuracy=" in err


# ---------------------------------------------------------------------------------------------- bad input
@pytest.fixture
def trained(iris):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=[4, 3], activation="relu", seed=0)
    return net.train(3, optimizer="adam", learn_rate=0.01, batch_size=50, tolerance=0, trace=0)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"optimizer": "sgd"}, ArgumentError, r"unknown optimizer 'sgd'.*'adam', 'bfgs', 'gd', 'lbfgs', 'momentum', 'nesterov', 'rmsprop', 'rprop'"),
    ({"optimizer": 3}, ArgumentError, "unknown optimizer 3"),
    ({"schedule": "linear"}, ArgumentError, r"unknown schedule 'linear'.*'cosine', 'exponential', 'step'"),
    ({"schedule": 2.0}, ArgumentTypeError, "schedule must be"),
    ({"batch_size": 0}, ArgumentError, "batch_size must be a positive integer"),
    ({"batch_size": -3}, ArgumentError, "batch_size must be a positive integer"),
    ({"batch_size": 2.5}, ArgumentTypeError, "batch_size must be a positive integer"),
    ({"batch_size": 151}, ArgumentError, "batch_size=151 is larger than the 150 training rows"),
    ({"batch_size": 121, "validation": 0.2}, ArgumentError, "batch_size=121 is larger than the 120 training rows"),
    ({"validation": 0.0}, ArgumentError, r"validation must be a fraction in \(0, 1\)"),
    ({"validation": 1.0}, ArgumentError, r"validation must be a fraction in \(0, 1\)"),
    ({"validation": 1.5}, ArgumentError, r"validation must be a fraction in \(0, 1\)"),
    ({"validation": "0.2"}, ArgumentError, r"validation must be a fraction in \(0, 1\) or a DataFrame"),
    ({"patience": 5}, ArgumentError, "patience needs validation data"),
    ({"patience": 0, "validation": 0.2}, ArgumentError, "patience must be a positive integer"),
    ({"shuffle": "yes"}, ArgumentTypeError, "shuffle must be True or False"),
])
def test_bad_train_arguments_leave_the_model_unchanged(trained, kwargs, error, match):
    before = state(trained)
    with pytest.raises(error, match=match):
        trained.train(5, **kwargs)
    assert_same_state(before, state(trained))


def test_validation_frame_without_the_response_or_with_new_levels(trained, iris):
    before = state(trained)
    with pytest.raises(DataError, match="no response column 'Species'"):
        trained.train(5, validation=iris.drop(columns="Species"))
    odd = iris.head(5).assign(Species=pd.Categorical(["tulip"] * 5))
    with pytest.raises(NewLevelError, match="tulip"):
        trained.train(5, validation=odd)
    assert_same_state(before, state(trained))


def test_validation_frame_with_an_unseen_predictor_level(toy):
    net = NeuralNetwork("y ~ x + g", data=toy, hidden=2, seed=0).train(2, learn_rate=1e-3, tolerance=0, trace=0)
    before = state(net)
    with pytest.raises(NewLevelError, match=r"column 'g'.*\['d'\]"):
        net.train(5, validation=toy.head(3).assign(g="d"))
    assert_same_state(before, state(net))


def test_schedule_returning_a_bad_factor(trained):
    before = state(trained)
    with pytest.raises(ArgumentError, match=r"returned -1.0 at iteration 3.*finite factor >= 0"):
        trained.train(5, schedule=lambda t: -1.0)
    assert_same_state(before, state(trained))


@pytest.mark.parametrize("dropout", [1.0, -0.1, 1.5, [0.2], [0.2, 1.0], True])
def test_bad_dropout(iris, dropout):
    with pytest.raises(ArgumentError, match="dropout"):
        NeuralNetwork("Species ~ .", data=iris, hidden=[4, 3], dropout=dropout)


@pytest.mark.parametrize("iterations", [2**31, 1e308, 1e10])
def test_an_absurd_iteration_count_is_refused_at_once(iterations):
    from chainnet import datasets
    # a count above R's integer maximum is a typo (1e308 ran for hours with tolerance=0); refused before any work
    net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=3, seed=1)
    before = net.params.copy()
    with pytest.raises(ArgumentError, match=r"iterations must be at most 2,147,483,647"):
        net.train(iterations, tolerance=0, trace=0)
    assert net.iteration == 0 and np.array_equal(net.params, before)
