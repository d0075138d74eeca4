"""convergence.constant_loss, L0 of the blow-up rule, against hand calculations: the summed loss of the best
constant prediction (class shares, response mean), for every task, in float64 and float32 targets."""

import math

import numpy as np
import pytest

from chainnet.convergence import BlowUpGuard, constant_loss


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_constant_loss_is_the_loss_of_the_best_constant(dtype):
    binary = np.array([[1], [0], [0], [1], [1]], dtype)                 # 3 of 5 in the second class
    assert constant_loss(binary, "classification") == pytest.approx(-(3 * math.log(3 / 5) + 2 * math.log(2 / 5)),
                                                                    rel=1e-15)
    onehot = np.eye(3, dtype=dtype)[[0, 0, 1, 2, 2, 2]]                 # shares 2/6, 1/6, 3/6
    expected = -(2 * math.log(2 / 6) + 1 * math.log(1 / 6) + 3 * math.log(3 / 6))
    assert constant_loss(onehot, "classification") == pytest.approx(expected, rel=1e-15)
    y = np.array([[1.0, 10.0], [2.0, 20.0], [6.0, 30.0]], dtype)        # means 3 and 20
    assert constant_loss(y, "regression") == pytest.approx((4 + 1 + 9) + (100 + 0 + 100), rel=1e-7)


def test_a_class_nobody_has_adds_nothing_and_the_rule_fires_above_the_threshold():
    onehot = np.eye(3)[[0, 0, 2, 2]]
    assert constant_loss(onehot, "classification") == pytest.approx(4 * math.log(2), rel=1e-15)
    rule = BlowUpGuard(start_loss=10.0, constant=4.0)
    assert rule.threshold() == 10.0 + 20.0 * 10.0
    assert not rule.blown(210.0) and rule.blown(210.0001) and rule.blown(float("nan"))
