"""Learning-rate schedules: the learn_rate column of history against rates computed by hand, across chained calls."""

import math

import numpy as np
import pytest

from chainnet import ArgumentError, ArgumentTypeError, NeuralNetwork, schedules


@pytest.fixture
def net(toy):
    return NeuralNetwork("y ~ x", data=toy, hidden=0, seed=0)


def rates(net):
    return net.history["learn_rate"].to_numpy()


def test_step_halves_every_100_iterations_across_calls(net):
    net.train(150, learn_rate=1e-3, schedule="step", tolerance=0, trace=0)
    net.train(100, learn_rate=1e-3, schedule="step", tolerance=0, trace=0)
    expected = [1e-3 * 0.5 ** (i // 100) for i in range(250)]
    np.testing.assert_array_equal(rates(net), expected)
    assert rates(net)[99] == 1e-3 and rates(net)[100] == 5e-4 and rates(net)[249] == 2.5e-4


def test_exponential_multiplies_by_0_99_per_iteration_across_calls(net):
    net.train(30, learn_rate=1e-3, schedule="exponential", tolerance=0, trace=0)
    net.train(20, learn_rate=1e-3, schedule="exponential", tolerance=0, trace=0)
    np.testing.assert_allclose(rates(net), [1e-3 * 0.99 ** i for i in range(50)], rtol=1e-15)


def test_cosine_runs_down_over_each_call(net):
    net.train(40, learn_rate=1e-3, schedule="cosine", tolerance=0, trace=0)
    net.train(10, learn_rate=2e-3, schedule="cosine", tolerance=0, trace=0)
    first = [1e-3 * 0.5 * (1 + math.cos(math.pi * i / 40)) for i in range(40)]
    second = [2e-3 * 0.5 * (1 + math.cos(math.pi * i / 10)) for i in range(10)]
    np.testing.assert_allclose(rates(net), first + second, rtol=1e-15)
    assert rates(net)[0] == 1e-3 and rates(net)[39] < 2e-6


def test_callable_gets_the_network_iteration(net):
    net.train(5, learn_rate=1e-3, tolerance=0, trace=0)                    # no schedule: constant
    net.train(10, learn_rate=1e-3, schedule=lambda t: 1 / (1 + t), tolerance=0, trace=0)
    np.testing.assert_allclose(rates(net), [1e-3] * 5 + [1e-3 / (1 + t) for t in range(5, 15)], rtol=1e-15)


def test_objects_with_their_parameters(net):
    step, exp = schedules.Step(every=3, factor=0.1), schedules.Exponential(rate=0.5)
    assert repr(step) == "Step(every=3, factor=0.1)" and repr(exp) == "Exponential(rate=0.5)"
    net.train(7, learn_rate=1.0e-3, schedule=step, tolerance=0, trace=0)
    net.train(3, learn_rate=1.0e-3, schedule=exp, tolerance=0, trace=0)
    expected = [1e-3 * 0.1 ** (i // 3) for i in range(7)] + [1e-3 * 0.5 ** i for i in range(7, 10)]
    np.testing.assert_allclose(rates(net), expected, rtol=1e-15)


def test_the_scheduled_rate_is_the_rate_used(toy):
    """One GD step with factor 0.25 moves the weights as a step at learn_rate/4."""
    a = NeuralNetwork("y ~ x", data=toy, hidden=2, seed=0).train(3, learn_rate=4e-3, schedule=lambda t: 0.25,
                                                                 tolerance=0, trace=0)
    b = NeuralNetwork("y ~ x", data=toy, hidden=2, seed=0).train(3, learn_rate=1e-3, tolerance=0, trace=0)
    for Wa, Wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(Wa, Wb)


def test_bad_schedules():
    with pytest.raises(ArgumentError, match=r"unknown schedule 'linear'; known schedules are \['cosine', "
                                            r"'exponential', 'step'\]"):
        schedules.get_schedule("linear")
    with pytest.raises(ArgumentTypeError, match="schedule must be"):
        schedules.get_schedule(0.5)
    with pytest.raises(ArgumentError, match="every"):
        schedules.Step(every=0)
    with pytest.raises(ArgumentError, match="factor"):
        schedules.Step(factor=-1.0)
    with pytest.raises(ArgumentError, match="rate"):
        schedules.Exponential(rate=float("inf"))


def test_a_schedule_that_fails_later_undoes_the_whole_call(net, toy):
    """A call that raises is a transaction (issue 9): the six finished iterations are undone too."""
    def bad(t):
        return 1.0 if t < 8 else float("nan")

    net.train(2, learn_rate=1e-3, tolerance=0, trace=0)
    before = (net.params.tobytes(), net.iteration, len(net.history), net.rng.bit_generator.state,
              net.optimizer, net.optimizer_state["t"].item())
    with pytest.raises(ArgumentError, match="returned nan at iteration 8"):
        net.train(10, learn_rate=1e-3, schedule=bad, tolerance=0, trace=0)
    assert before == (net.params.tobytes(), net.iteration, len(net.history), net.rng.bit_generator.state,
                      net.optimizer, net.optimizer_state["t"].item())
    ref = NeuralNetwork("y ~ x", data=toy, hidden=0, seed=0).train(2, learn_rate=1e-3, tolerance=0, trace=0)
    np.testing.assert_array_equal(net.W1, ref.W1)
