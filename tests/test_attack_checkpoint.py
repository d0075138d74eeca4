"""Attack on the checkpoint's slice-assignment copies and its generator slot: Ctrl-C (a KeyboardInterrupt
raised from a schedule callable at the start of an iteration) keeps the model exactly as an uninterrupted
run of the finished iterations leaves it: weights, optimizer state, step count, generator, history."""


import numpy as np
import pytest

from chainnet import NeuralNetwork, datasets

IRIS = datasets.load_iris()
RUNS = {"gd": {"optimizer": "gd", "learn_rate": 1e-3}, "lbfgs": {"optimizer": "lbfgs"}, "rprop": {"optimizer": "rprop"},
        "adam batches": {"optimizer": "adam", "learn_rate": 0.01, "batch_size": 32},
        "momentum batches, no shuffle": {"optimizer": "momentum", "learn_rate": 1e-3, "batch_size": 40,
                                         "shuffle": False}}


pytestmark = pytest.mark.usefixtures("quiet_solvers")   # runs cut short on purpose: their warnings are noise


def build(dropout, dtype):
    return NeuralNetwork("Species ~ .", IRIS, hidden=4, seed=3, dropout=dropout, dtype=dtype)


@pytest.mark.parametrize("name, dropout", [(name, p) for name in sorted(RUNS) for p in (0.0, 0.3)
                                           if not (p and name in ("lbfgs", "rprop"))])  # those refuse dropout
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_ctrl_c_keeps_exactly_the_finished_iterations(name, dropout, dtype):
    kwargs = RUNS[name]
    net = build(dropout, dtype).train(3, trace=0, tolerance=0, **kwargs)      # a call before: state to keep

    def interrupt(iteration):
        if iteration == 3 + 5:
            raise KeyboardInterrupt
        return 1.0

    net.train(20, trace=0, tolerance=0, schedule=interrupt, **kwargs)
    ref = build(dropout, dtype).train(3, trace=0, tolerance=0, **kwargs).train(5, trace=0, tolerance=0, **kwargs)
    assert net.iteration == ref.iteration == 8 and net.convergence == "interrupted"
    np.testing.assert_array_equal(net.params, ref.params)
    assert net.optimizer_state.keys() == ref.optimizer_state.keys()
    for key in net.optimizer_state:
        np.testing.assert_array_equal(net.optimizer_state[key], ref.optimizer_state[key], err_msg=key)
    assert net.rng.bit_generator.state == ref.rng.bit_generator.state
    np.testing.assert_array_equal(net.history.to_numpy(), ref.history.to_numpy())
