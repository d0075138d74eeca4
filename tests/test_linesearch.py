"""The strong-Wolfe line search against torch's ``_strong_wolfe`` on Rosenbrock's function (both phases, every
branch of the zoom), and the cubic interpolation by hand."""

import numpy as np
import pytest

from chainnet._linesearch import cubic_interpolate, strong_wolfe

torch = pytest.importorskip("torch")
from torch.optim.lbfgs import _strong_wolfe


def rosenbrock(x):
    """f = (1 - a)² + 100(b - a²)² and its gradient."""
    a, b = x
    f = (1 - a) ** 2 + 100 * (b - a * a) ** 2
    return f, np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])


def test_cubic_interpolation_is_exact_on_a_quadratic():
    """f = (x - 2)²: from (0, 4, -4) and (3, 1, 2) the minimiser is 2; in either order."""
    assert cubic_interpolate(0.0, 4.0, -4.0, 3.0, 1.0, 2.0) == pytest.approx(2.0)
    assert cubic_interpolate(3.0, 1.0, 2.0, 0.0, 4.0, -4.0) == pytest.approx(2.0)


def test_cubic_interpolation_on_a_cubic_by_hand():
    """f = x³ - 3x has its local minimum at 1: from x = 0 (f 0, g -3) and x = 2 (f 2, g 9)."""
    assert cubic_interpolate(0.0, 0.0, -3.0, 2.0, 2.0, 9.0) == pytest.approx(1.0)


def test_cubic_interpolation_is_clipped_and_falls_back_to_the_midpoint():
    assert cubic_interpolate(0.0, 4.0, -4.0, 3.0, 1.0, 2.0, bounds=(2.5, 10)) == 2.5
    # f = x³ + x rises everywhere: d1 = -1, d2² = d1² - g1·g2 = -3 < 0 -> the middle of the bounds
    assert cubic_interpolate(0.0, 0.0, 1.0, 1.0, 2.0, 4.0, bounds=(0.0, 4.0)) == 2.0


@pytest.mark.parametrize("start", [(-1.2, 1.0), (0.0, 0.0), (1.5, 2.0), (-0.5, 0.8)])
@pytest.mark.parametrize("t", [1e-4, 1e-2, 1.0, 30.0])
@pytest.mark.parametrize("max_ls", [3, 25])
def test_equals_torch_strong_wolfe(start, t, max_ls):
    x = np.array(start)
    f, g = rosenbrock(x)
    d = -g
    evals = []

    def phi(step):
        evals.append(step)
        f_new, g_new = rosenbrock(x + step * d)
        return f_new, g_new, float(g_new @ d)

    def obj_func(xt, step, dt):
        f_new, g_new = rosenbrock((xt + step * dt).numpy())
        return float(f_new), torch.tensor(g_new)

    got = strong_wolfe(phi, t, d, f, g, float(g @ d), max_ls=max_ls)
    ref = _strong_wolfe(obj_func, torch.tensor(x), t, torch.tensor(d), f, torch.tensor(g),
                        torch.tensor(g @ d), max_ls=max_ls)
    assert got[3] == ref[3] == len(evals) <= max_ls + 1
    assert got[2] == pytest.approx(float(ref[2]), rel=1e-12)
    assert got[0] == pytest.approx(ref[0], rel=1e-12)
    np.testing.assert_allclose(got[1], ref[1].numpy(), rtol=1e-12)


def test_accepted_step_meets_the_strong_wolfe_conditions():
    x = np.array([-1.2, 1.0])
    f, g = rosenbrock(x)
    d = -g / np.abs(g).max()
    gtd = float(g @ d)

    def phi(step):
        f_new, g_new = rosenbrock(x + step * d)
        return f_new, g_new, float(g_new @ d)

    f_new, g_new, t, _ = strong_wolfe(phi, 1.0, d, f, g, gtd)
    assert f_new <= f + 1e-4 * t * gtd
    assert abs(g_new @ d) <= -0.9 * gtd
