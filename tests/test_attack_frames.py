"""Attack on polars frames at the boundary (data=, newdata=, and this session's validation=): the refusal of a
lazy frame or a Series names what it is and the fix, not a missing narwhals that is installed."""

import warnings

import numpy as np
import pytest

from chainnet import ArgumentTypeError, NeuralNetwork, datasets

pl = pytest.importorskip("polars")
pytest.importorskip("narwhals")

TOY = pl.DataFrame({"x": [0.1, 0.5, 0.9, 0.2, 0.7, 0.4], "y": [1.0, 2.0, 2.5, 1.1, 2.2, 1.6]})


@pytest.mark.parametrize("where", ["data", "validation", "newdata"])
def test_a_lazy_frame_is_told_to_collect_not_to_install_narwhals(where):
    lazy = TOY.lazy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ArgumentTypeError, match=rf"{where} is a lazy polars\..*LazyFrame: collect it first "
                           rf"\({where}\.collect\(\)\)") as err:
            if where == "data":
                NeuralNetwork("y ~ x", lazy, hidden=1, seed=0)
            else:
                net = NeuralNetwork("y ~ x", TOY, hidden=1, seed=0)
                net.train(2, trace=0, validation=lazy) if where == "validation" else net.predict(lazy)
    assert "install narwhals" not in str(err.value)


def test_a_series_is_named_as_no_data_frame():
    net = NeuralNetwork("y ~ x", TOY, hidden=1, seed=0)
    before = net.params.copy()
    with pytest.raises(ArgumentTypeError, match=r"validation is a polars\..*Series, not a data frame"):
        net.train(2, trace=0, validation=TOY["x"])
    np.testing.assert_array_equal(net.params, before)


@pytest.mark.filterwarnings("ignore::chainnet.ConvergenceWarning")
def test_a_polars_validation_frame_with_nulls_and_an_enum_scores_as_pandas():
    peng = datasets.load_penguins().dropna().reset_index(drop=True)
    train, test = datasets.split(peng, test=0.25, seed=1)
    columns = ["species", "bill_length_mm", "sex"]
    frame = pl.DataFrame({"species": test["species"].astype(str).tolist(),
                          "bill_length_mm": [None if v > 45 else v for v in test["bill_length_mm"]],
                          "sex": pl.Series(test["sex"].astype(str).tolist(), dtype=pl.Enum(["male", "female"]))})
    as_pandas = test[columns].assign(bill_length_mm=[np.nan if v > 45 else v for v in test["bill_length_mm"]])
    runs = [NeuralNetwork("species ~ bill_length_mm + sex", train, hidden=3, seed=1).train(
        6, optimizer="lbfgs", validation=v, trace=0, tolerance=0) for v in (as_pandas, frame)]
    np.testing.assert_array_equal(runs[0].history.to_numpy(), runs[1].history.to_numpy())
