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

import numbers
from typing import Any, NamedTuple

import numpy as np

from . import _checks as checks, convergence, restarts as starts
from ._progress import tqdm_class
from ._rollback import Snapshot
from ._run import Run
from ._splits import Data, training_data
from .errors import ArgumentError, DivergedError
from .optim import GD, OPTIMIZERS, get_optimizer
from .schedules import get_schedule


class Settings(NamedTuple):
    """One ``train()`` call's arguments, checked (a named tuple: read-only, and made in one call)."""

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
    _iteration_count(net)
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
    return Settings(_iterations(iterations), rate,
                    checks.non_negative("tolerance", tolerance), checks.non_negative_int("trace", trace), spec,
                    keep, batch_size, checks.boolean("shuffle", shuffle), validation, patience,
                    get_schedule(schedule), bool(progress), starts.check(restarts))


#: the most iterations one call takes (R's integer maximum, nnet's ``maxit`` bound): a larger count is a typo
MAX_ITERATIONS = 2**31 - 1


def _iterations(value) -> int:
    iterations = checks.positive_int("iterations", value)
    if iterations > MAX_ITERATIONS:
        raise ArgumentError(f"iterations must be at most {MAX_ITERATIONS:,} (R's integer maximum), got {value!r}: "
                            "train in calls of fewer iterations, e.g. net.train(10_000) repeated")
    return iterations


def _iteration_count(net) -> None:
    """``net.iteration`` counts the iterations trained (the call's rows are appended and rolled back from it):
    a whole number >= 0, as a loaded or unpickled model's is checked to be."""
    count = net.iteration
    if not isinstance(count, numbers.Integral) or isinstance(count, (bool, np.bool_)) or count < 0:
        raise ArgumentError(f"net.iteration must be a whole number >= 0 (the iterations trained so far), got "
                            f"{count!r}: set it back, e.g. net.iteration = len(net.history)")


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
    run, why = Run(net, s, data, snapshot), None   # why: how the call ends (convergence.REASONS); None if it raises
    try:
        for _ in range(s.iterations):
            lr = run.rate()                        # learn_rate times the schedule's factor
            loss, score = run.epoch(lr)            # batches: forward, loss, backward, update
            run.check(loss, lr)                    # finite? blown up? (raises DivergedError)
            run.record(loss, score, lr)            # history row, validation, checkpoint, trace line
            why = run.stop(loss)                   # stop? the solver's test, the tolerance, the patience
            if why is not None:
                break
        why = run.end(why or "iterations", lr)     # the last update's loss checked, the best weights restored
    except KeyboardInterrupt:
        why = run.interrupted()                    # back to the last finished iteration
    finally:
        run.close(why)
