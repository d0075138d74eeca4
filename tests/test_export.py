"""to_torch: the same function, the same loss, the same gradients, checked against PyTorch's autograd."""

import itertools

import numpy as np
import pytest

from chainnet import ArgumentError, NeuralNetwork

torch = pytest.importorskip("torch")
export = pytest.importorskip("chainnet.export")
from_torch, layout, objective, tensors = export.from_torch, export.layout, export.objective, export.tensors

TASKS = {"binary": "yes ~ x + z + g", "multiclass": "k ~ x + z + g", "regression": "y ~ x + g",
         "two outputs": "y + y2 ~ x + z - 1"}
CASES = list(itertools.product(TASKS, ["sigmoid", "tanh", "relu", "identity", "softplus"], [0, 4, [5, 3]]))


def _net(toy, formula, activation, hidden, **kwargs):
    net = NeuralNetwork(formula, data=toy, hidden=hidden, activation=activation, seed=3, decay=0.05,
                        standardize=True, **kwargs)
    return net.train(5, learn_rate=1e-3, trace=0, optimizer="adam", tolerance=0)   # off the initial weights


@pytest.mark.parametrize("task, activation, hidden", CASES)
def test_output_loss_and_gradients_match_autograd(toy, task, activation, hidden):
    net = _net(toy, TASKS[task], activation, hidden)
    model = net.to_torch()
    X, T = tensors(net)
    out = model(X)
    assert out.dtype == torch.float64
    np.testing.assert_allclose(out.detach().numpy(), net.feedforward().output, rtol=0, atol=1e-10)
    loss = objective(net, model)(X, T)
    loss.backward()
    assert loss.item() == pytest.approx(net.compute_loss(), rel=1e-12)
    for g_torch, g in zip(layout(model, grads=True), net.gradients()):
        np.testing.assert_allclose(g_torch, g, rtol=1e-9, atol=1e-10)


def test_layers_and_logits(toy):
    net = _net(toy, TASKS["multiclass"], "relu", [5, 3], dropout=[0.5, 0.0])
    model = net.to_torch()
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Linear", "Softmax"]
    assert model[0].bias is None and model[0].in_features == net.X.shape[1]
    X, _ = tensors(net)
    model.eval()                                   # dropout off, as chainnet's predict
    np.testing.assert_allclose(model(X).detach().numpy(), net.feedforward().output, rtol=0, atol=1e-10)
    Z = model[:-1](X).detach().numpy()
    np.testing.assert_allclose(np.exp(Z) / np.exp(Z).sum(1, keepdims=True), net.output, rtol=0, atol=1e-12)


def test_torch_sgd_steps_equal_backpropagate_and_weights_come_back(toy):
    net = _net(toy, TASKS["binary"], "tanh", 4)
    model = net.to_torch()
    X, T = tensors(net)
    f = objective(net, model)
    sgd = torch.optim.SGD(model.parameters(), lr=1e-3)
    for _ in range(10):
        sgd.zero_grad()
        f(X, T).backward()
        sgd.step()
        net.backpropagate(1e-3)
    for W_torch, W in zip(layout(model), net.weights):
        np.testing.assert_allclose(W_torch, W, rtol=1e-12, atol=1e-13)
    other = _net(toy, TASKS["binary"], "tanh", 4).train(3, trace=0)
    assert from_torch(other, model) is other
    np.testing.assert_allclose(other.predict_proba(toy).to_numpy(), net.predict_proba(toy).to_numpy(), atol=1e-12)


def test_tensors_encode_new_data_through_the_formula(toy):
    net = _net(toy, TASKS["multiclass"], "sigmoid", 3)
    X, T = tensors(net, toy.iloc[5:12])
    np.testing.assert_array_equal(X.numpy(), net.X[5:12])
    np.testing.assert_array_equal(T.numpy(), net._T[5:12])
    X32, _ = tensors(net, dtype="float32")
    assert X32.dtype == torch.float32
    out = net.to_torch(dtype="float32")(X32).detach().numpy()
    np.testing.assert_allclose(out, net.feedforward().output, atol=1e-5)


def test_bad_arguments(toy):
    net = _net(toy, TASKS["regression"], "relu", 2)
    with pytest.raises(ArgumentError, match="dtype"):
        net.to_torch(dtype="float16")
    small = _net(toy, TASKS["regression"], "relu", 3)
    with pytest.raises(ArgumentError, match="do not match"):
        from_torch(small, net.to_torch())


def test_ddp_training_in_a_gloo_group_equals_chainnet_training(toy, tmp_path):
    """The README's hand-off in miniature: DistributedDataParallel (one CPU process, gloo) trains the exported
    logits on chainnet's design matrix with torch's Adam, and lands on the weights chainnet's Adam reaches."""
    dist = pytest.importorskip("torch.distributed")
    if not dist.is_available():
        pytest.skip("torch.distributed is not available")
    from torch.nn.parallel import DistributedDataParallel as DDP

    net = NeuralNetwork("k ~ x + scale(z) + g", data=toy, hidden=[5, 3], activation="tanh", seed=4)
    net.save(tmp_path / "start.npz")
    twin = NeuralNetwork.load(tmp_path / "start.npz")                   # the same network, for chainnet to train
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        X, T = tensors(net)
        model = DDP(net.to_torch()[:-1])
        loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        for _ in range(25):
            opt.zero_grad()
            loss_fn(model(X), T).backward()
            opt.step()
    finally:
        dist.destroy_process_group()
    twin.train(25, learn_rate=0.01, optimizer="adam", trace=0, tolerance=0)
    from_torch(net, model.module)
    for W, V in zip(net.weights, twin.weights):
        np.testing.assert_allclose(W, V, rtol=1e-9, atol=1e-11)
