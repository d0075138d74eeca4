"""Where chainnet's time goes: one training iteration (small) or one batch (large), phase by phase.

    python benchmarks/breakdown.py             # iris 4-5-3 (µs per iteration) and the large network (µs per batch)
    python benchmarks/breakdown.py --threads 1

Each phase is the real chainnet call on the real arrays, timed alone (best of several repeats), so the phases
add up to about the iteration's time; the large case also times the same matrix products with PyTorch's BLAS.
The entry points are chainnet's documented modules: ``propagation.forward`` / ``backward`` on
``propagation.Buffers``, the ``losses`` table, the optimizer protocol on ``net.params``, and the steps of
``training._loop`` as ``chainnet._run.Run`` names them (``check``, ``record``, ``stop``).
"""

from __future__ import annotations

import argparse
import sys
import timeit

import numpy as np
from memory import large_frame
from peers import torch_products


def best(fn, number: int) -> float:
    """Best time of ``fn`` in µs over 7 repeats of ``number`` calls."""
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def phases(net, batch_rows, optimizer: str, learn_rate: float, number: int) -> dict:
    """The phases of one update, through chainnet's documented entry points: ``propagation.forward`` /
    ``backward`` on ``propagation.Buffers``, the ``losses`` table, the optimizer protocol on ``net.params``."""
    from chainnet._scoring import class_codes
    from chainnet.activations import get_activation
    from chainnet.losses import loss_for
    from chainnet.propagation import Buffers, backward, forward, units

    net.train(1, optimizer=optimizer, learn_rate=1e-12, tolerance=0, trace=0,
              batch_size=None if batch_rows is None else len(batch_rows))
    T_all = net.design.encode_response(net.Y, net.dtype)[0]
    X, T = (net.X, np.asfortranarray(T_all)) if batch_rows is None else (net.X[batch_rows], T_all[batch_rows])
    # (a full batch's targets in the pass buffers' unit-by-unit layout, as chainnet._run.Run keeps them)
    act, loss = get_activation(net.activation), loss_for(net.task, len(net.classes))
    buf = Buffers(units(net.weights), len(X), net.dtype)
    grads = [np.empty_like(W) for W in net.weights]
    g = np.zeros_like(net.params)
    cache = forward(X, net.weights, act, buf=buf)
    codes = class_codes(T)
    out = {}
    if batch_rows is not None:
        out["gather the batch's rows"] = best(lambda: (net.X[batch_rows], T_all[batch_rows]), number)
    out["forward total (propagation.forward: products + activation)"] = best(
        lambda: forward(X, net.weights, act, buf=buf), number)
    out[f"output + loss + delta ({loss.name})"] = best(
        lambda: loss.evaluate(cache.Z, T, None, buf.output, buf.delta), number)
    out["accuracy (argmax, compare, count)"] = best(
        lambda: np.count_nonzero(class_codes(buf.output) == codes), number)
    out["backward total (propagation.backward: products + derivative)"] = best(
        lambda: backward(cache, buf.delta, net.weights, act, grads, buf), number)
    out[f"  of which {net.activation}' (all layers)"] = best(
        lambda: [act.df(A, out=dA) for A, dA in zip(cache.A, buf.dA)], number)
    state = {k: v.copy() for k, v in net.optimizer_state.items()}
    w = net.params.copy()
    out[f"update ({optimizer}, one call on the flat vector)"] = best(
        lambda: net.optimizer.step(state, w, g, 1e-12, 0.0, None), number)
    out.update(loop_steps(net, batch_rows, number))
    return out


def loop_steps(net, batch_rows, number: int) -> dict:
    """The loop's steps around the update, on a ``Run`` of a call made for it (its rows stay in the history)."""
    from chainnet import training
    from chainnet._rollback import Snapshot
    from chainnet._run import Run
    from chainnet._splits import training_data

    s = training.settings(net, 1, learn_rate=1e-12, tolerance=0, trace=0, optimizer=net.optimizer,
                          batch_size=None if batch_rows is None else len(batch_rows))
    run = Run(net, s, training_data(net, None, s.batch_size), Snapshot(net))
    loss = net.compute_loss()
    run.check(loss, 1e-12)                                         # the blow-up rule's first call sets it up

    return {"check: finite loss and weights, blow-up rule": best(lambda: run.check(loss, 1e-12), number),
            "record: history row, checkpoint (params + state), trace": best(lambda: run.record(loss, 0.5, 1e-12), number),
            "stop: the solver's test, tolerance, patience": best(lambda: run.stop(loss), number)}


def small(number: int) -> None:
    from chainnet import NeuralNetwork, datasets

    net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=5, seed=1)
    net.train(10, learn_rate=1e-4, trace=0)
    table = phases(net, None, "gd", 1e-4, number)
    table["one whole iteration: train(1000) / 1000"] = best(
        lambda: net.train(1000, learn_rate=1e-12, tolerance=0, trace=0), 3) / 1000
    print_table("small: iris 4-5-3 sigmoid, full batch, µs per iteration", table)


def large(number: int, threads: int, dtype: str) -> None:
    import torch

    from chainnet import NeuralNetwork

    net = NeuralNetwork("y ~ .", data=large_frame(20_000), hidden=[256, 256], activation="relu", seed=0, dtype=dtype)
    net.train(1, optimizer="adam", batch_size=256, learn_rate=1e-3, trace=0, tolerance=0)
    rows = np.random.default_rng(0).permutation(len(net.X))[:256]
    table = phases(net, rows, "adam", 1e-3, number)
    Xt = torch.from_numpy(np.ascontiguousarray(net.X[rows, 1:]))
    Ws = [torch.from_numpy(np.ascontiguousarray(W[1:].T)) for W in net.weights]  # (out, in), biases apart

    with torch.no_grad():
        table["PyTorch (MKL): the same products, forward + backward"] = best(lambda: torch_products(Xt, Ws), number)
    table["one whole batch: train(1) on 20,000 rows / 78 batches"] = best(
        lambda: net.train(1, optimizer="adam", batch_size=256, learn_rate=1e-3, tolerance=0, trace=0), 1) / (
        len(net.X) / 256)
    print_table(f"large: 50 -> [256, 256] ReLU -> 10, Adam, batch 256, {dtype}, {threads} BLAS threads, "
                "µs per batch", table)


def print_table(title: str, table: dict) -> None:
    print(f"\n{title}")
    for name, us in table.items():
        print(f"  {name:58s} {us:9.2f}")
    sys.stdout.flush()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=None, help="BLAS and PyTorch threads")
    args = parser.parse_args(argv)
    import threadpoolctl
    import torch

    if args.threads:
        threadpoolctl.threadpool_limits(args.threads, user_api="blas")
    threads = args.threads or next(p["num_threads"] for p in threadpoolctl.threadpool_info()
                                   if p["user_api"] == "blas" and "numpy" in p["filepath"])
    torch.set_num_threads(threads)
    small(3000)
    for dtype in ("float64", "float32"):
        large(30, threads, dtype)
    return 0


if __name__ == "__main__":
    sys.exit(main())
