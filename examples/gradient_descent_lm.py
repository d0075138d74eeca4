"""Seed 001: gradient descent recovers the least-squares line, and a network with no hidden layer is that line.

The seed simulates y = 3 + 2x + noise (n = 100), starts at alpha = beta = 1 and takes 1000 steps of
learn_rate 0.01 on the mean squared error E = (1/n) Σ (y - alpha - beta·x)²; R printed
"alpha = 2.89719694937354, beta = 1.94752837381973", lm()'s estimates on its data.

chainnet: ``NeuralNetwork("y ~ x", hidden=0)`` is y = [1, x] W1 with an identity output, W1 = (alpha, beta).
Its loss is the *summed* squared error n·E, so the seed's step is learn_rate 0.01 / n here.
Run: python examples/gradient_descent_lm.py   (figures go to $CHAINNET_FIGURES, default docs/)
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from chainnet import NeuralNetwork

FIGURES = Path(os.environ.get("CHAINNET_FIGURES", Path(__file__).resolve().parent.parent / "docs"))
FIGURES.mkdir(parents=True, exist_ok=True)

rng = np.random.default_rng(2026)
n = 100
x = rng.normal(size=n)                                   # x <- rnorm(n)
y = 3 + 2 * x + rng.normal(size=n)                       # y <- 3 + 2 * x + rnorm(n)
data = pd.DataFrame({"x": x, "y": y})

net = NeuralNetwork("y ~ x", data=data, hidden=0, seed=1)
net.W1 = [[1.0], [1.0]]                                  # alpha[1] <- 1; beta[1] <- 1
net.train(1000, learn_rate=0.01 / n, tolerance=0, trace=0)

alpha, beta = net.W1[:, 0]
(alpha_ls, beta_ls), *_ = np.linalg.lstsq(np.column_stack([np.ones(n), x]), y, rcond=None)
E = net.history["loss"] / n                              # the seed's E[i], at the weights before step i
print(f"gradient descent: intercept {alpha:.8f} slope {beta:.8f}")
print(f"least squares:    intercept {alpha_ls:.8f} slope {beta_ls:.8f}")
print("error E (mean squared error) by epoch: " + ", ".join(f"{i}: {E[i]:.6f}" for i in (1, 10, 100, 1000)))
print(net.coef()["W1"].rename(columns={"y": "weight"}).to_string())

fig, (ax_loss, ax_fit) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
net.plot_loss(ax=ax_loss)
ax_loss.set_title("A: error against epochs (summed squared error = n·E)", fontsize="medium")
net.plot_fit("x", truth=lambda t: 3 + 2 * t, ax=ax_fit)
ax_fit.set_title(f"B: fitted line {alpha:.3f} + {beta:.3f}x against the truth 3 + 2x", fontsize="medium")
fig.savefig(FIGURES / "gradient_descent_lm.png", dpi=80)
print(f"saved {FIGURES / 'gradient_descent_lm.png'}")
