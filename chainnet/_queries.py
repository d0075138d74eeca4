"""The network's queries: predictions and scores on the training rows or on new data (R6: ``predict``,
``accuracy``, ``compute_loss``), with the gradient checks. :class:`Queries` is a base class of
``NeuralNetwork`` (its methods are the network's own); none of them changes the network.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _checks as checks, _frames as frames, _rverbs as rverbs, _scoring as scoring, case_weights, gradcheck
from .errors import DataError
from .propagation import forward


class Queries:
    """Predictions, scores and gradients of a ``NeuralNetwork`` (mixed into it; see ``chainnet.network``)."""

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
        ``"class"``, ``"prob"``, ``"raw"`` (nnet's), ``"link"`` or ``"response"`` (see ``chainnet._rverbs``).
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

    # ------------------------------------------------------------------------------------------ internals
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
        T, _ = self.design.encode_response(truth[complete & has_truth], self.dtype)
        return X[keep], T, case_weights.of_newdata(self, newdata, complete & has_truth)

    def _residuals(self, newdata):
        """(ŷ - y, y, case weights or None) on the training rows or the scored rows of ``newdata``."""
        self._require("regression", "rmse/r2", "accuracy()")
        X, T, w = (self.X, self._T, self.case_weights) if newdata is None else self._scored_weighted(newdata)
        return self._predict_X(X) - T, T, w

    _require = checks.require_task   # TaskError unless the network does the task


def _nothing_to_score(design) -> DataError:
    return DataError(f"no row of newdata has both complete predictors and the response "
                     f"{design.response or list(design.targets)!r}: scoring needs at least one; fill or drop the "
                     "missing values")
