"""The whole public state of a network, to prove that a query left it exactly as it was."""

import copy

import numpy as np


def snapshot(net) -> dict:
    """Copies of everything a query must not touch: weights, X, Y, output, rng, iteration, history, optimizer."""
    output = None if net.output is None else np.array(net.output, copy=True)
    return {"weights": [np.array(W, copy=True) for W in net.weights], "X": np.array(net.X, copy=True),
            "Y": copy.deepcopy(net.Y), "output": output, "rng": copy.deepcopy(net.rng.bit_generator.state),
            "iteration": net.iteration, "history": net.history.copy(), "optimizer": repr(net.optimizer),
            "data": net.data.copy()}


def assert_unchanged(net, before: dict) -> None:
    after = snapshot(net)
    assert len(after["weights"]) == len(before["weights"])
    for a, b in zip(after["weights"], before["weights"]):
        assert np.array_equal(a, b)
    assert np.array_equal(after["X"], before["X"])
    assert np.array_equal(np.asarray(after["Y"]), np.asarray(before["Y"]))
    assert (after["output"] is None) == (before["output"] is None)
    if before["output"] is not None:
        assert np.array_equal(after["output"], before["output"])
    assert after["rng"] == before["rng"] and after["iteration"] == before["iteration"]
    assert after["history"].equals(before["history"]) and after["optimizer"] == before["optimizer"]
    assert after["data"].equals(before["data"])
