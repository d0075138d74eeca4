"""Every example runs as a newcomer runs it (quick settings, figures into a temporary folder), and its printed
numbers are checked against references computed here: numpy least squares, scikit-learn, a numpy forward pass."""

import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from chainnet import datasets

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name, figures):
    env = {**os.environ, "CHAINNET_QUICK": "1", "CHAINNET_FIGURES": str(figures), "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, env=env,
                         timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout


def numbers(pattern, text):
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in output:\n{text}"
    return [float(g) for g in match.groups()]


def assert_figure(path):
    """A real picture: an image of sensible size with many distinct colours (lines, text, regions)."""
    image = plt.imread(path)
    assert image.ndim == 3 and image.shape[0] > 150 and image.shape[1] > 200
    assert len(np.unique(image[..., :3].reshape(-1, 3), axis=0)) > 20


def test_gradient_descent_lm_recovers_least_squares(tmp_path):
    out = run_example("gradient_descent_lm.py", tmp_path)
    a, b = numbers(r"gradient descent: intercept (\S+) slope (\S+)", out)
    a_ls, b_ls = numbers(r"least squares:\s+intercept (\S+) slope (\S+)", out)
    rng = np.random.default_rng(2026)                                   # the example's data, drawn again
    x = rng.normal(size=100)
    y = 3 + 2 * x + rng.normal(size=100)
    beta, *_ = np.linalg.lstsq(np.column_stack([np.ones(100), x]), y, rcond=None)
    assert abs(a - beta[0]) < 1e-3 and abs(b - beta[1]) < 1e-3
    assert a_ls == pytest.approx(beta[0], abs=1e-8) and b_ls == pytest.approx(beta[1], abs=1e-8)
    e1, e1000 = numbers(r"by epoch: 1: (\S+),.* 1000: (\S+)", out)
    assert e1 == pytest.approx(np.mean((y - 1 - x) ** 2), rel=1e-6)    # E at alpha = beta = 1
    assert e1000 == pytest.approx(np.mean((y - beta[0] - beta[1] * x) ** 2), rel=1e-5)
    assert_figure(tmp_path / "gradient_descent_lm.png")


def test_epidemic_prints_the_seed_style_errors(tmp_path):
    out = run_example("epidemic.py", tmp_path)
    gd = numbers(r"gradient descent initial MSE (\S+)\s+final MSE (\S+)\s+MSE against the true curve (\S+)", out)
    adam = numbers(r"Adam\s+initial MSE (\S+)\s+final MSE (\S+)\s+MSE against the true curve (\S+)", out)
    # the initial MSE from the seed's start, computed here with numpy: tanh(t w1 + 0) w2 + 0
    data = datasets.make_epidemic(n=60, noise=0.06, seed=1)
    rng = np.random.default_rng(1)
    w1, w2 = rng.normal(0.0, 0.5, 16), rng.normal(0.0, 0.5, 16)
    initial = np.mean((np.tanh(np.outer(data["t"], w1)) @ w2 - data["y"]) ** 2)
    assert gd[0] == pytest.approx(initial, rel=1e-5) and adam[0] == pytest.approx(initial, rel=1e-5)
    assert adam[1] < gd[1] < initial and adam[2] < gd[2] < 0.2
    assert_figure(tmp_path / "epidemic.png")


def test_hotdogs_logistic_regression_matches_scikit_learn(tmp_path):
    sklearn = pytest.importorskip("sklearn.linear_model")
    out = run_example("hotdogs.py", tmp_path)
    accuracy = {int(h): float(a) for h, a in re.findall(r"hidden=(\d+)\s+accuracy (\S+)", out)}
    assert list(accuracy) == [0, 1, 5, 30] and all(0.5 <= a <= 1.0 for a in accuracy.values())
    data = datasets.make_hotdogs(200, seed=1)
    glm = sklearn.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(data[["x1", "x2"]], data["class"])
    assert accuracy[0] == pytest.approx(glm.score(data[["x1", "x2"]], data["class"]), abs=1e-9)
    assert accuracy[30] > accuracy[0]
    assert_figure(tmp_path / "hotdogs.png")
    assert_figure(tmp_path / "hotdogs_network.png")


def test_backprop_by_hand_agrees_with_gradients_and_finite_differences(tmp_path, iris):
    out = run_example("backprop_by_hand.py", tmp_path)
    (diff,) = numbers(r"against net.gradients\(\): max \|difference\| (\S+)", out)
    (rel,) = numbers(r"max relative error (\S+)", out)
    assert diff < 1e-12 and rel < 1e-6
    # the loss at the seed's start, recomputed with numpy: standardized iris, W ~ N(0, 1) from default_rng(0)
    X = iris.iloc[:, :4].to_numpy()
    X = np.column_stack([np.ones(150), (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)])
    rng = np.random.default_rng(0)
    W1, W2 = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    Z = np.column_stack([np.ones(150), 1 / (1 + np.exp(-X @ W1))]) @ W2
    logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(150), iris["Species"].cat.codes].sum()
    (printed,) = numbers(r"loss L = -sum T log P = (\S+)", out)
    assert printed == pytest.approx(loss, rel=1e-6)
    before, after = numbers(r"loss (\S+) -> (\S+)", out)
    assert after < before == pytest.approx(loss, rel=1e-4)
    (accuracy,) = numbers(r"training accuracy ([\d.]+),", out)
    assert accuracy >= 0.9
    assert_figure(tmp_path / "backprop_network.png")


def test_penguins_networks_score_on_held_out_rows(tmp_path):
    out = run_example("penguins.py", tmp_path)
    n_train, n_test = numbers(r"(\d+) training rows, (\d+) test rows", out)
    complete = datasets.load_penguins().dropna()
    assert (n_train, n_test) == (len(complete) - round(0.2 * len(complete)), round(0.2 * len(complete)))
    mae, rmse, r2 = numbers(r"test MAE (\S+) g, test RMSE (\S+) g, test R2 (\S+)", out)
    spread = complete["body_mass_g"].std()
    assert mae <= rmse < 0.6 * spread and r2 > 0.6                        # far better than predicting the mean
    (accuracy,) = numbers(r"species ~ \. - year: test accuracy (\S+)", out)
    assert accuracy >= 0.9
    assert_figure(tmp_path / "penguins.png")


def test_iris_r6_session_prints_the_posts_table(tmp_path):
    out = run_example("iris_r6.py", tmp_path)
    table = re.findall(r"^(\d+)\s+(\S+)\s+(\S+)$", out, flags=re.MULTILINE)
    iterations = [int(i) for i, _, _ in table]
    losses = np.array([float(loss) for _, loss, _ in table])
    assert iterations == list(range(100, 1000, 100))
    assert np.all(np.diff(losses) < 0)
    # weights 0.01·N(0, 1) start near uniform probabilities: loss near 150·log(3), then below it
    assert 150 * np.log(3) - 0.1 < losses[0] < 150 * np.log(3)
    predictions = re.search(r"predict\(newdata\):\n((?:\d+\s+\w+\n){5})", out).group(1).split()
    assert pd.Index(predictions[1::2]).isin(["setosa", "versicolor", "virginica"]).all()
    assert_figure(tmp_path / "iris_r6.png")


def test_what_it_learned_prints_criteria_that_numpy_reproduces(tmp_path):
    out = run_example("what_it_learned.py", tmp_path)
    complete = datasets.load_penguins().dropna()
    n = len(complete)
    rmse, _ = numbers(r"training RMSE (\S+) kg, R2 (\S+)", out)
    dev, aic, bic, k = numbers(r"network\s+deviance (\S+)\s+AIC (\S+)\s+BIC (\S+)\s+k (\d+)", out)
    glm = numbers(r"GLM\s+deviance (\S+)\s+AIC (\S+)\s+BIC (\S+)\s+k (\d+)", out)
    # the GLM: least squares on the treatment-coded design, built here with pandas and numpy
    dummies = pd.get_dummies(complete[["species", "sex", "island"]], drop_first=True, dtype=float)
    numeric = complete[["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]]
    X = np.column_stack([np.ones(n), dummies, numeric])
    y = complete["body_mass_g"].to_numpy() / 1000
    sse = np.sum((y - X @ np.linalg.lstsq(X, y, rcond=None)[0]) ** 2)
    dev0 = n * np.log(2 * np.pi * sse / n) + n
    assert glm == pytest.approx([dev0, dev0 + 2 * 9, dev0 + np.log(n) * 9, 9], abs=2e-3)
    # R: AIC(lm(body_mass_kg ~ species + sex + island + bill_length_mm + bill_depth_mm + flipper_length_mm))
    # = 126.67709276945, BIC 164.758517669254, counting σ as a 10th parameter (chainnet counts weights only)
    assert glm[1] == pytest.approx(126.67709276945 - 2, abs=2e-3)
    assert glm[2] == pytest.approx(164.758517669254 - np.log(333), abs=2e-3)
    # the network: its deviance from its printed RMSE (SSE/n = RMSE²); k for 9 columns -> 3 tanh units -> 1
    assert k == 9 * 3 + 4 * 1
    assert dev == pytest.approx(n * np.log(2 * np.pi * rmse**2) + n, abs=0.5)
    assert aic == pytest.approx(dev + 2 * k, abs=2e-3) and bic == pytest.approx(dev + np.log(n) * k, abs=2e-3)
    table = re.findall(r"^(\w+)\s+(-?[\d.]+)\s+([\d.]+)\s+(\d)$", out, flags=re.MULTILINE)
    assert sorted(t[0] for t in table) == sorted(["species", "sex", "island", "bill_length_mm", "bill_depth_mm",
                                                  "flipper_length_mm"])
    assert [int(t[3]) for t in table] == [1, 2, 3, 4, 5, 6] and all(float(t[1]) > 0 for t in table)
    flipper = numbers(r"flipper 180 mm: (\S+) kg; flipper 200 mm: (\S+) kg; flipper 220 mm: (\S+) kg", out)
    female, male = numbers(r"sex female: (\S+) kg; sex male: (\S+) kg", out)
    assert flipper[0] < flipper[1] < flipper[2] and female < male              # heavier with longer flippers, males
    assert len(re.findall(r"^h\d\s", out, flags=re.MULTILINE)) == 3
    assert_figure(tmp_path / "what_it_learned.png")
