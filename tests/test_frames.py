"""polars (and narwhals-supported) frames as data and newdata: the same model and answers as from pandas."""

import numpy as np
import pandas as pd
import pytest

from chainnet import ArgumentTypeError, NeuralNetwork, _frames as frames

pl = pytest.importorskip("polars")


def to_polars(frame: pd.DataFrame):
    """A polars copy built column by column (no pyarrow needed); categoricals become Enums with their levels."""
    columns = {}
    for c in frame.columns:
        s = frame[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            columns[c] = pl.Series(c, s.astype(str).tolist(), dtype=pl.Enum([str(v) for v in s.cat.categories]))
        else:
            columns[c] = pl.Series(c, s.tolist())
    return pl.DataFrame(columns)


@pytest.fixture
def shuffled_toy(toy):
    """The toy data with an index that is not 0..n-1, to see that polars results are indexed 0..n-1."""
    return toy.set_index(pd.Index(np.arange(len(toy))[::-1] * 10))


def test_polars_data_gives_the_pandas_model(toy):
    a = NeuralNetwork("k ~ x + z + g", data=toy, hidden=3, seed=0).train(20, optimizer="adam", learn_rate=0.01,
                                                                        trace=0)
    b = NeuralNetwork("k ~ x + z + g", data=to_polars(toy), hidden=3, seed=0).train(20, optimizer="adam",
                                                                                   learn_rate=0.01, trace=0)
    assert b.design.columns == a.design.columns and b.classes == a.classes
    for Wa, Wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(Wa, Wb)


def test_polars_newdata_everywhere(toy, shuffled_toy):
    net = NeuralNetwork("yes ~ x + z + g", data=toy, hidden=2, seed=0).train(10, trace=0)
    new = to_polars(shuffled_toy)
    pred = net.predict(new)
    assert pred.index.equals(pd.RangeIndex(len(toy)))
    np.testing.assert_array_equal(pred.to_numpy(), net.predict(shuffled_toy).to_numpy())
    np.testing.assert_array_equal(net.predict_proba(new).to_numpy(), net.predict_proba(shuffled_toy).to_numpy())
    assert net.accuracy(new) == net.accuracy(shuffled_toy)
    assert net.compute_loss(new) == net.compute_loss(shuffled_toy)
    pd.testing.assert_series_equal(net.evaluate(new), net.evaluate(shuffled_toy))
    pd.testing.assert_frame_equal(net.confusion(new), net.confusion(shuffled_toy))


def test_polars_nulls_become_missing_predictions(toy):
    net = NeuralNetwork("y ~ x + g", data=toy, hidden=2, seed=0)
    new = to_polars(toy.head(4)).with_columns(pl.when(pl.int_range(4) == 1).then(None).otherwise(pl.col("x"))
                                              .alias("x"))
    pred = net.predict(new)
    assert pred.isna().tolist() == [False, True, False, False]
    np.testing.assert_array_equal(pred.drop(1).to_numpy(), net.predict(toy.head(4).drop(index=1)).to_numpy())


def test_an_enum_keeps_its_level_order():
    frame = pl.DataFrame({"x": [0.1, 0.5, 0.9, 0.2], "g": pl.Series(["lo", "hi", "lo", "mid"],
                                                                    dtype=pl.Enum(["lo", "mid", "hi"]))})
    converted = frames.to_pandas(frame)
    assert list(converted["g"].cat.categories) == ["lo", "mid", "hi"]
    assert converted["x"].tolist() == [0.1, 0.5, 0.9, 0.2] and converted.index.equals(pd.RangeIndex(4))
    net = NeuralNetwork("g ~ x", data=frame, hidden=0, seed=0)
    assert net.classes == ["lo", "mid", "hi"]


def test_without_narwhals_polars_still_works_and_other_frames_are_refused(toy, monkeypatch):
    monkeypatch.setattr(frames, "_narwhals", lambda: None)
    net = NeuralNetwork("y ~ x + g", data=to_polars(toy), hidden=2, seed=0)
    np.testing.assert_array_equal(net.predict(to_polars(toy)).to_numpy(), net.predict(toy).to_numpy())
    with pytest.raises(ArgumentTypeError, match="must be a pandas DataFrame"):
        NeuralNetwork("y ~ x", data={"x": [1.0, 2.0], "y": [1.0, 2.0]}, hidden=1)
    assert frames.to_pandas(toy) is toy and frames.to_pandas(None) is None


def test_polars_validation_scores_as_the_pandas_frame(toy):
    """``validation=`` takes what ``data=`` takes: a polars frame of held-out rows gives pandas' history."""
    held_out = toy.iloc[::3]
    runs = [NeuralNetwork("k ~ x + z + g", data=toy, hidden=3, seed=0).train(
        15, optimizer="adam", learn_rate=0.05, trace=0, validation=v, patience=50) for v in (held_out, to_polars(held_out))]
    assert "val_loss" in runs[1].history
    np.testing.assert_array_equal(runs[0].history.to_numpy(), runs[1].history.to_numpy())


@pytest.mark.parametrize("bad", [{"x": [1.0]}, [0.2], 1.5])
def test_validation_that_is_no_frame_is_named_by_type_not_dumped(toy, bad):
    from chainnet.errors import ArgumentError
    net = NeuralNetwork("k ~ x + z + g", data=toy, hidden=3, seed=0)
    before = net.params.copy()
    with pytest.raises(ArgumentError, match=r"validation must be a fraction in \(0, 1\) or a DataFrame \(pandas or "
                       r"polars\) of held-out rows, e\.g\. 0\.2; got (a dict|a list|1\.5)$"):
        net.train(3, validation=bad, trace=0)
    np.testing.assert_array_equal(net.params, before)
