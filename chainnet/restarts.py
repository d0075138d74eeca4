"""``train(restarts=k)``: k starts of the same call, the network keeping the best (as nnet users loop by hand
and neuralnet's ``rep`` does).

Start 1 is the call as it would run without restarts (the network's current weights and optimizer state);
starts 2..k draw fresh weights from the network's generator under its ``init`` and begin with a fresh optimizer
state. Each start trains with the call's settings. The network keeps the start with the lowest training loss
(``compute_loss()`` at its final weights), or, when the call validates, the lowest validation loss; its weights,
optimizer state, iterations, history and convergence are the network's afterwards, while the generator stays
where the last start left it (a later call draws new starts). Same seed, same result.

``net.restarts`` is the table of the starts: ``start``, ``loss``, ``accuracy`` (regression: ``rmse``),
``iterations`` (of this call), ``converged`` (and ``val_loss`` when validating). A start that blows up
(``DivergedError``) is kept at its lowest-loss weights and scored like the others, marked not converged; the
call raises only when every start diverged.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ._progress import metric_name
from ._rollback import Snapshot
from .errors import ArgumentError, DivergedError


def check(restarts) -> int | None:
    """``None`` (no restarts) or a positive integer."""
    if restarts is None:
        return None
    if not isinstance(restarts, numbers.Integral) or isinstance(restarts, bool) or restarts < 1:
        raise ArgumentError(f"restarts must be a whole number of starts >= 1 (e.g. restarts=10), got {restarts!r}; "
                            "restarts=1 is the call without restarts")
    return int(restarts)


def run(net, k: int, train_once, validating: bool) -> None:
    """Train ``k`` starts with ``train_once()`` (one checked, transactional call) and keep the best."""
    first_iteration, rows, best, failures = net.iteration, [], None, {}
    for start in range(1, k + 1):
        if start > 1:
            _fresh_start(net, first_iteration)
        try:
            train_once()
        except DivergedError as exc:   # the network holds this start's lowest-loss weights
            failures[start] = exc
            net.converged, net.convergence = False, "diverged"
        if net.convergence == "interrupted":   # Ctrl-C ends the restarts too: this start is not scored
            break
        rows.append(_row(net, start, first_iteration, validating))
        score = _score(rows[-1], validating)
        if best is None or score < best[0]:
            best = (score, Snapshot(net, since=first_iteration), (net.converged, net.convergence), start)
    net.restarts = pd.DataFrame(rows)
    if best is None:                             # interrupted in the first start: kept as _loop left it
        return
    rng_state = net.rng.bit_generator.state
    best[1].restore()
    net.rng.bit_generator.state = rng_state
    net.converged, net.convergence = best[2]
    if len(failures) == len(rows):               # every start blew up: the best of them is kept, and raises
        raise failures[best[3]]                  # its error, which names the iterations kept


def _fresh_start(net, first_iteration: int) -> None:
    """New weights from the generator under the network's init, a fresh optimizer state, the call's history.
    A network that had no optimizer before the call has none again when the first start was undone whole (a
    blow-up at its first iteration): the start's ``_call`` gives it the call's, with a fresh state."""
    for W, W0 in zip(net.weights, net._initial_weights()):
        np.copyto(W, W0)
    net.optimizer_state = None if net.optimizer is None else net.optimizer.init_state(net.params.size,
                                                                                      net.params.dtype)
    net.iteration = first_iteration
    del net._history[first_iteration:]


def _score(row: dict, validating: bool) -> float:
    """What the starts are ranked by: the training loss, or the validation loss; a start that kept no iteration
    of the call has no validation loss (NaN) and ranks after every start that has one."""
    score = row["val_loss" if validating else "loss"]
    return np.inf if np.isnan(score) else score


def _row(net, start: int, first_iteration: int, validating: bool) -> dict:
    name = metric_name(net.task)
    row = {"start": start, "loss": net.compute_loss(), name: getattr(net, name)(),
           "iterations": net.iteration - first_iteration, "converged": bool(net.converged)}
    if validating:
        row["val_loss"] = net._history[-1]["val_loss"] if net.iteration > first_iteration else np.nan
    return row
