"""AIC and BIC equal their formulas and R's numbers (R 4.x, written in below); summary() shows them with the
GLM at hidden=0, whose fit matches R's lm/glm; every call leaves the network as it was."""

import math

import numpy as np
import pytest
from insight_state import assert_unchanged, snapshot

from chainnet import NeuralNetwork, criteria

# R: fit <- lm(Sepal.Length ~ ., data = iris); AIC(fit); BIC(fit)   (R counts σ as a 7th parameter)
R_LM_AIC, R_LM_BIC = 79.1160213470438, 100.190468405718
# R: d <- droplevels(iris[51:150, ]); g <- glm(Species ~ Sepal.Length + Sepal.Width, binomial, d)
R_GLM_COEF = [-13.0460296506929, 1.90237521851089, 0.404659412252919]
R_GLM_AIC, R_GLM_BIC, R_GLM_DEVIANCE = 116.325708079242, 124.141218637206, 110.325708079242


@pytest.fixture(scope="module")
def two_species(iris):
    d = iris.iloc[50:].copy()
    d["Species"] = d["Species"].cat.remove_unused_categories()
    return d


def test_hidden0_at_r_glm_coefficients_gives_r_aic_and_bic(two_species):
    net = NeuralNetwork("Species ~ Sepal.Length + Sepal.Width", data=two_species, hidden=0, seed=1)
    net.W1 = np.array(R_GLM_COEF)[:, None]
    before = snapshot(net)
    assert net.aic() == pytest.approx(R_GLM_AIC, rel=1e-12)
    assert net.bic() == pytest.approx(R_GLM_BIC, rel=1e-12)
    assert criteria.deviance(net) == pytest.approx(R_GLM_DEVIANCE, rel=1e-12)
    assert_unchanged(net, before)


def test_regression_aic_is_the_gaussian_form_r_minus_its_sigma(iris):
    """AIC = N·log(2π·SSE/N) + N + 2k; for hidden=0 at least squares that is R's AIC(lm) − 2 (R counts σ)."""
    net = NeuralNetwork("Sepal.Length ~ .", data=iris, hidden=0, seed=1)
    net.W1 = np.linalg.lstsq(net.X, net.Y[:, None], rcond=None)[0]
    assert net.aic() == pytest.approx(R_LM_AIC - 2, rel=1e-12)
    assert net.bic() == pytest.approx(R_LM_BIC - math.log(150), rel=1e-12)


def test_formulas_on_a_hidden_network_with_decay(iris):
    """The likelihood leaves the decay penalty out: 2·NLL from the predictions by hand, k = every weight."""
    net = NeuralNetwork("Species ~ .", data=iris, hidden=3, decay=0.5, seed=2).train(30, trace=0, learn_rate=1e-3)
    P = net.predict_proba().to_numpy()
    nll = -np.log(P[np.arange(150), net.Y.codes]).sum()
    k = 4 * 3 + 3 + 4 * 3                  # W1 (5 x 3) with the intercept row, W2 (4 x 3) with the bias row
    assert net.aic() == pytest.approx(2 * nll + 2 * k, rel=1e-10)
    assert net.bic() == pytest.approx(2 * nll + math.log(150) * k, rel=1e-10)
    reg = NeuralNetwork("Sepal.Length ~ Petal.Length", data=iris, hidden=2, activation="tanh", seed=2)
    sse = float(((reg.predict() - iris["Sepal.Length"]) ** 2).sum())
    two_nll = 150 * math.log(2 * math.pi * sse / 150) + 150
    assert reg.aic() == pytest.approx(two_nll + 2 * 7, rel=1e-12)
    assert reg.bic() == pytest.approx(two_nll + math.log(150) * 7, rel=1e-12)


def test_glm_at_hidden0_reaches_r_fits(two_species, iris):
    net = NeuralNetwork("Species ~ Sepal.Length + Sepal.Width", data=two_species, hidden=2, seed=1)
    before = snapshot(net)
    base, how = criteria.glm(net)
    assert_unchanged(net, before)
    assert not base.hidden and how
    assert criteria.deviance(base) == pytest.approx(R_GLM_DEVIANCE, rel=1e-8)
    np.testing.assert_allclose(base.W1[:, 0], R_GLM_COEF, rtol=1e-5)
    reg = NeuralNetwork("Sepal.Length ~ .", data=iris, hidden=3, seed=1)
    base, how = criteria.glm(reg)
    assert how == "least squares" and base.aic() == pytest.approx(R_LM_AIC - 2, rel=1e-12)


def test_summary_shows_aic_bic_and_what_the_hidden_layer_bought(two_species):
    net = NeuralNetwork("Species ~ Sepal.Length + Sepal.Width", data=two_species, hidden=2, seed=1)
    net.train(200, optimizer="adam", learn_rate=0.05, trace=0)
    before = snapshot(net)
    text = str(net.summary())
    assert_unchanged(net, before)
    assert f"AIC, BIC        {net.aic():.6g}, {net.bic():.6g}  (k = 9 weights, n = 100 rows" in text
    assert f"vs {R_GLM_DEVIANCE:.6g} for hidden=0" in text and f"AIC {net.aic():.6g} vs {R_GLM_AIC:.6g}" in text
    flat = NeuralNetwork("Species ~ Sepal.Length", data=two_species, hidden=0, seed=1)
    assert "hidden layer    none: this network is the GLM" in str(flat.summary())


def test_a_loaded_model_keeps_its_criteria_and_says_why_there_is_no_comparison(iris, tmp_path):
    net = NeuralNetwork("Species ~ .", data=iris, hidden=2, seed=1).train(20, trace=0, optimizer="adam",
                                                                          learn_rate=0.05)
    net.save(tmp_path / "m.npz")
    loaded = NeuralNetwork.load(tmp_path / "m.npz")
    assert loaded.aic() == pytest.approx(net.aic(), rel=1e-12) and loaded.bic() == pytest.approx(net.bic(), rel=1e-12)
    text = str(loaded.summary())
    assert "AIC, BIC" in text and "hidden layer    no comparison with hidden=0 (" in text and "set_data" in text


def test_the_glm_uses_the_networks_rows_under_subset(iris):
    keep = iris["Species"] != "setosa"
    net = NeuralNetwork("Sepal.Length ~ Petal.Length", data=iris, hidden=2, subset=keep, seed=1)
    base, _ = criteria.glm(net)
    assert len(base.Y) == 100
    X = np.column_stack([np.ones(100), iris.loc[keep, "Petal.Length"]])
    beta = np.linalg.lstsq(X, iris.loc[keep, "Sepal.Length"], rcond=None)[0]
    np.testing.assert_allclose(base.W1[:, 0], beta, rtol=1e-10)
