"""Seed 000: a tanh network learns an epidemic curve from noisy observations.

The seed's R loop: 16 tanh units, weights N(0, 0.5), biases 0, 3000 plain gradient-descent steps of
learn_rate 0.05 on the mean squared error; it printed "Initial MSE: 0.423582", "Final MSE: 0.034461" and drew
two panels, the training loss (log scale) and the fit against the true curve and the observations.

chainnet's loss is the *summed* squared error, n times the seed's MSE, so the seed's step is learn_rate 0.05 / n.
The same start is set through the public weights; a second fit from that start uses Adam (learn_rate 0.01).
Run: python examples/epidemic.py   (CHAINNET_QUICK=1: 500 iterations; figures go to $CHAINNET_FIGURES or docs/)
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from chainnet import NeuralNetwork, datasets

QUICK = os.environ.get("CHAINNET_QUICK", "0") not in ("", "0")
FIGURES = Path(os.environ.get("CHAINNET_FIGURES", Path(__file__).resolve().parent.parent / "docs"))
FIGURES.mkdir(parents=True, exist_ok=True)
ITERATIONS = 500 if QUICK else 3000

data = datasets.make_epidemic(n=60, noise=0.06, seed=1)   # t, y (observed, scaled to [0, 1]), y_true
n = len(data)


def seed_start(net):
    """W1 <- rnorm(n_h, 0, 0.5); b1 <- 0; W2 <- rnorm(n_h, 0, 0.5); b2 <- 0 (bias rows first in chainnet)."""
    rng = np.random.default_rng(1)
    net.W1 = np.vstack([np.zeros(16), rng.normal(0.0, 0.5, 16)])
    net.W2 = np.vstack([[0.0], rng.normal(0.0, 0.5, (16, 1))])
    return net


fits = {
    "gradient descent": seed_start(NeuralNetwork("y ~ t", data=data, hidden=16, activation="tanh", seed=1))
    .train(ITERATIONS, learn_rate=0.05 / n, tolerance=0, trace=0),
    "Adam": seed_start(NeuralNetwork("y ~ t", data=data, hidden=16, activation="tanh", seed=1))
    .train(ITERATIONS, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0),
}
for name, net in fits.items():
    mse_data = net.rmse() ** 2                                             # mean((yhat - y)^2), the seed's MSE
    mse_truth = float(np.mean((net.predict() - data["y_true"]) ** 2))
    print(f"{name:<16} initial MSE {net.history['loss'].iloc[0] / n:.6f}  final MSE {mse_data:.6f}  "
          f"MSE against the true curve {mse_truth:.6f}  ({net.iteration} iterations)")

fig, (ax_loss, ax_fit) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
for name, net in fits.items():
    net.plot_loss(ax=ax_loss, label=name)
ax_loss.set_title("A: training loss", fontsize="medium")
fits["gradient descent"].plot_fit("t", truth="y_true", label="gradient descent", ax=ax_fit)
fits["Adam"].plot_fit("t", points=False, label="Adam", ax=ax_fit)
ax_fit.set_title("B: true curve (dashed) against the network fits", fontsize="medium")
fig.savefig(FIGURES / "epidemic.png", dpi=80)
print(f"saved {FIGURES / 'epidemic.png'}")
