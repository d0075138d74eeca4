"""rollback.Checkpoint: three slots, the finished one, the one before it and a pinned one that saves never
overwrite; each restores exactly the state of its iteration (checked against runs that stopped there)."""

import numpy as np
import pytest

from chainnet import DivergedError, NeuralNetwork, datasets
from chainnet._rollback import Checkpoint


def net():
    return NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=4, seed=3).train(
        1, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0)


def state(n):
    return (n.params.tobytes(), {k: v.tobytes() for k, v in n.optimizer_state.items()}, n.iteration,
            len(n._history))


def after(iterations):
    """An independent run that stopped after ``iterations`` (counted from the start)."""
    return state(net().train(iterations - 1, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0)
                 if iterations > 1 else net())


@pytest.mark.parametrize("pin_at, saves", [(1, 6), (3, 4), (5, 1), (4, 2)])
def test_pinned_previous_and_current_slots_survive_any_number_of_saves(pin_at, saves):
    n = net()
    checkpoint = Checkpoint(n, draws=False)                  # the slot of iteration 1
    for i in range(1, pin_at + saves + 1):
        if i > 1:
            n.train(1, optimizer="adam", learn_rate=0.01, tolerance=0, trace=0)
            checkpoint.save()
        if i == pin_at:
            checkpoint.pin()
    last = pin_at + saves
    checkpoint.restore()
    assert state(n) == after(last)
    checkpoint.restore_previous()
    assert state(n) == after(last - 1)
    checkpoint.restore_pinned()
    assert state(n) == after(pin_at)


def test_a_blow_up_goes_back_bit_for_bit_to_the_lowest_loss_iteration():
    """Trained iris at learn_rate 1 blows up; the model kept equals a fresh run of the iterations it reports."""
    def trained():
        return NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=5, seed=1).train(
            3000, learn_rate=1e-3, trace=0)
    net_, start = trained(), 3000
    with pytest.raises(DivergedError, match="blew up"):
        net_.train(200, learn_rate=1.0, tolerance=0, trace=0)
    kept = net_.iteration - start
    assert 0 < kept < 200
    reference = trained()
    reference.train(kept, learn_rate=1.0, tolerance=0, trace=0)
    np.testing.assert_array_equal(net_.params, reference.params)
    assert net_.iteration == reference.iteration and len(net_.history) == len(reference.history)
