"""How a ``train()`` call ended, and the guard that stops a run whose loss blows up while staying finite.

Every call sets ``net.converged`` (bool) and ``net.convergence``, the reason it stopped (``REASONS``):

    "gradient"     the solver's first-order test: max|g| <= tolerance_grad (lbfgs, bfgs)      converged
    "loss change"  the solver's progress test: the loss, a step or the slope along the
                   search direction changed by less than tolerance_change (lbfgs, bfgs)         converged
    "tolerance"    an iteration's loss fell below ``train(tolerance=)``                        converged
    "patience"     ``patience`` iterations without a better validation loss                    converged
    "iterations"   the iteration limit, none of the above                                      not converged
    "interrupted"  Ctrl-C                                                                      not converged
    "diverged"     DivergedError                                                               not converged

The full-batch solvers (lbfgs, bfgs, rprop) warn with ``ConvergenceWarning`` when they stop at the iteration
limit, as scikit-learn does, and with ``trace`` on, their trace ends with a line saying how the call ended
(``ending``); the other optimizers keep the R6 trace, one line every ``trace`` iterations and nothing more (the
seed's session prints exactly nine lines). Any call that ends with a higher loss than it started with warns
with ``LossIncreaseWarning``.

The blow-up rule. Let L* be the lowest loss of the call so far (the loss at the call's starting weights
included) and L0 the loss of the constant model, which predicts the training class shares or the response
mean (n·H(class shares), or Σ(y - ȳ)²). An iteration whose loss exceeds

    L* + FACTOR · max(L*, L0),   FACTOR = 20

stops training with ``DivergedError`` and the network goes back to the weights of L*. The rule is in the
loss's own scale (a model 20 times worse than guessing the average has blown up, whatever the units) and it
was set between what it must catch and what it must let pass, measured on the seeds' data (loss rise over the
best so far, in units of max(L*, L0)): a trained iris 4-5-3 network at learn_rate 1.0, 181; penguins
``bill_length_mm ~ .`` at the divergence hint's rate 1e-3, 488 (and ``body_mass_g ~ . - year``, which climbs
to inf over 690 iterations, is stopped at iteration 17); against, at most 3.5 (the R6 session's ``train(1000)`` at the
default rate after training, 18 → 83, which the example shows on purpose), 3.3 (penguins species at the
default rate), 2.2 (hot dogs at 0.01), 0.32 (Adam at 0.1 in batches of 16), 0.14 (Adam's first steps on the hot
dogs), 0.07 (the README's penguins recipe: RMSprop, dropout, batches of 32). On minibatch or dropout iterations,
whose loss is a sum over moving weights, a trip is confirmed on the full-batch loss (no dropout) at the weights
after the iteration. ``backpropagate(lr)`` applies the rule over a run of calls: L* is the lowest loss since the
weights were last changed by anything else (``check_step``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .errors import DivergedError

FACTOR = 20.0
CONVERGED = {"gradient": True, "loss change": True, "tolerance": True, "patience": True, "iterations": False,
             "interrupted": False, "diverged": False}
REASONS = tuple(CONVERGED)


class ConvergenceWarning(UserWarning):
    """An iterative solver (lbfgs, bfgs, rprop) stopped at the iteration limit before its convergence tests."""


class LossIncreaseWarning(UserWarning):
    """A ``train()`` call ended with a higher loss than it started with."""


def constant_loss(T: np.ndarray, task: str) -> float:
    """L0, the summed loss of the best constant prediction: Σ(y - ȳ)² (regression) or -Σ_k n_k log(n_k / n)
    (classification; T (n, 1) for two classes, else one-hot (n, K))."""
    if task == "regression":
        D = np.subtract(T, T.mean(axis=0, dtype=np.float64), dtype=np.float64)   # one (n, K) temporary
        return float(np.vdot(D, D))
    ones, n = T.sum(axis=0, dtype=np.float64).tolist(), len(T)  # counted in float64, without a float64 copy of T
    counts = ones if len(ones) > 1 else [n - ones[0], ones[0]]
    return -sum(c * math.log(c / n) for c in counts if c > 0)   # K floats: Python, not numpy calls


class BlowUpGuard:
    """The rule above for one call: ``update(loss)`` records a loss, ``blown(loss)`` tests one; ``best`` is L*
    and ``limit`` the threshold L* + FACTOR·max(L*, L0), kept up to date by ``update``."""

    def __init__(self, start_loss: float, constant: float, factor: float = FACTOR):
        self.constant, self.factor = float(constant), factor
        self._lowest(float(start_loss))

    def _lowest(self, best: float) -> None:
        self.best, self.limit = best, best + self.factor * max(best, self.constant)

    def threshold(self) -> float:
        return self.limit

    def blown(self, loss: float) -> bool:
        return not loss <= self.limit  # NaN too

    def update(self, loss: float) -> bool:
        """Record an iteration's loss; True when it is the lowest so far."""
        if loss < self.best:
            self._lowest(float(loss))
            return True
        return False

    def __repr__(self) -> str:
        return f"BlowUpGuard(best={self.best:.6g}, threshold={self.threshold():.6g})"


def check_step(net, before: float, w_new: np.ndarray, after: float, lr: float) -> None:
    """The rule over a run of ``backpropagate(lr)`` calls (the R6 loop): L* is the lowest loss since the weights
    were last changed other than by ``backpropagate``; a step from ``before`` to ``after`` that blows up raises
    DivergedError (the weights unchanged), else the run goes on from ``w_new``."""
    run = net.__dict__.get("_step_run")
    best = min(run[1], before) if run is not None and np.array_equal(run[0], net.params) else before
    rule = BlowUpGuard(best, constant_loss(net._T, net.task))
    if rule.blown(after):
        raise DivergedError(f"backpropagate({lr:g}) would raise the loss from {before:.6g} to {after:.6g}, above "
                            f"{rule.threshold():.6g} (the lowest loss of these steps, {best:.6g}, plus {FACTOR:g} "
                            "times the larger of it and the constant model's loss); the weights are left as they "
                            f"were. Try a smaller learn_rate, e.g. {lr / 10:g}")
    net._step_run = (w_new.copy(), best)


def blown_message(iteration: int, loss: float, lr: float, best: float, constant: float, threshold: float,
                  where: str, optimizer=None, shell: bool = False) -> str:
    """DivergedError's message; ``shell``: for the command line, where nothing is saved after an error."""
    kept = "nothing was saved" if shell else f"the model is kept {where}, where the loss was {best:.6g}, the lowest " \
        "of the call"
    return (f"training diverged at iteration {iteration}: the loss blew up to {loss:.6g}, above {threshold:.6g} "
            f"(the call's lowest loss {best:.6g} plus {FACTOR:g} times the larger of it and the constant model's "
            f"{constant:.6g}), with {rate_spelling(lr, shell)}; {kept}. {retry(lr, shell, optimizer)}")


def rate_spelling(lr: float, shell: bool) -> str:
    return f"--learn-rate {lr:g}" if shell else f"learn_rate={lr:g}"


def retry(lr: float, shell: bool, optimizer=None) -> str:
    """The fix a divergence message ends with, in Python's spelling or the command line's; L-BFGS is offered
    unless it is the ``optimizer`` that diverged (or BFGS)."""
    rate = f"a smaller --learn-rate, e.g. {lr / 10:g}" if shell else f"a smaller learn_rate, e.g. {lr / 10:g}"
    if getattr(optimizer, "name", None) in ("lbfgs", "bfgs"):
        return f"Try {rate}"
    return f"Try {rate}, or " + ("--optimizer lbfgs" if shell else "optimizer='lbfgs'") + ", which needs none"


def ending(reason: str, iteration: int, loss: float, optimizer) -> str:
    """The trace's last line: how the call ended."""
    tol = getattr(optimizer, "tolerance_grad", None), getattr(optimizer, "tolerance_change", None)
    why = {"gradient": f"converged: max|gradient| <= tolerance_grad ({tol[0]:g})" if tol[0] is not None else "",
           "loss change": f"converged: the loss changed by less than tolerance_change ({tol[1]:g})"
           if tol[1] is not None else "",
           "tolerance": "converged: the loss fell below tolerance",
           "patience": "stopped early: no better validation loss within patience",
           "iterations": "stopped at the iteration limit, not converged",
           "interrupted": "interrupted"}[reason]
    return f"Ended at iteration {iteration}, loss {loss:.10g}: {why}"


class Watch:
    """The blow-up rule over one ``train()`` call, and the state of its lowest loss to go back to.

    ``after(loss, lr)`` is called once an iteration has updated the weights, with its loss, which was measured
    at the weights of the checkpoint's finished slot (the iteration before: params, optimizer state, iteration,
    generator state); a new lowest loss pins that slot (``Checkpoint.pin``, no copy). ``noisy``: the
    iteration's loss is a sum over minibatches or has dropout, so a trip is confirmed by ``full_loss()`` at the
    current weights before it fires."""

    def __init__(self, net, T, noisy: bool, full_loss, snapshot, checkpoint):
        self.net, self.constant, self.noisy, self.full_loss = net, constant_loss(T, net.task), noisy, full_loss
        self.snapshot, self.checkpoint, self.start = snapshot, checkpoint, net.iteration
        self.rule = BlowUpGuard(np.inf, self.constant)  # no loss yet: the first one is the lowest, and pinned

    def after(self, loss: float, lr: float) -> None:
        rule = self.rule
        if not loss <= rule.limit and (not self.noisy or rule.blown(self.full_loss())):
            self._fire(loss, lr)
        if rule.update(loss):
            self.checkpoint.pin()

    def _fire(self, loss: float, lr: float) -> None:
        """Back to the lowest-loss state of the call (weights, optimizer state, iteration, history, generator);
        when that is where the call started, the whole call is undone."""
        net, iteration, threshold = self.net, self.net.iteration + 1, self.rule.threshold()
        if self.checkpoint.slots[self.checkpoint.pinned].iteration == self.start:
            self.snapshot.restore()
            where = f"as before this call (iteration {self.start})"
        else:
            self.checkpoint.restore_pinned()
            where = f"as after iteration {net.iteration}"
        args = iteration, loss, lr, self.rule.best, self.constant, threshold, where, net.optimizer
        raise DivergedError(blown_message(*args), shell=blown_message(*args, shell=True))

    def __repr__(self) -> str:
        return f"Watch({self.rule!r}, noisy={self.noisy})"


def finish(net, reason_: str, first_loss: float | None, iterations: int, noisy: bool = False) -> None:
    """Set ``converged``/``convergence`` and warn as the module docstring says. The loss increase compares the
    call's first and last iteration losses; when they are sums over minibatches or have dropout (``noisy``) it
    must exceed 5% of the larger of the first loss and the constant model's, more than such runs wobble."""
    net.converged, net.convergence = CONVERGED[reason_], reason_
    opt = net.optimizer
    if reason_ == "iterations" and getattr(opt, "full_batch_only", False):
        warnings.warn(f"optimizer {opt.name!r} stopped at the iteration limit ({iterations} iterations) before "
                      f"its convergence tests passed: call net.train({iterations}) again to go on from where it "
                      "stopped, or see net.history['loss'] for how far it got", ConvergenceWarning, stacklevel=4)
    margin = 0.05 * max(first_loss, constant_loss(net._T, net.task)) if noisy and first_loss is not None else 0.0
    if first_loss is not None and net._history and net._history[-1]["loss"] > first_loss + margin:
        warnings.warn(f"this train() call ended with a higher loss than it started with ({first_loss:.6g} -> "
                      f"{net._history[-1]['loss']:.6g}): the learning rate is too large for these data; try a "
                      "smaller learn_rate, or optimizer='lbfgs', which needs none", LossIncreaseWarning,
                      stacklevel=4)
