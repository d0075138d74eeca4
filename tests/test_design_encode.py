"""Design.fit / Design.encode / Design.encode_response against independent truths: R's model.matrix numbers
(computed with R 4.2, written in), hand-made one-hot targets, numpy's mean and sd."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from chainnet import ArgumentError, DataError, NeuralNetwork
from chainnet.design import Design, Encoding

# R 4.2:  mf <- model.frame(y ~ x * g + poly(z, 2), df); tt <- terms(mf); model.matrix(tt, mf)
TRAIN = pd.DataFrame({"x": [1.5, -0.5, 2.0, 3.25, 0.0, -1.0, 0.75, 2.5], "g": list("abcabcba"),
                      "z": [0.2, 1.1, -0.4, 2.3, 0.9, -1.2, 0.5, 1.7],
                      "y": [2.1, 0.3, 1.8, 4.0, 0.7, -0.9, 1.2, 3.3]})
R_COLUMNS = ["(Intercept)", "x", "gb", "gc", "poly(z, 2)1", "poly(z, 2)2", "x:gb", "x:gc"]
R_TRAIN = np.array([
    [1] * 8,
    [1.5, -0.5, 2, 3.25, 0, -1, 0.75, 2.5],
    [0, 1, 0, 0, 1, 0, 1, 0],
    [0, 0, 1, 0, 0, 1, 0, 0],
    [-0.14715757829506315, 0.15556658276906687, -0.34897368567114989, 0.55919879752124013,
     0.08829454697703798, -0.61806182883926553, -0.046249524607019837, 0.35738269014515356],
    [-0.2906691244619572, -0.2392136908338203, -0.060052569813178497, 0.57117004979279695,
     -0.29185803696168972, 0.57711461229146022, -0.32650134866608543, 0.06001010865247388],
    [0, -0.5, 0, 0, 0, 0, 0.75, 0],
    [0, 0, 2, 0, 0, -1, 0, 0],
]).T
# R 4.2:  model.matrix(tt, model.frame(tt, newdf)): poly()'s training coefficients, g's training levels
NEW = pd.DataFrame({"x": [0.5, -2.0, 4.0], "g": list("cab"), "z": [3.0, -0.1, 0.6], "y": [1.0, 2.0, 3.0]})
R_NEW = np.array([
    [1, 1, 1],
    [0.5, -2, 4],
    [0, 0, 1],
    [1, 0, 0],
    [0.79465092279334137, -0.24806563198310658, -0.012613506711005413],
    [1.4353870490470169, -0.20185286484432144, -0.32667119330890437],
    [0, 0, 4],
    [0.5, 0, 0],
]).T
FORMULA = "y ~ x * g + poly(z, 2)"


def test_fit_builds_r_model_matrix_with_a_factor_an_interaction_and_poly():
    design, enc = Design.fit(FORMULA, TRAIN)
    assert isinstance(enc, Encoding) and len(design.columns) == len(R_COLUMNS)
    assert design.columns == ("Intercept", "x", "g[T.b]", "g[T.c]", "poly(z, 2)[1]", "poly(z, 2)[2]",
                              "x:g[T.b]", "x:g[T.c]")      # R's columns, in R's order
    np.testing.assert_allclose(enc.X, R_TRAIN, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(enc.T, TRAIN[["y"]].to_numpy())
    np.testing.assert_array_equal(enc.Y, TRAIN["y"].to_numpy())
    assert enc.rows.equals(TRAIN.index)


def test_encode_applies_the_training_encoding_to_new_rows_as_r_predict_does():
    design, _ = Design.fit(FORMULA, TRAIN)
    enc = design.encode(NEW)
    np.testing.assert_allclose(enc.X, R_NEW, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(enc.T[:, 0], [1.0, 2.0, 3.0])
    again = design.encode(TRAIN)                        # the training rows through encode: R's training matrix
    np.testing.assert_allclose(again.X, R_TRAIN, rtol=1e-12, atol=1e-14)


def test_encode_leaves_out_incomplete_rows_and_keeps_their_labels():
    design, _ = Design.fit(FORMULA, TRAIN)
    new = NEW.assign(z=[3.0, np.nan, 0.6], y=[1.0, 2.0, np.nan]).set_axis(["p", "q", "r"])
    enc = design.encode(pd.concat([new, NEW.set_axis(["s", "t", "u"])]))
    assert list(enc.rows) == ["p", "s", "t", "u"]
    np.testing.assert_allclose(enc.X, R_NEW[[0, 0, 1, 2]], rtol=1e-12, atol=1e-14)


def test_a_stored_design_encodes_new_rows_to_the_same_r_numbers():
    design, _ = Design.fit(FORMULA, TRAIN)
    rebuilt = Design.from_facts(design.facts())
    assert rebuilt == design
    np.testing.assert_allclose(rebuilt.encode(NEW).X, R_NEW, rtol=1e-12, atol=1e-14)


CLASSES = pd.DataFrame({"x": [0.1, 0.4, -0.3, 1.2, 0.8], "k": ["b", "a", "c", "a", "c"],
                        "two": ["no", "yes", "yes", "no", "yes"]})


def test_targets_are_a_hand_made_one_hot_for_three_classes_and_one_column_for_two():
    design, enc = Design.fit("k ~ x", CLASSES)
    np.testing.assert_array_equal(enc.T, [[0, 1, 0], [1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]])
    assert list(enc.Y.categories) == ["a", "b", "c"] and list(enc.Y) == ["b", "a", "c", "a", "c"]
    binary, enc2 = Design.fit("two ~ x", CLASSES)
    np.testing.assert_array_equal(enc2.T, [[0], [1], [1], [0], [1]])      # 1 for the second class, 'yes'
    T, Y = design.encode_response(pd.Categorical(["c", "a"], categories=["c", "b", "a"]), np.float32)
    assert T.dtype == np.float32 and T.flags.c_contiguous and list(Y.categories) == ["a", "b", "c"]
    np.testing.assert_array_equal(T, [[0, 0, 1], [1, 0, 0]])              # recoded by label, not by code
    np.testing.assert_array_equal(binary.encode_response(["yes", "no", "yes"])[0], [[1], [0], [1]])


@pytest.mark.parametrize("values", [["a", "z"], ["a", None], np.array(["a", np.nan], dtype=object)])
def test_a_response_value_that_is_no_class_is_refused(values):
    design, _ = Design.fit("k ~ x", CLASSES)
    with pytest.raises(ArgumentError, match="not classes"):
        design.encode_response(values)


def test_each_fit_learns_its_own_scale_parameters():
    """The parsed formula is shared between fits; the fitted state (formulaic fills it in place) is not."""
    a = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [0.0, 1.0, 0.0, 1.0]})
    b = pd.DataFrame({"x": [10.0, 30.0, 20.0, 60.0], "y": [1.0, 0.0, 1.0, 1.0]})
    da, ea = Design.fit("y ~ scale(x)", a)
    _, eb = Design.fit("y ~ scale(x)", b)
    for frame, enc in [(a, ea), (b, eb)]:
        x = frame["x"].to_numpy()
        np.testing.assert_allclose(enc.X[:, 1], (x - x.mean()) / x.std(ddof=1), rtol=1e-14)
    x = a["x"].to_numpy()
    np.testing.assert_allclose(da.encode(b).X[:, 1], (b["x"] - x.mean()) / x.std(ddof=1), rtol=1e-14)


def test_rows_where_a_term_is_nan_are_left_out_of_x_and_predicted_as_missing():
    train = pd.DataFrame({"x": [1.0, 4.0, 9.0, 16.0, 2.0, 3.0], "y": [1.0, 2.1, 2.9, 4.2, 1.4, 1.8]})
    net = NeuralNetwork("y ~ np.sqrt(x)", train, hidden=0, seed=0)
    new = pd.DataFrame({"x": [4.0, -1.0, 9.0]})
    X, complete = net.design.matrix(new)
    np.testing.assert_array_equal(complete, [True, False, True])
    np.testing.assert_array_equal(X, [[1.0, 2.0], [1.0, 3.0]])
    pred = net.predict(new)
    assert np.isnan(pred.iloc[1]) and np.isfinite(pred.iloc[[0, 2]]).all()


def test_an_expression_response_drops_the_rows_where_it_is_nan_from_x_and_t_alike():
    train = pd.DataFrame({"x": [0.5, 1.0, 1.5, 2.0, 2.5], "y": [1.0, 2.0, 4.0, 8.0, 16.0]})
    design, enc = Design.fit("np.log(y) ~ x", train)
    np.testing.assert_allclose(enc.T[:, 0], np.log(train["y"]), rtol=1e-15)
    new = pd.DataFrame({"x": [3.0, 3.5, 4.0], "y": [32.0, -1.0, 64.0]}, index=[10, 11, 12])
    enc = design.encode(new)
    assert list(enc.rows) == [10, 12] and enc.X.shape == (2, 2)
    np.testing.assert_array_equal(enc.X, [[1.0, 3.0], [1.0, 4.0]])
    np.testing.assert_allclose(enc.T[:, 0], np.log([32.0, 64.0]), rtol=1e-15)


def test_encode_names_a_missing_column_and_refuses_an_infinite_response():
    design, _ = Design.fit(FORMULA, TRAIN)
    with pytest.raises(DataError, match=r"lacks the column\(s\) \['z'\]"):
        design.encode(NEW.drop(columns="z"))
    with pytest.raises(DataError, match="infinite"):
        design.encode(NEW.assign(y=[1.0, np.inf, 2.0]))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_fit_and_encode_give_the_hand_built_treatment_coding_and_one_hot(data):
    """Any numeric x, any factor g (levels in any order of appearance), any class response k: X is
    [1, x, 1[g = level_j] for the levels after the first], T the one-hot of k, by hand; new rows alike."""
    n = data.draw(st.integers(6, 30))
    levels = sorted(data.draw(st.sets(st.sampled_from("abcdef"), min_size=2, max_size=4)))
    g = data.draw(st.lists(st.sampled_from(levels), min_size=n, max_size=n).filter(lambda v: set(v) == set(levels)))
    classes = ["p", "q", "r"]
    k = data.draw(st.lists(st.sampled_from(classes), min_size=n, max_size=n).filter(lambda v: set(v) == set(classes)))
    x = np.array(data.draw(st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n)))
    frame = pd.DataFrame({"x": x, "g": g, "k": k})
    design, enc = Design.fit("k ~ x + g", frame)
    by_hand = np.column_stack([np.ones(n), x] + [np.array(g) == lv for lv in levels[1:]]).astype(float)
    np.testing.assert_array_equal(enc.X, by_hand)
    np.testing.assert_array_equal(enc.T, np.array([[c == lv for lv in classes] for c in k], dtype=float))
    order = data.draw(st.permutations(range(n)))
    new = frame.iloc[list(order)]
    np.testing.assert_array_equal(design.encode(new).X, by_hand[list(order)])


# R 4.2:  d <- data.frame(x = c(-1, 0.5, 2, 1.5, 0, -0.5), b = c(TRUE, NA, FALSE, TRUE, FALSE, FALSE), y = ...)
#         model.matrix(~ x * b, model.frame(~ x * b, d))    (na.omit drops row 2; columns bTRUE, x:bTRUE)
#         model.matrix(~ x * b, data.frame(x = c(3, 4), b = c(FALSE, TRUE)))
LOGICAL = {"x": [-1.0, 0.5, 2.0, 1.5, 0.0, -0.5], "b": [True, None, False, True, False, False],
           "y": [0.3, 1.0, -0.2, 0.9, 0.1, -0.4]}
R_LOGICAL = np.array([[1, -1.0, 1, -1.0], [1, 2.0, 0, 0.0], [1, 1.5, 1, 1.5], [1, 0.0, 0, 0.0], [1, -0.5, 0, 0.0]])
R_LOGICAL_NEW = np.array([[1, 3.0, 0, 0.0], [1, 4.0, 1, 4.0]])


def _logical_storages(values):
    """The same True/False values (None where missing) in each storage pandas and polars give them."""
    storages = {"object": pd.Series(values, dtype=object), "boolean": pd.Series(values, dtype="boolean")}
    if None not in values:
        storages |= {"bool": pd.Series(values, dtype=bool), "category": pd.Series(values, dtype="category")}
    pl = pytest.importorskip("polars")
    storages["polars"] = pd.Series(pl.Series(values).to_numpy())   # what chainnet._frames makes of a polars column
    return storages


def test_a_logical_predictor_is_one_0_1_column_named_b_whatever_its_storage_as_r_model_matrix():
    for kind, b in _logical_storages(LOGICAL["b"]).items():
        design, enc = Design.fit("y ~ x * b", pd.DataFrame(LOGICAL).assign(b=b))
        assert design.columns == ("Intercept", "x", "b", "x:b"), kind        # R: (Intercept) x bTRUE x:bTRUE
        np.testing.assert_array_equal(enc.X, R_LOGICAL, err_msg=kind)
        assert list(design.na_rows) == [1] and design.levels["b"] == (False, True)
        for new_kind, new_b in _logical_storages([False, True]).items():     # any storage of new data, too
            new = pd.DataFrame({"x": [3.0, 4.0], "b": new_b, "y": [0.0, 1.0]})
            np.testing.assert_array_equal(design.encode(new).X, R_LOGICAL_NEW, err_msg=f"{kind} -> {new_kind}")
            np.testing.assert_array_equal(Design.from_facts(design.facts()).encode(new).X, R_LOGICAL_NEW)


def test_a_missing_logical_predictor_in_new_data_is_left_out_in_every_storage():
    design, _ = Design.fit("y ~ x * b", pd.DataFrame(LOGICAL))
    for kind, b in _logical_storages([False, None, True]).items():
        new = pd.DataFrame({"x": [3.0, 9.0, 4.0], "b": b})
        X, complete = design.matrix(new)
        assert complete.tolist() == [True, False, True], kind
        np.testing.assert_array_equal(X, R_LOGICAL_NEW, err_msg=kind)


def test_a_categorical_of_booleans_stays_a_factor_and_takes_new_data_in_any_storage():
    data = pd.DataFrame(LOGICAL).dropna().assign(b=lambda d: pd.Categorical(d["b"].astype(bool)))
    design, enc = Design.fit("y ~ x * b", data)
    assert design.columns == ("Intercept", "x", "b[T.True]", "x:b[T.True]")   # a factor, as the user made it
    np.testing.assert_array_equal(enc.X, R_LOGICAL)
    for kind, new_b in _logical_storages([False, True]).items():
        new = pd.DataFrame({"x": [3.0, 4.0], "b": new_b})
        np.testing.assert_array_equal(design.matrix(new)[0], R_LOGICAL_NEW, err_msg=kind)


def test_a_model_file_that_stored_an_object_column_of_booleans_as_a_factor_still_takes_bool_new_data():
    # before logical columns had one storage, an object True/False column was fitted as a factor and stored with
    # dtype 'object' (design column 'b[T.True]'); such a file is the facts of a factor design with that dtype
    data = pd.DataFrame(LOGICAL).dropna().assign(b=lambda d: pd.Categorical(d["b"].astype(bool)))
    facts = Design.fit("y ~ x * b", data)[0].facts()
    old = Design.from_facts({**facts, "dtypes": {**facts["dtypes"], "b": "object"}})
    assert old.columns == ("Intercept", "x", "b[T.True]", "x:b[T.True]") and old.dtypes["b"] == "object"
    for kind, new_b in _logical_storages([False, True]).items():
        new = pd.DataFrame({"x": [3.0, 4.0], "b": new_b})
        np.testing.assert_array_equal(old.matrix(new)[0], R_LOGICAL_NEW, err_msg=kind)
