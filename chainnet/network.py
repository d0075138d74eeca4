"""``NeuralNetwork``: the R6 class of the seed, in Python. State is public; verbs that change it return ``self``.

    net = NeuralNetwork("Species ~ .", data=iris, hidden=5)
    net.train(9999, trace=1000, learn_rate=1e-4).accuracy()
    net.feedforward().backpropagate(1e-4)
"""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd

from . import (
    case_weights,
    checks,
    convergence,
    criteria,
    curves,
    dependence,
    diagnose,
    diagram,
    explain,
    fields,
    frames,
    gradcheck,
    html,
    importance,
    metrics,
    nnet_print,
    objective,
    pickling,
    plotting,
    report,
    rupdate,
    rverbs,
    scoring,
    training,
)
from .activations import get_activation
from .design import Design
from .errors import ArgumentError, DataError, DivergedError, TaskError
from .initializers import resolve_init
from .losses import loss_for
from .propagation import forward

_W_NAME = re.compile(r"W([1-9][0-9]*)")


class NeuralNetwork:
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
        hidden = checks.hidden_units(hidden)
        act = get_activation(activation)
        init = resolve_init(init, act.name)
        self.dtype = checks.dtype(dtype)
        self.decay = checks.non_negative("decay", decay)
        self.dropout = checks.dropout(dropout, len(hidden))
        checks.seed(seed)
        standardize = checks.boolean("standardize", standardize)
        context = _caller_context()
        data = frames.to_pandas(data)  # polars and other frames become pandas here (chainnet.frames)
        design, (X, _, Y, rows) = Design.fit(formula, data, task, context, subset)
        self.case_weights, self.weights_column = case_weights.of_design(weights, data, rows, design)
        self.design, self.rows = design, rows
        self.data = data  # the training frame, by reference: the plots read the predictors from it
        self.hidden, self.activation, self.init, self.seed = hidden, act.name, init, seed
        self._act, self._loss = act, loss_for(design.task, len(design.classes or ()))
        self.center, self.scale = (_standardization(X, design.columns, self.case_weights) if standardize
                                   else (None, None))
        self.standardize = bool(standardize)
        self._X = self._prepare(X)
        self.Y = Y
        self.rng = np.random.default_rng(seed)
        self.weights = self._initial_weights()
        self.output, self._cache, self._cache_weights = None, None, None
        self.optimizer, self.iteration, self._history = None, 0, []
        self.converged, self.convergence, self.restarts = None, None, None  # set by train()
        self._step_run = None  # a run of backpropagate() calls, for the blow-up rule (chainnet.convergence)

    # ------------------------------------------------------------------------------------------ fields
    formula = property(lambda self: self.design.formula, doc="The formula, as given.")
    na_rows = property(lambda self: self.design.na_rows, doc="Labels of the rows dropped for missing values.")
    task = property(lambda self: self.design.task, doc="'classification' or 'regression'.")
    classes = property(lambda self: list(self.design.classes or []), doc="The response's levels.")

    @property
    def X(self) -> np.ndarray:
        """Design matrix (n, D), intercept column included (R6: ``model.matrix``)."""
        if not len(self._X):
            raise DataError("this model has no training data (it was saved with include_data=False): give it "
                            "data with net.set_data(df), or pass newdata= to predict/accuracy/compute_loss")
        return self._X

    @X.setter
    def X(self, value):
        D = len(self.design.columns)
        X = fields.checked_array("X", value, (len(self._T), D), self.dtype,
                                 f"{len(self._T)} rows (one per response value) and {D} columns "
                                 f"{list(self.design.columns)}; use set_data(df) for other rows")
        self._X, self._cache, self._split, self._buffers = X, None, None, {}

    @property
    def Y(self):
        """Response: a pandas Categorical (classification) or a float array (regression)."""
        return self._Y

    @Y.setter
    def Y(self, value):
        self._T, self._Y = fields.checked_response(value, self.design, self.dtype, len(self._X))
        self._cache, self._split = None, None

    @property
    def params(self) -> np.ndarray:
        """The flat parameter vector (all layers, in order); ``W1, W2, ...`` are views into it."""
        return self.__dict__.get("params")

    @params.setter
    def params(self, value):
        # copied into the buffer, never rebound: a new array would detach the live views W1, W2, ...
        flat = self.params
        np.copyto(flat, fields.checked_array("params", value, flat.shape, self.dtype, f"shape {flat.shape}"))
        self._cache = None

    @property
    def weights(self) -> list:
        """The weight matrices ``[W1, W2, ...]``: live views into the flat parameter vector ``params``."""
        return list(self._weights)

    @weights.setter
    def weights(self, value):
        arrays = fields.checked_weights(value, self._shapes(), self.dtype)
        if self.__dict__.get("params") is None:
            self._allocate()
        for W, A in zip(self._weights, arrays):
            np.copyto(W, A)

    @property
    def layer_sizes(self) -> list[int]:
        """Units per layer, input (design columns less the intercept) to output."""
        inputs = len(self.design.columns) - (self.design.intercept is not None)
        return [inputs, *self.hidden, self._T.shape[1]]

    @property
    def history(self) -> pd.DataFrame:
        """One row per training iteration across chained ``train()`` calls."""
        return scoring.history_frame(self._history, self.task)

    def __getattr__(self, name):
        if _W_NAME.fullmatch(name) and "_weights" in self.__dict__:
            i = int(name[1:]) - 1
            if i < len(self._weights):
                return self._weights[i]
            raise AttributeError(f"this network has no {name}: its weights are W1..W{len(self._weights)}")
        raise AttributeError(f"'NeuralNetwork' object has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name[0] == "W" and _W_NAME.fullmatch(name):
            i = int(name[1:]) - 1
            if i >= len(self._weights):
                raise ArgumentError(f"this network has no {name}: its weights are W1..W{len(self._weights)}")
            np.copyto(self._weights[i], fields.checked_array(name, value, self._weights[i].shape, self.dtype,
                                                             f"shape {self._weights[i].shape}"))
            return
        super().__setattr__(name, value)

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

    # ------------------------------------------------------------------------------------------ queries
    def compute_loss(self, newdata=None) -> float:
        """The objective ``backpropagate`` descends, at the current weights: summed negative log-likelihood
        (classification) or summed squared error (regression), plus ``decay·Σw²``; on ``newdata``: without
        the penalty, over its complete rows."""
        if newdata is not None:
            X, T, w = self._scored_weighted(newdata)
            return self._loss.loss(forward(X, self._weights, self._act).Z, T, w)
        return self._evaluate(self.X, self._T, sample_weight=self.case_weights)[0]

    def gradients(self) -> list:
        """d compute_loss() / dW for every weight matrix, at the current weights (list shaped like ``weights``)."""
        return [g.copy() for g in self._views(self._flat_gradient())]

    def check_gradients(self, h=None) -> float:
        """Max relative error of ``gradients()`` against central finite differences of ``compute_loss()``:
        ``max|g - ĝ| / max(|g|, |ĝ|)`` over every weight (see ``chainnet.gradcheck``); about 1e-8 or less when
        backpropagation is right. Costs two forward passes per weight. Both sides are deterministic (dropout
        is off outside ``train()``); nothing is changed. ``h``: the step (default ε^(1/3))."""
        h = gradcheck.STEPS[np.dtype(self.dtype)] if h is None else checks.positive("h", h)
        saved = self.params.copy()
        try:
            return gradcheck.relative_error(self.gradients(),
                                            gradcheck.finite_differences(self.compute_loss, self._weights, h))
        finally:
            np.copyto(self.params, saved)

    def predict(self, newdata=None, type=None):
        """Labels (classification) or values (regression) as a Series indexed like ``newdata``.

        ``newdata`` is encoded with the training formula's spec; rows with a missing predictor get a missing
        prediction. Default: the training rows. A multi-column regression gives a DataFrame. ``type``: R's
        ``"class"``, ``"prob"``, ``"raw"`` (nnet's), ``"link"`` or ``"response"`` (see ``chainnet.rverbs``).
        """
        if type is not None:
            return rverbs.predict(self, newdata, type)
        out, index = self._outputs(newdata)
        if self.task == "regression":
            frame = pd.DataFrame(out, index=index, columns=list(self.design.targets))
            return frame.iloc[:, 0] if out.shape[1] == 1 else frame
        codes = scoring.class_codes(out)
        labels = pd.Categorical.from_codes(np.where(np.isnan(out[:, 0]), -1, codes), categories=self.classes)
        return pd.Series(labels, index=index, name=self.design.response)

    def predict_proba(self, newdata=None) -> pd.DataFrame:
        """Class probabilities, one column per class (binary: both), indexed like ``newdata``."""
        self._require("classification", "predict_proba", "predict")
        out, index = self._outputs(newdata)
        if out.shape[1] == 1:
            out = np.hstack([1.0 - out, out])
        return pd.DataFrame(out, index=index, columns=self.classes)

    def accuracy(self, newdata=None) -> float:
        """Share of rows classified correctly: training rows, or ``newdata`` holding the response."""
        self._require("classification", "accuracy", "rmse() or r2()")
        if newdata is None:
            right = scoring.class_codes(self._predict_X(self.X)) == self._Y.codes
            return float(np.average(right, weights=self.case_weights))
        newdata = frames.to_pandas(newdata, "newdata")
        truth = self.design.response_values(newdata)
        pred = self.predict(newdata)
        ok = truth.notna().to_numpy() & pred.notna().to_numpy()
        if not ok.any():
            raise _nothing_to_score(self.design)
        right = pred.to_numpy()[ok].astype(object) == truth.to_numpy()[ok].astype(object)
        return float(np.average(right, weights=case_weights.of_newdata(self, newdata, ok)))

    def rmse(self, newdata=None) -> float:
        """Root mean squared error over every response column: √(Σ(ŷ - y)² / (n·k)); with case weights
        √(Σ w_i Σ_k r_ik² / (Σ w_i · k))."""
        R, _, w = self._residuals(newdata)
        return float(np.sqrt(np.average(np.sum(R * R, axis=1), weights=w) / R.shape[1]))

    def r2(self, newdata=None) -> float:
        """Coefficient of determination 1 - Σ(y - ŷ)² / Σ(y - ȳ)², pooled over response columns (with case
        weights: each sum and the mean ȳ weighted, as R's summary.lm)."""
        R, T, w = self._residuals(newdata)
        spread = np.average(np.sum((T - np.average(T, axis=0, weights=w)) ** 2, axis=1), weights=w)
        if spread == 0:
            raise DataError(f"r2 is undefined here: the response {self.design.response or list(self.design.targets)!r} "
                            f"does not vary over these {len(T)} row(s); score more rows, or use rmse()")
        return float(1.0 - np.average(np.sum(R * R, axis=1), weights=w) / spread)

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
    # Scores (chainnet.metrics) and the notebook card (chainnet.html), defined there with the network first.
    evaluate = metrics.evaluate
    confusion = metrics.confusion
    _repr_html_ = html.network_card
    __getstate__ = pickling.getstate     # pickle/deepcopy: the layers stay views of the flat parameters
    __setstate__ = pickling.setstate

    def __repr__(self) -> str:
        return nnet_print.network_repr(self)

    def save(self, path, include_data=True) -> NeuralNetwork:
        """Write the model to one ``.npz`` file, no pickle (see ``chainnet.persistence``). Returns self."""
        from .persistence import save
        save(self, path, include_data)
        return self

    @classmethod
    def load(cls, path) -> NeuralNetwork:
        """A model from ``save()``: predicts bit-identically and trains on exactly as if never saved."""
        from .persistence import load
        return load(path, cls)

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
        return self

    def to_torch(self, dtype="float64"):
        """A ``torch.nn.Sequential`` with these weights: ``model(X)`` = ``feedforward().output``, ``model[:-1](X)``
        the logits (see ``chainnet.export``). Needs ``pip install 'chainnet[torch]'``."""
        from .export import to_torch
        return to_torch(self, dtype=dtype)

    # ------------------------------------------------------------------------------------------ internals
    def _prepare(self, X: np.ndarray) -> np.ndarray:
        """Standardize (when asked) and cast a design matrix built by ``design``."""
        if self.center is not None:
            X = (X - self.center) / self.scale
        return np.ascontiguousarray(X, dtype=self.dtype)

    # the flat parameters and the objective over them: chainnet.objective, with the network as first argument
    _shapes, _allocate, _views = objective.layer_shapes, objective.allocate, objective.views
    _buffers_for, _initial_weights, _bias_row = objective.buffers_for, objective.initial_weights, objective.bias_row
    _penalty, _penalty_gradient, _evaluate = objective.penalty, objective.penalty_gradient, objective.evaluate
    _flat_gradient, _objective_at = objective.flat_gradient, objective.objective_at
    _validation_scores = objective.validation_scores
    _gradient_and_fit, _history_row = objective.gradient_and_fit, objective.history_row

    def _predict_X(self, X: np.ndarray) -> np.ndarray:
        return self._loss.link(forward(X, self._weights, self._act).Z)

    def _design_matrix(self, newdata):
        X, complete = self.design.matrix(newdata)
        return self._prepare(X), complete

    def _outputs(self, newdata):
        """Outputs (rows, K) aligned with ``newdata``'s index, NaN where a predictor is missing."""
        if newdata is None:
            return self._predict_X(self.X), self.rows
        newdata = frames.to_pandas(newdata, "newdata")
        X, complete = self._design_matrix(newdata)
        out = np.full((len(newdata), self._T.shape[1]), np.nan)
        if len(X):
            out[complete] = self._predict_X(X)
        return out, newdata.index

    def _scored(self, newdata):
        """(X, T) for the rows of ``newdata`` with complete predictors and response."""
        return self._scored_weighted(newdata)[:2]

    def _scored_weighted(self, newdata):
        """(X, T, w) for the rows of ``newdata`` with complete predictors and response; w their case weights
        from the weights column when newdata has it, else None."""
        newdata = frames.to_pandas(newdata, "newdata")
        truth = self.design.response_values(newdata)
        X, complete = self._design_matrix(newdata)
        has_truth = truth.notna().to_numpy().reshape(len(truth), -1).all(axis=1)
        keep = has_truth[complete]
        if not keep.any():
            raise _nothing_to_score(self.design)
        T, _ = scoring.targets(truth[complete & has_truth], self.design, self.dtype)
        return X[keep], T, case_weights.of_newdata(self, newdata, complete & has_truth)

    def _residuals(self, newdata):
        """(ŷ - y, y, case weights or None) on the training rows or the scored rows of ``newdata``."""
        self._require("regression", "rmse/r2", "accuracy()")
        X, T, w = (self.X, self._T, self.case_weights) if newdata is None else self._scored_weighted(newdata)
        return self._predict_X(X) - T, T, w

    def _require(self, task, what, instead):
        if self.task != task:
            raise TaskError(f"{what} is for {task} networks; this one does {self.task}: use {instead}")

    # ------------------------------------------------------------------------------------------ issue 12 (R habits)
    # R's fitted(), residuals() and update(), defined in chainnet.rverbs / chainnet.rupdate with the network first.
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


def _nothing_to_score(design) -> DataError:
    return DataError(f"no row of newdata has both complete predictors and the response "
                     f"{design.response or list(design.targets)!r}: scoring needs at least one; fill or drop the "
                     "missing values")


def _caller_context() -> dict:
    """The variables of the code that called the constructor, for the formula's terms (as R's environment)."""
    frame = sys._getframe(2)
    return {**frame.f_globals, **frame.f_locals}


def _standardization(X: np.ndarray, columns, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd (R's ``scale``, n - 1) of each numeric design column; intercept and dummy columns
    (formulaic names them ``name[level]``) get centre 0 and scale 1, and so does a constant column: centring
    would turn it to zeros, and without an intercept (``- 1``) it is the model's only constant term.

    With case weights ``w`` (n,) they are frequency weights, as in the loss: m = Σ wᵢxᵢ / Σ w and
    sd² = Σ wᵢ(xᵢ - m)² / (Σ w - 1), which is the mean and sd of the data with row i repeated wᵢ times."""
    w = np.ones(len(X)) if w is None else np.asarray(w, dtype=np.float64)
    total = float(w.sum())
    mean = w @ X / total if total > 0 else np.zeros(X.shape[1])
    sd = np.sqrt(w @ (X - mean) ** 2 / (total - 1.0)) if total > 1 else np.zeros(X.shape[1])
    numeric = np.array([c != "Intercept" and "[" not in c for c in columns]) & (sd > 0)
    center = np.where(numeric, mean, 0.0)
    scale = np.where(numeric, sd, 1.0)
    return center, scale
