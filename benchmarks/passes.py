"""Ten ``train(1)`` calls in a row on a large full batch: is every pass as fast as the fastest (no allocation cliff)?

    python benchmarks/passes.py                      # 1,000,000 x 20 -> [64] tanh, regression, full batch
    python benchmarks/passes.py --threads 1 --rows 200000

Each call is one full-batch iteration plus the call's own work (its snapshot, the check of the loss at the final
weights). The pass buffers are made by the first call and reused by the others, and an iteration allocates
nothing proportional to the rows, so the median pass should be within 1.2x of the fastest. The second line
counts what one call allocates (tracemalloc peak above what was held before it), against the data's size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc

import numpy as np


def frame(rows: int, predictors: int = 20, seed: int = 0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, predictors))
    data = pd.DataFrame(X, columns=[f"x{i}" for i in range(1, predictors + 1)])
    data["y"] = X @ rng.standard_normal(predictors) + rng.standard_normal(rows)
    return data


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: numpy's)")
    args = parser.parse_args(argv)
    import threadpoolctl

    from chainnet import NeuralNetwork

    if args.threads:
        threadpoolctl.threadpool_limits(args.threads, user_api="blas")
    threads = next(p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas")
    net = NeuralNetwork("y ~ .", data=frame(args.rows), hidden=[64], activation="tanh", seed=0)
    kw = {"learn_rate": 0.1 / args.rows, "tolerance": 0, "trace": 0}
    load = os.getloadavg()[0]
    times = []
    for _ in range(args.calls):
        start = time.perf_counter()
        net.train(1, **kw)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    held = tracemalloc.get_traced_memory()[0]
    net.train(1, **kw)
    peak = tracemalloc.get_traced_memory()[1] - held
    tracemalloc.stop()
    data_bytes = net.X.nbytes
    print(f"{args.calls} x train(1) on {args.rows:,} x 20 -> [64], {threads} BLAS threads, load {load:.2f} -> "
          f"{os.getloadavg()[0]:.2f}: " + " ".join(f"{t:.2f}" for t in times) + " s")
    print(f"  fastest {min(times):.2f} s, median {statistics.median(times):.2f} s: median / fastest "
          f"{statistics.median(times) / min(times):.2f}; one call allocates {peak / 2**20:.1f} MiB "
          f"(X is {data_bytes / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
