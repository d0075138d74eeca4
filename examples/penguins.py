"""Seed 003: the two penguin networks of the torch/luz lecture, in chainnet.

1. ``body_mass_g ~ . - year``: 50 ReLU units, dropout 0.4, RMSprop (learn_rate 0.01, luz's default), batches of
   32, 100 epochs; the lecture reported a test mean absolute error of 422.8 g.
2. ``species ~ . - year``: hidden layers of 10 and 5 ReLU units, dropout 0.4 and 0.3, RMSprop; test accuracy.

Both on the complete rows, split 80/20 (``datasets.split``), predictors standardized with the training rows'
mean and sd (the lecture scaled the test rows with their own).
Run: python examples/penguins.py   (CHAINNET_QUICK=1: 20 epochs; figures go to $CHAINNET_FIGURES or docs/)
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt

from chainnet import NeuralNetwork, datasets

QUICK = os.environ.get("CHAINNET_QUICK", "0") not in ("", "0")
FIGURES = Path(os.environ.get("CHAINNET_FIGURES", Path(__file__).resolve().parent.parent / "docs"))
FIGURES.mkdir(parents=True, exist_ok=True)
EPOCHS = 20 if QUICK else 100

penguins = datasets.load_penguins().dropna()
train, test = datasets.split(penguins, test=0.2, seed=1)
print(f"{len(train)} training rows, {len(test)} test rows")

mass = NeuralNetwork("body_mass_g ~ . - year", data=train, hidden=50, activation="relu", dropout=0.4,
                     standardize=True, seed=1)
mass.train(EPOCHS, optimizer="rmsprop", learn_rate=0.01, batch_size=32, trace=0)
mae = float((mass.predict(test) - test["body_mass_g"]).abs().mean())
print(f"body_mass_g ~ . - year: test MAE {mae:.1f} g, test RMSE {mass.rmse(test):.1f} g, "
      f"test R2 {mass.r2(test):.3f}  (seed 003: MAE 422.8 g)")

species = NeuralNetwork("species ~ . - year", data=train, hidden=[10, 5], activation="relu", dropout=[0.4, 0.3],
                        standardize=True, seed=1)
species.train(EPOCHS, optimizer="rmsprop", learn_rate=0.01, batch_size=32, trace=0)
print(f"species ~ . - year: test accuracy {species.accuracy(test):.4f}")

fig, (ax_mass, ax_species) = plt.subplots(1, 2, figsize=(10, 4.5), layout="constrained")
mass.plot_predicted(test, ax=ax_mass)
ax_mass.set_title(f"body mass (g), test rows: MAE {mae:.0f} g", fontsize="medium")
species.plot_predicted(test, ax=ax_species)
ax_species.set_title(f"species, test rows: accuracy {species.accuracy(test):.3f}", fontsize="medium")
fig.savefig(FIGURES / "penguins.png", dpi=80)
print(f"saved {FIGURES / 'penguins.png'}")
