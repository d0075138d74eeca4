"""One ``train()`` call's iterations: the steps ``training._loop`` names, and what they share.

``Run`` is made once per call and looks up once what does not change from one iteration to the next: the
optimizer's step, state and stop test, the flat parameters and gradient with their layer views, the full
batch's pass buffers and the closure of its objective, whether iterations draw (dropout, shuffling) or are noisy
(dropout, minibatches), the metric's name and the rows' total weight. An iteration is then its numpy calls and a
few scalar tests; the last line-search evaluation is looked for (``_objective.reuse``) only when the optimizer
has called the closure since the last pass in this call:

    rate -> epoch (batch, forward, loss, backward, update) -> check (finite? blown up?) -> record -> stop?

The rollback pieces around it: ``rollback.Checkpoint`` (the last finished iteration, for Ctrl-C and
divergence), ``rollback.Best`` (the lowest validation loss), ``convergence.Watch`` (the blow-up rule).
"""

from __future__ import annotations

import math

import numpy as np

from . import _objective as obj, convergence
from ._progress import Reporter, metric_name
from ._rollback import Best, Checkpoint
from ._scoring import class_codes, metric, total_weight
from .errors import DivergedError


class Run:
    """The state of one ``train()`` call's iterations (``s``: the call's ``training.Settings``)."""

    def __init__(self, net, s, data, snapshot):
        self.net, self.s, self.data, self.snapshot, self.start = net, s, data, snapshot, net.iteration
        dropout = any(net.dropout)
        self.rng, self.full = (net.rng if dropout else None), s.batch_size is None
        self.reporter = Reporter(s.iterations, s.trace, s.progress, net.task)
        self.checkpoint = Checkpoint(net, draws=dropout or (not self.full and s.shuffle))
        self.best = Best(net, s.patience, self.checkpoint.state_buffer) if data.X_val is not None else None
        self.watch = convergence.Watch(net, data.T, dropout or not self.full, self.full_loss, snapshot,
                                       self.checkpoint)
        self.update, self.state, self.stopped = net.optimizer.step, net.optimizer_state, \
            getattr(net.optimizer, "stopped", None)
        self.w, self.g, self.grads = net.params, net._grad, net._grad_views
        self.metric, self.total, self.task = metric_name(net.task), total_weight(len(data.X), data.w), net.task
        self.T = np.asfortranarray(data.T) if self.full else data.T   # the pass buffers' layout (unit by unit)
        self.buf = net._buffers_for(len(data.X)) if self.full else None
        self.closure = self.objective_at if self.full else None       # full-batch line searches
        self.searched = False   # set when the optimizer evaluates trial points: the next pass may reuse the last
        #                         (not across calls: between them X, T or the case weights may be edited in place)
        self.message = None     # the trace's last line: interrupted, best weights restored

    def __repr__(self) -> str:
        return f"Run(from iteration {self.start}, {self.s.iterations} iterations, batch {self.s.batch_size})"

    def rate(self) -> float:
        """The learning rate of this iteration: ``learn_rate`` times the schedule's factor."""
        s = self.s
        return s.learn_rate * s.schedule.factor(self.net.iteration, self.start, s.iterations) if s.schedule \
            else s.learn_rate

    def epoch(self, lr: float) -> tuple[float, float]:
        """One pass over the training rows, whole or in batches: the summed loss and the accuracy (or RMSE),
        as trained (each batch's loss before its update)."""
        d = self.data
        if self.full:
            loss, score = self.batch(d.X, self.T, d.codes, 1.0, lr, d.w, self.buf)
        else:
            loss, score = self.batches(lr)
        return loss, metric(score, self.total, d.T.shape[1], self.task)

    def batches(self, lr: float) -> tuple[float, float]:
        """Minibatches of ``batch_size`` rows, shuffled by the network's generator unless ``shuffle=False``."""
        d, size, n = self.data, self.s.batch_size, len(self.data.X)
        order = self.net.rng.permutation(n) if self.s.shuffle else None
        loss = score = 0.0
        for first in range(0, n, size):
            rows = slice(first, first + size) if order is None else order[first:first + size]
            share = min(size, n - first) / n                                # the batch's share of the penalty
            batch_loss, batch_score = self.batch(d.X[rows], d.T[rows], None if d.codes is None else d.codes[rows],
                                                 share, lr, None if d.w is None else d.w[rows])
            loss, score = loss + batch_loss, score + batch_score
        return loss, score

    def batch(self, X, T, codes, share: float, lr: float, w, buf=None) -> tuple[float, float]:
        """One update from one batch: forward, loss (with ``share`` of the decay penalty), backward, update.
        Returns the batch's objective and its correct predictions (regression: squared error), weighted by
        the rows' case weights ``w`` when given. ``buf``: the full batch's pass buffers (None: by row count)."""
        net = self.net
        known = obj.reuse(net, X, T, w) if self.searched and self.closure is not None else None
        loss, fit, output = known or obj.evaluate(net, X, T, share, self.grads, buf or net._buffers_for(len(X)),
                                                  self.rng, sample_weight=w)
        self.searched = False
        self.update(self.state, self.w, self.g, lr, loss, self.closure)
        if codes is None:
            return loss, fit
        right = class_codes(output) == codes
        return loss, float(np.count_nonzero(right)) if w is None else float(np.dot(w, right))

    def objective_at(self, v: np.ndarray):
        """The full-batch objective and its gradient at other weights ``v``: the optimizers' line-search closure.
        The evaluation is kept (``_objective.objective_at``): the next batch reuses it if it is at the weights
        the step ends on."""
        self.searched = True
        d = self.data
        return self.net._objective_at(v, d.X, self.T, d.w)

    def check(self, loss: float, lr: float) -> None:
        """Raise DivergedError when the loss or the updated weights are not finite, or the loss blew up."""
        if not (math.isfinite(loss) and math.isfinite(np.add.reduce(self.w))):
            self.diverged(loss, lr)
        self.watch.after(loss, lr)

    def record(self, loss: float, score: float, lr: float) -> None:
        """The iteration's history row (validation scored at the weights after the update), the checkpoint
        of the finished iteration, the trace line."""
        net, d = self.net, self.data
        row = {"loss": loss, self.metric: score}
        if d.X_val is not None:
            row.update(obj.validation_scores(net, d.X_val, d.T_val, d.w_val))
        row["learn_rate"] = lr
        net._history.append(row)
        net.iteration += 1
        if self.best is not None:
            self.best.update(row["val_loss"])
        self.checkpoint.save()
        self.reporter.row(net.iteration, row)

    def stop(self, loss: float) -> str | None:
        """Why training stops after this iteration (``convergence.REASONS``), None to go on: the solver's own
        test, the loss below the tolerance, the patience run out."""
        why = self.stopped(self.state) if self.stopped is not None else None
        if why:
            return why
        if loss < self.s.tolerance:
            return "tolerance"
        return "patience" if self.best is not None and self.best.exhausted() else None

    def end(self, why: str, lr: float) -> str:
        """After the last iteration: check the loss the last update led to (an iteration's loss is taken before
        its update, so the last update is otherwise unchecked), go back to the best validation iteration;
        returns how the call ended."""
        rows = len(self.data.X) if self.full else self.s.batch_size      # minibatches: the first batch's rows
        known = obj.reuse(self.net, self.data.X, self.T, self.data.w) if self.searched and self.full else None
        final = (known or obj.evaluate(self.net, self.data.X[:rows], self.data.T[:rows], rows / len(self.data.X),
                                       None, self.net._buffers_for(rows)))[0]          # known: the last trial
        if not math.isfinite(final):                                       # the last update broke the loss
            self.diverged(final, lr)
        self.message = self.best.restore() if self.best is not None else None
        return why

    def interrupted(self) -> str:
        """Ctrl-C: back to the last finished iteration."""
        self.checkpoint.restore()
        self.message = f"Interrupted: kept the model as after iteration {self.net.iteration}"
        return "interrupted"

    def full_loss(self) -> float:
        """The objective over all training rows at the current weights, no dropout: confirms a noisy blow-up."""
        d = self.data
        return obj.evaluate(self.net, d.X, d.T, sample_weight=d.w)[0]

    def close(self, why: str | None) -> None:
        """Record how the call ended (not when it raises) and print the last lines: the solvers' ending line."""
        net, s, message = self.net, self.s, self.message
        if why is not None:
            net.converged, net.convergence = convergence.CONVERGED[why], why
            if s.trace and getattr(net.optimizer, "full_batch_only", False) and net._history:
                ending = convergence.ending(why, net.iteration, net._history[-1]["loss"], net.optimizer)
                message = "\n".join(filter(None, [message, ending]))
        shown = message and (s.trace or s.progress or message.startswith("Interrupted"))
        self.reporter.close(message if shown else None)

    def diverged(self, loss: float, lr: float) -> None:
        """Keep the last iteration whose loss is known finite and no worse than the call's first (else undo the
        call), then raise. A finite loss with broken weights: the update broke them, undo it; an infinite
        loss: the previous update broke the weights' loss, undo both."""
        net, start, i = self.net, self.start, self.net.iteration + 1
        if i == start + 1 and not math.isfinite(loss):          # nothing of this call is known to be finite
            self.snapshot.restore()
            start_loss = net.compute_loss()
            if not math.isfinite(start_loss):
                raise DivergedError(_starting_loss_message(net, start_loss),
                                    shell=_starting_loss_message(net, start_loss, shell=True))
        else:
            first = net._history[start]["loss"] if len(net._history) > start else loss
            kept = loss if math.isfinite(loss) else net._history[-1]["loss"]
            self.checkpoint.restore() if math.isfinite(loss) else self.checkpoint.restore_previous()
            if kept > first or net.iteration == start:           # nothing kept: undo the whole call
                self.snapshot.restore()
        where = f"as after iteration {net.iteration}" if net.iteration > start else \
            f"as before this call (iteration {start})"
        args = i, loss, lr, where, net.optimizer
        raise DivergedError(_nonfinite_message(*args), shell=_nonfinite_message(*args, shell=True))


def _nonfinite_message(i: int, loss: float, lr: float, where: str, optimizer, shell: bool = False) -> str:
    """The message of a loss or weights gone infinite or NaN; ``shell``: the command line's (nothing is saved)."""
    kept = "nothing was saved" if shell else \
        f"the model is kept {where}, where its loss is finite and no worse than at the start"
    return (f"training diverged at iteration {i}: the loss became {loss} with {convergence.rate_spelling(lr, shell)}; "
            f"{kept}. {convergence.retry(lr, shell, optimizer)}")


def _starting_loss_message(net, loss: float, shell: bool = False) -> str:
    scale = max(float(np.max(np.abs(net._T), initial=0.0)), float(np.max(np.abs(net.X), initial=0.0)))
    cause = (f"the data are too large for {np.dtype(net.dtype).name} arithmetic (values up to {scale:.3g}): "
             f"rescale the response and predictors, or pass {'--standardize' if shell else 'standardize=True'}"
             if scale > 1e100 else "the current weights give an infinite loss on these data: "
             + ("start from other weights (--seed)" if shell else "assign smaller weights or build the network again"))
    return (f"the loss is already {loss} at the weights this call starts from, before any update: {cause}. "
            + ("Nothing was saved" if shell else "The model is unchanged"))
