"""Which inputs matter: ``net.importance(method)``.

- ``"permutation"`` (Breiman 2001; scikit-learn's ``permutation_importance``), one row per formula *term*:
  shuffle the term's source columns in the data (a factor's dummies move together because its column moves;
  ``x1:x2`` shuffles x1 and x2 with one permutation, so each row keeps its pair), re-encode through the
  formula, and measure how much the summed loss grows, per row:

      importance(term) = mean over repeats r of [L(permuted_r) − L(data)] / n        sd: their spread (ddof 0)

  L is ``compute_loss(frame)`` (no decay), n the rows scored. Shuffling a column also moves every other term
  built from it (``x1`` moves ``x1:x2`` too): the importance of a variable with all its interactions.
- ``"olden"`` (Olden & Jackson 2002), one row per design column (not the intercept), one column per output:
  I_ik = Σ_j W1[i, j] · W2[j, k], the input→hidden times hidden→output weights summed over hidden units,
  biases left out. Signed: positive means the input pushes that output up.
- ``"garson"`` (Garson 1991, as NeuralNetTools' ``garson()`` computes it; one output only):
  c_ij = |W1[i, j]|·|W2[j]|, normalised per hidden unit (c_ij / Σ_i c_ij), summed over j, normalised to sum 1.

Olden and Garson read the weights, so they see design columns (what the weights multiply) and need exactly one
hidden layer; permutation importance works for any network.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from . import _checks as checks
from ._frames import to_pandas
from .design import _close
from .errors import ArgumentError, ArgumentTypeError, DataError
from .plotting import training_frame
from .report import output_names


# ---------------------------------------------------------------------------------------------- terms
def formula_terms(net) -> dict[str, tuple[str, ...]]:
    """Each term of the formula's right side (``x1``, ``g``, ``x1:x2``, ``scale(z)``) -> the data columns it reads,
    in the design's order; the intercept and terms that read no data column (a caller's variable) are left out."""
    spec, predictors = net.design.spec, net.design.predictors
    terms = {}
    for part in spec.structure:
        used = spec.term_variables.get(part.term, set())
        columns = tuple(c for c in predictors if c in used)
        if columns:
            terms[str(part.term)] = columns
    return terms


def term_variables(net, term) -> tuple[str, ...]:
    """The data columns of ``term``: a term of the formula, or a predictor column by its name."""
    terms = formula_terms(net)
    if not isinstance(term, str):
        raise ArgumentTypeError(f"term must be a term of the formula as text, one of {list(terms)}, got {term!r}")
    if term in terms:
        return terms[term]
    if term in net.design.predictors:
        return (term,)
    raise ArgumentError(f"term {term!r} is not in formula {net.formula!r}{_close(term, list(terms))}; its terms "
                        f"are {list(terms)} (predictor columns {list(net.design.predictors)})")


def complete_frame(net, newdata) -> pd.DataFrame:
    """``newdata`` (or the training rows) less the rows missing a predictor: shuffling must not move a gap."""
    if newdata is None and getattr(net, "data", None) is None:
        raise DataError("this network holds no training data frame (loaded from a file?): pass newdata=, a "
                        "DataFrame with the predictor columns (and the response, for permutation importance)")
    frame = training_frame(net, to_pandas(newdata, "newdata"))    # polars and other frames become pandas
    return frame[frame[list(net.design.predictors)].notna().all(axis=1)]


def shuffled(frame: pd.DataFrame, columns, order: np.ndarray) -> pd.DataFrame:
    """A copy of ``frame`` whose ``columns`` are reordered by one permutation ``order`` (rows keep the rest)."""
    out = frame.copy()
    for c in columns:
        out[c] = frame[c].to_numpy()[order]          # positions, not labels: the index stays where it is
    return out


# ---------------------------------------------------------------------------------------------- methods
def permutation(net, newdata=None, n_repeats=10, seed=None) -> pd.DataFrame:
    """Permutation importance by term (see the module docstring); deterministic given ``seed``."""
    if not isinstance(n_repeats, numbers.Integral) or isinstance(n_repeats, bool):
        raise ArgumentTypeError(f"n_repeats must be an integer >= 1 (shuffles per term), got {n_repeats!r}")
    if n_repeats < 1:
        raise ArgumentError(f"n_repeats must be an integer >= 1 (shuffles per term), got {n_repeats!r}; "
                            "10 is the default")
    checks.seed(seed)
    frame = complete_frame(net, newdata)
    rng = np.random.default_rng(seed)                 # its own generator: net.rng is left as it was
    n = _rows_scored(net, frame)
    base = net.compute_loss(frame)
    rows = {}
    for term, columns in formula_terms(net).items():
        rises = [net.compute_loss(shuffled(frame, columns, rng.permutation(len(frame)))) - base
                 for _ in range(n_repeats)]
        rows[term] = (np.mean(rises) / n, np.std(rises) / n)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["importance", "sd"])
    table["rank"] = table["importance"].rank(ascending=False, method="min").astype(int)
    return table.rename_axis("term")


def _rows_scored(net, frame) -> int:
    truth = net.design.response_values(frame)
    return int(np.asarray(truth.notna()).reshape(len(frame), -1).all(axis=1).sum())


def _one_hidden_layer(net, method: str):
    """(W_in (inputs, H) without the intercept row, W_out (H, K) without the bias row)."""
    if len(net.hidden) != 1:
        raise ArgumentError(f"importance(method={method!r}) reads the weights of exactly one hidden layer; this "
                        f"network has {len(net.hidden)} ({list(net.hidden)}): use method='permutation', which "
                        "works for any network")
    keep = [i for i, c in enumerate(net.design.columns) if i != net.design.intercept]
    return np.asarray(net.W1, dtype=np.float64)[keep], np.asarray(net.W2, dtype=np.float64)[1:]


def _inputs(net) -> pd.Index:
    return pd.Index([c for i, c in enumerate(net.design.columns) if i != net.design.intercept], name="column")


def olden(net) -> pd.DataFrame:
    """Olden & Jackson's connection weights: W_in·W_out, one column per output (biases left out)."""
    W_in, W_out = _one_hidden_layer(net, "olden")
    return pd.DataFrame(W_in @ W_out, index=_inputs(net), columns=output_names(net))


def garson(net) -> pd.DataFrame:
    """Garson's relative importance (sums to 1), one column ``importance``; one output only."""
    W_in, W_out = _one_hidden_layer(net, "garson")
    if W_out.shape[1] != 1:
        raise ArgumentError(f"importance(method='garson') is defined for one output (NeuralNetTools refuses more); "
                        f"this network has {W_out.shape[1]} ({output_names(net)}): use method='olden' (one "
                        "column per output) or method='permutation'")
    c = np.abs(W_in) * np.abs(W_out[:, 0])           # c_ij = |w_ij|·|v_j|   (inputs, H)
    share = (c / c.sum(axis=0)).sum(axis=1)          # each hidden unit's shares over the inputs, summed
    return pd.DataFrame({"importance": share / share.sum()}, index=_inputs(net))


METHODS = {"permutation": permutation, "olden": olden, "garson": garson}


def importance(net, method="permutation", newdata=None, n_repeats=10, seed=None) -> pd.DataFrame:
    """Importance of the inputs: ``"permutation"`` by term, ``"olden"``/``"garson"`` by design column
    (see the module docstring). A query: the network is left exactly as it was."""
    if method not in METHODS:
        raise ArgumentError(f"unknown importance method {method!r}; choose one of {list(METHODS)}"
                            f"{_close(str(method), METHODS)}")
    if method == "permutation":
        return permutation(net, newdata, n_repeats, seed)
    if newdata is not None:
        raise ArgumentError(f"method={method!r} reads the weights, not data: drop newdata=, or use "
                            "method='permutation' to measure importance on newdata")
    return METHODS[method](net)
