"""chainnet against a plain numpy loop, scikit-learn and PyTorch, in one process, interleaved, medians.

    python benchmarks/run.py            # every case, full size (about 6 minutes on 2 cores)
    python benchmarks/run.py --quick    # smaller runs, fewer rounds (about 1 minute)
    python benchmarks/run.py --case small --rounds 9

Each round runs every contender of a case once, in a rotated order, so that a slow moment of the machine falls
on all of them alike; the table gives each contender's median over the rounds and the ratio
peer time / chainnet time (above 1: chainnet is faster). The cases:

- small:   iris, 4-5-3 sigmoid, softmax output, full-batch gradient descent, µs per iteration;
- spirals: the R post's hot-dog network, 2-30-1 sigmoid, 100,000 full-batch iterations (the post's 12 s);
- large:   200,000 rows x 50 predictors -> [256, 256] ReLU -> 10 classes, Adam, batch 256, one pass, in
           float64 and float32; then its peak memory, measured in a fresh process (``memory.py``).

Every contender takes the same steps: the same layers, loss (summed; scikit-learn's mean loss with the learning
rate scaled by the batch size), optimizer, batch and number of iterations. PyTorch gets as many threads as
numpy's BLAS has (``--threads`` sets both).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import peers
from memory import large_frame

HERE = Path(__file__).resolve().parent


# ---------------------------------------------------------------------------------------------- cases
def small_case(quick: bool) -> dict:
    from chainnet import NeuralNetwork, datasets

    iris = datasets.load_iris()
    net = NeuralNetwork("Species ~ .", data=iris, hidden=5, seed=1)
    X, T, W0 = net.X, net._T, [W.copy() for W in net.weights]
    y = T.argmax(axis=1)
    lr = 1e-4
    return {
        "title": "small: iris 4-5-3 sigmoid, full-batch gradient descent",
        "unit": "µs/iteration", "per": 2000 if not quick else 500, "scale": 1e6, "net": net, "start": W0,
        "contenders": {
            "chainnet": lambda k: net.train(k, learn_rate=lr, tolerance=0, trace=0),
            "numpy (R6 loop)": peers.numpy_r6_iris(X, T, 5, lr, weights=W0),
            "scikit-learn": peers.sklearn_mlp(X[:, 1:], y, [5], "logistic", "sgd", len(X), lr, 1, "float64",
                                              weights=W0),
            "PyTorch": peers.torch_mlp(X[:, 1:], y, [5], "sigmoid", "sgd", None, lr, "float64", weights=W0),
        },
    }


def spirals_case(quick: bool) -> dict:
    from chainnet import NeuralNetwork, datasets

    hotdogs = datasets.make_hotdogs(200, seed=1)
    net = NeuralNetwork("class ~ x1 + x2", data=hotdogs, hidden=30, seed=1)
    x, y, W0 = net.X[:, 1:], net._T[:, 0], [W.copy() for W in net.weights]
    lr = 1e-2
    total = 100_000
    per = 10_000 if quick else total
    return {
        "title": f"spirals: hot dogs 2-30-1 sigmoid, full-batch gradient descent, {total:,} iterations",
        "unit": f"s per {total:,} iterations", "per": per, "scale": total, "net": net, "start": W0,
        "contenders": {
            "chainnet": lambda k: net.train(k, learn_rate=lr, tolerance=0, trace=0),
            "numpy (R6 post loop)": peers.numpy_r6_spirals(x, y, 30, lr, weights=W0),
            "scikit-learn": peers.sklearn_mlp(x, y.astype(int), [30], "logistic", "sgd", len(x), lr, 1, "float64",
                                              weights=W0),
            "PyTorch": peers.torch_mlp(x, y, [30], "sigmoid", "sgd", None, lr, "float64", output="sigmoid",
                                       weights=W0),
        },
    }


def large_case(quick: bool, dtype: str, frame) -> dict:
    from chainnet import NeuralNetwork

    net = NeuralNetwork("y ~ .", data=frame, hidden=[256, 256], activation="relu", seed=0, dtype=dtype)
    X, y = net.X[:, 1:], frame["y"].cat.codes.to_numpy()
    hidden, batch, lr = [256, 256], 256, 1e-3
    return {
        "title": f"large: {len(X):,} x {X.shape[1]} -> {hidden} ReLU -> 10, Adam, batch {batch}, one pass, {dtype}",
        "unit": "s/pass", "per": 1, "scale": 1,
        "contenders": {
            "chainnet": lambda k: net.train(k, optimizer="adam", batch_size=batch, learn_rate=lr, tolerance=0,
                                            trace=0),
            "numpy (plain Adam loop)": peers.numpy_adam_loop(X, y, hidden, batch, lr, dtype),
            "scikit-learn": peers.sklearn_mlp(X, y, hidden, "relu", "adam", batch, lr, 1, dtype),
            "PyTorch": peers.torch_mlp(X, y, hidden, "relu", "adam", batch, lr, dtype),
            "(products only, numpy)": peers.matmul_floor(X, hidden, 10, batch, dtype),
            "(products only, PyTorch)": peers.torch_matmul_floor(X, hidden, 10, batch, dtype),
        },
    }


# ---------------------------------------------------------------------------------------------- timing
def same_steps(case: dict, iterations: int = 200) -> dict:
    """Run every full-batch contender ``iterations`` times from chainnet's starting weights; return each one's
    largest weight difference from chainnet's, relative to chainnet's largest weight: rounding-level numbers
    mean that they computed the same steps (the timed runs that follow start from there)."""
    for run in case["contenders"].values():
        run(iterations)
    ref = case["net"].weights
    scale = max(np.max(np.abs(W)) for W in ref)
    differences = {name: max(np.max(np.abs(np.asarray(A) - W)) for A, W in zip(run.weights(), ref)) / scale
                   for name, run in case["contenders"].items() if name != "chainnet"}
    return differences | {"(chainnet moved)": max(np.max(np.abs(W - S)) for W, S in zip(ref, case["start"])) / scale}


def time_case(case: dict, rounds: int, settle: float) -> dict:
    """Median time per unit of every contender over ``rounds`` interleaved rounds (after one warm-up run).

    Before each run the process sleeps ``settle`` seconds: the thread pools of the contender that ran before
    (OpenBLAS's, PyTorch's OpenMP) keep spinning for a while after their last call and would otherwise take
    the cores from the next one.
    """
    names = list(case["contenders"])
    for name in names:
        case["contenders"][name](max(1, case["per"] // 10))   # warm-up: first calls, caches, thread pools
    times = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            gc.collect()
            time.sleep(settle)
            start = time.perf_counter()
            case["contenders"][name](case["per"])
            times[name].append((time.perf_counter() - start) / case["per"] * case["scale"])
    return {name: statistics.median(ts) for name, ts in times.items()} | {"_all": times}


def print_table(case: dict, medians: dict) -> None:
    base = medians["chainnet"]
    print(f"\n{case['title']}")
    print(f"  {'contender':26s} {case['unit']:>24s}   peer / chainnet")
    for name in case["contenders"]:
        ratio = "" if name == "chainnet" else f"{medians[name] / base:8.2f}x"
        print(f"  {name:26s} {medians[name]:24.4g}   {ratio}")
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------- machine
def set_threads(threads: int | None) -> int:
    """Give numpy's BLAS and PyTorch the same thread count (default: what numpy's BLAS already has)."""
    import sklearn.neural_network  # noqa: F401 - loads scipy's BLAS, so that the limit below reaches it too
    import threadpoolctl
    import torch

    if threads is not None:
        threadpoolctl.threadpool_limits(threads, user_api="blas")
    blas = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas" and "numpy" in p["filepath"]]
    threads = threads or (blas[0]["num_threads"] if blas else os.cpu_count())
    torch.set_num_threads(threads)
    return threads


def machine() -> dict:
    import sklearn
    import threadpoolctl
    import torch

    import chainnet

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    blas = [{k: p.get(k) for k in ("internal_api", "architecture", "version", "num_threads", "filepath")}
            for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "scikit-learn": sklearn.__version__, "torch": torch.__version__,
            "chainnet": chainnet.__version__, "torch_threads": torch.get_num_threads(), "blas": blas,
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"), "loadavg": os.getloadavg()}


def memory(dtype: str, rows: int) -> dict:
    out = subprocess.run([sys.executable, str(HERE / "memory.py"), dtype, str(rows)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def print_memory(m: dict) -> None:
    mb = 2 ** 20
    print(f"\npeak memory of the large run, {m['dtype']} (tracemalloc, fresh process):")
    print(f"  data X + T {m['data_bytes'] / mb:.1f} MiB, parameters {m['param_bytes'] / mb:.2f} MiB, one batch's "
          f"activations {m['batch_activation_bytes'] / mb:.2f} MiB: budget {m['budget_bytes'] / mb:.1f} MiB")
    print(f"  peak during train(): {m['train_peak_bytes'] / mb:.1f} MiB = {m['train_peak_over_budget']:.3f}x budget "
          f"(held before: {m['held_before_train_bytes'] / mb:.1f} MiB)")
    print(f"  building the network from the data frame ({m['frame_bytes'] / mb:.1f} MiB): peak "
          f"{m['build_peak_bytes'] / mb:.1f} MiB = {m['build_peak_over_frame']:.2f}x the frame (formulaic)")


# ---------------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations, rows and rounds")
    parser.add_argument("--case", action="append", choices=["small", "spirals", "large", "memory"],
                        help="run only these cases (repeatable)")
    parser.add_argument("--rounds", type=int, help="rounds per case (default 7 small, 3 spirals, 5 large)")
    parser.add_argument("--rows", type=int, help="rows of the large case (default 200,000; quick 50,000)")
    parser.add_argument("--dtype", action="append", choices=["float64", "float32"], help="large case dtypes")
    parser.add_argument("--threads", type=int, help="BLAS and PyTorch threads (default: numpy's BLAS count)")
    parser.add_argument("--settle", type=float, default=0.5, help="seconds of rest before each timed run")
    parser.add_argument("--json", type=Path, help="also write every time measured to this file")
    args = parser.parse_args(argv)
    cases = args.case or ["small", "spirals", "large", "memory"]
    rows = args.rows or (50_000 if args.quick else 200_000)
    dtypes = args.dtype or ["float64", "float32"]
    threads = set_threads(args.threads)
    facts = machine()
    print(f"{facts['cpu']}, {facts['cores']} cores; numpy {facts['numpy']}, scikit-learn {facts['scikit-learn']}, "
          f"torch {facts['torch']}; threads: BLAS and torch {threads}")
    for b in facts["blas"]:
        print(f"  BLAS {b['internal_api']} {b['version']} {b['architecture']}, {b['num_threads']} threads "
              f"({Path(b['filepath']).name})")
    print(f"  OPENBLAS_CORETYPE={facts['OPENBLAS_CORETYPE']} OPENBLAS_L2_SIZE={facts['OPENBLAS_L2_SIZE']} "
          f"load average {facts['loadavg'][0]:.2f}")
    results = {"machine": facts, "threads": threads, "argv": sys.argv[1:], "cases": {}}

    def run_case(key, case, rounds):
        agree = same_steps(case) if "net" in case else {}
        medians = time_case(case, rounds, args.settle)
        print_table(case, medians)
        if agree:
            print("  same steps as chainnet after 200 iterations from its starting weights (max |ΔW| / max |W|): "
                  + ", ".join(f"{name} {err:.1e}" for name, err in agree.items()))
        results["cases"][key] = {"title": case["title"], "unit": case["unit"], "same_steps": agree, "medians":
                                 {k: v for k, v in medians.items() if k != "_all"}, "times": medians["_all"]}

    if "small" in cases:
        run_case("small", small_case(args.quick), args.rounds or (5 if args.quick else 7))
    if "spirals" in cases:
        run_case("spirals", spirals_case(args.quick), args.rounds or 3)
    if "large" in cases:
        frame = large_frame(rows)
        for dtype in dtypes:
            run_case(f"large {dtype}", large_case(args.quick, dtype, frame), args.rounds or (2 if args.quick else 5))
    if "memory" in cases:
        for dtype in dtypes:
            m = memory(dtype, rows)
            print_memory(m)
            results["cases"][f"memory {dtype}"] = m
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
