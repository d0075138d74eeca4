"""evaluate() and confusion(): every metric equals scikit-learn's on the same predictions (ties included)."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from chainnet import DataError, NeuralNetwork, TaskError
from chainnet.metrics import average_ranks, classification_scores, regression_scores

CLASSIFICATION = ["loss", "mean_loss", "log_loss", "accuracy", "balanced_accuracy", "precision", "recall", "f1",
                  "auc"]


def sklearn_scores(y, P):
    """The same metrics from scikit-learn, for true codes y (n,) and probabilities P (n, K)."""
    K = P.shape[1]
    pred = P.argmax(axis=1)
    labels = np.arange(K)
    auc = skm.roc_auc_score(y, P[:, 1]) if K == 2 else skm.roc_auc_score(y, P, multi_class="ovr", labels=labels)
    return {"loss": skm.log_loss(y, P, labels=labels, normalize=False), "log_loss": skm.log_loss(y, P, labels=labels),
            "accuracy": skm.accuracy_score(y, pred), "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
            "precision": skm.precision_score(y, pred, average="macro", zero_division=0),
            "recall": skm.recall_score(y, pred, average="macro", zero_division=0),
            "f1": skm.f1_score(y, pred, average="macro", zero_division=0), "auc": auc}


def assert_like_sklearn(ours, y, P):
    for name, value in sklearn_scores(y, P).items():
        assert ours[name] == pytest.approx(value, rel=1e-12, abs=1e-15), name
    assert ours["mean_loss"] == pytest.approx(ours["loss"] / len(y), rel=1e-15)


def test_binary_scores_with_tied_probabilities():
    # ties within and across the classes: the AUC counts a tied (positive, negative) pair as one half
    p = np.array([0.9, 0.9, 0.7, 0.7, 0.7, 0.4, 0.4, 0.2, 0.2, 0.9, 0.1, 0.6])
    y = np.array([1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0])
    P = np.column_stack([1 - p, p])
    ours = classification_scores(y, P)
    assert_like_sklearn(ours, y, P)
    # by hand: 5 positives x 7 negatives = 35 pairs; the positives at 0.9 beat 6 negatives and tie 1 (6.5 each),
    # those at 0.7 beat 5 and tie 1 (5.5 each), the one at 0.4 beats 3 and ties 1 (3.5): 27.5 / 35
    assert ours["auc"] == pytest.approx(27.5 / 35, rel=1e-15)


def test_three_class_scores_with_ties_and_a_class_never_predicted():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 60)
    logits = rng.normal(size=(60, 3)).round(1)            # rounded: many tied scores
    logits[:, 2] -= 5.0                                   # class 2 is never the argmax
    P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    ours = classification_scores(y, P)
    assert_like_sklearn(ours, y, P)            # class 2: precision 0/0 counts as 0, as zero_division=0


def test_log_loss_clips_as_sklearn_but_loss_does_not():
    P = np.array([[1.0, 0.0], [0.3, 0.7], [0.0, 1.0]])
    y = np.array([1, 1, 1])
    ours = classification_scores(y, P)
    assert ours["log_loss"] == pytest.approx(skm.log_loss(y, P, labels=[0, 1]), rel=1e-12)
    assert ours["loss"] == np.inf and np.isnan(ours["auc"])   # one class only: the AUC is undefined


def test_average_ranks_are_scipys():
    from scipy.stats import rankdata
    x = np.array([3.0, 1.0, 3.0, 2.0, 3.0, 1.0, 7.0])
    np.testing.assert_array_equal(average_ranks(x), rankdata(x))


def test_regression_scores_single_and_pooled():
    rng = np.random.default_rng(0)
    T, Yhat = rng.normal(size=(30, 1)), rng.normal(size=(30, 1))
    ours = regression_scores(T, Yhat)
    assert ours["loss"] == pytest.approx(np.sum((T - Yhat) ** 2), rel=1e-14)
    assert ours["rmse"] == pytest.approx(skm.root_mean_squared_error(T, Yhat), rel=1e-14)
    assert ours["mae"] == pytest.approx(skm.mean_absolute_error(T, Yhat), rel=1e-14)
    assert ours["r2"] == pytest.approx(skm.r2_score(T, Yhat), rel=1e-14)
    T2, Y2 = rng.normal(size=(30, 2)) * [1, 5], rng.normal(size=(30, 2))
    pooled = regression_scores(T2, Y2)
    assert pooled["r2"] == pytest.approx(skm.r2_score(T2, Y2, multioutput="variance_weighted"), rel=1e-14)
    assert pooled["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(T2, Y2)), rel=1e-14)


# ---------------------------------------------------------------------------------------------- on networks
@pytest.fixture(scope="module")
def iris_net(iris):
    return NeuralNetwork("Species ~ .", data=iris, hidden=3, seed=1).train(60, optimizer="adam", learn_rate=0.01,
                                                                           trace=0)


def test_evaluate_three_classes_on_training_and_new_rows(iris_net, iris):
    ev = iris_net.evaluate()
    assert list(ev.index) == CLASSIFICATION and ev.name == "training"
    y = iris["Species"].cat.codes.to_numpy()
    assert_like_sklearn(ev, y, iris_net.predict_proba().to_numpy())
    assert ev["accuracy"] == pytest.approx(iris_net.accuracy(), rel=1e-15)
    assert ev["loss"] == pytest.approx(iris_net.compute_loss(iris), rel=1e-9)
    new = iris.iloc[::4].copy()
    new.iloc[0, 0] = np.nan                               # a missing predictor: the row is not scored
    new.iloc[1, 4] = np.nan                               # a missing response: not scored either
    ev_new = iris_net.evaluate(new)
    kept = new.iloc[2:]
    assert_like_sklearn(ev_new, kept["Species"].cat.codes.to_numpy(), iris_net.predict_proba(kept).to_numpy())


def test_evaluate_binary_equals_sklearn(toy):
    net = NeuralNetwork("yes ~ x + z + g", data=toy, hidden=2, seed=0).train(40, optimizer="adam",
                                                                            learn_rate=0.05, trace=0)
    ev = net.evaluate()
    assert_like_sklearn(ev, toy["yes"].cat.codes.to_numpy(), net.predict_proba().to_numpy())
    assert ev["auc"] == pytest.approx(skm.roc_auc_score(toy["yes"] == "yes", net.predict_proba()["yes"]))


def test_evaluate_regression_equals_sklearn(toy):
    net = NeuralNetwork("y ~ x + z + g", data=toy, hidden=3, seed=0).train(50, optimizer="adam", learn_rate=0.05,
                                                                          trace=0)
    ev = net.evaluate(toy)
    assert list(ev.index) == ["loss", "rmse", "mae", "r2"]
    pred = net.predict(toy)
    assert ev["rmse"] == pytest.approx(skm.root_mean_squared_error(toy["y"], pred), rel=1e-13)
    assert ev["mae"] == pytest.approx(skm.mean_absolute_error(toy["y"], pred), rel=1e-13)
    assert ev["r2"] == pytest.approx(skm.r2_score(toy["y"], pred), rel=1e-13)
    assert ev["loss"] == pytest.approx(net.compute_loss(toy), rel=1e-13)
    assert ev["rmse"] == pytest.approx(net.rmse(), rel=1e-13) and ev["r2"] == pytest.approx(net.r2(), rel=1e-13)


def test_evaluate_needs_the_response_in_newdata(iris_net, iris):
    with pytest.raises(DataError, match="no response column 'Species'"):
        iris_net.evaluate(iris.drop(columns="Species"))
    with pytest.raises(DataError, match="no response column 'Species'"):
        iris_net.confusion(iris.drop(columns="Species"))


def test_confusion_is_labelled_in_level_order_and_equals_sklearn(iris_net, iris):
    table = iris_net.confusion(iris.iloc[::2])
    assert list(table.index) == list(table.columns) == ["setosa", "versicolor", "virginica"]
    assert table.index.name == "actual" and table.columns.name == "predicted"
    truth = iris["Species"].iloc[::2]
    expected = skm.confusion_matrix(truth, iris_net.predict(iris.iloc[::2]), labels=list(iris_net.classes))
    np.testing.assert_array_equal(table.to_numpy(), expected)
    with pytest.raises(TaskError, match="confusion is for classification"):
        NeuralNetwork("Sepal.Length ~ Petal.Length", data=iris, hidden=1, seed=0).confusion()


def test_summary_with_newdata_adds_its_scores(iris_net, iris):
    s = iris_net.summary(iris.iloc[::3])
    assert list(s.evaluation.columns) == ["training", "newdata"]
    pd.testing.assert_series_equal(s.evaluation["newdata"], iris_net.evaluate(iris.iloc[::3]))
    pd.testing.assert_frame_equal(s.confusion_newdata, iris_net.confusion(iris.iloc[::3]))
    text = str(s)
    assert "Confusion matrix (newdata)" in text and "balanced_accuracy" in text
    assert iris_net.summary().confusion_newdata is None and list(iris_net.summary().evaluation.columns) == ["training"]
