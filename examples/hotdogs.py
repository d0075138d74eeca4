"""The R6 post's hot dogs: logistic regression against networks of 1, 5 and 30 hidden units on two spirals.

The post (R, its own random data and starts) reported: logistic regression (glm) 67%; networks trained for
100,000 iterations of learn_rate 0.01: 1 hidden unit 68%, 5 hidden units 76%, 30 hidden units 100%; and drew
each decision boundary. chainnet: the data are ``datasets.make_hotdogs`` (the post's recipe); ``hidden=0`` is
logistic regression, trained with learn_rate 0.001 so that it reaches glm's maximum-likelihood fit: on the
summed loss of these 200 rows a step of 0.01 is larger than 2 / (largest curvature) ≈ 0.0015, and gradient
descent bounces instead of converging.
Run: python examples/hotdogs.py   (CHAINNET_QUICK=1: 2000 iterations; figures go to $CHAINNET_FIGURES or docs/)
"""

import os
import time
from pathlib import Path

import matplotlib.pyplot as plt

from chainnet import NeuralNetwork, datasets

QUICK = os.environ.get("CHAINNET_QUICK", "0") not in ("", "0")
FIGURES = Path(os.environ.get("CHAINNET_FIGURES", Path(__file__).resolve().parent.parent / "docs"))
FIGURES.mkdir(parents=True, exist_ok=True)
ITERATIONS = 2000 if QUICK else 100_000

hotdogs = datasets.make_hotdogs(200, seed=1)
fig, axes = plt.subplots(1, 4, figsize=(17, 4.2), layout="constrained")
nets = {}
for ax, (hidden, learn_rate) in zip(axes, [(0, 1e-3), (1, 1e-2), (5, 1e-2), (30, 1e-2)]):
    start = time.perf_counter()
    net = NeuralNetwork("class ~ x1 + x2", data=hotdogs, hidden=hidden, seed=1)
    net.train(ITERATIONS, learn_rate=learn_rate, trace=0)
    seconds = time.perf_counter() - start
    print(f"hidden={hidden:<2d} accuracy {net.accuracy():.3f}  ({net.iteration} iterations of learn_rate "
          f"{learn_rate:g}, {seconds:.1f} s)")
    net.plot_decision_boundary("x1", "x2", resolution=150, ax=ax)
    name = "logistic regression" if hidden == 0 else f"{hidden} hidden unit{'s' * (hidden > 1)}"
    ax.set_title(f"{name}: accuracy {net.accuracy():.3f}", fontsize="medium")
    nets[hidden] = net
fig.savefig(FIGURES / "hotdogs.png", dpi=70)

ax = nets[5].plot_network()                                # the post's Figure 1: 2 inputs, 5 hidden units
ax.figure.savefig(FIGURES / "hotdogs_network.png", dpi=80)
print(f"saved {FIGURES / 'hotdogs.png'} and {FIGURES / 'hotdogs_network.png'}")
