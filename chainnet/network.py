"""``NeuralNetwork``: the R6 class of the seed, in Python. State is public; verbs that change it return ``self``.

    net = NeuralNetwork("Species ~ .", data=iris, hidden=5)
    net.train(9999, trace=1000, learn_rate=1e-4).accuracy()
    net.feedforward().backpropagate(1e-4)
"""

from __future__ import annotations

import copy
import sys

import numpy as np
import pandas as pd

from . import (
    _checks as checks,
    _fields as fields,
    _frames as frames,
    _html as html,
    _nnet_print as nnet_print,
    _objective as objective,
    _rupdate as rupdate,
    _rverbs as rverbs,
    _splits as splits,
    _state,
    case_weights,
    convergence,
    criteria,
    curves,
    dependence,
    diagnose,
    diagram,
    explain,
    importance,
    metrics,
    persistence,
    plotting,
    report,
    training,
)
from ._fields import Fields
from ._queries import Queries
from ._state import ModelState
from .design import Design
from .errors import ArgumentTypeError, DivergedError
from .propagation import forward


class NeuralNetwork(Fields, Queries):
    """A feed-forward network fitted by a formula to a data frame, trained by gradient descent.

    Parameters
    ----------
    formula : str        ``"Species ~ ."``; R's dotted names work bare: ``"y ~ scale(Sepal.Width)"``.
    data : DataFrame     the training data; terms may also use the caller's variables.
    hidden : int or list hidden units per layer; ``0``/``[]``: no hidden layer (linear/logistic/multinomial).
    activation : str     hidden-layer activation, a name in ``chainnet.activations.ACTIVATIONS``.
    task : str           ``"classification"``/``"regression"``; inferred from the response when ``None``.
    init : str           ``"auto"`` (r6 for sigmoid, glorot otherwise), ``"r6"``, ``"glorot"``, ``"he"``.
    seed : int           seeds the one generator everything random draws from.
    decay : float        L2 penalty ``decay·Σw²`` over every weight except the bias rows.
    dropout : float/list inverted-dropout rate for all hidden layers, or one per layer (training only).
    standardize : bool   centre and scale the numeric columns of ``X`` by the training mean and sd.
    dtype : str          ``"float64"`` (default) or ``"float32"`` for ``X`` and the weights.
    weights : str/array  case weights (R's ``weights =``): a column name or one number >= 0 per row kept; the
                         loss becomes Σ w_i ℓ_i (see ``chainnet.case_weights``); kept as ``case_weights``.

    Fields (public and live, as in R6): ``X`` (n, D) design matrix with its intercept column; ``Y`` response;
    ``W1`` (D, H1); ``W2`` (H1 + 1, ·) with the bias in row 0, and so on; ``weights`` the list of them;
    ``output`` (n, K) from the last ``feedforward()``.
    """

    def __init__(self, formula, data, hidden=5, *, activation="sigmoid", task=None, init="auto", seed=None,
                 decay=0.0, dropout=0.0, standardize=False, dtype="float64", subset=None, weights=None):
        options = _state.settings(hidden, activation, init, seed, decay, dropout, standardize, dtype)
        context = _caller_context()
        data = frames.to_pandas(data)  # polars and other frames become pandas here (chainnet._frames)
        design, (X, _, Y, rows) = Design.fit(formula, data, task, context, subset)
        self._assemble(_state.fresh(options, design, X, Y, rows, data, weights))

    # ------------------------------------------------------------------------------------------ verbs (chain)
    def feedforward(self) -> NeuralNetwork:
        """Forward pass over ``X`` at the current weights; stores ``output`` (n, K). Returns self."""
        cache = forward(self.X, self._weights, self._act)
        self._cache, self._cache_weights = cache, self.params.copy()
        self.output = self._loss.link(cache.Z)
        return self

    def backpropagate(self, lr=0.01) -> NeuralNetwork:
        """One gradient-descent step ``W ← W - lr·g``, g = ``gradients()``. Returns self.

        It counts as an iteration: ``iteration`` advances and ``history`` gets a row with the loss (and accuracy
        or RMSE) of the forward pass the step used, so the repr and ``plot_loss()`` show steps made by hand.
        Reuses the forward pass of the last ``feedforward()`` when the weights have not changed since.
        Deterministic: dropout applies only inside ``train()``. A step to weights whose loss is not finite, or
        one that blows the loss up while finite (the rule of ``chainnet.convergence``), raises ``DivergedError``
        and changes nothing (the check costs one forward pass at the new weights).
        """
        lr = checks.learn_rate(lr)
        g, loss, output = self._gradient_and_fit()
        with np.errstate(over="ignore", invalid="ignore"):
            w = self.params - lr * g
            after = (self._evaluate(self.X, self._T, weights=self._views(w), sample_weight=self.case_weights)[0]
                     if np.isfinite(w).all() else np.nan)
        if not np.isfinite(after):
            raise DivergedError(f"backpropagate({lr:g}) would make the weights or their loss infinite or NaN; "
                                f"they are left as they were. Try a smaller learn_rate, e.g. {lr / 10:g}")
        convergence.check_step(self, loss, w, after, lr)
        row = self._history_row(loss, output, lr)  # a step by hand counts: one iteration, one history row
        np.copyto(self.params, w)
        self._history.append(row)
        self.iteration += 1
        return self

    def train(self, iterations=10000, learn_rate=None, tolerance=0.01, trace=100, *, optimizer=None,
              batch_size=None, shuffle=True, validation=None, patience=None, schedule=None,
              progress=False, restarts=None) -> NeuralNetwork:
        """Repeat forward and backward passes ``iterations`` times (one iteration = one pass over the rows).

        Stops early when the iteration's loss falls below ``tolerance``; every ``trace`` iterations prints
        ``Iteration i  Loss L  Accuracy A`` (regression: RMSE) on stderr. ``optimizer``: ``"gd"`` (default,
        the R6 loop), ``"momentum"``, ``"nesterov"``, ``"rmsprop"``, ``"adam"`` or an object from
        ``chainnet.optim`` (a specification: the network keeps its own state). ``batch_size``: rows per
        update (``None``: all). ``validation``: a fraction of the rows (stratified, drawn once and kept) or a
        DataFrame; the weights of the best validation loss are restored at the end (iteration, history and
        optimizer state with them), and ``patience=k`` stops after k iterations without a better one.
        ``schedule``: ``"step"``, ``"exponential"``, ``"cosine"``, a schedule object or a callable
        ``iteration -> factor`` on ``learn_rate``. The loss is summed over rows: with ``"gd"``/``"momentum"``/
        ``"nesterov"`` take ``learn_rate`` ≈ 0.1 / batch_size; Adam and RMSprop take 1e-3 to 1e-2 at any batch
        size (see ``chainnet.training``). A call that raises leaves the model exactly as it was; Ctrl-C keeps
        it as after the last finished iteration; a divergence keeps the last iteration with a finite loss no
        worse than the start. ``progress=True``: a tqdm bar on stderr. Calling ``train`` again continues where
        it stopped. Returns self.

        ``"lbfgs"``, ``"bfgs"`` (at most 3,000 weights) and ``"rprop"`` work on full batches and need no
        ``learn_rate`` (given, it scales the step). ``restarts=k``: k starts, the best kept (``net.restarts``
        lists them; see ``chainnet.restarts``). Afterwards ``converged`` and ``convergence`` say how the call
        ended (``chainnet.convergence``); a loss that blows up, finite or not, raises ``DivergedError``.
        """
        s = training.settings(self, iterations, learn_rate, tolerance, trace, optimizer, batch_size, shuffle,
                              validation, patience, schedule, progress, restarts)
        training.train(self, s)
        return self

    # ------------------------------------------------------------------------------------------ pictures, reports
    # Defined in chainnet.plotting and chainnet.report with the network as first argument: as methods, it is self.
    plot_loss = plotting.plot_loss
    plot_decision_boundary = plotting.plot_decision_boundary
    plot_fit = curves.plot_fit
    plot_predicted = plotting.plot_predicted
    plot_network = diagram.plot_network
    summary = report.summary
    coef = report.coef

    # ------------------------------------------------------------------------------------------ issue 13 (ecosystem)
    # Scores (chainnet.metrics) and the notebook card (chainnet._html), defined there with the network first.
    evaluate = metrics.evaluate
    confusion = metrics.confusion
    _repr_html_ = html.network_card

    def __repr__(self) -> str:
        return nnet_print.network_repr(self)

    def save(self, path, include_data=True) -> NeuralNetwork:
        """Write the model to one ``.npz`` file, no pickle (see ``chainnet.persistence``). Returns self."""
        if not isinstance(include_data, bool):
            raise ArgumentTypeError(f"include_data must be True or False, got {include_data!r}")
        persistence.write(path, self._as_state(include_data))
        return self

    @classmethod
    def load(cls, path) -> NeuralNetwork:
        """A model from ``save()``: predicts bit-identically and trains on exactly as if never saved."""
        state = persistence.read(path)
        with persistence.refusing(path):          # a value the constructor would refuse: the file is edited
            return cls.__new__(cls)._assemble(state)

    def __getstate__(self) -> ModelState:
        """pickle/deepcopy carry the model's state (the data frame and the last ``train()``'s report too), and
        ``__setstate__`` assembles it: the copy's layers are views of its own flat parameters again."""
        return self._as_state(include_data=True)

    def __setstate__(self, state: ModelState) -> None:
        self._assemble(state)

    def __copy__(self) -> NeuralNetwork:
        """``copy.copy``: a network that trains on independently of this one (its own weights, optimizer state,
        generator and history) and shares what is never changed in place: the data frame, ``X``, the design."""
        shared = [x for x in (self.data, self._X, self.design) if x is not None]
        return copy.deepcopy(self, {id(x): x for x in shared})

    def set_data(self, data) -> NeuralNetwork:
        """Train on ``data`` from now on, encoded through the stored formula (levels, ``scale()``, standardisation
        kept, not refitted): for a model loaded without its data, or new rows. The pass buffers, the validation
        split and the last ``output`` go with the old rows. Changes nothing when it raises. Returns self."""
        data = frames.to_pandas(data)
        X, _, Y, rows = self.design.encode(data)
        T, Y = fields.checked_response(Y, self.design, self.dtype, len(X))
        w = case_weights.resolve(self.weights_column, data, rows) if self.weights_column else None  # numbers: old rows
        self._X, self._T, self._Y, self.rows, self.data = self._prepare(X), T, Y, rows, data
        self.case_weights = w
        self.output, self._cache, self._cache_weights, self._split, self._buffers = None, None, None, None, {}
        self._trial = None                       # the last line search's point was on the old rows
        return self

    def to_torch(self, dtype="float64"):
        """A ``torch.nn.Sequential`` with these weights: ``model(X)`` = ``feedforward().output``, ``model[:-1](X)``
        the logits (see ``chainnet.export``). Needs ``pip install 'chainnet[torch]'``."""
        from .export import to_torch
        return to_torch(self, dtype=dtype)

    # ------------------------------------------------------------------------------------------ the one constructor
    def _assemble(self, state: ModelState) -> NeuralNetwork:
        """Every field of the network from ``state``, checked (``chainnet._state.checked``: the same checks for
        a fresh, a loaded and an unpickled model); makes the derived things: activation and loss, the flat
        parameters with the layers as views, the pass buffers, the validation split. Returns self."""
        s, (T, act, loss) = _state.checked(state)
        self.design, self.hidden, self.activation, self.init, self.seed = s.design, s.hidden, act.name, s.init, s.seed
        self.decay, self.dropout, self.standardize, self.dtype = s.decay, s.dropout, s.standardize, s.dtype
        self.center, self.scale, self._act, self._loss = s.center, s.scale, act, loss
        self._X, self._T, self._Y, self.rows, self.data = s.X, T, s.Y, s.rows, s.data
        self.case_weights, self.weights_column, self.rng = s.case_weights, s.weights_column, s.rng
        weights = (self._initial_weights() if s.weights is None    # shapes checked before a byte is allocated
                   else fields.checked_weights(s.weights, self._shapes(), self.dtype))
        self._allocate()                                     # params, the gradient, their views, the buffers
        self.weights = weights
        self.optimizer, self.iteration = s.optimizer, s.iteration
        self.optimizer_state = _state.check_optimizer(s.optimizer, s.optimizer_state, self.params.size, self.dtype)
        self.output, self._cache, self._cache_weights, self._history = s.output, None, None, s.history
        self._split = None if s.validation is None else splits.split_at(self, *s.validation)
        self.converged, self.convergence, self.restarts = s.converged, s.convergence, s.restarts
        self._step_run = None  # a run of backpropagate() calls, for the blow-up rule (chainnet.convergence)
        self._trial = None     # the line searches' evaluation point, made on demand (chainnet._objective.Trial)
        return self

    def _as_state(self, include_data: bool = True) -> ModelState:
        """The model as a :class:`~chainnet._state.ModelState` (the live arrays, not copies); without its data
        rows (and what belongs to them: output, case weights, the validation split) unless ``include_data``."""
        data = include_data and len(self._X) > 0
        split = self._split if data and self._split is not None and self._split.X is self._X \
            and self._split.w is self.case_weights else None            # a split of the current rows only
        return ModelState(
            design=self.design, hidden=self.hidden, activation=self._act, init=self.init, seed=self.seed,
            decay=self.decay, dropout=self.dropout, standardize=self.standardize, dtype=self.dtype,
            center=self.center, scale=self.scale, X=self._X if data else self._X[:0],
            Y=self._Y if data else self._Y[:0], rows=self.rows if data else pd.RangeIndex(0),
            data=self.data if data else None, case_weights=self.case_weights if data else None,
            weights_column=self.weights_column, weights=self.weights, rng=self.rng,
            output=self.output if data else None, optimizer=self.optimizer, optimizer_state=self.optimizer_state,
            iteration=self.iteration, history=self._history,
            validation=None if split is None else (split.fraction, split.val),
            converged=self.converged, convergence=self.convergence, restarts=self.restarts)

    # ------------------------------------------------------------------------------------------ internals
    def _prepare(self, X: np.ndarray) -> np.ndarray:
        """Standardize (when asked) and cast a design matrix built by ``design``."""
        if self.center is not None:
            X = (X - self.center) / self.scale
        return np.ascontiguousarray(X, dtype=self.dtype)

    # the flat parameters and the objective over them: chainnet._objective, with the network as first argument
    _shapes, _allocate, _views = objective.layer_shapes, objective.allocate, objective.views
    _buffers_for, _initial_weights, _bias_row = objective.buffers_for, objective.initial_weights, objective.bias_row
    _penalty, _penalty_gradient, _evaluate = objective.penalty, objective.penalty_gradient, objective.evaluate
    _flat_gradient, _objective_at = objective.flat_gradient, objective.objective_at
    _validation_scores = objective.validation_scores
    _gradient_and_fit, _history_row = objective.gradient_and_fit, objective.history_row

    # ------------------------------------------------------------------------------------------ issue 12 (R habits)
    # R's fitted(), residuals() and update(), defined in chainnet._rverbs / chainnet._rupdate with the network first.
    fitted = rverbs.fitted
    residuals = rverbs.residuals
    update = rupdate.update

    # ---- what the network learned (chainnet.importance, dependence, criteria, diagnose, explain) ----
    # Queries defined there with the network as first argument; they leave the network as they found it.
    importance = importance.importance
    partial_dependence = dependence.partial_dependence
    plot_partial = dependence.plot_partial
    aic = criteria.aic
    bic = criteria.bic
    diagnose = diagnose.diagnose
    explain_step = explain.explain_step


def _caller_context() -> dict:
    """The variables of the code that called the constructor, for the formula's terms (as R's environment)."""
    frame = sys._getframe(2)
    return {**frame.f_globals, **frame.f_locals}
