"""save/load without pickle: bit-identical predictions, training that continues exactly, hostile files refused."""

import itertools
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

from chainnet import ArgumentError, DataError, FormulaError, NeuralNetwork, NewLevelError, datasets, optim
from chainnet.errors import ModelFileError, SaveError
from chainnet.persistence import VERSION

TASKS = {"binary": "yes ~ x + z + g", "multiclass": "k ~ x + scale(z) + g", "regression": "y ~ x + g",
         "two outputs": "y + y2 ~ x + z"}
ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity", "softplus"]
DEPTHS = [0, 4, [5, 3]]
OPTIMIZERS = ["gd", "momentum", "nesterov", "rmsprop", "adam"]
CASES = [(task, act, depth, OPTIMIZERS[i % 5])
         for i, (task, act, depth) in enumerate(itertools.product(TASKS, ACTIVATIONS, DEPTHS))]


def _fit(data, formula, hidden, activation="sigmoid", optimizer="adam", iterations=3, **kwargs):
    dropout = 0.2 if hidden else 0.0
    net = NeuralNetwork(formula, data=data, hidden=hidden, activation=activation, seed=7, decay=0.01,
                        dropout=dropout, **kwargs)
    return net.train(iterations, learn_rate=1e-3, trace=0, optimizer=optimizer, batch_size=8, tolerance=0)


def _reload(net, path, **kwargs):
    assert net.save(path, **kwargs) is net
    return NeuralNetwork.load(path)


def _weights_equal(a, b):
    return len(a.weights) == len(b.weights) and all(
        np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(a.weights, b.weights))


def assert_same_state(a, b):
    """Every piece of state that training or prediction reads, compared exactly."""
    assert sorted(vars(a)) == sorted(vars(b))
    assert _weights_equal(a, b)
    assert np.array_equal(a.X, b.X) and a.X.dtype == b.X.dtype and np.array_equal(a._T, b._T)
    pd.testing.assert_index_equal(a.rows, b.rows, exact=True)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert a.iteration == b.iteration and a._history == b._history
    assert (a.hidden, a.activation, a.init, a.seed, a.decay, a.dropout, a.standardize, a.dtype) == \
           (b.hidden, b.activation, b.init, b.seed, b.decay, b.dropout, b.standardize, b.dtype)
    assert a.design == b.design and a.design.dtypes == b.design.dtypes
    if a.center is None:
        assert b.center is None and b.scale is None
    else:
        assert np.array_equal(a.center, b.center) and np.array_equal(a.scale, b.scale)
    if a.optimizer is None:
        assert b.optimizer is None
    else:
        assert type(a.optimizer) is type(b.optimizer) and repr(a.optimizer) == repr(b.optimizer)
        assert list(a.optimizer_state) == list(b.optimizer_state)
        for s in a.optimizer_state:
            assert np.array_equal(a.optimizer_state[s], b.optimizer_state[s])
            assert a.optimizer_state[s].dtype == b.optimizer_state[s].dtype
    assert (a.output is None and b.output is None) or np.array_equal(a.output, b.output)


# ---------------------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("task, activation, hidden, optimizer", CASES)
def test_round_trip_predicts_and_trains_on_bit_identically(toy, tmp_path, task, activation, hidden, optimizer):
    net = _fit(toy, TASKS[task], hidden, activation, optimizer, standardize=hidden == 4)
    loaded = _reload(net, tmp_path / "m.npz")
    assert_same_state(net, loaded)
    new = toy.sample(15, random_state=3)
    a, b = net.predict(new), loaded.predict(new)
    (pd.testing.assert_series_equal if isinstance(a, pd.Series) else pd.testing.assert_frame_equal)(a, b)
    if net.task == "classification":
        assert np.array_equal(net.predict_proba(new).to_numpy(), loaded.predict_proba(new).to_numpy())
    assert net.compute_loss() == loaded.compute_loss()
    net.train(4, learn_rate=1e-3, trace=0, batch_size=8, tolerance=0)          # shuffle, dropout, same optimizer
    loaded.train(4, learn_rate=1e-3, trace=0, batch_size=8, tolerance=0)
    assert_same_state(net, loaded)
    pd.testing.assert_frame_equal(net.history, loaded.history)


def test_iris_session_saved_midway_ends_where_the_unsaved_one_ends(iris, tmp_path):
    """train(k) then save -> load -> train(k) equals train(2k), with shuffled minibatches, dropout and Adam."""
    def fresh():
        return NeuralNetwork("Species ~ .", data=iris, hidden=[6, 4], activation="relu", dropout=[0.3, 0.1],
                             standardize=True, seed=11)
    steps = {"learn_rate": 0.01, "trace": 0, "optimizer": "adam", "batch_size": 16, "shuffle": True, "tolerance": 0}
    straight = fresh().train(40, **steps)
    half = fresh().train(20, **steps).save(tmp_path / "half.npz")
    resumed = NeuralNetwork.load(tmp_path / "half.npz").train(20, **steps)
    assert half.iteration == 20 and resumed.iteration == 40
    assert_same_state(straight, resumed)


def test_untrained_model_and_float32_round_trip(toy, tmp_path):
    net = NeuralNetwork("k ~ x + g", data=toy, hidden=3, dtype="float32", seed=1)
    loaded = _reload(net, tmp_path / "u.npz")
    assert loaded.optimizer is None and loaded.iteration == 0 and loaded.W1.dtype == np.float32
    assert_same_state(net, loaded)
    assert repr(loaded) == repr(net)
    assert _weights_equal(net.train(2, trace=0), loaded.train(2, trace=0))


@pytest.mark.parametrize("index", [
    pd.Index([f"r{i}" for i in range(40)], name="id"),
    pd.date_range("2024-01-01", periods=40, freq="D"),
    pd.Index(np.arange(100, 140) * 3),
])
def test_row_labels_round_trip(toy, tmp_path, index):
    data = toy.set_axis(index)
    net = NeuralNetwork("y ~ x", data=data.drop(index[5]), hidden=2, seed=0)
    loaded = _reload(net, tmp_path / "r.npz")
    pd.testing.assert_index_equal(loaded.rows, net.rows, exact=True)
    pd.testing.assert_series_equal(loaded.predict(), net.predict())


def test_optimizer_hyperparameters_survive(toy, tmp_path):
    net = _fit(toy, TASKS["regression"], 3, optimizer=optim.Adam(betas=(0.8, 0.95), eps=1e-6))
    loaded = _reload(net, tmp_path / "o.npz")
    assert loaded.optimizer.betas == (0.8, 0.95) and loaded.optimizer.eps == 1e-6


# ---------------------------------------------------------------------------------------------- formula encodings
FORMULAS = [
    "y ~ scale(x) + center(z) + g",
    "y ~ C(n) + poly(x, 2) + g:x",
    "y ~ k * g + np.log(p) + np.sqrt(p) + np.exp(x) - 1",
    "y ~ poly(x, degree=3) + scale(np.log(p)) + I(x**2) + I(x > 0)",
    "y ~ . - y2",
    "y ~ C(g, levels=['c', 'a', 'b']) + C(n):z + (x + z)^2",
    "y ~ C(g, contr.treatment('b')) + b",
    "scale(y) ~ x + g",
    "I(y * 2) ~ x",
    "log(p) ~ exp(x) + log10(n + 1) + log2(z + 5) + g",
]


@pytest.fixture
def mixed(toy):
    rng = np.random.default_rng(5)
    return toy.assign(n=rng.integers(0, 3, len(toy)), p=rng.uniform(0.5, 3.0, len(toy)),
                      b=rng.random(len(toy)) > 0.5, t=pd.Series(list("uvw") * 13 + ["u"], dtype="str"))


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_encodings_rebuild_from_stored_facts(mixed, tmp_path, formula):
    net = NeuralNetwork(formula, data=mixed, hidden=2, seed=0, standardize=True)
    loaded = _reload(net, tmp_path / "f.npz")
    assert loaded.design.spec is not net.design.spec and loaded.design.context == {}
    for rows in ([3], [0, 7, 11], list(range(40))):                  # one row: most levels absent
        new = mixed.iloc[rows]
        X1, ok1 = net.design.matrix(new)
        X2, ok2 = loaded.design.matrix(new)
        assert np.array_equal(X1, X2) and np.array_equal(ok1, ok2)
        (pd.testing.assert_series_equal if net.design.targets == ("y",) or len(net.design.targets) == 1
         else pd.testing.assert_frame_equal)(net.predict(new), loaded.predict(new))
    assert loaded.design.spec.transform_state.keys() == net.design.spec.transform_state.keys()
    if "poly(" in formula:
        state = loaded.design.spec.transform_state[next(k for k in net.design.spec.transform_state if "poly" in k)]
        assert all(isinstance(key, int) for key in state["alpha"])      # poly()'s int keys survive JSON


def test_text_columns_of_pandas_str_dtype(mixed, tmp_path):
    net = NeuralNetwork("y ~ t + x", data=mixed, hidden=0, seed=0)
    loaded = _reload(net, tmp_path / "t.npz")
    assert loaded.design.dtypes["t"] == str(mixed["t"].dtype)
    pd.testing.assert_series_equal(loaded.predict(mixed), net.predict(mixed))
    with pytest.raises(NewLevelError, match="never seen"):
        loaded.predict(mixed.assign(t="zz"))


# ---------------------------------------------------------------------------------------------- without data
def test_model_saved_without_data_predicts_then_trains_once_given_data(toy, tmp_path):
    net = _fit(toy, "k ~ x + scale(z) + g", 4, standardize=True)
    lean = _reload(net, tmp_path / "lean.npz", include_data=False)
    net.save(tmp_path / "full.npz")
    assert (tmp_path / "lean.npz").stat().st_size < (tmp_path / "full.npz").stat().st_size
    assert "no data" in repr(lean)
    pd.testing.assert_frame_equal(lean.predict_proba(toy), net.predict_proba(toy))
    assert lean.compute_loss(toy) == net.compute_loss(toy) and lean.accuracy(toy) == net.accuracy(toy)
    weights = [W.copy() for W in lean.weights]
    for call in (lambda: lean.train(2, trace=0), lambda: lean.X, lean.accuracy, lean.compute_loss, lean.predict):
        with pytest.raises(DataError, match="set_data"):
            call()
    assert all(np.array_equal(a, b) for a, b in zip(weights, lean.weights)) and lean.iteration == net.iteration
    with pytest.raises(NewLevelError):
        lean.set_data(toy.assign(g="zzz"))
    with pytest.raises(DataError, match="lacks the column"):
        lean.set_data(toy.drop(columns="z"))
    assert lean.set_data(toy) is lean                                    # scale(z) and standardize not refitted
    assert np.array_equal(lean.X, net.X) and np.array_equal(lean._T, net._T)
    lean.train(3, learn_rate=1e-3, trace=0, batch_size=8, tolerance=0)
    net.train(3, learn_rate=1e-3, trace=0, batch_size=8, tolerance=0)
    assert _weights_equal(net, lean) and lean._history == net._history


def test_set_data_keeps_the_training_encoding_on_other_rows(toy):
    net = NeuralNetwork("y ~ scale(x) + g", data=toy, hidden=0, seed=0)
    part = toy.iloc[:10]
    net.set_data(part)
    assert np.array_equal(net.X, net.design.matrix(part)[0])
    assert np.allclose(net.X[:, 1], (part["x"] - toy["x"].mean()) / toy["x"].std())   # training mean and sd
    pd.testing.assert_index_equal(net.rows, part.index)


@pytest.mark.parametrize("formula, truth", [("scale(y) ~ x", lambda d, t: (d["y"] - t["y"].mean()) / t["y"].std()),
                                            ("I(y * 2) ~ x", lambda d, t: 2 * d["y"])])
def test_set_data_with_an_expression_response(toy, formula, truth):
    net = NeuralNetwork(formula, data=toy, hidden=0, seed=0)
    part = toy.iloc[5:15]
    net.set_data(part)
    np.testing.assert_allclose(net.Y, truth(part, toy), rtol=1e-14)


# ---------------------------------------------------------------------------------------------- refused at save
def test_formula_with_session_variables_is_refused_at_save(toy, tmp_path):
    shift = 10.0  # noqa: F841 - the formula reads it from this frame
    net = NeuralNetwork("y ~ I(x + shift)", data=toy, hidden=0, seed=0)
    with pytest.raises(FormulaError, match="'shift'"):
        net.save(tmp_path / "s.npz")
    assert not (tmp_path / "s.npz").exists()


def test_custom_optimizer_and_odd_index_are_refused_at_save(toy, tmp_path):
    class Mine(optim.Adam):
        pass
    net = NeuralNetwork("y ~ x", data=toy, hidden=0, seed=0).train(1, trace=0, optimizer=Mine())
    with pytest.raises(ArgumentError, match="cannot be saved"):
        net.save(tmp_path / "c.npz")
    multi = toy.set_axis(pd.MultiIndex.from_arrays([range(40), range(40)]))
    net = NeuralNetwork("y ~ x", data=multi, hidden=0, seed=0)
    with pytest.raises(DataError, match="reset_index"):
        net.save(tmp_path / "c.npz")
    _reload(net, tmp_path / "c.npz", include_data=False)


# ---------------------------------------------------------------------------------------------- hostile files
class SideEffect:
    """Unpickling this writes a marker file: proof that pickle ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import pathlib
        return pathlib.Path.write_text, (pathlib.Path(self.marker), "pickle ran")


@pytest.fixture
def saved(toy, tmp_path):
    path = tmp_path / "good.npz"
    _fit(toy, TASKS["multiclass"], 3).save(path)
    return path


def _rewrite(path, out, meta_change=None, arrays_change=None):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(arrays.pop("meta").tobytes())
    if meta_change:
        meta_change(meta)
    if arrays_change:
        arrays_change(arrays)
    np.savez(out, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    return out


def test_a_pickle_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "marker"
    assert pickle.loads(pickle.dumps(SideEffect(marker))) is not None and marker.exists()   # the payload works
    marker.unlink()
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps(SideEffect(marker)))
    with pytest.raises(ModelFileError, match="pickle"):
        NeuralNetwork.load(path)
    assert not marker.exists()


def test_an_object_array_is_refused_and_never_run(saved, tmp_path):
    marker = tmp_path / "marker"
    payload = np.empty(1, dtype=object)
    payload[0] = SideEffect(marker)
    for change in ({"W1": payload}, {"extra": payload}):
        bad = _rewrite(saved, tmp_path / "obj.npz", arrays_change=lambda a, c=change: a.update(c))
        with pytest.raises(ModelFileError, match="object array"):
            NeuralNetwork.load(bad)
    assert not marker.exists()


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.99])
def test_truncated_files_are_refused(saved, tmp_path, keep):
    data = saved.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[:int(len(data) * keep)] if keep else data[:len(data) - 1])
    with pytest.raises(ModelFileError, match="truncated|damaged|not a chainnet"):
        NeuralNetwork.load(cut)


def test_flipped_bytes_are_refused_or_harmless(saved, tmp_path, toy):
    """Every 11th byte flipped in turn: the file is refused with ModelFileError, or (a flip in a field nothing
    reads, such as a zip timestamp) it loads the very same model."""
    good = NeuralNetwork.load(saved)
    data = bytearray(saved.read_bytes())
    bad = tmp_path / "flip.npz"
    refused = 0
    for i in range(0, len(data), 11):
        flipped = data.copy()
        flipped[i] ^= 0xFF
        bad.write_bytes(bytes(flipped))
        try:
            net = NeuralNetwork.load(bad)
        except ModelFileError:
            refused += 1
            continue
        assert_same_state(good, net)
    assert refused > 0.8 * len(range(0, len(data), 11))


@pytest.mark.parametrize("change, message", [
    (lambda m: m.update(version=VERSION + 1), "newer chainnet"),
    (lambda m: m.update(version="1"), "invalid format version"),
    (lambda m: m.update(format="other-tool"), "not a chainnet model"),
    (lambda m: m.pop("rng"), "lacks the field 'rng'"),
    (lambda m: m["design"].pop("formula"), "design.formula"),
    (lambda m: m["model"].update(hidden="3"), "model.hidden"),
    (lambda m: m["model"].update(activation="gelu"), "unknown activation"),
    (lambda m: m["rng"].update(bit_generator="Evil"), "bit generator"),
    (lambda m: m["optimizer"].update(name="sgd"), "damaged or was edited"),
    (lambda m: m["design"].update(columns=["Intercept", "x"]), "rebuilds the columns"),
    (lambda m: m["design"]["dtypes"].update(z="datetime64[ns]"), "dtype"),
    (lambda m: m["history"].append(5), "history"),
    (lambda m: m["history"].append("val_loss"), "history"),
    (lambda m: m["design"].update(task="clustering"), "task, classes and targets"),
    (lambda m: m["model"].update(convergence="hacked"), "convergence"),
    (lambda m: m["model"].update(convergence=3), "model.convergence"),
])
def test_edited_json_is_refused(saved, tmp_path, change, message):
    bad = _rewrite(saved, tmp_path / "edit.npz", meta_change=change)
    with pytest.raises(ModelFileError, match=message):
        NeuralNetwork.load(bad)


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(W1=a["W1"][:, :2]), "shape"),
    (lambda a: a.update(W2=a["W2"].astype(np.float32)), "dtype"),
    (lambda a: a.pop("X"), "lacks the array 'X'"),
    (lambda a: a.update(extra=np.zeros(2)), "unexpected entries"),
    (lambda a: a.update(Y=a["Y"] + 5), "class codes"),
    (lambda a: a.update(history_present=a["history_present"].astype(int)), "dtype"),
    (lambda a: a.update(W1=a["W1"] * np.nan), "NaN"),
    (lambda a: a.update(X=np.full_like(a["X"], np.inf)), "NaN or infinite"),
])
def test_edited_arrays_are_refused(saved, tmp_path, change, message):
    bad = _rewrite(saved, tmp_path / "edit.npz", arrays_change=change)
    with pytest.raises(ModelFileError, match=message):
        NeuralNetwork.load(bad)


@pytest.mark.parametrize("formula", [
    "k ~ {__import__('pathlib').Path(MARKER).write_text('x')}",
    "k ~ I(__import__('pathlib').Path(MARKER).write_text('x'))",
    "k ~ x + open(MARKER, 'w')",
    "k ~ x + np.save(MARKER, 1)",
    "k ~ x + scale(x).__class__",
    "k ~ x + eval('1')",
    "k ~ x + C(g, **{})",
])
def test_formula_injection_is_refused_before_formulaic_sees_it(saved, tmp_path, formula):
    marker = tmp_path / "marker"
    formula = formula.replace("MARKER", repr(str(marker)))
    bad = _rewrite(saved, tmp_path / "inject.npz", meta_change=lambda m: m["design"].update(formula=formula))
    with pytest.raises(ModelFileError, match="refused"):
        NeuralNetwork.load(bad)
    assert not marker.exists() and not (tmp_path / "marker.npy").exists()


def test_a_dunder_column_name_cannot_smuggle_a_call(saved, tmp_path):
    def change(m):
        m["design"]["dtypes"]["__import__"] = "float64"
        m["design"]["formula"] = "k ~ x + __import__('os')"
    with pytest.raises(ModelFileError, match="dunder"):
        NeuralNetwork.load(_rewrite(saved, tmp_path / "d.npz", meta_change=change))


def test_foreign_files_are_refused(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.arange(3))
    with zipfile.ZipFile(tmp_path / "zip.npz", "w") as z:
        z.writestr("readme.txt", "hello")
    (tmp_path / "text.npz").write_text("W1,W2\n1,2\n")
    for name, message in [("plain.npz", "no 'meta'"), ("zip.npz", "damaged|not a chainnet"),
                          ("text.npz", "not an .npz")]:
        with pytest.raises(ModelFileError, match=message):
            NeuralNetwork.load(tmp_path / name)
    with pytest.raises(FileNotFoundError, match="no model file"):
        NeuralNetwork.load(tmp_path / "missing.npz")


def test_the_file_is_plain_npz_and_json(saved):
    """Readable with numpy alone, pickle off: the format documented in chainnet.persistence."""
    with np.load(saved, allow_pickle=False) as npz:
        meta = json.loads(npz["meta"].tobytes().decode("utf-8"))
        assert all(npz[k].dtype != object for k in npz.files)
        assert {"W1", "W2", "X", "Y", "opt.m.1", "opt.v.2"} <= set(npz.files)
    assert meta["format"] == "chainnet-model" and meta["version"] == VERSION
    assert meta["design"]["formula"] == "k ~ x + scale(z) + g" and meta["optimizer"]["name"] == "adam"


def test_penguins_demo_model_round_trip(tmp_path):
    data = datasets.load_penguins().dropna().reset_index(drop=True)
    net = NeuralNetwork("species ~ . - year", data=data, hidden=[10, 5], activation="relu", standardize=True, seed=1)
    net.train(3, optimizer="rmsprop", learn_rate=0.01, batch_size=32, trace=0)
    loaded = _reload(net, tmp_path / "p.npz")
    pd.testing.assert_frame_equal(loaded.predict_proba(data), net.predict_proba(data))


def test_load_returns_the_subclass_it_is_called_on_and_save_names_a_missing_folder(toy, tmp_path):
    class MyNet(NeuralNetwork):
        pass
    net = NeuralNetwork("y ~ x", data=toy, hidden=1, seed=0)
    net.save(tmp_path / "n.npz")
    assert type(MyNet.load(tmp_path / "n.npz")) is MyNet
    with pytest.raises(SaveError, match="no folder .*create it first") as info:   # issue 9: a chainnet error
        net.save(tmp_path / "nowhere" / "n.npz")
    assert isinstance(info.value, OSError)                                   # still caught by `except OSError`
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.npz"]       # no temporary file left behind


def test_nullable_pandas_dtypes_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": pd.array(rng.integers(0, 5, 30), dtype="Int64"),
                       "b": pd.array(rng.random(30) > 0.5, dtype="boolean"), "y": rng.normal(size=30)})
    net = NeuralNetwork("y ~ a + b", data=df, hidden=2, seed=0)
    loaded = _reload(net, tmp_path / "n.npz")
    assert loaded.design.dtypes == {"a": "Int64", "b": "boolean", "y": "float64"}
    pd.testing.assert_series_equal(loaded.predict(df), net.predict(df))


def test_categorical_index_is_refused_at_save_and_a_lean_model_saves_lean(toy, tmp_path):
    net = NeuralNetwork("y ~ x", data=toy.set_axis(pd.CategoricalIndex([f"r{i}" for i in range(40)])), hidden=0)
    with pytest.raises(DataError, match="reset_index"):
        net.save(tmp_path / "c.npz")
    lean = _reload(net, tmp_path / "c.npz", include_data=False)
    again = _reload(lean, tmp_path / "again.npz")                      # include_data=True, but it has none
    with np.load(tmp_path / "again.npz", allow_pickle=False) as npz:
        assert "X" not in npz.files
    pd.testing.assert_series_equal(again.predict(toy), net.predict(toy))


def test_deeply_nested_json_is_refused(saved, tmp_path):
    with np.load(saved, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    deep = "[" * 100_000 + "]" * 100_000
    text = arrays.pop("meta").tobytes().decode().replace('"history": [', f'"history": [{deep}, ')
    np.savez(tmp_path / "deep.npz", meta=np.frombuffer(text.encode(), dtype=np.uint8), **arrays)
    with pytest.raises(ModelFileError, match="unreadable"):
        NeuralNetwork.load(tmp_path / "deep.npz")


def test_history_with_and_without_validation_columns_round_trips(toy, tmp_path):
    net = NeuralNetwork("k ~ x + g", data=toy, hidden=3, seed=2).train(3, trace=0, tolerance=0)
    net.train(4, trace=0, tolerance=0, validation=0.25, optimizer="momentum").train(2, trace=0, tolerance=0)
    lengths = [len(row) for row in net._history]   # the validated call ends at its best iteration (1 to 4 rows)
    validated = lengths.count(5)
    assert 1 <= validated <= 4 and lengths == [3] * 3 + [5] * validated + [3] * 2
    loaded = _reload(net, tmp_path / "h.npz")
    assert loaded._history == net._history
    pd.testing.assert_frame_equal(loaded.history, net.history)


def test_loaded_model_plots_with_data_given_again(tmp_path):
    """The raw training frame is not stored: plots of a loaded model say to pass data=, then agree with the original."""
    import matplotlib

    matplotlib.use("Agg")
    from chainnet import DataError, NeuralNetwork, datasets

    d = datasets.make_hotdogs(60, seed=2)
    net = NeuralNetwork("class ~ x1 + x2", data=d, hidden=3, seed=2).train(20, trace=0)
    net.save(tmp_path / "h.npz")
    loaded = NeuralNetwork.load(tmp_path / "h.npz")
    with pytest.raises(DataError, match="pass data="):
        loaded.plot_decision_boundary("x1", "x2")
    a = net.plot_decision_boundary("x1", "x2", resolution=20).collections[0].get_array()
    b = loaded.set_data(d).plot_decision_boundary("x1", "x2", resolution=20).collections[0].get_array()
    np.testing.assert_array_equal(a, b)


def test_the_kept_validation_split_is_saved_and_loaded(tmp_path):
    """Issue 9 §2: the split train(validation=0.2) draws is kept on the network *and in the file*, so a loaded
    model validates on the same held-out rows and trains on exactly as the original does."""
    iris = datasets.load_iris()
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=2).train(5, validation=0.2, learn_rate=1e-3,
                                                                          tolerance=0, trace=0)
    net.save(tmp_path / "v.npz")
    loaded = NeuralNetwork.load(tmp_path / "v.npz")
    np.testing.assert_array_equal(loaded._split.val, net._split.val)
    assert len(net._split.val) == 30                                     # 10 of each class
    for m in (net, loaded):
        m.train(4, validation=0.2, learn_rate=1e-3, tolerance=0, trace=0)
    pd.testing.assert_frame_equal(loaded.history, net.history, check_exact=True)
    assert loaded.params.tobytes() == net.params.tobytes()


@pytest.mark.parametrize("rows", [[5, 3], [0, 0], [-1, 4], [149, 150], []])
def test_an_edited_validation_split_is_refused(tmp_path, rows):
    iris = datasets.load_iris()
    net = NeuralNetwork("Species ~ .", data=iris, hidden=2, seed=0).train(2, validation=0.2, learn_rate=1e-3,
                                                                          tolerance=0, trace=0)
    net.save(tmp_path / "v.npz")
    with np.load(tmp_path / "v.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["validation_rows"] = np.array(rows, dtype=np.int64)
    edited = tmp_path / "edited.npz"
    np.savez(edited, **arrays)                                           # the JSON document member kept as it is
    with pytest.raises(ModelFileError, match="validation split"):
        NeuralNetwork.load(edited)


@pytest.mark.parametrize("optimizer, iterations", [("lbfgs", 3), ("lbfgs", 500), ("gd", 4)])
def test_how_training_ended_survives_save_and_load(tmp_path, toy, optimizer, iterations):
    """``convergence`` (and ``converged``, which follows from it) load as they were saved, as pickling keeps
    them; a file from before they were saved (no field) loads with both None, as an untrained model."""
    import warnings
    net = NeuralNetwork("k ~ x + z + g", data=toy, hidden=3, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.train(iterations, optimizer=optimizer, trace=0)
    net.save(tmp_path / "m.npz")
    back = NeuralNetwork.load(tmp_path / "m.npz")
    assert (back.converged, back.convergence) == (net.converged, net.convergence)
    assert net.convergence is not None and back.converged is net.converged
    old = _rewrite(tmp_path / "m.npz", tmp_path / "old.npz", meta_change=lambda m: m["model"].pop("convergence"))
    assert (NeuralNetwork.load(old).converged, NeuralNetwork.load(old).convergence) == (None, None)
