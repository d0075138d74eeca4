"""quasinewton._max_abs_at_most, the cheap form of torch's max|x| tests, decides exactly as the maximum does."""

import numpy as np
import pytest

from chainnet.quasinewton import _max_abs_at_most


def exact(x, bound, scale=1.0):
    return scale * float(np.abs(x).max()) <= bound


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_it_agrees_with_the_maximum_on_random_vectors_near_and_far_from_the_bound(dtype):
    rng = np.random.default_rng(0)
    for _ in range(3000):
        n = int(rng.integers(1, 200))
        x = (rng.standard_normal(n) * 10.0 ** rng.uniform(-12, 3)).astype(dtype)
        if rng.random() < 0.3:                       # one large entry, the rest tiny: |x|/sqrt(n) far below max
            x[:] *= 1e-6
            x[rng.integers(n)] = rng.choice([-1, 1]) * 10.0 ** rng.uniform(-9, 1)
        m = float(np.abs(x).max())
        for bound in (m, m * (1 + 1e-12), m * (1 - 1e-7), m / np.sqrt(n), m * 2, 0.0, 1e-7, 1e-9):
            scale = float(rng.choice([1.0, 0.5, 3.0, 1e-3]))
            assert _max_abs_at_most(x, bound, scale) == exact(x, bound, scale), (x, bound, scale)


@pytest.mark.parametrize("x", [[np.nan, 1.0], [np.inf, 0.0], [0.0, 0.0], [1e200, 1e200], [2e19], [1e-170, 0.0]])
@pytest.mark.parametrize("bound", [0.0, 1e-9, 3e19, 1e160, 1e300])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_edge_values_decide_as_the_maximum(x, bound, dtype):
    with np.errstate(over="ignore", invalid="ignore"):
        v = np.array(x, dtype=dtype)
        assert _max_abs_at_most(v, bound) == exact(v, bound)
        assert _max_abs_at_most(v, bound, 1e-3) == exact(v, bound, 1e-3)
