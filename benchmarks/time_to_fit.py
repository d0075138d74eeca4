"""Time to fit: wall time and iterations until the summed training loss falls below a target, per solver.

    python benchmarks/time_to_fit.py [--rounds 7] [--seeds 0 1 2] [--json out.json] [--floor]

Problems (sigmoid hidden units, summed negative log-likelihood, Glorot-uniform starting weights: the scale
scikit-learn and nnet start from; chainnet's r6 default of 0.01·N(0, 1) starts every solver next to the saddle
at zero, where scikit-learn's L-BFGS stops at 100·log 2 on iris):
iris ``Species ~ .`` 4-5-3 (raw measurements, as nnet is usually run), the hot-dog spirals 2-30-1
(``make_hotdogs(200, seed=1)``) and penguins ``species`` from the four measurements, standardised, 4-5-3.

Contenders, every one from chainnet's starting weights (copied into its own layout) on the same design matrix:
chainnet L-BFGS (no learning rate), Rprop (0.01) and Adam (0.03); scikit-learn's ``MLPClassifier`` with
``solver="lbfgs"`` and ``"adam"`` (0.03, full batch, ``alpha=0``); torch's ``LBFGS`` (strong Wolfe, one
``step`` with ``max_iter`` iterations: the way torch users run it) and ``Adam`` (0.03); R's ``nnet`` (BFGS,
``abstol`` = target, matrix interface) when ``Rscript`` and nnet are installed; with ``--floor``, the numpy
floor (``lbfgs_floor.py``: chainnet's L-BFGS iterations on a hand-written pass, no training loop).

Method. Each contender first finds how many iterations it needs (chainnet and nnet stop on the target by
themselves; the others by a search over ``max_iter``, their loss after k iterations falls with k), then every
round times each contender's fits to the target back to back, contenders interleaved, in this process; the table
gives the median over rounds of the median over seeds. A round of one contender is ten fits, as R's rounds are,
or fewer when they would take over ``ROUND_SECONDS`` (at least one): its mean time per fit. (One fit per round,
between torch's and scikit-learn's, runs chainnet's and the floor's fits on cold caches, about 18% slower on iris,
while R's ten in a row run hot: the same ten fits on both sides measure the same thing.) R runs in its own
process (its rounds timed inside R with ``Sys.time()``, ten fits per round): its time excludes R's start-up but
includes ``nnet()``'s own argument handling, as the Python contenders include theirs. BLAS and torch use one
thread (the problems are tiny).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chainnet import NeuralNetwork, datasets, optim

PROBLEMS = {  # name -> (formula, data, hidden, standardize, target summed NLL)
    "iris 4-5-3": ("Species ~ .", datasets.load_iris, 5, False, 7.5),
    "hot dogs 2-30-1": ("class ~ x1 + x2", lambda: datasets.make_hotdogs(200, seed=1), 30, False, 5.0),
    "penguins 4-5-3": ("species ~ bill_length_mm + bill_depth_mm + flipper_length_mm + body_mass_g",
                       lambda: datasets.load_penguins().dropna(), 5, True, 2.0),
}
ADAM_RATE, RPROP_RATE, MAX_ITER = 0.03, 0.01, 20000
FITS_PER_ROUND, ROUND_SECONDS = 10, 0.02   # a round: ten fits back to back (as R's), fewer past 20 ms


class Problem:
    """One network's data and starting weights, in chainnet's layout and as the peers take them."""

    def __init__(self, name, seed):
        formula, data, hidden, standardize, self.target = PROBLEMS[name]
        self.net = NeuralNetwork(formula, data(), hidden=hidden, seed=seed, standardize=standardize,
                                 init="glorot")
        self.W0 = [W.copy() for W in self.net.weights]
        self.X, self.T = self.net.X, self.net._T      # design matrix (intercept in column 0) and targets
        self.codes = np.asarray(self.net.Y.codes)

    def reset(self):
        for W, W0 in zip(self.net.weights, self.W0):
            np.copyto(W, W0)
        return self.net

    def __repr__(self):
        return f"Problem({self.net.formula!r}, target={self.target})"


# ---------------------------------------------------------------------------------------------- chainnet
# Each contender is ``fit(problem, iterations) -> (iterations run, final loss, seconds)``; chainnet's stop on
# the target by themselves, the peers' run the number of iterations that ``iterations_needed`` found.
def chainnet_train(optimizer, learn_rate=None):
    """``train(tolerance=target)`` stops after the first iteration whose loss is below the target."""
    def fit(p: Problem, iterations=MAX_ITER):
        net = p.reset()
        start, kwargs = net.iteration, ({} if learn_rate is None else {"learn_rate": learn_rate})
        clock = time.perf_counter()
        net.train(iterations, tolerance=p.target, trace=0, optimizer=optimizer(), **kwargs)
        seconds = time.perf_counter() - clock
        return net.iteration - start, net.history["loss"].iloc[-1], seconds
    return fit


# ---------------------------------------------------------------------------------------------- peers
def sklearn_fit(solver):
    """``MLPClassifier`` primed by a one-iteration fit, its weights replaced by the start, then ``warm_start``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def fit(p: Problem, iterations):
        kw = {"hidden_layer_sizes": (p.W0[0].shape[1],), "activation": "logistic", "solver": solver,
              "alpha": 0.0, "tol": 0.0, "warm_start": True, "max_iter": 1}
        if solver == "adam":
            kw.update(learning_rate_init=ADAM_RATE, batch_size=len(p.X), shuffle=False,
                      n_iter_no_change=MAX_ITER + 1)
        clf = MLPClassifier(**kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(p.X[:, 1:], p.codes)
            clf.coefs_ = [p.W0[0][1:].copy(), p.W0[1][1:].copy()]
            clf.intercepts_ = [p.W0[0][0].copy(), p.W0[1][0].copy()]
            clf.loss_curve_, clf.max_iter = [], iterations
            clock = time.perf_counter()
            clf.fit(p.X[:, 1:], p.codes)
            seconds = time.perf_counter() - clock
        loss = (clf.loss_curve_[-1] if solver == "adam" else clf.loss_) * len(p.X)
        return iterations, loss, seconds
    return fit


def torch_fit(solver):
    import torch

    from chainnet import export

    def fit(p: Problem, iterations):
        net = p.reset()
        model = export.to_torch(net)
        loss_fn, (X, T) = export.objective(net, model), export.tensors(net)
        clock = time.perf_counter()
        if solver == "lbfgs":   # one step of `iterations` L-BFGS iterations; tolerances off, as the others
            opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=iterations, max_eval=25 * iterations,
                                    tolerance_grad=0.0, tolerance_change=0.0, history_size=10,
                                    line_search_fn="strong_wolfe")

            def closure():
                opt.zero_grad()
                loss = loss_fn(X, T)
                loss.backward()
                return loss
            opt.step(closure)
            loss = loss_fn(X, T).item()
        else:
            opt = torch.optim.Adam(model.parameters(), lr=ADAM_RATE)
            for _ in range(iterations):
                opt.zero_grad()
                value = loss_fn(X, T)
                value.backward()
                opt.step()
            loss = value.item()  # the last iteration's loss, before its step (as chainnet and sklearn report)
        return iterations, loss, time.perf_counter() - clock
    return fit


def iterations_needed(fit, p: Problem, limit=MAX_ITER) -> int | None:
    """Smallest k whose fit ends below the target (the loss after k iterations falls with k)."""
    k = 1
    while fit(p, k)[1] >= p.target:
        k *= 2
        if k > limit:
            return None
    lo, hi = k // 2, k
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if fit(p, mid)[1] < p.target else (mid, hi)
    return hi


# ---------------------------------------------------------------------------------------------- R's nnet
R_SCRIPT = r"""
suppressMessages(library(nnet))
args <- commandArgs(TRUE); dir <- args[1]; target <- as.numeric(args[2]); rounds <- as.integer(args[3])
x <- as.matrix(read.csv(file.path(dir, "x.csv"))); y <- as.matrix(read.csv(file.path(dir, "y.csv")))
w <- scan(file.path(dir, "w.txt"), quiet = TRUE); size <- as.integer(args[4])
fit <- function(maxit) nnet(x, y, size = size, Wts = w, softmax = ncol(y) > 1, entropy = ncol(y) == 1,
                            maxit = maxit, abstol = target, reltol = 0, trace = FALSE)
k <- 1; while (fit(k)$value >= target && k <= 20000) k <- 2 * k
lo <- k %/% 2; hi <- k
while (hi - lo > 1) { mid <- (lo + hi) %/% 2; if (fit(mid)$value < target) hi <- mid else lo <- mid }
times <- sapply(seq_len(rounds), function(r) {
  t0 <- Sys.time(); for (i in 1:10) f <- fit(20000); as.numeric(Sys.time() - t0, units = "secs") / 10 })
cat(hi, fit(20000)$value, median(times), "
")
"""


def nnet_fit(p: Problem, rounds: int):
    """(iterations, loss, seconds) of R's nnet from the same weights, or None when R or nnet is missing.
    nnet orders weights by the unit they feed: [bias, inputs] per hidden unit, then [bias, hidden] per output."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as d:
        np.savetxt(f"{d}/x.csv", p.X[:, 1:], delimiter=",", header=",".join(f"x{i}" for i in range(p.X.shape[1] - 1)),
                   comments="")
        np.savetxt(f"{d}/y.csv", p.T, delimiter=",", header=",".join(f"y{i}" for i in range(p.T.shape[1])),
                   comments="")
        np.savetxt(f"{d}/w.txt", np.concatenate([W.T.ravel() for W in p.W0]))
        Path(f"{d}/fit.R").write_text(R_SCRIPT)
        out = subprocess.run(["Rscript", f"{d}/fit.R", d, repr(p.target), str(rounds), str(p.W0[0].shape[1])],
                             capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return None
    k, loss, seconds = out.stdout.split()
    return int(k), float(loss), float(seconds)


# ---------------------------------------------------------------------------------------------- the table
def contenders(floor: bool = False) -> dict:
    """name -> (fit, whether it stops on the target by itself); ``floor``: with ``lbfgs_floor``'s row."""
    runs = {"chainnet lbfgs": (chainnet_train(optim.LBFGS), True),
            "chainnet rprop 0.01": (chainnet_train(optim.Rprop, RPROP_RATE), True),
            "chainnet adam 0.03": (chainnet_train(optim.Adam, ADAM_RATE), True),
            "sklearn lbfgs": (sklearn_fit("lbfgs"), False), "sklearn adam 0.03": (sklearn_fit("adam"), False),
            "torch LBFGS": (torch_fit("lbfgs"), False), "torch Adam 0.03": (torch_fit("adam"), False)}
    if floor:
        import lbfgs_floor
        runs["numpy floor (lean lbfgs)"] = (lbfgs_floor.fit, True)
    return runs


def measure(name: str, seed: int, rounds: int, floor: bool = False) -> dict:
    """contender -> (iterations, final loss, median seconds over rounds) for one problem and start."""
    p, runs = Problem(name, seed), contenders(floor)
    budget = {c: MAX_ITER if stops else iterations_needed(fit, p) for c, (fit, stops) in runs.items()}
    times = {c: [] for c in runs if budget[c] is not None}
    results = {}
    for _ in range(rounds):
        for c, spent in times.items():
            k, loss, seconds = one_round(runs[c][0], p, budget[c])
            spent.append(seconds)
            results[c] = (k, loss) if loss < p.target else (None, loss)
    out = {c: (*results[c], float(np.median(times[c]))) for c in times}
    nnet = nnet_fit(p, rounds)
    if nnet is not None:
        out["R nnet (BFGS)"] = nnet
    return out


def one_round(fit, p: Problem, budget) -> tuple:
    """A contender's fits back to back, ``FITS_PER_ROUND`` of them or as many as fill ``ROUND_SECONDS`` (at least
    one): (iterations, final loss, mean seconds per fit)."""
    total, fits = 0.0, 0
    while fits == 0 or (fits < FITS_PER_ROUND and total < ROUND_SECONDS):
        k, loss, seconds = fit(p, budget)
        total, fits = total + seconds, fits + 1
    return k, loss, total / fits


def table(name: str, per_seed: list) -> str:
    names = list(dict.fromkeys(c for r in per_seed for c in r))
    med = {c: (np.median([r[c][0] for r in per_seed if c in r and r[c][0] is not None] or [np.nan]),
               np.median([r[c][2] for r in per_seed if c in r]) * 1e3) for c in names}
    base = med["chainnet lbfgs"][1]
    lines = [f"| {name} (target {PROBLEMS[name][4]}) | iterations | ms to target | × chainnet lbfgs |",
             "|---|---:|---:|---:|"]
    for c in sorted(names, key=lambda c: med[c][1]):
        missed = sum(1 for r in per_seed if c in r and r[c][0] is None)
        note = f" ({missed} of {len(per_seed)} starts missed the target)" if missed else ""
        lines.append(f"| {c}{note} | {med[c][0]:.0f} | {med[c][1]:.2f} | {med[c][1] / base:.1f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS))
    parser.add_argument("--json")
    parser.add_argument("--floor", action="store_true", help="add the numpy floor row (benchmarks/lbfgs_floor.py)")
    args = parser.parse_args(argv)
    _one_thread()
    if shutil.which("Rscript") is None:
        print("R's nnet skipped: Rscript not found (apt-get install -y r-base-core r-cran-nnet)", file=sys.stderr)
    results = {name: [measure(name, seed, args.rounds, args.floor) for seed in args.seeds] for name in args.problems}
    for name, per_seed in results.items():
        print(table(name, per_seed), end="\n\n")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


def _one_thread():
    import threadpoolctl
    import torch
    threadpoolctl.threadpool_limits(1)
    torch.set_num_threads(1)
    os.environ["OMP_NUM_THREADS"] = "1"  # for Rscript


if __name__ == "__main__":
    main()
