"""The training loop behind ``NeuralNetwork.train``: check every argument once, then run iterations.

One iteration is one pass over the training rows, in minibatches or whole. Its ``loss`` and ``accuracy`` come
from its own forward passes, before their updates (as R6's trace and Keras report them), so no extra pass
over the data is made.

A call is a transaction: if it raises, the network is bit-identical to before it (``rollback.Snapshot``).
Two ends keep progress: Ctrl-C keeps the model as after the last finished iteration, and a divergence keeps
the last iteration whose loss is known to be finite and no worse than where the call started (else the start).

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
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import checks, convergence, objective
from . import restarts as starts
from .errors import ArgumentError, DivergedError
from .optimizers import GD, OPTIMIZERS, get_optimizer
from .progress import Reporter, metric_name, tqdm_class
from .rollback import Best, Checkpoint, Snapshot
from .schedules import get_schedule
from .scoring import class_codes, history_frame, metric, targets, total_weight  # noqa: F401 - re-exported
from .splits import Data, training_data


@dataclass(frozen=True)
class Settings:
    """One ``train()`` call's arguments, checked."""

    iterations: int
    learn_rate: float
    tolerance: float
    trace: int
    optimizer: Any
    keep_state: bool      # continue the network's optimizer state (same optimizer) or start a fresh one
    batch_size: int | None
    shuffle: bool
    validation: Any
    patience: int | None
    schedule: Any
    progress: bool
    restarts: int | None = None


def settings(net, iterations=10000, learn_rate=None, tolerance=0.01, trace=100, optimizer=None, batch_size=None,
             shuffle=True, validation=None, patience=None, schedule=None, progress=False,
             restarts=None) -> Settings:
    """Check every argument of ``train()``; nothing is changed. ``learn_rate=None``: the optimizer's default
    (0.01; lbfgs and bfgs 1, the full step; rprop 0.01, the first step size)."""
    spec, keep = _optimizer(net, optimizer)
    rate = getattr(spec, "default_learn_rate", 0.01) if learn_rate is None else checks.learn_rate(learn_rate)
    if patience is not None:
        patience = checks.positive_int("patience", patience)
        if validation is None:
            raise ArgumentError("patience needs validation data to watch: pass validation=0.2 or a DataFrame")
    if batch_size is not None:
        batch_size = checks.positive_int("batch_size", batch_size)
    if getattr(spec, "full_batch_only", False) and (batch_size is not None or any(net.dropout)):
        raise ArgumentError(_full_batch_only(spec, "batch_size" if batch_size is not None else "dropout"))
    if checks.boolean("progress", progress):
        tqdm_class()
    return Settings(checks.positive_int("iterations", iterations), rate,
                    checks.non_negative("tolerance", tolerance), checks.non_negative_int("trace", trace), spec,
                    keep, batch_size, checks.boolean("shuffle", shuffle), validation, patience,
                    get_schedule(schedule), bool(progress), starts.check(restarts))


def _full_batch_only(spec, what: str) -> str:
    fix = ("use batch_size=None (all rows)" if what == "batch_size" else
           "build the network with dropout=0")
    return (f"optimizer {spec.name!r} needs a deterministic objective: it compares the full-batch loss and "
            f"gradient from step to step, and {what} changes them from one evaluation to the next; {fix}, or "
            "train with optimizer='adam', which takes batch_size=None and dropout=0 as well as minibatches "
            "and dropout")


def _optimizer(net, spec):
    """``None`` keeps the network's optimizer (GD at first); it again, or its name, keeps its state; else fresh."""
    current = net.optimizer
    if spec is None:
        return (current, True) if current is not None else (GD(), False)
    if current is not None and (spec is current or isinstance(spec, str) and spec == current.name
                                and type(current) is OPTIMIZERS.get(spec)):
        return current, True
    return get_optimizer(spec), False


# ---------------------------------------------------------------------------------------------- the call
def train(net, s: Settings) -> None:
    """One ``train()`` call, with ``s.restarts`` starts (see ``chainnet.restarts``); it warns at the end."""
    start = net.iteration
    if s.restarts is None:
        _call(net, s)
        net.restarts = None
    else:
        snapshot = Snapshot(net)
        try:
            starts.run(net, s.restarts, lambda: _call(net, s), s.validation is not None)
        except BaseException as exc:
            if not isinstance(exc, DivergedError):
                snapshot.restore()
            raise
    first = net._history[start]["loss"] if len(net._history) > start else None
    convergence.finish(net, net.convergence, first, s.iterations, s.batch_size is not None or any(net.dropout))


def _call(net, s: Settings) -> None:
    """One start, as a transaction: on an exception the network is put back as it was, except on
    DivergedError, which leaves it where the divergence handling put it."""
    snapshot = Snapshot(net)
    try:
        data = training_data(net, s.validation, s.batch_size)
        if not s.keep_state:
            net.optimizer, net.optimizer_state = s.optimizer, _fresh_state(s.optimizer, net.params)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging step overflows: caught, not warned
            _loop(net, s, data, snapshot)
    except DivergedError:
        net.converged, net.convergence = False, "diverged"
        raise                   # _diverged has chosen what to keep
    except BaseException:
        snapshot.restore()
        raise


def _fresh_state(spec, w: np.ndarray) -> dict:
    state = spec.init_state(w.size, w.dtype)
    if not isinstance(state, dict) or not all(isinstance(v, np.ndarray) for v in state.values()):
        raise ArgumentError(f"optimizer {spec!r}: init_state() must return a dict of numpy arrays")
    return state


def _loop(net, s: Settings, data: Data, snapshot: Snapshot) -> None:
    """Iterations until ``s.iterations``, the tolerance or the patience; Ctrl-C keeps the last finished one."""
    reporter, start = Reporter(s.iterations, s.trace, s.progress, net.task), net.iteration
    checkpoint = Checkpoint(net, draws=any(net.dropout) or (s.batch_size is not None and s.shuffle))
    best, message = Best(net, s.patience) if data.X_val is not None else None, None
    watch = convergence.Watch(net, data.T, any(net.dropout) or s.batch_size is not None,
                              lambda: net._evaluate(data.X, data.T, sample_weight=data.w)[0], snapshot)
    why = None  # how the call ends (chainnet.convergence.REASONS); None while it runs or when it raises
    try:
        for _ in range(s.iterations):
            lr = s.learn_rate * (s.schedule.factor(net.iteration, start, s.iterations) if s.schedule else 1.0)
            loss, score = _epoch(net, s, data, lr)                        # batches: forward, loss, backward, update
            if not (math.isfinite(loss) and math.isfinite(net.params.sum())):
                _diverged(net, loss, lr, start, checkpoint, snapshot)     # raises
            watch.after(loss, lr, checkpoint.slots[checkpoint.current])   # raises on a blow-up
            row = _record(net, data, loss, score, lr, best)               # the history row, validation
            checkpoint.save()
            reporter.row(net.iteration, row)
            why = convergence.reason(net, loss, s.tolerance, best is not None and best.exhausted())
            if why is not None:
                break                                                     # stop
        final = _final_loss(net, s, data)
        if not math.isfinite(final):                                      # the last update broke the loss
            _diverged(net, final, lr, start, checkpoint, snapshot)
        why = why or "iterations"
        message = best.restore() if best is not None else None
    except KeyboardInterrupt:
        checkpoint.restore()
        message, why = f"Interrupted: kept the model as after iteration {net.iteration}", "interrupted"
    finally:
        _close(net, s, reporter, message, why)


def _close(net, s: Settings, reporter, message, why) -> None:
    """Record how the call ended (not when it raises) and print the last lines: the solvers' ending line."""
    if why is not None:
        net.converged, net.convergence = convergence.CONVERGED[why], why
        if s.trace and getattr(net.optimizer, "full_batch_only", False) and net._history:
            ending = convergence.ending(why, net.iteration, net._history[-1]["loss"], net.optimizer)
            message = "\n".join(filter(None, [message, ending]))
    reporter.close(message if message and (s.trace or s.progress or message.startswith("Interrupted")) else None)


def _epoch(net, s: Settings, data: Data, lr: float) -> tuple[float, float]:
    """One pass over the training rows: the summed loss and the accuracy (or RMSE), as trained."""
    n, k = data.T.shape
    rng, W = net.rng if any(net.dropout) else None, total_weight(n, data.w)
    if s.batch_size is None:
        loss, score = _step(net, data.X, data.T, data.codes, 1.0, lr, rng, closure=True, w=data.w)
        return loss, metric(score, W, k, net.task)
    order = net.rng.permutation(n) if s.shuffle else None
    loss = score = 0.0
    for first in range(0, n, s.batch_size):
        rows = slice(first, first + s.batch_size) if order is None else order[first:first + s.batch_size]
        codes = None if data.codes is None else data.codes[rows]
        share = min(s.batch_size, n - first) / n                          # the batch's share of the penalty
        batch_loss, batch_score = _step(net, data.X[rows], data.T[rows], codes, share, lr, rng,
                                        w=None if data.w is None else data.w[rows])
        loss, score = loss + batch_loss, score + batch_score
    return loss, metric(score, W, k, net.task)


def _step(net, X, T, codes, share: float, lr: float, rng, closure: bool = False, w=None) -> tuple[float, float]:
    """One update from one batch: forward, loss (with ``share`` of the decay penalty), backward, update.
    Returns the batch's objective and its correct predictions (regression: squared error), weighted by the
    rows' case weights ``w`` when given."""
    known = objective.reuse(net, X, T, w) if closure else None   # the line search's last point: no new pass
    loss, fit, output = known or net._evaluate(X, T, share, net._grad_views, net._buffers_for(len(X)), rng,
                                               sample_weight=w)
    at = (lambda v: net._objective_at(v, X, T, w)) if closure else None
    net.optimizer.step(net.optimizer_state, net.params, net._grad, lr, loss, at)
    if codes is None:
        return loss, fit
    right = class_codes(output) == codes
    return loss, float(np.count_nonzero(right)) if w is None else float(np.dot(w, right))


def _record(net, data: Data, loss: float, score: float, lr: float, best) -> dict:
    """Append the iteration's history row (validation scored at the weights after the update)."""
    row = {"loss": loss, metric_name(net.task): score}
    if data.X_val is not None:
        row.update(net._validation_scores(data.X_val, data.T_val, data.w_val))
    row["learn_rate"] = lr
    net._history.append(row)
    net.iteration += 1
    if best is not None:
        best.update(row["val_loss"])
    return row


def _final_loss(net, s: Settings, data: Data) -> float:
    """The loss at the weights the call ends with (an iteration's loss is taken before its update, so the last
    update is otherwise unchecked): over all training rows for full batches, over the first batch's rows for
    minibatches; no dropout, nothing drawn."""
    rows = len(data.X) if s.batch_size is None else s.batch_size
    return net._evaluate(data.X[:rows], data.T[:rows], rows / len(data.X), None, net._buffers_for(rows))[0]


def _diverged(net, loss: float, lr: float, start: int, checkpoint: Checkpoint, snapshot: Snapshot) -> None:
    """Keep the last iteration whose loss is known finite and no worse than the call's first (else undo the
    call), then raise. A finite loss with broken weights: the update broke them, undo it; an infinite loss:
    the previous update broke the weights' loss, undo both."""
    i = net.iteration + 1
    if i == start + 1 and not math.isfinite(loss):          # nothing of this call is known to be finite
        snapshot.restore()
        start_loss = net.compute_loss()
        if not math.isfinite(start_loss):
            raise DivergedError(_starting_loss_message(net, start_loss))
    else:
        first = net._history[start]["loss"] if len(net._history) > start else loss
        kept = loss if math.isfinite(loss) else net._history[-1]["loss"]
        checkpoint.restore() if math.isfinite(loss) else checkpoint.restore_previous()
        if kept > first or net.iteration == start:   # nothing kept: undo the whole call
            snapshot.restore()
    where = f"as after iteration {net.iteration}" if net.iteration > start else \
        f"as before this call (iteration {start})"
    raise DivergedError(f"training diverged at iteration {i}: the loss became {loss} with learn_rate={lr:g}; "
                        f"the model is kept {where}, where its loss is finite and no worse than at the start. "
                        f"Try a smaller learn_rate, e.g. {lr / 10:g}")


def _starting_loss_message(net, loss: float) -> str:
    scale = max(float(np.max(np.abs(net._T), initial=0.0)), float(np.max(np.abs(net.X), initial=0.0)))
    cause = (f"the data are too large for {np.dtype(net.dtype).name} arithmetic (values up to {scale:.3g}): "
             "rescale the response and predictors, or pass standardize=True"
             if scale > 1e100 else "the current weights give an infinite loss on these data: assign smaller "
             "weights or build the network again")
    return (f"the loss is already {loss} at the weights this call starts from, before any update: {cause}. "
            "The model is unchanged")
