"""The R6 post's session in chainnet: Species ~ ., five sigmoid units, 9999 iterations at learn_rate 1e-4.

The post printed (R, its own random start):   Iteration 1000 Loss 151.05 Accuracy 0.68 ... Iteration 9000
Loss 20.79 Accuracy 0.98. Run: python examples/iris_r6.py
(CHAINNET_QUICK=1: 999 iterations traced every 100; figures go to $CHAINNET_FIGURES, default docs/)
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt

from chainnet import NeuralNetwork, datasets

QUICK = os.environ.get("CHAINNET_QUICK", "0") not in ("", "0")
FIGURES = Path(os.environ.get("CHAINNET_FIGURES", Path(__file__).resolve().parent.parent / "docs"))
ITERATIONS, EVERY = (999, 100) if QUICK else (9999, 1000)

iris = datasets.load_iris()
irisnet = NeuralNetwork("Species ~ .", data=iris, hidden=5, seed=1)
irisnet.train(ITERATIONS, trace=EVERY, learn_rate=1e-4)   # the trace goes to stderr, like R's message()

print(irisnet)
print("accuracy by iteration (the post's table):")
print(irisnet.history.iloc[EVERY - 1::EVERY][["loss", "accuracy"]].to_string())
print(f"final training accuracy {irisnet.accuracy():.4f}")

FIGURES.mkdir(parents=True, exist_ok=True)
fig, (ax_loss, ax_net) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained", width_ratios=[2, 3])
irisnet.plot_loss(ax=ax_loss)
irisnet.plot_network(ax=ax_net)
fig.savefig(FIGURES / "iris_r6.png", dpi=80)

newdata = iris.sample(5, random_state=3)
print("irisnet.train(1000).predict(newdata):")
print(irisnet.train(1000, trace=0).predict(newdata).to_string())
print(f"after train(1000) at the default learn_rate 0.01: loss {irisnet.compute_loss():.4f}, "
      f"accuracy {irisnet.accuracy():.4f}")
print(f"saved {FIGURES / 'iris_r6.png'}")
