"""Attack on the full-batch solvers from saturated starting weights (found while attacking sigmoid's errstate):
a plateau makes the line search's cubic degenerate (equal losses, zero slopes) and a raw ZeroDivisionError
escapes ``train()``, where every failure should be a ChainnetError or a finished run."""

import warnings

import numpy as np
import pytest

from chainnet import ChainnetError, ConvergenceWarning, NeuralNetwork, datasets
from chainnet._linesearch import cubic_interpolate

IRIS = datasets.load_iris()
FOUND = ("_linesearch.py:37 cubic_interpolate divides by g2 - g1 + 2·d2, which is 0 on a flat stretch (f1 == f2, "
          "g1 == g2 == 0, so d1 == d2 == 0); Python floats raise ZeroDivisionError (torch's tensors give nan). "
          "Fix: return the midpoint (lo + hi) / 2 when the denominator is 0 or not finite, as for d2² < 0")


def test_a_flat_cubic_gives_a_point_inside_the_interval():
    x = cubic_interpolate(0.0, 1.0, 0.0, 1.0, 1.0, 0.0)
    assert 0.0 <= x <= 1.0


def test_the_degenerate_cases_already_guarded_stay_inside():
    assert cubic_interpolate(1.0, 2.0, -1.0, 1.0, 2.0, 1.0) == 1.0            # x1 == x2
    assert 0.0 <= cubic_interpolate(0.0, 0.0, 1.0, 1.0, 0.0, 1.0) <= 1.0     # d2² < 0


@pytest.mark.parametrize("activation, scale", [("tanh", 3e3), ("sigmoid", 1e5)])
def test_lbfgs_from_saturated_weights_finishes_or_says_why(activation, scale):
    net = NeuralNetwork("Species ~ .", IRIS, hidden=4, activation=activation, seed=1 if activation == "tanh" else 0)
    net.weights = [W * scale for W in net.weights]
    before = net.params.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            net.train(5, optimizer="lbfgs", trace=0)
        except ChainnetError:
            np.testing.assert_array_equal(net.params, before)
    assert np.all(np.isfinite(net.params))
