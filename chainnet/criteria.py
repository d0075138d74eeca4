"""Information criteria, as R's neuralnet prints them: ``aic() = 2·NLL + 2k`` and ``bic() = 2·NLL + log(n)·k``,
k the number of weights (biases included: every entry of ``W1, W2, ...``), n the training rows, NLL the
negative log-likelihood of the training rows at the current weights (no decay penalty).

Classification: NLL is the summed cross-entropy, ``compute_loss()`` without the decay term; ``2·NLL`` is R's
residual deviance of ``glm(family = binomial)`` / ``nnet::multinom``.

Regression, the form chosen here: the Gaussian log-likelihood at its maximum over the noise variance,
σ̂² = SSE / N (N = n·m values, one σ² pooled over the m response columns):

    NLL = N/2 · (log(2π · SSE/N) + 1),      so   2·NLL = N·log(2π·SSE/N) + N.

neuralnet instead puts its error ``0.5·SSE`` in the formula; that number carries the response's units (grams²
or kilograms²), so ``2k`` is lost in it or swamps it depending on the units, and it cannot be compared with a
GLM's AIC. The Gaussian form is unit-free up to a constant, and for ``hidden=0`` it is R's ``AIC(lm(...))`` minus
2: R also counts σ as a parameter, chainnet's k counts weights only, as neuralnet does.

With 3+ classes chainnet's output layer has one score column per class (softmax over K scores), so its
``hidden=0`` network has D weights more than R's ``multinom`` (K − 1 columns): the same likelihood, a larger k.

``glm(net)`` fits the same formula with ``hidden=0`` (the linear/logistic/multinomial model the network
generalises) for the "how much did the hidden layer buy" line of ``summary()``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .errors import DataError
from .layers import training_loss
from .quasinewton import LBFGS

#: L-BFGS iterations for the GLM at hidden=0 (a convex problem: R's glm deviance is reached within 50)
GLM_ITERATIONS = 200


def n_weights(net) -> int:
    """k: every weight, bias rows included (neuralnet's count)."""
    return int(sum(W.size for W in net.weights))


def training_rows(net):
    """The rows of the training frame (``net.data``) the network was fitted on: its ``rows`` (after ``subset=``
    and the rows dropped for missing values)."""
    data = getattr(net, "data", None)
    if data is None:
        raise DataError("this network holds no training data frame (loaded from a file?): give it one with "
                        "net.set_data(df)")
    return data.loc[net.rows] if data.index.is_unique else data


def nll(net) -> float:
    """Negative log-likelihood of the training rows at the current weights (see the module docstring)."""
    loss = training_loss(net)
    if net.task == "classification":
        return float(loss)
    N = np.asarray(net.Y).size
    return 0.5 * N * (math.log(2.0 * math.pi * loss / N) + 1.0)


def deviance(net) -> float:
    """−2 log L = 2·NLL: R's residual deviance for classification; N·log(2π·SSE/N) + N for regression."""
    return 2.0 * nll(net)


def aic(net) -> float:
    """Akaike's criterion 2·NLL + 2k (neuralnet's definition; regression NLL is Gaussian, see the module)."""
    return 2.0 * nll(net) + 2.0 * n_weights(net)


def bic(net) -> float:
    """Schwarz's criterion 2·NLL + log(n)·k, n the number of training rows."""
    return 2.0 * nll(net) + math.log(len(net.Y)) * n_weights(net)


def glm(net):
    """The same formula, data and settings with ``hidden=0``, fitted (a new network; ``net`` is untouched).

    Regression: the exact least-squares weights (numpy's lstsq on the same design matrix). Classification:
    ``GLM_ITERATIONS`` of L-BFGS (``chainnet.quasinewton``) on the convex cross-entropy; on separable classes
    the likelihood has no maximum and the deviance is what 200 iterations reach, near 0.
    Returns ``(network, how it was fitted)``.
    """
    base = type(net)(net.formula, training_rows(net), hidden=0, task=net.task, standardize=net.standardize,
                     dtype=np.dtype(net.dtype).name, seed=0)
    if len(base.Y) != len(net.Y):
        raise DataError(f"the GLM found {len(base.Y)} training rows, the network {len(net.Y)}: the training frame "
                        "changed since, or its index has duplicate labels; give it unique labels")
    if net.task == "regression":
        T = np.asarray(base.Y, dtype=np.float64).reshape(len(base.Y), -1)
        base.W1 = np.linalg.lstsq(base.X.astype(np.float64), T, rcond=None)[0]
        return base, "least squares"
    solver = LBFGS(tolerance_grad=1e-12, tolerance_change=1e-16)   # run to the floor: coefficients to ~1e-6
    with warnings.catch_warnings(record=True) as caught:      # a solver's "stopped at the limit" becomes a note
        warnings.simplefilter("always")
        base.train(GLM_ITERATIONS, optimizer=solver, tolerance=0.0, trace=0)
    note = f"; {str(caught[-1].message).splitlines()[0]}" if caught else ""
    return base, f"L-BFGS, {base.iteration} iterations{note}"


def comparison(net) -> dict:
    """The network against its GLM: ``{"network": (deviance, aic, bic, k), "glm": (...), "fitted": how}``."""
    base, how = glm(net)
    row = lambda m: (deviance(m), aic(m), bic(m), n_weights(m))
    return {"network": row(net), "glm": row(base), "fitted": how}


def summary_facts(net) -> dict:
    """The lines ``summary()`` adds: AIC and BIC, and what the hidden layer bought over the GLM."""
    facts = {"AIC, BIC": f"{aic(net):.6g}, {bic(net):.6g}  (k = {n_weights(net)} weights, n = {len(net.Y)} rows; "
                         "2·NLL + 2k, 2·NLL + log(n)·k)"}
    if not net.hidden:
        return {**facts, "hidden layer": "none: this network is the GLM"}
    try:
        c = comparison(net)
    except (ValueError, TypeError) as exc:   # no training frame (loaded from a file), a formula needing scope
        return {**facts, "hidden layer": f"no comparison with hidden=0 ({exc})"}
    (dev, a, _, k), (dev0, a0, _, k0) = c["network"], c["glm"]
    return {**facts, "hidden layer": f"deviance {dev:.6g} vs {dev0:.6g} for hidden=0 ({c['fitted']}), AIC {a:.6g} "
            f"vs {a0:.6g} ({k} vs {k0} weights): {'the network' if a < a0 else 'the GLM'} has the lower AIC"}
