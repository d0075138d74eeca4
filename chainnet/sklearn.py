"""scikit-learn estimators over ``NeuralNetwork``: ``NeuralNetworkClassifier`` and ``NeuralNetworkRegressor``.

    from chainnet.sklearn import NeuralNetworkClassifier
    clf = NeuralNetworkClassifier(hidden=5, formula="~ Petal.Length + Petal.Width").fit(iris, iris["Species"])
    GridSearchCV(NeuralNetworkClassifier(), {"hidden": [2, 5, 10]}, cv=5).fit(X, y)

Needs ``pip install 'chainnet[sklearn]'``; nothing else in chainnet imports scikit-learn. ``fit(X, y)`` builds the
formula ``y ~ <formula>`` (default ``~ .``) over the columns of ``X``: a DataFrame keeps its column names (R's
dotted names work; text and categorical columns are dummy-coded by the formula), an array's columns are named
``x0, x1, ...``. The fitted ``network_`` is an ordinary ``NeuralNetwork``: ``clf.network_.summary()``.

``sample_weight``: the network's case weights (``NeuralNetwork(weights=)``): the loss is Σ wᵢℓᵢ and the
standardisation uses weighted means and sds, so a row of integer weight w counts as w copies of it (weight 0
drops it) and fractional weights work too.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    _check_y,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from . import _frames as frames
from .errors import ArgumentError, ArgumentTypeError, ChainnetError, DataError
from .network import NeuralNetwork
from .optim import OPTIMIZERS  # the name table, with the solvers chainnet.optim adds to it
from .propagation import forward

#: the default optimizer: L-BFGS when chainnet has it (issue 11), else Adam. The one line to change.
DEFAULT_OPTIMIZER = "lbfgs" if "lbfgs" in OPTIMIZERS else "adam"

#: learn_rate=None takes (rate, per_row) by optimizer name: a per-row rate is divided by the rows of a batch,
#: as the loss is summed over rows (see ``chainnet.training``); Adam's and RMSprop's steps do not scale with it.
#: Adam at 5e-2: 200 full-batch steps on standardized iris (5 sigmoid units) reach loss 6.3 (1e-2: 33.3).
DEFAULT_RATES = {"gd": (0.1, True), "momentum": (0.1, True), "nesterov": (0.1, True),
                 "adam": (5e-2, False), "rmsprop": (1e-2, False), "lbfgs": (1.0, False)}


class _NeuralNetworkEstimator(BaseEstimator):
    """What the classifier and the regressor share: parameters, input checks, the formula, the fit."""

    _task = ""

    def __init__(self, *, hidden=5, activation="sigmoid", optimizer=DEFAULT_OPTIMIZER, learn_rate=None,
                 iterations=200, batch_size=None, decay=0.0, dropout=0.0, standardize=True, formula=None,
                 random_state=None):
        self.hidden, self.activation, self.optimizer, self.learn_rate = hidden, activation, optimizer, learn_rate
        self.iterations, self.batch_size, self.decay, self.dropout = iterations, batch_size, decay, dropout
        self.standardize, self.formula, self.random_state = standardize, formula, random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False       # incomplete rows are refused, not dropped as NeuralNetwork does
        return tags

    # ------------------------------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None):
        """Build ``y ~ formula`` over ``X``'s columns and train the network; returns self."""
        frame, y = self._validated(X, y, reset=True)
        w = _case_weights(sample_weight, frame)
        response = _response_name(frame.columns)
        data = frame.reset_index(drop=True)
        data[response] = self._response(y)
        net = NeuralNetwork(self._formula(response), data, hidden=self.hidden, activation=self.activation,
                            task=self._task, seed=_seed(self.random_state), decay=self.decay,
                            dropout=self.dropout, standardize=self.standardize, weights=w)
        net.train(self.iterations, learn_rate=self._learn_rate(len(data) if w is None else float(w.sum())),
                  tolerance=0.0, trace=0,
                  optimizer=self.optimizer, batch_size=self.batch_size)
        self.network_ = net
        self.loss_curve_ = net.history["loss"].to_numpy()
        self.n_iter_ = net.iteration
        return self

    def _formula(self, response: str) -> str:
        rhs = "~ ." if self.formula is None else self.formula
        if not isinstance(rhs, str) or not rhs.strip().startswith("~") or rhs.count("~") != 1:
            raise ArgumentError(f"formula must be a right-hand side such as '~ Petal.Length + Petal.Width' (the "
                                f"response is the y given to fit), got {rhs!r}")
        return f"{response} {rhs.strip()}"

    def _learn_rate(self, rows: int):
        if self.learn_rate is not None:
            return self.learn_rate
        name = getattr(self.optimizer, "name", self.optimizer)
        rate, per_row = DEFAULT_RATES.get(name, (1e-2, False))
        return rate / (self.batch_size or rows) if per_row else rate

    # ------------------------------------------------------------------------------------------ input
    def _validated(self, X, y="no_validation", reset=False):
        """X as a DataFrame of the formula's columns (and y checked), after scikit-learn's checks: finite
        values, at least one row, the fitted number and names of features. Their errors are re-raised as
        chainnet's (``DataError`` is a ValueError, ``ArgumentTypeError`` a TypeError), scikit-learn's text kept."""
        with _chainnet_errors(type(self).__name__):
            return self._checked(frames.to_pandas(X, "X"), y, reset)

    def _checked(self, X, y, reset):
        if isinstance(X, pd.DataFrame) and not all(pd.api.types.is_numeric_dtype(t) for t in X.dtypes):
            validate_data(self, X, y, reset=reset, skip_check_array=True)
            _check_complete(X)
            if not (isinstance(y, str) and y == "no_validation"):
                y = _check_y(y, y_numeric=self._task == "regression", estimator=self)
                check_consistent_length(X, y)
            return _named(X.reset_index(drop=True)), y
        names = list(X.columns) if isinstance(X, pd.DataFrame) else None
        if isinstance(y, str) and y == "no_validation":
            return _named(pd.DataFrame(validate_data(self, X, reset=reset, dtype=np.float64), columns=names)), y
        A, y = validate_data(self, X, y, reset=reset, dtype=np.float64, y_numeric=self._task == "regression")
        return _named(pd.DataFrame(A, columns=names)), y

    def _frame(self, X) -> pd.DataFrame:
        check_is_fitted(self)
        return self._validated(X)[0]


# ---------------------------------------------------------------------------------------------- the two
class NeuralNetworkClassifier(ClassifierMixin, _NeuralNetworkEstimator):
    """A ``NeuralNetwork`` classifier (sigmoid output for two classes, softmax for more) as a scikit-learn
    estimator. Fitted: ``network_``, ``classes_``, ``n_features_in_``, ``feature_names_in_`` (DataFrame X),
    ``loss_curve_`` (summed loss per iteration), ``n_iter_``."""

    _task = "classification"

    def _response(self, y):
        with _chainnet_errors(type(self).__name__):
            check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise DataError(f"y has one class only ({self.classes_[0]!r}) among the rows with weight: a classifier "
                            "needs at least two classes")
        return pd.Categorical.from_codes(codes, categories=pd.Index(self.classes_, dtype=object))

    def predict_proba(self, X) -> np.ndarray:
        """P(class) (n, K), columns in the order of ``classes_``."""
        frame = self._frame(X)
        return self.network_.predict_proba(frame).to_numpy(dtype=float)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        P = self.predict_proba(X)
        return self.classes_[P.argmax(axis=1)]

    def decision_function(self, X) -> np.ndarray:
        """The output layer's scores Z before its link: the log-odds of ``classes_[1]`` (n,) for two classes,
        the softmax's inputs (n, K) for more; ``predict`` is ``Z > 0`` or the argmax of Z."""
        frame = self._frame(X)
        net = self.network_
        X_design, _ = net._design_matrix(frame)
        Z = forward(X_design, net.weights, net._act).Z
        return Z[:, 0].copy() if Z.shape[1] == 1 else np.ascontiguousarray(Z)


class NeuralNetworkRegressor(RegressorMixin, _NeuralNetworkEstimator):
    """A ``NeuralNetwork`` regression (identity output, squared error) as a scikit-learn estimator. Fitted:
    ``network_``, ``n_features_in_``, ``feature_names_in_`` (DataFrame X), ``loss_curve_``, ``n_iter_``."""

    _task = "regression"

    def _response(self, y):
        return np.asarray(y, dtype=np.float64)

    def predict(self, X) -> np.ndarray:
        """Predicted values (n,)."""
        frame = self._frame(X)
        return self.network_.predict(frame).to_numpy(dtype=float)


# ---------------------------------------------------------------------------------------------- helpers
@contextmanager
def _chainnet_errors(who: str):
    """scikit-learn's input errors as chainnet's (same text, same ValueError/TypeError bases)."""
    try:
        yield
    except ChainnetError:
        raise
    except ValueError as exc:
        raise DataError(f"{who}: {exc}") from exc
    except TypeError as exc:
        raise ArgumentTypeError(f"{who}: {exc}") from exc


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns named as the formula sees them: a frame's own text names, else x0, x1, ..."""
    if all(isinstance(c, str) for c in frame.columns):
        return frame
    return frame.set_axis([f"x{j}" for j in range(frame.shape[1])], axis=1)


def _response_name(columns) -> str:
    """``y``, or ``y_``, ``y__`` ... when a column already has that name."""
    name = "y"
    while name in set(map(str, columns)):
        name += "_"
    return name


def _check_complete(X: pd.DataFrame) -> None:
    """scikit-learn's rule for any column type: no missing values, no infinite numbers, at least one row."""
    if len(X) == 0:
        raise DataError(f"X has 0 samples (shape {X.shape}): at least one is required")
    bad = [c for c in X.columns if X[c].isna().any()]
    bad += [c for c in X.select_dtypes("number").columns if np.isinf(X[c].to_numpy(dtype=float)).any()]
    if bad:
        raise DataError(f"Input X contains NaN or infinity in column(s) {bad}: impute or drop those rows first")


def _case_weights(sample_weight, frame) -> np.ndarray | None:
    """``sample_weight`` as the network's case weights (n,): the loss is Σ wᵢℓᵢ and the standardisation weighted,
    so an integer weight w is the row repeated w times (scikit-learn's equivalence check) and 0 drops it."""
    if sample_weight is None:
        return None
    with _chainnet_errors("sample_weight"):
        w = _check_sample_weight(sample_weight, frame)
    if (w < 0).any() or not np.isfinite(w).all():
        raise DataError("sample_weight must be finite and non-negative")
    if not w.any():
        raise DataError("sample_weight has only zero weights: at least one row needs a non-zero weight")
    return w


def _seed(random_state) -> int | None:
    """An int seeds the network itself; a RandomState gives one draw; None: a fresh seed each fit."""
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return None if random_state is None else int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
