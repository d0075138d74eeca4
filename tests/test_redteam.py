"""Red-team attacks on the promises of issue 9 (files never run code, a raise changes nothing, divergence keeps a
finite model) and on error messages, each found by trying to break main; every test fails on the code it fixed.
The truths are state snapshots taken before the call, finite differences and R's model.matrix numbers."""

import os
import stat

import numpy as np
import pytest
from state_snapshot import whole_state

from chainnet import ArgumentTypeError, DivergedError, NeuralNetwork, SaveError, datasets, optim


@pytest.fixture
def iris():
    return datasets.load_iris()


def trained(iris, **kw):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=[4], seed=0, **kw)
    return net.train(3, optimizer="adam", learn_rate=0.01, trace=0, validation=0.2).feedforward()


# ------------------------------------------------------------------------------------------- optimizer class
def test_an_optimizer_class_instead_of_an_instance_is_a_clear_error_and_changes_nothing(iris):
    """train(optimizer=optim.Adam) (the class, a careless user's slip) reached Adam.init_state unbound and
    leaked a raw TypeError about a missing 'dtype' argument."""
    net = trained(iris)
    before = whole_state(net)
    with pytest.raises(ArgumentTypeError, match=r"optimizer.*class.*optim\.Adam\(\)|optimizer.*Adam\(\)"):
        net.train(2, optimizer=optim.Adam, trace=0)
    assert whole_state(net) == before


# ------------------------------------------------------------------------------------------- save targets
def test_save_never_replaces_a_device_or_fifo(tmp_path, iris):
    """save('/dev/full') (as root) replaced the device node with a regular file (os.replace onto it); a FIFO
    the same. Saving onto something that is not a regular file is refused, and the node is left alone."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    net = trained(iris)
    with pytest.raises(SaveError, match="not a regular file"):
        net.save(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]     # no temporary file left either


# ------------------------------------------------------------------------------------------- params setter
def test_assigning_params_copies_into_the_live_buffer(iris):
    """net.params = v rebound the attribute: W1, W2 stayed views of the old buffer, so the network computed with
    the old weights, trained the new vector, and saved W1 from the old one. Assigning copies into the buffer."""
    net = trained(iris)
    W1 = net.W1
    net.params = np.zeros(net.params.size)
    assert (W1 == 0).all() and (net.W1 == 0).all()
    assert net.compute_loss() == pytest.approx(150 * np.log(3), rel=1e-12)   # all-zero weights: p = 1/3
    net.train(1, trace=0)
    assert np.shares_memory(net.W1, net.params) and np.array_equal(np.concatenate(
        [W.ravel() for W in net.weights]), net.params)


@pytest.mark.parametrize("value", ["abc", np.zeros(3), [np.nan] * 43])
def test_a_bad_params_assignment_is_a_clear_error_and_changes_nothing(iris, value):
    net = trained(iris)
    before = whole_state(net)
    with pytest.raises((ArgumentTypeError, ValueError), match="params"):
        net.params = value
    assert whole_state(net) == before


# ------------------------------------------------------------------------------------------- negative seed
def test_a_negative_seed_is_a_clear_error_in_python_and_the_cli(iris, tmp_path, capsys):
    """seed=-1 leaked numpy's raw 'ValueError: expected non-negative integer' (with a traceback from
    `chainnet fit --seed -1`)."""
    from chainnet import ArgumentError
    from chainnet.cli import main
    with pytest.raises(ArgumentError, match="seed must be an integer >= 0"):
        NeuralNetwork("Species ~ .", iris, seed=-1)
    path = tmp_path / "iris.csv"
    iris.to_csv(path, index=False)
    assert main(["fit", "Species ~ .", str(path), "--iterations", "2", "--seed", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("chainnet: error: seed must be an integer >= 0")


# ------------------------------------------------------------------------------------------- dotted transforms
@pytest.mark.parametrize("formula", ["Species ~ scale(Petal.Width)", "Species ~ Sepal.Length + poly(Petal.Width, 2)",
                                     "Species ~ center(Sepal.Length) + scale(Petal.Length)"])
def test_a_transform_of_a_dotted_column_saves_and_loads(iris, tmp_path, formula):
    """Every model whose formula had scale()/center()/poly() of an R-style dotted column (iris's own names)
    was refused by load(): formulaic keys the transform state by the sanitised call 'scale(Petal_Width)',
    which the state check looked for in the back-quoted factor text. The loaded model must predict as saved;
    the truth is the hand-made scale() of the new rows with the TRAINING centre and sd."""
    net = NeuralNetwork(formula, iris, hidden=2, seed=1).train(3, trace=0)
    net.save(tmp_path / "m.npz")
    back = NeuralNetwork.load(tmp_path / "m.npz")
    new = iris.iloc[[0, 70, 140]]
    np.testing.assert_array_equal(back.predict_proba(new).to_numpy(), net.predict_proba(new).to_numpy())
    if formula == "Species ~ scale(Petal.Width)":
        pw = iris["Petal.Width"]
        X = back._scored(new)[0]
        np.testing.assert_allclose(X[:, 1], (new["Petal.Width"] - pw.mean()) / pw.std(ddof=1), rtol=1e-12)


# ------------------------------------------------------------------------------------------- edited labels
def _edited_file(tmp_path, iris, edit):
    """A real saved model whose JSON document is edited by ``edit(meta)``, written back as a new .npz."""
    import io
    import json
    import zipfile
    d = iris.assign(g=np.where(iris.index % 2, "a", "b"))
    NeuralNetwork("Species ~ Sepal.Length + g + scale(Petal.Width)", d, seed=1).train(2, trace=0).save(
        tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz") as z:
        members = {n: z.read(n) for n in z.namelist()}
    meta = json.loads(np.load(io.BytesIO(members["meta.npy"])).tobytes())
    edit(meta)
    buf = io.BytesIO()
    np.save(buf, np.frombuffer(json.dumps(meta).encode(), np.uint8))
    members["meta.npy"] = buf.getvalue()
    with zipfile.ZipFile(tmp_path / "x.npz", "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    return tmp_path / "x.npz", d


@pytest.mark.parametrize("edit, match", [
    (lambda m: m["design"]["levels"].__setitem__("g", [["a"], ["b"]]), "levels of 'g'"),   # raw TypeError at predict
    (lambda m: m["design"]["levels"].__setitem__("g", ["a", "a"]), "levels of 'g'"),
    (lambda m: [v.__setitem__("scale", {"$float": "nan"}) for v in m["design"]["transform_state"].values()],
     "transform parameters"),                                                              # silently predicted NaN
    (lambda m: m["design"].__setitem__("response", "Sepal.Length"), "response 'Sepal.Length'"),
])
def test_edited_levels_response_and_transform_state_are_refused_at_load(tmp_path, iris, edit, match):
    """These edits loaded, then predict() leaked a raw TypeError (unhashable levels), predicted NaN for every
    row without a word (a NaN scale()), or scored a different column than the formula's response."""
    from chainnet import ModelFileError
    path, _ = _edited_file(tmp_path, iris, edit)
    with pytest.raises(ModelFileError, match=match):
        NeuralNetwork.load(path)


# ------------------------------------------------------------------------------------------- backpropagate
def test_backpropagate_to_finite_weights_with_a_nan_loss_raises_and_changes_nothing(iris):
    """With standardize=True, backpropagate(1e308) moves to weights that are finite (~1e307) but whose loss is
    NaN: the step was taken, nothing raised, and the model was ruined (README: 'backpropagate(1e308) raises
    and changes nothing')."""
    net = trained(iris, standardize=True)
    before = whole_state(net)
    with pytest.raises(DivergedError):
        net.backpropagate(1e308)
    assert whole_state(net) == before and np.isfinite(net.compute_loss())


# ------------------------------------------------------------------------------------------- formulas in Python
@pytest.mark.parametrize("formula", ["Species ~ sqrt(-Sepal.Length)", "Species ~ log(Sepal.Length - 10)",
                                     "Species ~ log(Sepal.Length, -1)"])
def test_a_term_that_is_nan_on_every_row_is_a_data_error(iris, formula):
    """sqrt/log of negative values on every row: formulaic dropped all rows and the response code leaked a raw
    'IndexError: tuple index out of range' (R says the values are NaN)."""
    from chainnet import DataError
    with pytest.raises(DataError, match="NaN on every row"):
        NeuralNetwork(formula, iris)


def test_a_multi_part_formula_is_a_formula_error(iris):
    """'y ~ a | b' (formulaic's multi-part syntax) leaked "AttributeError: 'tuple' object has no attribute
    'to_numpy'" from the Python constructor."""
    from chainnet import FormulaError
    with pytest.raises(FormulaError, match=r"'\|' parts"):
        NeuralNetwork("Species ~ Sepal.Length | Petal.Width", iris)


@pytest.mark.parametrize("value", ["yes", "no", 1, None])
def test_standardize_must_be_a_boolean(iris, value):
    """standardize='no' was taken as True (any truthy value), unlike every other flag (shuffle, progress,
    include_data), which are checked."""
    with pytest.raises(ArgumentTypeError, match="standardize must be True or False"):
        NeuralNetwork("Species ~ .", iris, standardize=value)


@pytest.mark.parametrize("columns", [["accuracy", "learn_rate"], ["loss", "accuracy", "evil"]])
def test_edited_history_columns_are_refused_at_load(tmp_path, iris, columns):
    """A file whose history names other columns loaded, then repr(), summary() and net.history leaked a raw
    pandas KeyError ('loss' / 'learn_rate')."""
    from chainnet import ModelFileError
    path, _ = _edited_file(tmp_path, iris, lambda m: m.__setitem__("history", columns))
    with pytest.raises(ModelFileError, match="history columns"):
        NeuralNetwork.load(path)


def test_a_numeric_column_with_one_typo_gets_a_data_warning(iris):
    """One 'abc' (or '?', 'missing') in a numeric column makes it text: Sepal.Length silently became 34 dummy
    columns (a 38-5-3 network on 150 rows); the 'numbers stored as text' warning needed every value numeric."""
    from chainnet import DataWarning
    bad = iris.astype({"Sepal.Length": object})
    bad.loc[5, "Sepal.Length"] = "abc"
    bad["Sepal.Length"] = bad["Sepal.Length"].astype(str)
    with pytest.warns(DataWarning, match=r"'Sepal.Length' holds numbers stored as text except \['abc'\]"):
        NeuralNetwork("Species ~ .", bad, seed=1)


def test_the_cli_reports_an_impossible_network_size_in_one_line(iris, tmp_path, capsys):
    """`chainnet fit ... --hidden 100000,100000` printed numpy's _ArrayMemoryError traceback (74.5 GiB); here 10^7 units (800 TB: beyond any address space, so no overcommit can accept it)."""
    from chainnet.cli import main
    path = tmp_path / "iris.csv"
    iris.to_csv(path, index=False)
    assert main(["fit", "Species ~ .", str(path), "--hidden", "10000000,10000000", "--iterations", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("chainnet: error: out of memory") and "TiB" in err[0]
