"""activations: each function against its closed form, each derivative (through the output) against central
finite differences of the function and torch autograd; ``out=`` gives the same numbers; the table pickles."""

import pickle
import warnings

import numpy as np
import pytest

from chainnet.activations import ACTIVATIONS, get_activation
from chainnet.errors import ArgumentError

torch = pytest.importorskip("torch")

CLOSED = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "identity": lambda z: z,
    "softplus": lambda z: np.log1p(np.exp(z)),
}
TORCH = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda z: z,
         "softplus": torch.nn.functional.softplus}
Z = np.linspace(-6, 6, 61).reshape(61, 1) + np.array([[0.013, -0.0071]])   # never exactly 0 (relu's kink)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_function_is_its_closed_form(name):
    np.testing.assert_allclose(ACTIVATIONS[name].f(Z), CLOSED[name](Z), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivative_through_the_output_against_finite_differences(name):
    act, h = ACTIVATIONS[name], 1e-6
    numeric = (CLOSED[name](Z + h) - CLOSED[name](Z - h)) / (2 * h)
    np.testing.assert_allclose(act.df(act.f(Z)), numeric, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivative_against_torch_autograd(name):
    z = torch.tensor(Z, requires_grad=True, dtype=torch.float64)
    TORCH[name](z).sum().backward()
    act = ACTIVATIONS[name]
    np.testing.assert_allclose(act.df(act.f(Z)), z.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_out_gives_the_same_numbers_in_place(name, dtype):
    act, z = ACTIVATIONS[name], Z.astype(dtype)
    fresh, inplace = act.f(z), z.copy()
    assert act.f(inplace, out=inplace) is inplace and inplace.tobytes() == fresh.tobytes()
    assert fresh.dtype == dtype and act.df(fresh).dtype == dtype
    buf = np.empty_like(fresh)
    assert act.df(fresh, out=buf) is buf and buf.tobytes() == act.df(fresh).tobytes()


def test_sigmoid_saturates_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = ACTIVATIONS["sigmoid"].f(np.array([-1000.0, 1000.0]))
    assert s.tolist() == [0.0, 1.0]
    assert ACTIVATIONS["softplus"].f(np.array([1000.0]))[0] == 1000.0


def test_relu_derivative_is_zero_at_zero_as_torch():
    z = torch.tensor([0.0], requires_grad=True, dtype=torch.float64)
    torch.relu(z).backward()
    assert ACTIVATIONS["relu"].df(np.array([0.0]))[0] == z.grad.item() == 0.0


def test_table_pickles_and_names_resolve():
    assert pickle.loads(pickle.dumps(ACTIVATIONS)) == ACTIVATIONS
    assert get_activation("tanh") is ACTIVATIONS["tanh"] and get_activation(ACTIVATIONS["relu"]).name == "relu"
    with pytest.raises(ArgumentError, match=r"unknown activation 'swish'.*'identity'"):
        get_activation("swish")
