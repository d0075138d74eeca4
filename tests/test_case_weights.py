"""Case weights: resolving weights= to one value per training row, and refusing what is not case weights."""

import numpy as np
import pandas as pd
import pytest

from chainnet import case_weights
from chainnet.errors import ArgumentError, ArgumentTypeError, DataError


@pytest.fixture
def frame():
    return pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0, 5.0], "w": [1.0, 2.0, 3.0, 0.0, 5.0],
                         "t": list("abcde")}, index=[10, 11, 12, 13, 14])


def kept(frame):
    return frame.index[frame["x"].notna()]


def test_a_column_gives_its_values_on_the_rows_kept(frame):
    np.testing.assert_array_equal(case_weights.resolve("w", frame, kept(frame)), [1.0, 2.0, 0.0, 5.0])


def test_an_array_per_kept_row_or_per_data_row(frame):
    np.testing.assert_array_equal(case_weights.resolve([4, 3, 2, 1], frame, kept(frame)), [4, 3, 2, 1])
    np.testing.assert_array_equal(case_weights.resolve(np.arange(5.0), frame, kept(frame)), [0, 1, 3, 4])


def test_a_series_aligns_by_label(frame):
    w = pd.Series([5.0, 4.0, 3.0, 2.0, 1.0], index=[14, 13, 12, 11, 10])
    np.testing.assert_array_equal(case_weights.resolve(w, frame, kept(frame)), [1.0, 2.0, 4.0, 5.0])


def test_none_is_unweighted(frame):
    assert case_weights.resolve(None, frame, kept(frame)) is None


@pytest.mark.parametrize("weights, error, message", [
    ([1, -1, 1, 1], ArgumentError, r"weights must be finite and >= 0; 1 value\(s\).*-1.0 at position 1"),
    ([1, np.nan, 1, 1], ArgumentError, r"weights must be finite and >= 0.*nan"),
    ([1, np.inf, 1, 1], ArgumentError, r"weights must be finite"),
    ([1, 2, 3], ArgumentError, r"weights has 3 values, but the data has 5 rows and 4 are kept"),
    (["1", "2", "3", "4"], ArgumentTypeError, r"weights must be a column name or one number per row.*pd.to_numeric"),
    ([True, False, True, True], ArgumentTypeError, r"for a row selection use subset="),
    (np.ones((4, 1)), ArgumentTypeError, r"1-D"),
    ([0, 0, 0, 0], ArgumentError, r"all zero"),
    ("nope", DataError, r"weights='nope' is not a column of the data"),
    ("t", ArgumentTypeError, r"weights column 't' must hold numbers"),
    (pd.Series([1.0, 2.0], index=[10, 11]), ArgumentError, r"aligned by the data's index.*\[13, 14\]"),
    (object(), ArgumentTypeError, r"weights must be a column name"),
])
def test_bad_weights_are_clear_errors(frame, weights, error, message):
    with pytest.raises(error, match=message):
        case_weights.resolve(weights, frame, kept(frame))


def test_per_data_row_weights_need_a_unique_index_when_rows_are_dropped(frame):
    dup = frame.set_axis([1, 1, 2, 3, 4])
    with pytest.raises(ArgumentError, match=r"reset_index\(drop=True\)"):
        case_weights.resolve(np.ones(5), dup, dup.index[dup["x"].notna()])
