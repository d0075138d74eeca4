"""Where chainnet's time goes: one training iteration (small) or one batch (large), phase by phase.

    python benchmarks/breakdown.py             # iris 4-5-3 (µs per iteration) and the large network (µs per batch)
    python benchmarks/breakdown.py --threads 1

Each phase is the real chainnet call on the real arrays, timed alone (best of several repeats), so the phases
add up to about the iteration's time; the large case also times the same matrix products with PyTorch's BLAS.
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
    from chainnet import training
    from chainnet.propagation import forward

    batch = None if batch_rows is None else len(batch_rows)
    p = training.plan(net, 1, learn_rate, 0, 0, optimizer, batch, True, None, None, None, False)
    net.optimizer = p.optimizer
    p.optimizer.init(net.weights)
    if batch is None:
        X, (TT, truth, _) = p.X, training._full_batch(net, p)
        T = TT.T
    else:
        X, T = p.X[batch_rows], p.T[batch_rows]
        truth = training.class_codes(T)
    work = training._workspace(net, p, len(X))
    act, loss = net._act, net._loss
    cache = forward(X, net.weights, act, loss, net.dropout, None, T, work)
    weights = [W.copy() for W in net.weights]
    grads = net._gradients(cache, cache.T, 1.0, work)
    hidden = work.AT[-1]
    out = {}
    if batch is not None:
        out["gather the batch's rows"] = best(lambda: (p.X[batch_rows], p.T[batch_rows]), number)
    out["forward: products W^T [1, H]^T"] = best(
        lambda: [np.dot(W.T, (X.T if l == 0 else work.HbT[l - 1]), out=work.AT[l] if l < len(net.weights) - 1
                        else None) for l, W in enumerate(net.weights)], number)
    out[f"forward: {net.activation} in place (all layers)"] = best(lambda: [act.apply_(a) for a in work.AT], number)
    out[f"output + loss + delta ({loss.name})"] = best(lambda: loss.evaluate(cache.ZT, T.T), number)
    out["forward total (chainnet.propagation.forward)"] = best(
        lambda: forward(X, net.weights, act, loss, net.dropout, None, T, work), number)
    out["accuracy (argmax, compare, count)"] = best(lambda: training._correct_or_squared(cache, truth, net.task),
                                                    number)
    out["backward total (products + derivative)"] = best(lambda: net._gradients(cache, cache.T, 1.0, work), number)
    out[f"  of which {net.activation}' in place"] = best(lambda: act.chain_(work.dHT[-1], hidden), number)
    out[f"update ({optimizer})"] = best(lambda: p.optimizer.step(weights, grads, 1e-12), number)
    checkpoint = training.Checkpoint(net, draws=batch is not None)
    out["checkpoint copy + finiteness check (once per iteration)"] = best(lambda: (checkpoint.save(), training._finite(net.weights)),
                                                      number)
    return out


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
