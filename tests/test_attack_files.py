"""Attack on the model file's new ``convergence`` field: crafted files (wrong types, unknown reasons, huge
strings, code) are refused with a short ModelFileError; every reason round-trips with the ``converged`` it
implies; a file written before the field loads as "never trained"."""

import json
import warnings

import numpy as np
import pytest

from chainnet import ConvergenceWarning, DivergedError, ModelFileError, NeuralNetwork, datasets
from chainnet.convergence import CONVERGED

IRIS = datasets.load_iris()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("files") / "model.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        NeuralNetwork("Species ~ .", IRIS, hidden=2, seed=1).train(3, optimizer="lbfgs", trace=0).save(path)
    return path


def crafted(saved, tmp_path, edit):
    arrays = dict(np.load(saved))
    meta = json.loads(bytes(arrays["meta"]).decode())
    edit(meta["model"])
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    path = tmp_path / "crafted.npz"
    np.savez(path, **arrays)
    return path


def put(value):
    return lambda model: model.__setitem__("convergence", value)


@pytest.mark.parametrize("value", ["bogus", "Gradient", "gradient ", "", 3, 1.5, True, ["gradient"],
                                   {"gradient": True}, "__import__('os').system('touch /tmp/chainnet_pwned')",
                                   "x" * 3_000_000])
def test_a_crafted_convergence_is_refused_in_one_short_line(saved, tmp_path, value):
    with pytest.raises(ModelFileError) as err:
        NeuralNetwork.load(crafted(saved, tmp_path, put(value)))
    message = str(err.value)
    assert "\n" not in message and len(message) < 400, message[:500]
    assert "convergence" in message


@pytest.mark.parametrize("reason", sorted(CONVERGED))
def test_every_reason_loads_with_the_converged_it_implies(saved, tmp_path, reason):
    net = NeuralNetwork.load(crafted(saved, tmp_path, put(reason)))
    assert net.convergence == reason and net.converged is CONVERGED[reason]


def test_a_file_from_before_the_field_loads_as_never_trained(saved, tmp_path):
    net = NeuralNetwork.load(crafted(saved, tmp_path, lambda model: model.pop("convergence")))
    assert net.convergence is None and net.converged is None


def test_a_diverged_model_saves_and_loads_as_diverged(tmp_path):
    net = NeuralNetwork("Species ~ .", IRIS, hidden=3, seed=1).train(300, optimizer="adam", learn_rate=0.05, trace=0)
    with pytest.raises(DivergedError):
        net.train(50, optimizer="gd", learn_rate=1.0, trace=0)
    assert net.convergence == "diverged"
    net.save(tmp_path / "d.npz")
    back = NeuralNetwork.load(tmp_path / "d.npz")
    assert (back.convergence, back.converged) == ("diverged", False)
    np.testing.assert_array_equal(back.params, net.params)


def test_a_huge_string_in_any_field_gives_a_short_error(tmp_path):
    """A crafted file with megabytes in a string field the assembler refuses (here the activation) is refused
    with a message of bounded length, not the megabytes echoed back."""
    path = tmp_path / "m.npz"
    NeuralNetwork("Species ~ .", datasets.load_iris(), hidden=2, seed=0).save(path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(arrays.pop("meta").tobytes())
    meta["model"]["init"] = "x" * 3_000_000
    np.savez(tmp_path / "big.npz", meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    with pytest.raises(ModelFileError) as caught:
        NeuralNetwork.load(tmp_path / "big.npz")
    assert len(str(caught.value)) < 1000 and "damaged or was edited" in str(caught.value)
