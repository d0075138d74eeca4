"""The contenders chainnet is timed against, each written the way its users write it.

- ``numpy_r6_*``: the seed's loops translated line for line into numpy (the R6 class for iris, the post's
  functional ``train()`` for the hot-dog spirals), computing what the seed computes and nothing more.
- ``numpy_adam_loop``: a plain numpy minibatch Adam loop for the large case (the seed has no Adam).
- ``sklearn_*``: ``MLPClassifier`` running its own ``fit`` loop, configured to take the same steps.
- ``torch_*``: PyTorch eager on the CPU, the usual ``zero_grad / forward / loss / backward / step`` loop.

Every function returns ``run(iterations)``, a callable that trains for that many iterations (full-batch cases) or
passes (the large case) and continues where the previous call stopped. The full-batch contenders take optional
starting ``weights`` in chainnet's layout (row 0 of each matrix multiplies the constant 1) and give theirs back
with ``run.weights()``, so that ``run.py`` can check that every contender takes the same steps as chainnet.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np


# ---------------------------------------------------------------------------------------------- plain numpy
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numpy_r6_iris(X, Y, hidden, learn_rate, seed=0, weights=None):
    """The R6 class's loop: ``feedforward()$backpropagate(lr)`` then ``compute_loss() < tolerance``.

    ``X`` (n, D) holds the intercept column (R's ``model.matrix``); ``Y`` (n, K) one-hot. As in R6,
    ``backpropagate`` recomputes the hidden layer and the softmax has no max shift.
    """
    rng = np.random.default_rng(seed)
    n, K = Y.shape
    W1 = 0.01 * rng.standard_normal((X.shape[1], hidden))
    W2 = 0.01 * rng.standard_normal((hidden + 1, K))
    if weights is not None:
        W1, W2 = (W.copy() for W in weights)
    Yid = Y.argmax(axis=1)

    def run(iterations, tolerance=0.0):
        nonlocal W1, W2
        for _ in range(iterations):
            # feedforward(): output <- softmax(cbind(1, sigmoid(X %*% W1)) %*% W2)
            h = sigmoid(X @ W1)
            score = np.hstack([np.ones((n, 1)), h]) @ W2
            output = np.exp(score) / np.exp(score).sum(axis=1, keepdims=True)
            # backpropagate(lr)
            h = sigmoid(X @ W1)
            haty_y = output - Y
            dW2 = np.hstack([np.ones((n, 1)), h]).T @ haty_y
            dh = haty_y @ W2[1:].T
            dW1 = X.T @ (h * (1 - h) * dh)
            W1 = W1 - learn_rate * dW1
            W2 = W2 - learn_rate * dW2
            # if (compute_loss() < tolerance) break
            loss = -np.sum(np.log(output[np.arange(n), Yid]))
            if loss < tolerance:
                break
        return W1, W2

    run.weights = lambda: [W1, W2]
    return run


def numpy_r6_spirals(x, y, hidden, learn_rate, seed=0, weights=None):
    """The post's functional ``train()``: ``feedforward`` and ``backpropagate`` on ``cbind(1, x)``, sigmoid
    output, no loss computed (the post's loop computes none)."""
    rng = np.random.default_rng(seed)
    n = len(x)
    y = y.reshape(n, 1).astype(float)
    w1 = 0.01 * rng.standard_normal((x.shape[1] + 1, hidden))
    w2 = 0.01 * rng.standard_normal((hidden + 1, 1))
    if weights is not None:
        w1, w2 = (W.copy() for W in weights)

    def run(iterations):
        nonlocal w1, w2
        for _ in range(iterations):
            # feedforward(x, w1, w2)
            z1 = np.hstack([np.ones((n, 1)), x]) @ w1
            h = sigmoid(z1)
            z2 = np.hstack([np.ones((n, 1)), h]) @ w2
            y_hat = sigmoid(z2)
            # backpropagate(x, y, y_hat, w1, w2, h, learn_rate)
            dw2 = np.hstack([np.ones((n, 1)), h]).T @ (y_hat - y)
            dh = (y_hat - y) @ w2[1:].T
            dw1 = np.hstack([np.ones((n, 1)), x]).T @ (h * (1 - h) * dh)
            w1 = w1 - learn_rate * dw1
            w2 = w2 - learn_rate * dw2
        return w1, w2

    run.weights = lambda: [w1, w2]
    return run


def numpy_adam_loop(X, y, hidden, batch_size, learn_rate, dtype, seed=0):
    """A plain numpy minibatch loop: ReLU layers, softmax output, summed cross-entropy, torch's Adam."""
    rng = np.random.default_rng(seed)
    X = X.astype(dtype)
    n, K = len(X), int(y.max()) + 1
    Y = np.eye(K, dtype=dtype)[y]
    sizes = [X.shape[1], *hidden, K]
    Ws = [rng.uniform(-1, 1, (a, b)).astype(dtype) * np.sqrt(6 / (a + b)).astype(dtype)
          for a, b in itertools.pairwise(sizes)]
    bs = [np.zeros(b, dtype) for b in sizes[1:]]
    params = Ws + bs
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps, t = 0.9, 0.999, 1e-8, 0

    def run(passes):
        nonlocal t
        for _ in range(passes):
            order = rng.permutation(n)
            for s in range(0, n, batch_size):
                rows = order[s:s + batch_size]
                xb, yb = X[rows], Y[rows]
                hs = [xb]
                for W, b in zip(Ws[:-1], bs[:-1]):
                    hs.append(np.maximum(hs[-1] @ W + b, 0))
                z = hs[-1] @ Ws[-1] + bs[-1]
                e = np.exp(z - z.max(axis=1, keepdims=True))
                p = e / e.sum(axis=1, keepdims=True)
                loss = -np.sum(yb * np.log(p + 1e-300))  # noqa: F841 - computed, as a training loop would
                delta = p - yb
                gW, gb = [None] * len(Ws), [None] * len(Ws)
                for i in range(len(Ws) - 1, -1, -1):
                    gW[i], gb[i] = hs[i].T @ delta, delta.sum(axis=0)
                    if i:
                        delta = (delta @ Ws[i].T) * (hs[i] > 0)
                t += 1
                for P, g, mm, vv in zip(params, gW + gb, m, v):
                    mm[:] = b1 * mm + (1 - b1) * g
                    vv[:] = b2 * vv + (1 - b2) * g * g
                    P -= learn_rate * (mm / (1 - b1 ** t)) / (np.sqrt(vv / (1 - b2 ** t)) + eps)

    return run


def matmul_floor(X, hidden, K, batch_size, dtype, seed=0):
    """Only the matrix products of one pass (forward and backward), on preallocated arrays: what BLAS alone
    costs; no network trains this fast."""
    rng = np.random.default_rng(seed)
    X = X.astype(dtype)
    n = len(X)
    sizes = [X.shape[1], *hidden, K]
    Ws = [rng.standard_normal((a, b)).astype(dtype) for a, b in itertools.pairwise(sizes)]
    Hs = [np.empty((batch_size, s), dtype) for s in sizes]
    dHs = [np.empty((batch_size, s), dtype) for s in sizes]
    gWs = [np.empty_like(W) for W in Ws]

    def run(passes):
        for _ in range(passes):
            for s in range(0, n - batch_size + 1, batch_size):
                np.copyto(Hs[0], X[s:s + batch_size])
                for i, W in enumerate(Ws):
                    np.matmul(Hs[i], W, out=Hs[i + 1])
                dHs[-1][:] = Hs[-1]
                for i in range(len(Ws) - 1, -1, -1):
                    np.matmul(Hs[i].T, dHs[i + 1], out=gWs[i])
                    if i:
                        np.matmul(dHs[i + 1], Ws[i].T, out=dHs[i])

    return run


def torch_matmul_floor(X, hidden, K, batch_size, dtype, seed=0):
    """The same products as ``matmul_floor`` with PyTorch's BLAS (MKL in the x86 wheels): what its training
    loop's products cost."""
    import torch

    rng = np.random.default_rng(seed)
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=dtype))
    n = len(Xt)
    sizes = [X.shape[1], *hidden, K]
    Ws = [torch.from_numpy(rng.standard_normal((b, a)).astype(dtype)) for a, b in itertools.pairwise(sizes)]

    def run(passes):
        with torch.no_grad():
            for _ in range(passes):
                for s in range(0, n - batch_size + 1, batch_size):
                    torch_products(Xt[s:s + batch_size], Ws)

    return run


def torch_products(Xb, Ws) -> None:
    """One batch's matrix products, forward (H_l = H_{l-1} W_l^T) and backward (dW = dH^T H, dH = dH W), with
    the weights ``Ws`` laid out (out, in) as torch keeps them; biases and activations left out."""
    Hs = [Xb]
    for W in Ws:
        Hs.append(Hs[-1] @ W.T)
    dH = Hs[-1]
    for i in range(len(Ws) - 1, -1, -1):
        _ = dH.T @ Hs[i]                 # dW
        if i:
            dH = dH @ Ws[i]


# ---------------------------------------------------------------------------------------------- scikit-learn
def sklearn_mlp(X, y, hidden, activation, solver, batch_size, learn_rate, iterations, dtype, seed=0, weights=None):
    """``MLPClassifier`` running its own loop: ``fit`` with ``max_iter`` epochs, never stopping early.

    Its loss is the mean over the batch, so ``learning_rate_init = learn_rate * batch_size`` takes the step a
    summed loss takes with ``learn_rate`` under plain gradient descent; Adam is scale-free and keeps
    ``learn_rate``. ``tol=0`` with ``n_iter_no_change`` above ``max_iter`` means it never stops early.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X = X.astype(dtype)
    lr = learn_rate * batch_size if solver == "sgd" else learn_rate
    model = MLPClassifier(hidden_layer_sizes=tuple(hidden), activation=activation, solver=solver, alpha=0.0,
                          batch_size=batch_size, learning_rate="constant", learning_rate_init=lr, momentum=0.0,
                          nesterovs_momentum=False, max_iter=iterations, shuffle=solver != "sgd", tol=0.0,
                          n_iter_no_change=iterations + 1, early_stopping=False, random_state=seed,
                          warm_start=True)

    def run(n):
        model.set_params(max_iter=n, n_iter_no_change=n + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        return model

    if weights is not None:  # fit once to set the model up, then start from these weights (warm_start keeps them)
        run(1)
        model.coefs_ = [W[1:].astype(dtype) for W in weights]
        model.intercepts_ = [W[0].astype(dtype) for W in weights]
    run.weights = lambda: [np.vstack([b[None, :], W]) for W, b in zip(model.coefs_, model.intercepts_)]
    return run


# ---------------------------------------------------------------------------------------------- PyTorch
def torch_mlp(X, y, hidden, activation, optimizer, batch_size, learn_rate, dtype, output="softmax", seed=0,
              weights=None):
    """PyTorch eager: ``nn.Sequential`` of ``Linear`` layers, summed cross-entropy (or BCE with logits for one
    sigmoid unit), ``torch.optim.SGD``/``Adam`` with defaults; minibatches by indexing a shuffled order."""
    import torch

    torch.manual_seed(seed)
    tdtype = {"float64": torch.float64, "float32": torch.float32}[np.dtype(dtype).name]
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=dtype))
    K = 1 if output == "sigmoid" else int(y.max()) + 1
    act = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}[activation]
    sizes = [X.shape[1], *hidden, K]
    layers = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers += [torch.nn.Linear(a, b, dtype=tdtype)] + ([act()] if i < len(sizes) - 2 else [])
    model = torch.nn.Sequential(*layers)
    linears = [layer for layer in layers if isinstance(layer, torch.nn.Linear)]
    if weights is not None:
        with torch.no_grad():
            for layer, W in zip(linears, weights):
                layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(W[1:].T)))
                layer.bias.copy_(torch.from_numpy(W[0]))
    if output == "sigmoid":
        yt = torch.from_numpy(y.reshape(-1, 1).astype(dtype))
        loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    else:
        yt = torch.from_numpy(y.astype(np.int64))
        loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
    opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[optimizer](model.parameters(), lr=learn_rate)
    n = len(Xt)

    def step(xb, yb):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    def run(iterations):
        for _ in range(iterations):
            if batch_size is None:
                step(Xt, yt)
                continue
            order = torch.randperm(n)
            for s in range(0, n, batch_size):
                rows = order[s:s + batch_size]
                step(Xt[rows], yt[rows])
        return model

    run.weights = lambda: [np.vstack([layer.bias.detach().numpy()[None, :], layer.weight.detach().numpy().T])
                           for layer in linears]
    return run
