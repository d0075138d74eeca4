"""The training loop behind ``NeuralNetwork.train``: plan (check every argument first), then run iterations.

One iteration is one pass over the training rows, in minibatches or whole. Its ``loss`` and ``accuracy`` come
from its own forward passes, before their updates (as R6's trace and Keras report them), so no extra pass
over the data is made.

Choosing ``learn_rate``. The loss is summed over rows (as in R6 and nnet), so the gradient of a batch of b rows
is b times the gradient of the mean loss that torch and Keras use. Hence:

- ``"gd"``, ``"momentum"``, ``"nesterov"``: the step grows with the batch. Take ``learn_rate = η / b``, η the
  rate you would give a mean loss (b = n for full batches). On 100,000 rows (``y ~ x1 + x2``, 16 tanh units,
  3 iterations) the best rate was η ≈ 0.1-0.4 divided by b at every b from 32 to 100,000; ten times that
  blew the loss up.
- ``"adam"``, ``"rmsprop"``: each step divides by the root mean square of the gradients, so its size is about
  ``learn_rate`` whatever the batch size or the loss's scale: use the usual 1e-3 to 1e-2 (torch's defaults
  carry over). On the same 100,000 rows Adam's best rate was 1e-2 to 1e-1 at every batch size from 32 to
  4096, and RMSprop's 3e-3 to 3e-2: no division by b.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import checks
from .errors import ArgumentError, ArgumentTypeError, DivergedError
from .optimizers import GD, get_optimizer
from .propagation import Workspace, forward, workspace_dtype
from .schedules import get_schedule


# ---------------------------------------------------------------------------------------------- targets
def targets(values, design, dtype) -> tuple[np.ndarray, Any]:
    """Response -> (T, Y): T (n, K) float targets, Y the public response (Categorical or float array).

    Binary: T = 1 for the second class (one sigmoid unit, as R's glm); 3+ classes: one-hot; regression: values.
    """
    if design.task == "classification":
        Y = pd.Categorical(np.asarray(values, dtype=object), categories=list(design.classes))
        if (Y.codes < 0).any():
            bad = pd.unique(np.asarray(values, dtype=object)[Y.codes < 0])
            raise ArgumentError(f"Y holds {list(bad)[:5]}, which are not classes {list(design.classes)}")
        K = len(design.classes)
        T = (Y.codes == 1)[:, None] if K == 2 else np.eye(K, dtype=bool)[Y.codes]
        return np.ascontiguousarray(T, dtype=dtype), Y
    Y = np.asarray(values, dtype=np.float64)
    T = Y[:, None] if Y.ndim == 1 else Y
    return np.ascontiguousarray(T, dtype=dtype), Y


def class_codes(output: np.ndarray) -> np.ndarray:
    """Predicted class index per row: P(second class) > 0.5 for one sigmoid unit, else the argmax."""
    return (output[:, 0] > 0.5).astype(np.intp) if output.shape[1] == 1 else output.argmax(axis=1)


def _score(output: np.ndarray, T: np.ndarray, task: str) -> float:
    """Correct predictions (classification) or squared error (regression), summed over rows."""
    if task == "regression":
        R = output - T
        return float(np.vdot(R, R))
    truth = T[:, 0].astype(np.intp) if T.shape[1] == 1 else T.argmax(axis=1)
    return float(np.count_nonzero(class_codes(output) == truth))


def _metric(total: float, n: int, k: int, task: str) -> float:
    return total / n if task == "classification" else math.sqrt(total / (n * k))


# ---------------------------------------------------------------------------------------------- the plan
@dataclass
class Plan:
    """Everything one ``train()`` call needs, checked before the model is touched."""

    iterations: int
    learn_rate: float
    tolerance: float
    trace: int
    optimizer: Any
    batch_size: int | None
    shuffle: bool
    X: np.ndarray
    T: np.ndarray
    X_val: np.ndarray | None
    T_val: np.ndarray | None
    patience: int | None
    schedule: Any
    progress: bool
    work: dict = field(default_factory=dict, repr=False)  # what the iterations reuse, made by the first one


def plan(net, iterations, learn_rate, tolerance, trace, optimizer, batch_size, shuffle, validation,
         patience, schedule, progress) -> Plan:
    rng_state = net.rng.bit_generator.state  # a validation split draws from the generator: undo it on error
    try:
        return _plan(net, iterations, learn_rate, tolerance, trace, optimizer, batch_size, shuffle, validation,
                     patience, schedule, progress)
    except Exception:
        net.rng.bit_generator.state = rng_state
        raise


def _plan(net, iterations, learn_rate, tolerance, trace, optimizer, batch_size, shuffle, validation,
          patience, schedule, progress) -> Plan:
    iterations = checks.positive_int("iterations", iterations)
    learn_rate = checks.learn_rate(learn_rate)
    tolerance = checks.non_negative("tolerance", tolerance)
    trace = checks.non_negative_int("trace", trace)
    opt = _optimizer(net, optimizer)
    schedule = get_schedule(schedule)
    if not isinstance(shuffle, bool):
        raise ArgumentTypeError(f"shuffle must be True or False, got {shuffle!r}")
    if patience is not None:
        patience = checks.positive_int("patience", patience)
        if validation is None:
            raise ArgumentError("patience needs validation data to watch: pass validation=0.2 or a DataFrame")
    X, T, X_val, T_val = _split(net, validation)
    if batch_size is not None:
        batch_size = checks.positive_int("batch_size", batch_size)
        if batch_size > len(X):
            raise ArgumentError(f"batch_size={batch_size} is larger than the {len(X)} training rows; "
                                "use batch_size=None for full batches")
    if progress:
        _tqdm()
    return Plan(iterations, learn_rate, tolerance, trace, opt, batch_size, shuffle, X, T, X_val, T_val,
                patience, schedule, bool(progress))


def _optimizer(net, spec):
    """``None`` keeps the network's optimizer (GD at first); the same name keeps its state; else fresh."""
    if spec is None:
        return net.optimizer or GD()
    if isinstance(spec, str) and net.optimizer is not None and net.optimizer.name == spec \
            and type(net.optimizer) is type(get_optimizer(spec)):
        return net.optimizer
    return get_optimizer(spec)


def _split(net, validation):
    """Training rows and validation rows: none, a stratified fraction of the rows, or a data frame."""
    if validation is None:
        return net.X, net._T, None, None
    if isinstance(validation, pd.DataFrame):
        X_val, T_val = net._scored(validation)
        if len(X_val) == 0:
            raise ArgumentError("validation data has no complete rows (predictors and response)")
        return net.X, net._T, X_val, T_val
    if not checks.is_fraction(validation):
        raise ArgumentError(f"validation must be a fraction in (0, 1) or a DataFrame, got {validation!r}")
    val = _stratified(net, validation)
    train = np.setdiff1d(np.arange(len(net.X)), val)
    if len(train) == 0 or len(val) == 0:
        raise ArgumentError(f"validation={validation} leaves no rows on one side of the split")
    return net.X[train], net._T[train], net.X[val], net._T[val]


def _stratified(net, fraction):
    """Row indices of a shuffled split holding ``fraction`` of each class (of all rows, for regression)."""
    groups = ([np.flatnonzero(net.Y.codes == c) for c in range(len(net.classes))]
              if net.task == "classification" else [np.arange(len(net.X))])
    picked = [net.rng.permutation(g)[:round(float(fraction) * len(g))] for g in groups]
    return np.sort(np.concatenate(picked))


# ---------------------------------------------------------------------------------------------- running
class Checkpoint:
    """The model after the last finished iteration (weights, optimizer state and step count, the generator's
    state, iteration count), to undo an iteration that failed or was interrupted halfway."""

    def __init__(self, net, draws: bool = True):
        self.net, self.draws = net, draws
        self.live = self._arrays()
        self.saved = [a.copy() for a in self.live]
        self.rng_state = net.rng.bit_generator.state
        self.save()

    def _arrays(self):
        return list(self.net.weights) + [a for arrays in self.net.optimizer.state.values() for a in arrays]

    def save(self):
        for buf, a in zip(self.saved, self.live):
            np.copyto(buf, a)
        self.t, self.iteration = self.net.optimizer.t, self.net.iteration
        if self.draws:  # an iteration that draws nothing (full batch, no dropout) leaves the generator as it was
            self.rng_state = self.net.rng.bit_generator.state

    def restore(self):
        for buf, a in zip(self.saved, self.live):
            np.copyto(a, buf)
        net = self.net
        net.optimizer.t, net.iteration = self.t, self.iteration
        net.rng.bit_generator.state = self.rng_state
        del net._history[self.iteration:]


def run(net, p: Plan) -> None:
    net.optimizer = p.optimizer
    p.optimizer.init(net.weights)
    draws = any(net.dropout) or (p.batch_size is not None and p.shuffle)
    checkpoint, start, best = Checkpoint(net, draws), net.iteration, None
    metric_name = _metric_name(net.task)
    bar = _tqdm()(total=p.iterations, file=sys.stderr, leave=False) if p.progress else None
    try:
        for _ in range(p.iterations):
            lr = p.learn_rate * (p.schedule.factor(net.iteration, start, p.iterations) if p.schedule else 1.0)
            loss, metric = _iteration(net, p, lr)
            if not math.isfinite(loss) or not _finite(net.weights):
                checkpoint.restore()
                raise DivergedError(
                    f"training diverged at iteration {net.iteration + 1}: the loss became {loss} with "
                    f"learn_rate={lr:g}; the weights are kept as after iteration {net.iteration}. "
                    f"Try a smaller learn_rate, e.g. {lr / 10:g}")
            row = {"loss": loss, metric_name: metric}
            if p.X_val is not None:
                row.update(_validation(net, p))
            row["learn_rate"] = lr
            net._history.append(row)
            net.iteration += 1
            if p.X_val is not None:
                best = _track_best(net, row["val_loss"], best)
            checkpoint.save()  # the iteration is finished
            _report(net, p, row, bar)
            if p.X_val is not None and p.patience is not None and net.iteration - best[0] >= p.patience:
                break
            if loss < p.tolerance:
                break
    except KeyboardInterrupt:
        checkpoint.restore()  # back to the end of the last finished iteration, best weights or not
        print(f"Interrupted: kept the model as after iteration {net.iteration}", file=sys.stderr)
        return
    finally:
        if bar is not None:
            bar.close()
    if best is not None:  # training ended (early stop, tolerance or all iterations): keep the best weights
        for W, B in zip(net.weights, best[1]):
            np.copyto(W, B)


def _iteration(net, p: Plan, lr: float) -> tuple[float, float]:
    """One pass over the training rows: returns the summed loss and the accuracy (or RMSE) as trained.

    Each forward pass gives the output, the loss and dLoss/dZ at once; its arrays and the gradients are reused
    from one batch to the next (``propagation.Workspace``), and full batches use ``X`` as it is, without a copy.
    """
    n, k = p.T.shape
    rng = net.rng if any(net.dropout) else None
    if p.batch_size is None:
        TT, truth, work = _full_batch(net, p)
        cache = forward(p.X, net.weights, net._act, net._loss, net.dropout, rng, TT.T, work)
        loss = net._objective(cache, cache.T)
        total = _correct_or_squared(cache, truth, net.task)
        p.optimizer.step(net.weights, net._gradients(cache, cache.T, 1.0, work), lr)
        if p.X is net.X and rng is None:
            net.output = cache.output
        return loss, _metric(total, n, k, net.task)
    order = net.rng.permutation(n) if p.shuffle else None
    loss = total = 0.0
    for s in range(0, n, p.batch_size):
        rows = slice(s, s + p.batch_size) if order is None else order[s:s + p.batch_size]
        Xb, Tb = p.X[rows], p.T[rows]
        work = _workspace(net, p, len(Xb))
        share = len(Xb) / n                       # the batch carries its share of the decay penalty
        cache = forward(Xb, net.weights, net._act, net._loss, net.dropout, rng, Tb, work)
        loss += net._objective(cache, Tb, share)
        total += _correct_or_squared(cache, class_codes(Tb) if net.task == "classification" else None, net.task)
        p.optimizer.step(net.weights, net._gradients(cache, cache.T, share, work), lr)
    return loss, _metric(total, n, k, net.task)


def _full_batch(net, p: Plan):
    """Made once per ``train()`` call for full batches: the targets transposed (K, n), as the forward pass lays
    out its output, each row's class index (classification), and the workspace."""
    if "full" not in p.work:
        truth = class_codes(p.T) if net.task == "classification" else None
        p.work["full"] = np.ascontiguousarray(p.T.T), truth, _workspace(net, p, len(p.X))
    return p.work["full"]


def _workspace(net, p: Plan, rows: int) -> Workspace:
    """The arrays for batches of ``rows`` rows (a pass has at most two sizes: the batch and the remainder);
    the weights keep their shapes and dtype within one ``train()`` call, so one workspace serves it."""
    work = p.work.get(rows)
    if work is None:
        work = p.work[rows] = Workspace(net.weights, rows, workspace_dtype(p.X, net.weights), net.dropout)
    return work


def _correct_or_squared(cache, truth, task: str) -> float:
    """Rows classified correctly, or (regression) the squared error Σ(ŷ - y)², which is the loss itself."""
    if task == "regression":
        return cache.loss
    return float(np.count_nonzero(class_codes(cache.output) == truth))


def _validation(net, p: Plan) -> dict:
    """Validation loss (no penalty) and metric at the weights after the iteration."""
    out = forward(p.X_val, net.weights, net._act, net._loss)
    n, k = p.T_val.shape
    return {"val_loss": net._loss.loss(out.Z, p.T_val),
            "val_" + _metric_name(net.task): _metric(_score(out.output, p.T_val, net.task), n, k, net.task)}


def _track_best(net, val_loss, best):
    """(iteration, weights) of the lowest validation loss so far."""
    if best is None or val_loss < best[2]:
        return net.iteration, [W.copy() for W in net.weights], val_loss
    return best


def _report(net, p: Plan, row: dict, bar) -> None:
    name = _metric_name(net.task)
    if p.trace and net.iteration % p.trace == 0:
        print(f"Iteration {net.iteration}\tLoss {row['loss']:.10g}\t{name.upper() if name == 'rmse' else 'Accuracy'}"
              f" {row[name]:.6g}", file=sys.stderr)
    if bar is not None:
        bar.update(1)
        bar.set_postfix(loss=f"{row['loss']:.4g}", **{name: f"{row[name]:.4g}"})


def _metric_name(task: str) -> str:
    return "accuracy" if task == "classification" else "rmse"


def _finite(weights) -> bool:
    """Whether every weight is finite, read off Σw per matrix: a NaN or ±inf makes the sum NaN or ±inf, and a
    finite sum that overflows needs weights near 1e308 (float32: 3e38), which have diverged anyway."""
    return all(math.isfinite(W.sum()) for W in weights)


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:  # pragma: no cover - tqdm is a dependency
        raise ArgumentError("progress=True needs tqdm: pip install tqdm") from exc
    return tqdm


def history_frame(rows: list, task: str) -> pd.DataFrame:
    """The history as a DataFrame indexed by iteration (1, 2, ...)."""
    columns = ["loss", _metric_name(task), "val_loss", "val_" + _metric_name(task), "learn_rate"]
    frame = pd.DataFrame(rows, columns=columns)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="iteration")
    return frame.dropna(axis=1, how="all") if len(frame) else frame[["loss", _metric_name(task), "learn_rate"]]
