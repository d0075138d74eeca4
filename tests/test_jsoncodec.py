"""Tagged JSON: the types a model file needs survive a round trip through strict JSON; nothing else gets in."""

import json
import math

import numpy as np
import pytest

from chainnet._jsoncodec import decode, encode


def roundtrip(value):
    return decode(json.loads(json.dumps(encode(value), allow_nan=False)))


def test_types_survive():
    value = {"poly": {"alpha": {0: np.float64(-0.12), 1: 0.3}, "norms2": {2: 27.9}}, "betas": (0.9, 0.999),
             "n": np.int64(3), "ok": np.bool_(True), "levels": ["a", 1, 2.5, None, False], "$odd": 1,
             "key": np.arange(3, dtype=np.uint32)}
    back = roundtrip(value)
    assert back["poly"] == {"alpha": {0: -0.12, 1: 0.3}, "norms2": {2: 27.9}}
    assert back["betas"] == (0.9, 0.999) and type(back["betas"]) is tuple
    assert back["n"] == 3 and type(back["n"]) is int and back["ok"] is True and back["$odd"] == 1
    assert back["levels"] == ["a", 1, 2.5, None, False]
    assert back["key"].dtype == np.uint32 and back["key"].tolist() == [0, 1, 2]


def test_floats_are_exact_and_non_finite_floats_are_tagged():
    x = np.random.default_rng(0).normal(size=50)
    assert all(a == b for a, b in zip(roundtrip(x.tolist()), x))
    back = roundtrip([math.inf, -math.inf, math.nan])
    assert back[0] == math.inf and back[1] == -math.inf and math.isnan(back[2])


def test_big_integers_of_the_generator_state():
    state = np.random.default_rng(1).bit_generator.state
    assert roundtrip(state) == state


@pytest.mark.parametrize("value", [object(), {1, 2}, np.array(["a"], dtype=object), lambda: 1, b"bytes"])
def test_other_values_are_refused(value):
    with pytest.raises(TypeError):
        encode(value)


@pytest.mark.parametrize("text", ['{"$float": "1e999"}', '{"$array": [1], "dtype": "O"}', '{"$dict": [[1]]}',
                                  '{"$tuple": 3}', '{"$dict": [[[1], 2]]}'])
def test_malformed_tags_are_errors(text):
    with pytest.raises((ValueError, TypeError)):
        decode(json.loads(text))
