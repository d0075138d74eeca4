"""What the network learned, on the penguins: which terms it uses, how the prediction moves with one of them,
whether every hidden unit works, and whether the hidden layer beats the linear model it generalises.

    body_mass_kg ~ species + sex + island + bill_length_mm + bill_depth_mm + flipper_length_mm

3 tanh units, predictors standardized, Adam (learn_rate 0.01, full batches), on the complete rows.
1. net.importance(): permutation importance by formula term (the rise of the squared error per row when a
   term's column is shuffled; mean of 10 shuffles).
2. net.partial_dependence(): the average predicted mass over a grid of flipper lengths, and per sex.
3. net.diagnose(): one row per hidden unit.
4. net.aic() against the GLM: the same formula with hidden=0, fitted by least squares.
Run: python examples/what_it_learned.py   (CHAINNET_QUICK=1: 300 iterations; the figure goes to
$CHAINNET_FIGURES or docs/)
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt

from chainnet import NeuralNetwork, criteria, datasets

QUICK = os.environ.get("CHAINNET_QUICK", "0") not in ("", "0")
FIGURES = Path(os.environ.get("CHAINNET_FIGURES", Path(__file__).resolve().parent.parent / "docs"))
FIGURES.mkdir(parents=True, exist_ok=True)
ITERATIONS = 300 if QUICK else 3000

penguins = datasets.load_penguins().dropna()
penguins["body_mass_kg"] = penguins["body_mass_g"] / 1000
formula = "body_mass_kg ~ species + sex + island + bill_length_mm + bill_depth_mm + flipper_length_mm"
net = NeuralNetwork(formula, data=penguins, hidden=3, activation="tanh", standardize=True, seed=1)
net.train(ITERATIONS, optimizer="adam", learn_rate=0.01, trace=0)
print(f"{len(penguins)} rows, {net.iteration} iterations: training RMSE {net.rmse():.4f} kg, R2 {net.r2():.4f}")

print("\n1. Permutation importance by term (rise of the squared error per row, kg^2)")
importance = net.importance(seed=1)
print(importance.sort_values("rank").to_string(float_format=lambda v: f"{v:.5f}"))

print("\n2. Partial dependence (average predicted kg)")
flipper = net.partial_dependence("flipper_length_mm", grid=[180, 200, 220])
print(" ".join(f"flipper {g:.0f} mm: {m:.4f} kg;" for g, m in flipper.to_numpy()))
sex = net.partial_dependence("sex")
print(" ".join(f"sex {g}: {m:.4f} kg;" for g, m in sex.to_numpy()))

print("\n3. Hidden units")
print(net.diagnose())

print("\n4. What the hidden layer bought")
glm, how = criteria.glm(net)
print(f"network   deviance {criteria.deviance(net):.3f}  AIC {net.aic():.3f}  BIC {net.bic():.3f}  "
      f"k {criteria.n_weights(net)}")
print(f"GLM       deviance {criteria.deviance(glm):.3f}  AIC {glm.aic():.3f}  BIC {glm.bic():.3f}  "
      f"k {criteria.n_weights(glm)}  ({how})")
print(f"the {'network' if net.aic() < glm.aic() else 'GLM'} has the lower AIC, the "
      f"{'network' if net.bic() < glm.bic() else 'GLM'} the lower BIC")

fig, (ax_imp, ax_flipper, ax_sex) = plt.subplots(1, 3, figsize=(13, 4.2), layout="constrained")
ranked = importance.sort_values("importance")
ax_imp.barh(ranked.index, ranked["importance"], xerr=ranked["sd"], color="#1f77b4")
ax_imp.set_xlabel("rise of squared error per row (kg²)")
ax_imp.set_title("permutation importance by term", fontsize="medium")
net.plot_partial("flipper_length_mm", ax=ax_flipper, ice=True)
net.plot_partial("sex", ax=ax_sex, ice=True)
fig.savefig(FIGURES / "what_it_learned.png", dpi=80)
print(f"saved {FIGURES / 'what_it_learned.png'}")
