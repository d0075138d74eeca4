"""The command line, through subprocess as a user runs it."""

import contextlib
import io
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from chainnet import DivergedError, NeuralNetwork, datasets
from chainnet.cli import main


def run(*args, exe=(sys.executable, "-m", "chainnet")):
    return subprocess.run([*exe, *map(str, args)], capture_output=True, text=True, timeout=300, check=False)


def call(*args):
    """The same command in this process (``cli.main``): as strict (a traceback would raise here), but faster."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:          # argparse's usage errors
            code = exc.code
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def assert_one_line_error(out, *fragments):
    assert out.returncode == 2, out
    assert "Traceback" not in out.stderr and out.stdout == ""
    line = out.stderr.strip().splitlines()[-1]
    assert all(f in line for f in fragments), line


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """iris.csv, a few new rows (one with a missing predictor), and a model fitted on iris by the CLI."""
    d = tmp_path_factory.mktemp("cli")
    iris = datasets.load_iris()
    iris.to_csv(d / "iris.csv", index=False)
    new = iris.iloc[[0, 60, 120, 149]].drop(columns="Species").reset_index(drop=True)
    new.loc[2, "Petal.Width"] = np.nan
    new.to_csv(d / "new.csv", index=False)
    fit = run("fit", "Species ~ .", d / "iris.csv", "--hidden", "5", "--iterations", "300", "--optimizer", "adam",
              "--seed", "1", "--save", d / "iris.npz")
    return d, fit


def test_demo_iris_prints_its_accuracy():
    out = run("demo")
    assert out.returncode == 0, out.stderr
    accuracy = float(out.stdout.strip().splitlines()[-1].split()[-1])
    assert accuracy >= 0.97


def test_unknown_demo_is_one_line_error():
    out = run("demo", "mnist")
    assert out.returncode == 2 and "invalid choice" in out.stderr and "Traceback" not in out.stderr


def test_fit_traces_on_stderr_and_summarises_on_stdout(files):
    d, fit = files
    assert fit.returncode == 0, fit.stderr
    trace = fit.stderr.strip().splitlines()
    assert len(trace) == 10 and trace[-1].startswith("Iteration 300\tLoss ")
    summary = dict(line.split(None, 1) for line in fit.stdout.strip().splitlines())
    net = NeuralNetwork.load(d / "iris.npz")                  # the saved model is the one summarised
    assert summary["formula"] == "Species ~ ." and summary["parameters"] == "43" and summary["saved"].endswith("npz")
    assert float(summary["loss"]) == pytest.approx(net.compute_loss(), rel=1e-5)
    assert float(summary["accuracy"]) == pytest.approx(net.accuracy(), abs=1e-4) and net.accuracy() > 0.9
    assert float(trace[-1].split("\t")[1].split()[1]) == pytest.approx(net.history["loss"].iloc[-1], rel=1e-9)


def test_fit_regression_with_text_column_and_two_hidden_layers(tmp_path, toy):
    toy.to_csv(tmp_path / "toy.csv", index=False)
    out = run("fit", "y ~ x + z + g", tmp_path / "toy.csv", "--hidden", "4,3", "--activation", "tanh",
              "--iterations", "50", "--learn-rate", "0.01", "--optimizer", "rmsprop", "--batch-size", "8",
              "--seed", "2", "--standardize", "--trace", "25", "--save", tmp_path / "toy.npz")
    assert out.returncode == 0, out.stderr
    assert len(out.stderr.strip().splitlines()) == 2 and "rmse" in out.stdout
    net = NeuralNetwork.load(tmp_path / "toy.npz")
    assert net.hidden == (4, 3) and net.design.levels["g"] == ("a", "b", "c") and net.design.dtypes["g"] == "category"
    assert net.layer_sizes == [4, 4, 3, 1] and net.optimizer.name == "rmsprop" and net.standardize


def test_predict_writes_input_columns_then_predictions(files):
    d, _ = files
    out = run("predict", d / "iris.npz", d / "new.csv")
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(io.StringIO(out.stdout))
    new = pd.read_csv(d / "new.csv")
    assert list(table.columns) == [*new.columns, "predicted_Species"] and len(table) == len(new)
    pd.testing.assert_frame_equal(table[new.columns], new)
    expected = NeuralNetwork.load(d / "iris.npz").predict(new)
    assert table["predicted_Species"].isna().tolist() == [False, False, True, False]
    assert table["predicted_Species"].dropna().tolist() == expected.dropna().astype(str).tolist()


def test_predict_proba_to_a_file(files):
    d, _ = files
    out = run("predict", d / "iris.npz", d / "new.csv", "--proba", "--output", d / "out.csv")
    assert out.returncode == 0 and out.stdout == "", out.stderr
    table = pd.read_csv(d / "out.csv")
    probs = table[["prob_setosa", "prob_versicolor", "prob_virginica"]]
    expected = NeuralNetwork.load(d / "iris.npz").predict_proba(pd.read_csv(d / "new.csv"))
    np.testing.assert_allclose(probs.to_numpy(), expected.to_numpy(), rtol=1e-15)
    np.testing.assert_allclose(probs.dropna().sum(axis=1), 1.0, rtol=1e-12)


def test_predict_reads_a_text_column_as_text_even_when_it_looks_numeric(tmp_path):
    rng = np.random.default_rng(0)
    g = rng.choice(["3", "a", "b"], 60)
    x = rng.normal(size=60)
    pd.DataFrame({"x": x, "g": g, "y": x + (g == "3")}).to_csv(tmp_path / "train.csv", index=False)
    pd.DataFrame({"x": [0.5, 1.0], "g": ["3", "3"]}).to_csv(tmp_path / "new.csv", index=False)   # reads as int
    assert run("fit", "y ~ x + g", tmp_path / "train.csv", "--hidden", "0", "--iterations", "5",
               "--save", tmp_path / "m.npz").returncode == 0
    out = run("predict", tmp_path / "m.npz", tmp_path / "new.csv")
    assert out.returncode == 0, out.stderr
    net = NeuralNetwork.load(tmp_path / "m.npz")
    expected = net.predict(pd.DataFrame({"x": [0.5, 1.0], "g": pd.Categorical(["3", "3"])}))
    np.testing.assert_allclose(pd.read_csv(io.StringIO(out.stdout))["predicted_y"], expected, rtol=1e-15)


def test_info_summarises_a_saved_model(files, tmp_path):
    d, _ = files
    out = run("info", d / "iris.npz")
    assert out.returncode == 0, out.stderr
    info = dict(line.split(None, 1) for line in out.stdout.strip().splitlines())
    net = NeuralNetwork.load(d / "iris.npz")
    assert info["formula"] == "Species ~ ." and info["layers"].startswith("4-5-3 ") and info["parameters"] == "43"
    assert info["training"].startswith("300 iterations, optimizer Adam") and info["data"] == "150 rows"
    assert float(info["accuracy"]) == pytest.approx(net.accuracy(), abs=1e-4)
    net.save(tmp_path / "lean.npz", include_data=False)
    lean = dict(line.split(None, 1) for line in run("info", tmp_path / "lean.npz").stdout.strip().splitlines())
    assert lean["data"].startswith("not stored") and "last iteration" in lean["loss"]


@pytest.mark.parametrize("command", ["fit", "predict", "info", "demo"])
def test_every_sub_command_has_help(command):
    out = call(command, "--help")
    assert out.returncode == 0 and out.stdout.startswith(f"usage: chainnet {command}")


def test_console_script():
    exe = shutil.which("chainnet", path=str(__import__("pathlib").Path(sys.executable).parent))
    if exe is None:
        pytest.skip("the chainnet console script is not installed next to this Python")
    out = run("--help", exe=(exe,))
    assert out.returncode == 0 and "fit" in out.stdout and "predict" in out.stdout


def test_user_mistakes_are_one_line_errors(files, tmp_path):
    d, _ = files
    (tmp_path / "ragged.csv").write_text("a,b\n1,2,3\n4,5\n")
    (tmp_path / "binary.csv").write_bytes(bytes(range(128, 256)) * 4)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "pickle.npz").write_bytes(pickle.dumps({"W1": [1, 2]}))
    pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 3.0]}).to_csv(tmp_path / "reg.csv", index=False)
    iris = d / "iris.csv"
    cases = [
        (("fit", "Species ~ .", tmp_path / "missing.csv"), ["no such data file", "missing.csv"]),
        (("fit", "Species ~ Sepal.Lenght", iris), ["Sepal.Lenght", "did you mean 'Sepal.Length'"]),
        (("fit", "Species ~ {__import__('os').getpid()}", iris), ["refused", "'{'"]),
        (("fit", "Species ~", iris), ["no predictors"]),
        (("fit", "a ~ b", tmp_path / "ragged.csv"), ["cannot be read as CSV", "more fields than the header"]),
        (("fit", "a ~ b", tmp_path / "binary.csv"), ["cannot be read as CSV"]),
        (("fit", "a ~ b", tmp_path / "empty.csv"), ["empty"]),
        (("fit", "Species ~ .", iris, "--learn-rate", "-1"), ["learn_rate"]),
        (("predict", tmp_path / "missing.npz", d / "new.csv"), ["no model file"]),
        (("predict", tmp_path / "pickle.npz", d / "new.csv"), ["not a chainnet model file", "pickle"]),
        (("predict", d / "iris.npz", tmp_path / "reg.csv"), ["lacks the predictor column"]),
        (("info", iris), ["not a chainnet model file"]),
    ]
    for i, (args, fragments) in enumerate(cases):
        assert_one_line_error((run if i < 6 else call)(*args), *fragments)   # bad formula, file, CSV: subprocess
    assert_one_line_error(call("predict", d / "iris.npz", tmp_path / "reg.csv", "--proba"), "lacks the predictor")
    fitted = call("fit", "x ~ y", tmp_path / "reg.csv", "--iterations", "2", "--save", tmp_path / "reg.npz")
    assert fitted.returncode == 0, fitted.stderr
    assert_one_line_error(call("predict", tmp_path / "reg.npz", tmp_path / "reg.csv", "--proba"),
                          "--proba is for classification")
    assert_one_line_error(call("fit", "x ~ y", tmp_path / "reg.csv", "--save", tmp_path / "no" / "m.npz"), "no folder")
    for args, fragment in [(("fit", "Species ~ .", iris, "--optimizer", "sgd"), "invalid choice: 'sgd'"),
                           (("fit", "Species ~ .", iris, "--hidden", "10,x"), "--hidden"),
                           (("predict", d / "iris.npz"), "required")]:
        out = call(*args)
        assert out.returncode == 2 and fragment in out.stderr and "Traceback" not in out.stderr


def test_training_warnings_are_one_line_with_the_shells_fix(tmp_path):
    """A solver stopping at --iterations is said on one line naming --iterations, not as a Python warning with
    its file, line and a ``net.train(5)`` hint the shell cannot run."""
    path = tmp_path / "iris.csv"
    datasets.load_iris().to_csv(path, index=False)
    out = call("fit", "Species ~ .", path, "--optimizer", "lbfgs", "--iterations", 5, "--quiet")
    assert out.returncode == 0, out
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    expected = ("chainnet: warning: optimizer 'lbfgs' stopped at the iteration limit (5 iterations) before its "
                "convergence tests passed: run again with a larger --iterations")
    assert lines == [expected], out.stderr


def test_a_loss_increase_is_one_line_naming_the_learn_rate_option(capsys):
    import warnings

    from chainnet._commands import _show
    net = NeuralNetwork("Species ~ .", datasets.load_iris(), hidden=5, seed=1).train(9999, learn_rate=1e-4, trace=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net.train(1000, trace=0)                     # the R6 post's rate 0.01 after 1e-4: the loss rises 18 -> 83
    _show(caught)
    err = capsys.readouterr().err
    assert err.startswith("chainnet: warning: this train() call ended with a higher loss than it started with ("), err
    assert err.rstrip().endswith("try a smaller --learn-rate, or --optimizer lbfgs, which needs none"), err
    assert len(err.strip().splitlines()) == 1 and "learn_rate" not in err


def _csv(tmp_path, frame, name):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("args, rate", [
    (("--learn-rate", "1", "--seed", "1"), "1"),                      # iris at 1: the loss blows up (finite)
    (("--learn-rate", "1e30", "--seed", "1", "--optimizer", "momentum"), "1e+30"),   # the loss becomes infinite
])
def test_a_divergence_is_one_line_in_the_shells_spelling(tmp_path, args, rate):
    """The shell user is told the options to change (``--learn-rate``, ``--optimizer lbfgs``) and that nothing
    was saved, not the Python keywords or where the in-memory model was kept; and no model file is written."""
    model = tmp_path / "m.npz"
    out = call("fit", "Species ~ .", _csv(tmp_path, datasets.load_iris(), "iris.csv"), "--iterations", 300,
               "--quiet", "--save", model, *args)
    assert_one_line_error(out, "training diverged at iteration", f"with --learn-rate {rate};", "nothing was saved",
                          "Try a smaller --learn-rate, e.g.", "or --optimizer lbfgs, which needs none")
    assert "learn_rate" not in out.stderr and "optimizer=" not in out.stderr and "kept" not in out.stderr
    assert not model.exists()


def test_the_fix_offers_lbfgs_unless_it_is_the_optimizer_that_diverged():
    from chainnet import optim
    from chainnet.convergence import retry
    assert retry(0.5, True, optim.Adam()) == "Try a smaller --learn-rate, e.g. 0.05, or --optimizer lbfgs, which needs none"
    assert retry(0.5, False, None) == "Try a smaller learn_rate, e.g. 0.05, or optimizer='lbfgs', which needs none"
    assert retry(5, True, optim.LBFGS()) == "Try a smaller --learn-rate, e.g. 0.5"
    assert retry(5, False, optim.BFGS()) == "Try a smaller learn_rate, e.g. 0.5"


def test_the_python_message_keeps_python_spellings():
    net = NeuralNetwork("Species ~ .", datasets.load_iris(), hidden=5, seed=1).train(3000, learn_rate=1e-3, trace=0)
    with pytest.raises(DivergedError) as caught:
        net.train(200, learn_rate=1.0, tolerance=0, trace=0)
    message = str(caught.value)
    assert "with learn_rate=1;" in message and "optimizer='lbfgs'" in message and "the model is kept" in message
    assert "--" not in message and caught.value.shell != message and "--learn-rate 1;" in caught.value.shell
