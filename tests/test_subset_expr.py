"""R's subset text (the CLI's --subset) as a row mask, checked against the same selection written in pandas;
everything outside the allow-list is refused without running anything."""

import numpy as np
import pytest

from chainnet._subset_expr import subset_mask
from chainnet.errors import FormulaError


@pytest.fixture
def frame(iris):
    data = iris.copy()
    data.loc[[3, 10], "Petal.Width"] = np.nan
    data["odd name"] = np.arange(len(data)) % 3
    return data


@pytest.mark.parametrize("text, expected", [
    ('Sepal.Length > 5 & Species != "setosa"', lambda d: (d["Sepal.Length"] > 5) & (d["Species"] != "setosa")),
    ("Sepal.Length > 7 | Sepal.Width < 2.5", lambda d: (d["Sepal.Length"] > 7) | (d["Sepal.Width"] < 2.5)),
    ("Sepal.Length > 7 || Sepal.Width < 2.5 && Petal.Length > 4",      # R: && binds tighter than ||
     lambda d: (d["Sepal.Length"] > 7) | ((d["Sepal.Width"] < 2.5) & (d["Petal.Length"] > 4))),
    ('Species %in% c("setosa", "virginica")', lambda d: d["Species"].isin(["setosa", "virginica"])),
    ("!is.na(Petal.Width) & Petal.Width^2 > 4", lambda d: d["Petal.Width"].notna() & (d["Petal.Width"] ** 2 > 4)),
    ("Petal.Width > 1", lambda d: d["Petal.Width"] > 1),                       # NA rows are left out, as R's
    ("!(Sepal.Length >= 5)", lambda d: ~(d["Sepal.Length"] >= 5)),
    ("Sepal.Length / 2 + 1 <= Sepal.Width * 1.5", lambda d: d["Sepal.Length"] / 2 + 1 <= d["Sepal.Width"] * 1.5),
    ("`odd name` == 2", lambda d: d["odd name"] == 2),
    ("Species == 'a&b|!c'", lambda d: d["Species"] == "a&b|!c"),              # operators inside a string stay
    ("Sepal.Length > -1 & TRUE", lambda d: d["Sepal.Length"] > -1),
])
def test_r_subsets_select_what_pandas_selects(frame, text, expected):
    np.testing.assert_array_equal(subset_mask(text, frame), expected(frame).fillna(False).to_numpy(dtype=bool))


@pytest.mark.parametrize("text, message", [
    ('open("x") > 1', r"refused: \"open\('x'\)\" is not allowed"),
    ("__import__('os').system('echo hi') > 0", r"refused"),
    ("Sepal.Length.__class__ > 1", r"refused: 'Sepal.Length.__class__'"),
    ("Sepal.Length[0] > 1", r"refused"),
    ("(lambda: 1)() > 0", r"refused|cannot be read"),
    ("foo > 1", r"uses 'foo', which is not a column; columns are \['Sepal.Length'"),
    ("Sepal.Lenght > 1", r"uses 'Sepal.Lenght', which is not a column \(did you mean 'Sepal.Length'\?\)"),
    ("Sepal.Length.real > 1", r"uses 'Sepal.Length.real', which is not a column"),
    ("`nope` > 1", r"`nope` is not a column"),
    ("Sepal.Length + 1", r"must give TRUE/FALSE for every row"),
    ("Sepal.Length > 5 & Sepal.Width", r"'Sepal.Width' is not TRUE/FALSE per row"),
    ("Species > 3", r"cannot be evaluated on these columns"),
    ("Sepal.Length >", r"cannot be read as an R comparison"),
    ("Species == 'a' * 100000000", r"refused"),                               # no 100 MB string is built
    ("", r"must be a comparison"),
    ("Species %in% c(Sepal.Length)", r"refused"),
])
def test_anything_else_is_a_clear_refusal(frame, text, message):
    with pytest.raises(FormulaError, match=message):
        subset_mask(text, frame)


def test_literal_powers_are_float_and_end_at_once(frame):
    assert subset_mask("10^10^10 > Sepal.Length", frame).all()                # inf, not a 10-billion-digit int


def test_the_text_may_not_reach_python_names(frame):
    for name in ("np", "pd", "eval", "print", "subset_mask"):
        with pytest.raises(FormulaError, match=f"uses '{name}', which is not a column"):
            subset_mask(f"{name} > 1", frame)


def test_deep_nesting_is_refused_not_a_crash(frame):
    with pytest.raises(FormulaError, match="nests too deeply|cannot be read"):
        subset_mask("-" * 1900 + "Sepal.Length > 1", frame)
