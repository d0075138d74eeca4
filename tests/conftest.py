import numpy as np
import pandas as pd
import pytest

from chainnet import datasets


@pytest.fixture(scope="session")
def iris():
    return datasets.load_iris()


@pytest.fixture
def toy():
    """A small mixed data set: numeric, text and categorical predictors, three responses."""
    rng = np.random.default_rng(0)
    n = 40
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    g = rng.choice(["a", "b", "c"], size=n)
    eta = 1.5 * x - z + (g == "b")
    return pd.DataFrame({
        "x": x, "z": z, "g": g,
        "y": 2.0 + eta + rng.normal(scale=0.3, size=n),
        "y2": 1.0 - x + rng.normal(scale=0.3, size=n),
        "yes": pd.Categorical(np.where(eta + rng.logistic(size=n) > 0, "yes", "no"), categories=["no", "yes"]),
        "k": pd.Categorical(rng.choice(["p", "q", "r"], size=n)),
    })


@pytest.fixture
def quiet_solvers():
    """Silences the ConvergenceWarning and LossIncreaseWarning of runs a test cuts short on purpose (tests that
    check those warnings use ``pytest.warns`` instead)."""
    import warnings

    from chainnet import ConvergenceWarning, LossIncreaseWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", LossIncreaseWarning)
        yield
