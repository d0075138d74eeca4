"""Bundled data (offline, in ``chainnet/data``) and the seeds' generated data sets."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from . import _checks as checks
from .errors import ArgumentError, ArgumentTypeError


def _read(name: str) -> pd.DataFrame:
    with resources.files("chainnet").joinpath("data", name).open("r") as f:
        return pd.read_csv(f)


def load_iris() -> pd.DataFrame:
    """R's ``iris``: 150 rows, ``Sepal.Length``, ``Sepal.Width``, ``Petal.Length``, ``Petal.Width`` (cm) and
    ``Species`` (categorical: setosa, versicolor, virginica). Fisher (1936); values as in R."""
    iris = _read("iris.csv")
    iris["Species"] = pd.Categorical(iris["Species"], categories=["setosa", "versicolor", "virginica"])
    return iris


def load_penguins() -> pd.DataFrame:
    """The Palmer penguins (Gorman, Williams & Fraser 2014; Horst et al., CC0): 344 rows with their missing
    values; ``species``, ``island``, ``sex`` categorical, measurements as floats, ``year`` an integer."""
    penguins = _read("penguins.csv")
    for col in ("species", "island", "sex"):
        penguins[col] = pd.Categorical(penguins[col])
    return penguins


def make_hotdogs(n: int = 200, seed: int | None = None) -> pd.DataFrame:
    """The R6 post's "hot dog" spirals: two interleaved spirals of n/2 points each.

    θ = π/2 + 3π·U;  not hot dog: (-θ cos θ + U, θ sin θ + U);  hot dog: (θ cos θ + U, -θ sin θ + U),
    each U a fresh uniform draw on [0, 1). Columns ``x1``, ``x2``, ``class`` (levels not hot dog, hot dog).
    """
    n = checks.positive_int("n", n)
    checks.seed(seed)
    rng = np.random.default_rng(seed)
    sizes = (n - n // 2, n // 2)
    frames = []
    for label, size, sign in zip(("not hot dog", "hot dog"), sizes, (-1.0, 1.0)):
        theta = np.pi / 2 + 3 * np.pi * rng.random(size)
        x1 = sign * theta * np.cos(theta) + rng.random(size)
        x2 = -sign * theta * np.sin(theta) + rng.random(size)
        frames.append(pd.DataFrame({"x1": x1, "x2": x2, "class": label}))
    data = pd.concat(frames, ignore_index=True)
    data["class"] = pd.Categorical(data["class"], categories=["not hot dog", "hot dog"])
    return data


def make_epidemic(n: int = 60, noise: float = 0.06, seed: int | None = None) -> pd.DataFrame:
    """Seed 000's epidemic curve: y_true = exp(-(t - 0.4)² / 0.025) on t = 0 ... 1, observed with N(0, noise²)
    noise, then min-max normalised to [0, 1]; ``y_true`` is put on the same scale as ``y``."""
    n = checks.positive_int("n", n)
    if n < 2:
        raise ArgumentError(f"n must be at least 2 points for the min-max normalisation of the curve, got {n}")
    noise = checks.non_negative("noise", noise)
    checks.seed(seed)
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n)
    y_true = np.exp(-((t - 0.4) ** 2) / 0.025)
    y_raw = y_true + rng.normal(0.0, noise, n)
    low, span = y_raw.min(), y_raw.max() - y_raw.min()
    return pd.DataFrame({"t": t, "y": (y_raw - low) / span, "y_true": (y_true - low) / span})


def split(data: pd.DataFrame, test: float = 0.2, seed: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A fixed random split of the rows into (train, test), ``test`` the share of rows held out; both keep the
    original index. As ``slice_sample(prop = .8)`` then ``anti_join`` in seed 003, but seeded."""
    if not isinstance(data, pd.DataFrame):
        raise ArgumentTypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if not checks.is_fraction(test):
        raise ArgumentError(f"test must be a fraction in (0, 1), got {test!r}")
    checks.seed(seed)
    order = np.random.default_rng(seed).permutation(len(data))
    n_test = round(float(test) * len(data))
    return data.iloc[np.sort(order[n_test:])], data.iloc[np.sort(order[:n_test])]
