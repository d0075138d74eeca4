"""The network as R's nnet prints it: 'a 2-2-3 network with 15 weights' and summary()'s weight listing, against
R's own output for the same weights (nnet 7.3, Wts = the weights below, maxit = 0)."""

import numpy as np
import pytest

from chainnet import NeuralNetwork
from chainnet._nnet_print import listing, r_numbers, shape, weights

W1 = np.array([[0.5, -1.0], [0.2, 0.3], [-0.4, 1.1]])
R_BINARY = """\
 b->h1 i1->h1 i2->h1 
   0.5    0.2   -0.4 
 b->h2 i1->h2 i2->h2 
  -1.0    0.3    1.1 
 b->o h1->o h2->o 
  0.1   1.5  -2.0 """
R_SOFTMAX = """\
 b->h1 i1->h1 i2->h1 
   0.5    0.2   -0.4 
 b->h2 i1->h2 i2->h2 
  -1.0    0.3    1.1 
 b->o1 h1->o1 h2->o1 
   0.1    1.5   -2.0 
 b->o2 h1->o2 h2->o2 
  -0.3    0.7    0.4 
 b->o3 h1->o3 h2->o3 
   0.2   -1.0    1.2 """


def _strip(text):
    return "\n".join(line.rstrip() for line in text.splitlines())


@pytest.fixture
def binary(iris):
    data = iris.iloc[50:].assign(Species=lambda d: d["Species"].astype(str))
    net = NeuralNetwork("Species ~ Sepal.Length + Petal.Width", data, hidden=2, seed=0)
    net.W1, net.W2 = W1, np.array([[0.1], [1.5], [-2.0]])
    return net


@pytest.fixture
def softmax(iris):
    net = NeuralNetwork("Species ~ Sepal.Length + Petal.Width", iris, hidden=2, seed=0)
    net.W1 = W1
    net.W2 = np.array([[0.1, -0.3, 0.2], [1.5, 0.7, -1.0], [-2.0, 0.4, 1.2]])
    return net


def test_listing_is_nnets_summary(binary, softmax):
    assert listing(binary) == _strip(R_BINARY)
    assert listing(softmax) == _strip(R_SOFTMAX)


def test_shape_is_nnets_first_line(binary, softmax, iris):
    assert shape(binary) == "a 2-2-1 sigmoid network with 9 weights"   # nnet: "a 2-2-1 network with 9 weights"
    assert shape(softmax) == "a 2-2-3 sigmoid network with 15 weights"
    assert shape(NeuralNetwork("Species ~ .", iris, hidden=5)) == "a 4-5-3 sigmoid network with 43 weights"
    assert shape(NeuralNetwork("Species ~ .", iris, hidden=0)) == "a 4-3 network with 15 weights"


def test_weights_follow_nnets_wts_order(softmax):
    w = weights(softmax)
    assert list(w.index[:6]) == ["b->h1", "i1->h1", "i2->h1", "b->h2", "i1->h2", "i2->h2"]
    np.testing.assert_array_equal(w.to_numpy(), np.concatenate([W1[:, 0], W1[:, 1], softmax.W2.T.ravel()]))


def test_no_intercept_and_two_layers(iris):
    net = NeuralNetwork("Sepal.Length ~ Petal.Length + Petal.Width - 1", iris, hidden=[2, 1], seed=0)
    labels = list(weights(net).index)
    assert labels[:2] == ["i1->h1.1", "i2->h1.1"] and "b->h2.1" in labels and labels[-2:] == ["b->o", "h2.1->o"]
    assert len(labels) == sum(W.size for W in net.weights) == 2 * 2 + 3 * 1 + 2 * 1


@pytest.mark.parametrize("values, texts", [
    ([-4.2, -4.29, -18.84, 35.73, 15.98], ["-4.20", "-4.29", "-18.84", "35.73", "15.98"]),  # R: summary(fit)
    ([0.5, 0.2, -0.4], ["0.5", "0.2", "-0.4"]),
    ([1.0, 2.0], ["1", "2"]),
    ([-0.001, 0.126], ["0.00", "0.13"]),
])
def test_numbers_print_as_r_prints_a_rounded_vector(values, texts):
    assert r_numbers(np.array(values), 2) == texts
